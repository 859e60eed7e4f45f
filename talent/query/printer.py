"""The canonical text form of a query tree.

``to_text(parse(s))`` is what the UI shows back and what logs record: operators spelled out
(``AND``/``OR``/``NOT``), every leaf carrying its own field prefix (``title:a OR title:b``), and
parentheses exactly where the tree nests a lower-precedence node (or a node of the same kind),
so ``parse(to_text(tree)) == tree``.
"""

from __future__ import annotations

from talent.query.ast import And, Node, Not, Or, Phrase, Term
from talent.query.lexer import QUOTES, is_bare_word
from talent.taxonomy.model import normalize

_PRECEDENCE = {Or: 1, And: 2, Not: 3, Term: 4, Phrase: 4}


def to_text(node: Node) -> str:
    """Canonical text for ``node``; raises ``ValueError`` for a leaf that no query text can
    spell."""
    if isinstance(node, Term):
        if not is_bare_word(node.text):
            raise ValueError(f"term text {node.text!r} is not a single plain word")
        return _prefix(node) + node.text
    if isinstance(node, Phrase):
        if (
            any(ch in QUOTES for ch in node.text)
            or " ".join(node.text.split()) != node.text
            or not normalize(node.text)
        ):
            raise ValueError(f"phrase text {node.text!r} cannot be quoted as is")
        return f'{_prefix(node)}"{node.text}"'
    if isinstance(node, Not):
        return "NOT " + _child(node.item, parent=node)
    joiner = " AND " if isinstance(node, And) else " OR "
    return joiner.join(_child(item, parent=node) for item in node.items)


def _prefix(node: Term | Phrase) -> str:
    return f"{node.field}:" if node.field is not None else ""


def _child(node: Node, parent: Node) -> str:
    text = to_text(node)
    mine, theirs = _PRECEDENCE[type(node)], _PRECEDENCE[type(parent)]
    if mine < theirs or (mine == theirs and isinstance(node, (And, Or))):
        return f"({text})"
    return text
