"""Query options: how the engine may rewrite a query (title expansion), from text or JSON.

Title expansion adds titles similar to the query's own (LINE embeddings) as OR-ed, down-weighted
alternatives when a query matches few members (``auto``, the default), on every search
(``always``) or never (``off``); single expanded titles can be refused.

- boolean syntax: ``expand:off`` / ``expand:auto`` / ``expand:always`` and
  ``noexpand:"web developers"`` (a title or occupation id, repeatable), anywhere at the top level
  of the text: ``title:"data scientist" python expand:off``. Options are not search terms, so
  they cannot be negated, OR-ed or put in parentheses;
- structured form: ``"expansion": {"mode": "off", "exclude": ["Web Developers"]}``.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from talent.errors import QueryError

ExpansionMode = Literal["auto", "always", "off"]
EXPANSION_MODES: tuple[str, ...] = ("auto", "always", "off")
MAX_EXCLUDED = 50

ExcludedTitle = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                                 max_length=200)]


class ExpansionOptions(BaseModel):
    """How title expansion may treat a query: ``mode`` and titles it must not add."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    mode: ExpansionMode = "auto"
    exclude: tuple[ExcludedTitle, ...] = Field(default=(), max_length=MAX_EXCLUDED)

    def to_text(self) -> str:
        """The options in the boolean syntax (``""`` for the defaults)."""
        parts = [] if self.mode == "auto" else [f"expand:{self.mode}"]
        parts += [f'noexpand:"{title}"' for title in self.exclude]
        return " ".join(parts)


DEFAULT_OPTIONS = ExpansionOptions()

_OPTION = re.compile(r"(expand|noexpand):", re.IGNORECASE)
_QUOTES = frozenset('"\u201c\u201d')
_OPERATORS = ("AND", "OR", "NOT")
_PLACEMENT = ("is an option of the whole query, not a search term: put it at the top level, "
              "without NOT, OR, AND, '-' or parentheses")


def extract_options(text: str) -> tuple[str, ExpansionOptions | None]:
    """``text`` with its options blanked out (same length: error positions stay right) and the
    options found (``None`` when there are none). Raises :class:`QueryError` for a misplaced or
    unknown option."""
    out = list(text)
    mode: str | None = None
    exclude: list[str] = []
    found = False
    depth, i, n = 0, 0, len(text)
    in_quote = False
    while i < n:
        ch = text[i]
        if in_quote:
            in_quote = ch not in _QUOTES
            i += 1
            continue
        if ch in _QUOTES:
            in_quote = True
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth = max(depth - 1, 0)
        starts_token = i == 0 or text[i - 1].isspace() or text[i - 1] in "(-"
        match = _OPTION.match(text, i) if starts_token else None
        if match is None:
            i += 1
            continue
        name = match.group(1).lower()
        if depth > 0 or (i > 0 and text[i - 1] == "-") or _operator_before(text, i):
            raise QueryError(f"'{name}:' {_PLACEMENT}", i)
        value, end = _option_value(text, match.end(), name)
        if _operator_after(text, end):
            raise QueryError(f"'{name}:' {_PLACEMENT}", i)
        if name == "expand":
            chosen = value.lower()
            if chosen not in EXPANSION_MODES:
                raise QueryError(f"unknown expansion mode {value!r}", match.end(),
                                 "one of " + ", ".join(EXPANSION_MODES))
            if mode is not None and mode != chosen:
                raise QueryError(f"expand: is given twice ({mode} and {chosen}): keep one", i)
            mode = chosen
        else:
            exclude.append(value)
        out[i:end] = " " * (end - i)
        found = True
        i = end
    if not found:
        return text, None
    if len(exclude) > MAX_EXCLUDED:
        raise QueryError(f"the query refuses {len(exclude)} expanded titles; the limit is "
                         f"{MAX_EXCLUDED}")
    return "".join(out), ExpansionOptions(mode=mode or "auto",  # type: ignore[arg-type]
                                          exclude=tuple(dict.fromkeys(exclude)))


def merge_options(text: ExpansionOptions | None,
                  structured: ExpansionOptions | None) -> ExpansionOptions:
    """The options of a query that gives them in its text and/or its structured form."""
    if text is None or structured is None:
        return text or structured or DEFAULT_OPTIONS
    if text.mode != "auto" and structured.mode != "auto" and text.mode != structured.mode:
        raise QueryError(f"the text says expand:{text.mode}, the structured form says "
                         f"{structured.mode}: keep one")
    mode = structured.mode if structured.mode != "auto" else text.mode
    return ExpansionOptions(mode=mode,
                            exclude=tuple(dict.fromkeys((*structured.exclude, *text.exclude))))


def _option_value(text: str, start: int, name: str) -> tuple[str, int]:
    if start >= len(text) or text[start].isspace():
        raise QueryError(f"nothing after '{name}:'", start,
                         "a value right after the colon" if name == "noexpand"
                         else "one of " + ", ".join(EXPANSION_MODES))
    if text[start] in _QUOTES:
        end = start + 1
        while end < len(text) and text[end] not in _QUOTES:
            end += 1
        if end >= len(text):
            raise QueryError("unterminated quote", start, 'a closing "')
        value = " ".join(text[start + 1:end].split())
        if not value:
            raise QueryError(f"'{name}:' with an empty phrase", start, "a title")
        return value, end + 1
    end = start
    while end < len(text) and not text[end].isspace() and text[end] not in "()":
        end += 1
    return text[start:end], end


def _operator_before(text: str, i: int) -> bool:
    words = text[:i].split()
    return bool(words) and words[-1] in _OPERATORS


def _operator_after(text: str, end: int) -> bool:
    words = text[end:].split()
    return bool(words) and words[0] in ("AND", "OR")
