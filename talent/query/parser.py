"""Parse what recruiters type into a :mod:`talent.query.ast` tree.

Grammar (recursive descent; precedence NOT > AND > OR)::

    query   := or_expr END
    or_expr := and_expr ("OR" and_expr)*
    and_expr:= unary (["AND"] unary)*          juxtaposition is an implicit AND
    unary   := ("NOT" | "-") unary | primary
    primary := [field ":"] (word | "phrase" | "(" or_expr ")")

A field prefix applies to everything in its group: ``title:(a OR b)`` is
``title:a OR title:b``; a different field prefix inside a fielded group is an error.
Operators are upper case only; ``and``/``or``/``not`` are plain words.

Every refusal is a :class:`~talent.errors.QueryError` with a 0-based position (when one place
is at fault) and what was expected there; nothing else escapes :func:`parse`.
"""

from __future__ import annotations

import re

from talent.errors import QueryError
from talent.query.ast import And, Field, Node, Not, Or, Phrase, Term, is_negative_only
from talent.query.lexer import Token, tokenize

MAX_QUERY_CHARS = 1_000
"""Longest query text accepted, in characters."""
MAX_CLAUSES = 100
"""Most terms and phrases one query may hold."""
MAX_DEPTH = 25
"""Deepest nesting of groups and negations accepted."""

_OPERAND = "a word, a \"phrase\" or a '(' group"


_SURROGATE = re.compile("[\ud800-\udfff]")


def parse(text: str, *, allow_negative_only: bool = False) -> Node:
    """Parse boolean query text into a tree.

    Parameters
    ----------
    text:
        The query as typed, at most :data:`MAX_QUERY_CHARS` characters and
        :data:`MAX_CLAUSES` terms/phrases.
    allow_negative_only:
        Accept a query that only excludes (``NOT java``). Off by default because such a query
        matches nearly everyone; turn it on only when other filters restrict the result.

    Raises
    ------
    QueryError
        For empty or over-long text and any syntax error, with position and expectation.
    """
    if not isinstance(text, str):
        raise QueryError("the query must be text")
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(
            f"the query is {len(text):,} characters long; the limit is {MAX_QUERY_CHARS:,}: "
            "shorten it",
            MAX_QUERY_CHARS,
        )
    bad = _SURROGATE.search(text)
    if bad is not None:  # bytes that were not UTF-8 (a shell argument decoded with surrogateescape)
        raise QueryError("the query holds bytes that are not UTF-8 text", bad.start())
    if not text.strip():
        raise QueryError("the query is empty: type a title, skill or keyword", 0, _OPERAND)
    tokens = tokenize(text)
    if not tokens:
        raise QueryError("the query has no words to search for", 0, _OPERAND)
    tree = _Parser(tokens, len(text)).parse()
    if not allow_negative_only and is_negative_only(tree):
        raise QueryError(
            "the query only excludes (like NOT java), or has an OR branch that does, so it would "
            "match nearly everyone: add a title, skill or keyword that candidates must have"
        )
    return tree


