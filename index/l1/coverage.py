"""Text-coverage features from the forward store's token rows.

Each candidate's text features are the share of the query tokens (weighted by corpus idf, so
shard-independent) its fields hold. The forward store keeps every document's analyzed tokens per
text field (:data:`index.forward.TOKEN_FIELDS`: the terms Tantivy indexed), so the features are
a lookup of the candidates' token codes in a table of the query's, over the rows the other
features gather anyway: no Tantivy search, the same on the serving and the training path.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from index.forward import TOKEN_FIELDS, ForwardBatch, ForwardStore
from index.l1.coverage_kernel import compile_for, field_coverage
from index.serving.plan import COVERAGE_FIELDS, QueryPlan
from index.vocab import Vocabulary

assert set(COVERAGE_FIELDS) <= set(TOKEN_FIELDS), "every coverage field needs its token rows"

#: The weights of at most this many (field, token) pairs (in :func:`coverage_pairs` order) are
#: summed in float64 before being added in float32: the arithmetic of the bit-coded Tantivy
#: searches these features came from (23 pairs a search), kept so that a model sees the values
#: it was trained on, bit for bit.
PAIRS_PER_SUM = 23


CoveragePair = tuple[int, str, float]  # (field column, token, share of the field's query weight)


def coverage_pairs(plan: QueryPlan) -> list[CoveragePair]:
    """The (field, token) pairs the text-match features look for, in order."""
    pairs: list[CoveragePair] = []
    for j, f in enumerate(COVERAGE_FIELDS):
        tokens = plan.features.coverage.get(f)
        total = sum(w for _, w in tokens) if tokens else 0.0
        if total > 0:
            pairs += [(j, t, float(w / total)) for t, w in tokens]
    return pairs


@dataclass(frozen=True)
class FieldLookup:
    """One field's query tokens as a table over token codes."""

    column: int           # the field's column in COVERAGE_FIELDS
    field: str
    #: token code -> 1 + the token's row in ``pairs`` (0: not a query token); the last entry is
    #: 0, and codes past the table (tokens newer than the plan's vocabulary) read it
    table: np.ndarray
    pairs: np.ndarray     # int64: the tokens' positions in :func:`coverage_pairs` order
    weights: np.ndarray   # float64: their shares of the field's query weight


@dataclass(frozen=True)
class CoverageQuery:
    """What the coverage of one plan looks up, per field with query tokens."""

    fields: tuple[FieldLookup, ...]

    @classmethod
    def of(cls, plan: QueryPlan, vocab: Vocabulary) -> CoverageQuery:
        """The lookups of ``plan``'s coverage tokens in ``vocab`` (a token the vocabulary does
        not know is held by no document)."""
        size = vocab.size("token")
        by_field: dict[int, list[tuple[int, str, float]]] = {}
        for b, (j, token, w) in enumerate(coverage_pairs(plan)):
            by_field.setdefault(j, []).append((b, token, w))
        fields = []
        for j, items in sorted(by_field.items()):
            codes = vocab.codes("token", [t for _, t, _ in items]).astype(np.int64)
            known = codes >= 0
            if not known.any():
                continue
            table = np.zeros(size + 1, dtype=np.uint8 if len(items) < 255 else np.int32)
            table[codes[known]] = np.flatnonzero(known) + 1
            fields.append(FieldLookup(j, COVERAGE_FIELDS[j], table,
                                      np.asarray([b for b, _, _ in items], dtype=np.int64),
                                      np.asarray([w for _, _, w in items], dtype=np.float64)))
        return cls(tuple(fields))


def coverage_query(plan: QueryPlan, vocab: Vocabulary) -> CoverageQuery:
    """:meth:`CoverageQuery.of`, made once per plan and vocabulary (partitions share it)."""
    key = id(vocab)
    found = plan.memo.get(("coverage", key))
    if found is None or found[0] is not vocab:
        found = plan.memo[("coverage", key)] = (vocab, CoverageQuery.of(plan, vocab))
    return found[1]


def text_coverage(batch: ForwardBatch, query: CoverageQuery) -> np.ndarray:
    """``(n, len(COVERAGE_FIELDS))``: the share of the query tokens (idf-weighted, corpus idf)
    each member of ``batch`` holds in each field (0 for members not found).

    Reads the token rows in place with the compiled loop (:mod:`index.l1.coverage_kernel`).
    """
    n = len(batch)
    out = np.zeros((n, len(COVERAGE_FIELDS)), dtype=np.float32)
    if n == 0 or not query.fields:
        return out
    store, base_rows = batch.store, batch.base_rows
    if store is None or base_rows is None:
        raise ValueError("this batch was not gathered from a forward store: no tokens")
    over_rows = batch.overlay_rows if batch.overlay_rows is not None else _NO_ROWS
    order = batch.storage_order()
    for lookup in query.fields:
        base, over = store.base.lists[lookup.field], store.overlay.lists[lookup.field]
        field_coverage(base.indptr, base.indices, base_rows, over.indptr, over.indices, over_rows,
                       order, lookup.table, lookup.pairs, lookup.weights, PAIRS_PER_SUM, out,
                       lookup.column)
    return out


_NO_ROWS = np.zeros(0, dtype=np.int64)


def prepare_coverage(store: ForwardStore) -> None:
    """Compile the coverage loop for ``store``'s token rows now (a version's shards share their
    types), so that a recruiter's first search does not wait for it."""
    base, over = store.base.lists[COVERAGE_FIELDS[0]], store.overlay.lists[COVERAGE_FIELDS[0]]
    compile_for(base.indptr, base.indices, over.indptr, over.indices)
