"""Token codes of profile text as Tantivy indexes it: what the forward store's token rows hold.

Tantivy's analyzers (:mod:`index.schema`) split on every non-alphanumeric character, then
filter each token on its own (length, lowercase, ASCII folding, stemming), so the tokens of a
text are the tokens of its whitespace-separated words one after another. Analyzing each
distinct word (or short repeated value: a title, a skill name, a company) once and caching its
token codes makes a profile's tokens a few dictionary lookups, at C speed, per chunk of profiles.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import chain

import numpy as np

from index.schema import FIELD_BY_NAME, TEXT_ANALYZER, analyzer


class _Codes(dict[str, tuple[int, ...]]):
    """text -> token codes of its analyzed tokens, filled on first use."""

    def __init__(self, analyze: Callable[[str], list[str]], add: Callable[[str], int]):
        super().__init__()
        self._analyze = analyze
        self._add = add

    def __missing__(self, text: str) -> tuple[int, ...]:
        codes = self[text] = tuple(map(self._add, self._analyze(text)))
        return codes


class TokenEncoder:
    """Token codes (``add``: a vocabulary's adder of kind ``token``) of text fields, per chunk."""

    def __init__(self, add: Callable[[str], int]):
        self._by_analyzer: dict[str, _Codes] = {}
        self._add = add

    def codes(self, field: str) -> _Codes:
        """The cache of ``field``'s analyzer (fields sharing an analyzer share it)."""
        name = FIELD_BY_NAME[field].analyzer or TEXT_ANALYZER
        found = self._by_analyzer.get(name)
        if found is None:
            found = self._by_analyzer[name] = _Codes(analyzer(name).analyze, self._add)
        return found

    def values(self, field: str, values: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(tokens per member, codes) of one short value per member (cached whole: titles,
        company names repeat)."""
        parts = list(map(self.codes(field).__getitem__, values))
        return _flatten(parts)

    def lists(self, field: str, values: Sequence[list[str]]) -> tuple[np.ndarray, np.ndarray]:
        """(tokens per member, codes) of a list of short values per member (skill names, past
        titles)."""
        return _grouped(values, self.codes(field))

    def text(self, field: str, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(tokens per member, codes) of free text per member (headline, summary), cached per
        word."""
        return _grouped([t.split() for t in texts], self.codes(field))


def _flatten(parts: list[tuple[int, ...]]) -> tuple[np.ndarray, np.ndarray]:
    lengths = np.fromiter(map(len, parts), dtype=np.int64, count=len(parts))
    codes = np.fromiter(chain.from_iterable(parts), dtype=np.int32, count=int(lengths.sum()))
    return lengths, codes


def _grouped(groups: Sequence[list[str]], codes: _Codes) -> tuple[np.ndarray, np.ndarray]:
    """Tokens per group of strings and their codes, the groups' strings one after another."""
    counts = np.fromiter(map(len, groups), dtype=np.int64, count=len(groups))
    piece_lengths, flat = _flatten(list(map(codes.__getitem__, chain.from_iterable(groups))))
    ends = np.zeros(len(piece_lengths) + 1, dtype=np.int64)
    np.cumsum(piece_lengths, out=ends[1:])
    bounds = np.zeros(len(groups) + 1, dtype=np.int64)
    np.cumsum(counts, out=bounds[1:])
    return ends[bounds[1:]] - ends[bounds[:-1]], flat
