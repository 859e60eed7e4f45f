"""The boolean query tree a recruiter's text parses into.

Nodes are small frozen dataclasses: hashable, comparable, and free of positions, so two queries
that mean the same thing in the same shape compare equal (``parse(print(q)) == q``).

- :class:`Term` and :class:`Phrase` are the leaves; ``field`` is ``None`` for keywords (matched
  over headline, summary, titles and skills) or one of :data:`FIELDS`.
- :class:`And` and :class:`Or` hold two or more items, in the order typed. The parser keeps
  parenthesized groups as nested nodes and does not reorder or flatten them.
- :class:`Not` negates one item.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

Field: TypeAlias = Literal["title", "skill", "company", "location", "school"]
FIELDS: tuple[Field, ...] = ("title", "skill", "company", "location", "school")


@dataclass(frozen=True, slots=True)
class Term:
    """One bare word, as typed (not normalized): ``java``, ``C++``, ``title:engineer``."""

    field: Field | None
    text: str


@dataclass(frozen=True, slots=True)
class Phrase:
    """Words that must appear together, as typed between quotes, whitespace squeezed."""

    field: Field | None
    text: str


@dataclass(frozen=True, slots=True)
class And:
    """All items must match (explicit ``AND`` or juxtaposition)."""

    items: tuple[Node, ...]

    def __init__(self, items: Iterable[Node]):
        object.__setattr__(self, "items", _at_least_two(items, "And"))


@dataclass(frozen=True, slots=True)
class Or:
    """At least one item must match."""

    items: tuple[Node, ...]

    def __init__(self, items: Iterable[Node]):
        object.__setattr__(self, "items", _at_least_two(items, "Or"))


@dataclass(frozen=True, slots=True)
class Not:
    """The item must not match."""

    item: Node


Leaf: TypeAlias = Term | Phrase
Node: TypeAlias = Term | Phrase | And | Or | Not


def _at_least_two(items: Iterable[Node], kind: str) -> tuple[Node, ...]:
    out = tuple(items)
    if len(out) < 2:
        raise ValueError(f"{kind} needs at least two items, got {len(out)}")
    return out


def walk(node: Node) -> Iterator[Node]:
    """Every node of the tree, parents before children, left to right."""
    stack: list[Node] = [node]
    while stack:
        current = stack.pop()
        yield current
        if isinstance(current, (And, Or)):
            stack.extend(reversed(current.items))
        elif isinstance(current, Not):
            stack.append(current.item)


def leaves(node: Node) -> Iterator[tuple[Leaf, bool]]:
    """Every leaf with its polarity: ``(leaf, negated)``, ``negated`` when under an odd number of
    NOTs."""
    stack: list[tuple[Node, bool]] = [(node, False)]
    while stack:
        current, negated = stack.pop()
        if isinstance(current, (Term, Phrase)):
            yield current, negated
        elif isinstance(current, Not):
            stack.append((current.item, not negated))
        else:
            stack.extend((item, negated) for item in reversed(current.items))


def count_leaves(node: Node) -> int:
    """How many terms and phrases the tree holds (the "clauses" a query is limited by)."""
    return sum(1 for _ in leaves(node))


def has_or(node: Node) -> bool:
    """Whether the tree holds an OR anywhere."""
    return any(isinstance(n, Or) for n in walk(node))


def is_negative_only(node: Node) -> bool:
    """Whether the node matches everything except some documents (``NOT java``, ``a OR NOT b``).

    Such a query would return nearly every profile, so the parser refuses it at the root.
    """
    if isinstance(node, (Term, Phrase)):
        return False
    if isinstance(node, Not):
        return not is_negative_only(node.item)
    if isinstance(node, And):
        return all(is_negative_only(item) for item in node.items)
    return any(is_negative_only(item) for item in node.items)


def to_dict(node: Node) -> dict[str, Any]:
    """A JSON-ready form of the tree, for logs and the API."""
    if isinstance(node, Term):
        return {"term": node.text, "field": node.field}
    if isinstance(node, Phrase):
        return {"phrase": node.text, "field": node.field}
    if isinstance(node, Not):
        return {"not": to_dict(node.item)}
    key = "and" if isinstance(node, And) else "or"
    return {key: [to_dict(item) for item in node.items]}