class _Parser:
    def __init__(self, tokens: list[Token], length: int):
        self.tokens = tokens
        self.length = length
        self.index = 0
        self.depth = 0
        self.clauses = 0

    # --- token access ----------------------------------------------------------------------
    def peek(self) -> Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def next(self) -> Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def here(self) -> int:
        token = self.peek()
        return token.position if token is not None else self.length

    # --- grammar -----------------------------------------------------------------------------
    def parse(self) -> Node:
        node = self.or_expr(None)
        token = self.peek()
        if token is not None:
            if token.kind == "rparen":
                raise QueryError(
                    "unbalanced parenthesis: this ')' closes nothing",
                    token.position,
                    "an operator or the end",
                )
            raise QueryError(
                f"unexpected '{token.text}'", token.position, "an operator or the end"
            )  # pragma: no cover
        return node

    def or_expr(self, field: Field | None) -> Node:
        items = [self.and_expr(field)]
        while (token := self.peek()) is not None and token.kind == "or":
            self.next()
            items.append(self.and_expr(field, after=token))
        return items[0] if len(items) == 1 else Or(items)

    def and_expr(self, field: Field | None, after: Token | None = None) -> Node:
        items = [self.unary(field, after)]
        while (token := self.peek()) is not None and token.kind not in ("or", "rparen"):
            if token.kind == "and":
                self.next()
                items.append(self.unary(field, after=token))
            else:
                items.append(self.unary(field))
        return items[0] if len(items) == 1 else And(items)

    def unary(self, field: Field | None, after: Token | None = None) -> Node:
        token = self.peek()
        if token is not None and token.kind in ("not", "minus"):
            self.next()
            self.enter(token)
            nxt = self.peek()
            if nxt is None or nxt.kind in ("or", "and", "rparen"):
                raise QueryError(
                    f"{token.text} with nothing after it to exclude", self.here(), _OPERAND
                )
            node = Not(self.unary(field, after=token))
            self.depth -= 1
            return node
        return self.primary(field, after)

    def primary(self, field: Field | None, after: Token | None) -> Node:
        token = self.peek()
        if token is None or token.kind in ("or", "and", "rparen"):
            raise self.missing_operand(token, after)
        self.next()
        if token.kind == "field":
            return self.fielded(token, field)
        if token.kind == "lparen":
            return self.group(token, field)
        self.count_clause(token)
        if token.kind == "word":
            return Term(field, token.text)
        return Phrase(field, token.text)  # token.kind == "phrase"; "not"/"minus" handled in unary

    def fielded(self, prefix: Token, outer: Field | None) -> Node:
        if outer is not None and outer != prefix.text:
            raise QueryError(
                f"'{prefix.text}:' inside a '{outer}:' group",
                prefix.position,
                f"no field prefix, or '{outer}:'",
            )
        token = self.peek()
        if token is None or token.kind not in ("word", "phrase", "lparen"):
            raise QueryError(
                f"nothing to search after '{prefix.text}:'",
                self.here(),
                f"{_OPERAND} right after the colon",
            )
        if token.position != prefix.position + len(prefix.text) + 1:
            raise QueryError(
                f"space after '{prefix.text}:'",
                prefix.position + len(prefix.text) + 1,
                f"{_OPERAND} right after the colon",
            )
        field: Field = prefix.text  # type: ignore[assignment]
        return self.primary(field, after=prefix)

    def group(self, opening: Token, field: Field | None) -> Node:
        self.enter(opening)
        token = self.peek()
        if token is not None and token.kind == "rparen":
            raise QueryError("empty parentheses", token.position, _OPERAND)
        if token is None:
            raise QueryError("unbalanced parenthesis: '(' is never closed", opening.position, "')'")
        node = self.or_expr(field)
        closing = self.peek()
        if closing is None or closing.kind != "rparen":
            raise QueryError("unbalanced parenthesis: '(' is never closed", opening.position, "')'")
        self.next()
        self.depth -= 1
        return node

    # --- limits and messages -------------------------------------------------------------------
    def enter(self, token: Token) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise QueryError(
                f"the query nests groups or NOTs more than {MAX_DEPTH} deep: simplify it",
                token.position,
            )

    def count_clause(self, token: Token) -> None:
        self.clauses += 1
        if self.clauses > MAX_CLAUSES:
            raise QueryError(
                f"the query has more than {MAX_CLAUSES} terms and phrases: split it or use fewer "
                "alternatives",
                token.position,
            )

    def missing_operand(self, token: Token | None, after: Token | None) -> QueryError:
        where = token.position if token is not None else self.length
        if after is not None and after.kind in ("and", "or"):
            return QueryError(f"{after.text} with nothing after it", where, _OPERAND)
        if token is None:
            return QueryError("the query ends too early", where, _OPERAND)
        if token.kind == "rparen":
            return QueryError("unbalanced parenthesis: this ')' closes nothing", where, _OPERAND)
        return QueryError(f"{token.text} with nothing before it", where, _OPERAND)
