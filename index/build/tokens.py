"""Token codes of profile text as Tantivy indexes it: what the forward store's token rows hold.

Tantivy's analyzers (:mod:`index.schema`) split on every non-alphanumeric character, then
filter each token on its own (length, lowercase, ASCII folding, stemming), so the tokens of a
text are the tokens of its whitespace-separated words one after another. Each distinct word (or
short repeated value: a title, a skill name, a company) is analyzed once and gets a word id;
a chunk of profiles then costs one dictionary lookup per word (at C speed) and a few numpy
calls that expand word ids into token codes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import chain

import numpy as np

from index.schema import FIELD_BY_NAME, TEXT_ANALYZER, analyzer


class _WordIds(dict[str, int]):
    """word -> word id, analyzing a word the first time it is met."""

    def __init__(self, table: _WordTable):
        super().__init__()
        self._table = table

    def __missing__(self, word: str) -> int:
        wid = self[word] = self._table.new_word(word)
        return wid


class _WordTable:
    """The words of one analyzer: word ids, and each word's token codes (CSR, grown by
    doubling)."""

    def __init__(self, analyze: Callable[[str], list[str]], add: Callable[[str], int]):
        self._analyze = analyze
        self._add = add
        self.ids = _WordIds(self)
        self._pending_lengths: list[int] = []
        self._pending_codes: list[int] = []
        self._count = 0
        self._lengths = np.zeros(1024, dtype=np.int64)
        self._starts = np.zeros(1024, dtype=np.int64)
        self._codes = np.zeros(4096, dtype=np.int32)
        self._used = 0  # codes stored

    def new_word(self, word: str) -> int:
        codes = [self._add(t) for t in self._analyze(word)]
        self._pending_lengths.append(len(codes))
        self._pending_codes.extend(codes)
        wid = self._count + len(self._pending_lengths) - 1
        return wid

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(starts, lengths, codes) indexed by word id, including the words met so far."""
        if self._pending_lengths:
            lengths = np.asarray(self._pending_lengths, dtype=np.int64)
            codes = np.asarray(self._pending_codes, dtype=np.int32)
            n, m = self._count + len(lengths), self._used + len(codes)
            if n > len(self._lengths):
                size = max(n, 2 * len(self._lengths))
                self._lengths = np.resize(self._lengths, size)
                self._starts = np.resize(self._starts, size)
            if m > len(self._codes):
                self._codes = np.resize(self._codes, max(m, 2 * len(self._codes)))
            self._lengths[self._count:n] = lengths
            self._starts[self._count:n] = self._used + np.cumsum(lengths) - lengths
            self._codes[self._used:m] = codes
            self._count, self._used = n, m
            self._pending_lengths, self._pending_codes = [], []
        return self._starts[:self._count], self._lengths[:self._count], self._codes[:self._used]


class TokenEncoder:
    """Token codes (``add``: a vocabulary's adder of kind ``token``) of text fields, per chunk."""

    def __init__(self, add: Callable[[str], int]):
        self._by_analyzer: dict[str, _WordTable] = {}
        self._add = add

    def _table(self, field: str) -> _WordTable:
        """The words of ``field``'s analyzer (fields sharing an analyzer share them)."""
        name = FIELD_BY_NAME[field].analyzer or TEXT_ANALYZER
        found = self._by_analyzer.get(name)
        if found is None:
            found = self._by_analyzer[name] = _WordTable(analyzer(name).analyze, self._add)
        return found

    def values(self, field: str, values: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(tokens per member, codes) of one short value per member (a word id per distinct
        value: titles, company names repeat)."""
        table = self._table(field)
        wids = np.fromiter(map(table.ids.__getitem__, values), dtype=np.int64, count=len(values))
        return _expand(table, wids, np.ones(len(values), dtype=np.int64))

    def lists(self, field: str, values: Sequence[list[str]]) -> tuple[np.ndarray, np.ndarray]:
        """(tokens per member, codes) of a list of short values per member (skill names, past
        titles)."""
        return self._pieces(field, values)

    def text(self, field: str, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(tokens per member, codes) of free text per member (headline, summary), word by
        word."""
        return self._pieces(field, [t.split() for t in texts])

    def _pieces(self, field: str, groups: Sequence[list[str]]) -> tuple[np.ndarray, np.ndarray]:
        table = self._table(field)
        counts = np.fromiter(map(len, groups), dtype=np.int64, count=len(groups))
        wids = np.fromiter(map(table.ids.__getitem__, chain.from_iterable(groups)),
                           dtype=np.int64, count=int(counts.sum()))
        return _expand(table, wids, counts)


def _expand(table: _WordTable, wids: np.ndarray,
            counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Tokens per member and their codes, for word ids ``wids`` of which member ``i`` has
    ``counts[i]`` (in order)."""
    starts, lengths, codes = table.arrays()
    per_word = lengths[wids]
    ends = np.zeros(len(wids) + 1, dtype=np.int64)
    np.cumsum(per_word, out=ends[1:])
    bounds = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=bounds[1:])
    pick = np.arange(ends[-1], dtype=np.int64)
    pick += np.repeat(starts[wids] - ends[:-1], per_word)
    return ends[bounds[1:]] - ends[bounds[:-1]], codes[pick]
