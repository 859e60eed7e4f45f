"""Split recruiter query text into tokens with their 0-based positions.

Lexical rules (the parser's grammar is in :mod:`talent.query.parser`):

- Whitespace separates tokens; ``(`` and ``)`` are tokens of their own.
- ``"..."`` is a phrase (straight or curly quotes); an unclosed quote is an error.
- ``AND``, ``OR``, ``NOT`` in upper case are operators; any other case is a plain word.
- ``name:`` directly before something is a field prefix when ``name`` is ASCII letters; a
  prefix that is not one of :data:`~talent.query.ast.FIELDS` (any case) is an error. A colon
  anywhere else is part of the word (``10:30``, ``c++:``).
- ``-`` directly before a word, phrase, group or field prefix is the NOT shorthand.
- A word with no searchable character (``&``, ``/``) is dropped: it could match nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from talent.errors import QueryError
from talent.query.ast import FIELDS
from talent.taxonomy.model import normalize

TokenKind = Literal["word", "phrase", "field", "lparen", "rparen", "and", "or", "not", "minus"]

QUOTES = frozenset('"\u201c\u201d')
_DELIMITERS = frozenset("()") | QUOTES
OPERATORS = {"AND": "and", "OR": "or", "NOT": "not"}
_FIELD_PREFIX = re.compile(r"([A-Za-z][A-Za-z_]*):")
_FIELD_NAMES = ", ".join(f"{name}:" for name in FIELDS)


@dataclass(frozen=True, slots=True)
class Token:
    kind: TokenKind
    text: str  # the word, the phrase content (squeezed), or the field name (lower case)
    position: int  # 0-based offset of the token's first character


def is_bare_word(text: str) -> bool:
    """Whether ``text`` reads back as exactly one plain word (what a :class:`Term` may hold)."""
    if not text or text in OPERATORS or text.startswith("-"):
        return False
    if any(ch.isspace() or ch in _DELIMITERS for ch in text):
        return False
    if _FIELD_PREFIX.match(text):
        return False
    return bool(normalize(text))


def tokenize(text: str) -> list[Token]:
    """Tokens of ``text``; raises :class:`QueryError` for an unclosed quote or an unknown field."""
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch == "(":
            tokens.append(Token("lparen", "(", i))
            i += 1
        elif ch == ")":
            tokens.append(Token("rparen", ")", i))
            i += 1
        elif ch in QUOTES:
            i = _read_phrase(text, i, tokens)
        elif ch == "-" and i + 1 < n and not text[i + 1].isspace() and text[i + 1] != ")":
            tokens.append(Token("minus", "-", i))
            i += 1
        else:
            i = _read_word(text, i, tokens)
    return tokens


def _read_phrase(text: str, start: int, tokens: list[Token]) -> int:
    end = start + 1
    while end < len(text) and text[end] not in QUOTES:
        end += 1
    if end >= len(text):
        raise QueryError("unterminated quote", start, 'a closing "')
    content = " ".join(text[start + 1 : end].split())
    if not normalize(content):
        raise QueryError("the phrase has no words to search for", start, "words between the quotes")
    tokens.append(Token("phrase", content, start))
    return end + 1


def _read_word(text: str, start: int, tokens: list[Token]) -> int:
    prefix = _FIELD_PREFIX.match(text, start)
    if prefix is not None:
        name = prefix.group(1).lower()
        if name not in FIELDS:
            raise QueryError(
                f"unknown field prefix '{prefix.group(1)}:'", start, f"one of {_FIELD_NAMES}"
            )
        tokens.append(Token("field", name, start))
        return prefix.end()
    end = start
    while end < len(text) and not text[end].isspace() and text[end] not in _DELIMITERS:
        end += 1
    word = text[start:end]
    if word in OPERATORS:
        tokens.append(Token(OPERATORS[word], word, start))  # type: ignore[arg-type]
    elif normalize(word):
        tokens.append(Token("word", word, start))
    return end
