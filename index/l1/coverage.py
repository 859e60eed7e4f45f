"""Text-coverage features from bit-coded Tantivy searches, usually the retrieval itself.

Each candidate's text features are the share of the query tokens (weighted by corpus idf, so
shard-independent) its fields hold. One Tantivy search answers up to :data:`PAIRS_PER_SEARCH`
(field, token) pairs at once: pair ``b`` is a constant-score clause worth ``2**b``, and a hit's
score, read back as an integer, says which pairs its document holds.
"""

from __future__ import annotations

import time

import numpy as np
import tantivy

from index.guard import engine_call
from index.schema import build_schema
from index.serving.partition import Hits, Partition
from index.serving.plan import COVERAGE_FIELDS, QueryPlan
from index.serving.queries import member_ids as member_ids_query

#: Query (field, token) pairs decoded from one Tantivy search: each pair's clause scores a distinct
#: power of two, so a hit's score is the bit set of the pairs its fields hold. Tantivy sums f32
#: scores, exact for sums of distinct powers of two below 2**24.
PAIRS_PER_SEARCH = 23


CoveragePair = tuple[int, str, float]  # (field column, token, share of the field's query weight)


def coverage_pairs(plan: QueryPlan) -> list[CoveragePair]:
    """The (field, token) pairs the text-match features look for, in bit order."""
    pairs: list[CoveragePair] = []
    for j, f in enumerate(COVERAGE_FIELDS):
        tokens = plan.features.coverage.get(f)
        total = sum(w for _, w in tokens) if tokens else 0.0
        if total > 0:
            pairs += [(j, t, float(w / total)) for t, w in tokens]
    return pairs


def _bit_query(base: tantivy.Query, chunk: list[CoveragePair]) -> tantivy.Query:
    """``base`` scoring 0, plus one constant-score clause worth ``2**b`` per pair ``b`` of
    ``chunk``."""
    schema = build_schema()
    Q, Occur = tantivy.Query, tantivy.Occur
    clauses = [(Occur.Must, Q.const_score_query(base, 0.0))] + [
        (Occur.Should,
         Q.const_score_query(Q.term_query(schema, COVERAGE_FIELDS[j], t), float(1 << b)))
        for b, (j, t, _) in enumerate(chunk)]
    return Q.boolean_query(clauses)


def _add_coverage(out: np.ndarray, rows: np.ndarray, scores: np.ndarray,
                  chunk: list[CoveragePair]) -> None:
    """Add to ``out[rows]`` the weights of the pairs each hit's bit-coded score says it holds."""
    bits = np.rint(scores.astype(np.float64)).astype(np.int64)
    held = (bits[:, None] >> np.arange(len(chunk))) & 1
    weights = np.zeros((len(chunk), len(COVERAGE_FIELDS)), dtype=np.float64)
    for b, (j, _, w) in enumerate(chunk):
        weights[b, j] = w
    out[rows] += (held @ weights).astype(np.float32)


def _chunks(pairs: list[CoveragePair]) -> list[list[CoveragePair]]:
    return [pairs[i:i + PAIRS_PER_SEARCH] for i in range(0, len(pairs), PAIRS_PER_SEARCH)]


def _coverage_passes(searcher: tantivy.Searcher, base: tantivy.Query,
                     chunks: list[list[CoveragePair]],
                     member_ids: np.ndarray, out: np.ndarray, matches: int | None = None) -> None:
    """Run one bit-coded search per chunk over the documents ``base`` matches and add what each
    says to ``out`` (rows in ``member_ids`` order). ``matches``: how many documents ``base``
    matches when that is more than ``member_ids`` (the others are read and left out)."""
    pos = {m: i for i, m in enumerate(member_ids.tolist())}
    limit = max(len(member_ids), matches or 0)
    for chunk in chunks:
        hits = searcher.search(_bit_query(base, chunk), limit, count=False).hits
        if not hits:
            continue
        found = searcher.fast_field_values("member_id", [a for _, a in hits])
        rows = np.fromiter((pos.get(int(m), -1) for m in found), dtype=np.int64,
                           count=len(found))  # type: ignore[arg-type]
        scores = np.fromiter((sc for sc, _ in hits), dtype=np.float64, count=len(hits))
        if limit > len(member_ids):
            keep = rows >= 0
            rows, scores = rows[keep], scores[keep]
        _add_coverage(out, rows, scores, chunk)


def text_coverage(partition: Partition, plan: QueryPlan, member_ids: np.ndarray,
                  searcher: tantivy.Searcher | None = None) -> np.ndarray:
    """``(n, len(COVERAGE_FIELDS))``: share of the query tokens (idf-weighted, corpus idf) each
    candidate's field holds.

    One Tantivy search restricted to ``member_ids`` answers up to :data:`PAIRS_PER_SEARCH`
    (field, token) pairs at once: pair ``b`` is a constant-score clause worth ``2**b``, and each
    hit's score, read back as an integer, says which pairs its document holds. The searches are
    restricted to the members' ids (any members: the training path; see
    :func:`retrieve_with_coverage` for serving)."""
    out = np.zeros((len(member_ids), len(COVERAGE_FIELDS)), dtype=np.float32)
    pairs = coverage_pairs(plan)
    if len(member_ids) == 0 or not pairs:
        return out
    ids = np.asarray(member_ids, dtype=np.int64)
    searcher = partition.searcher if searcher is None else searcher  # one snapshot for all fields
    with engine_call(f"reading text features on shard {partition.shard}", query=True):
        _coverage_passes(searcher, member_ids_query(ids), _chunks(pairs), ids, out)
    return np.minimum(out, 1.0)


#: What one coverage search restricted to ``n`` member ids costs, in ms (1M world, 250k documents
#: a shard, ids spread over the shard, 12 bit clauses: 6 ids 0.21, 100 ids 1.2 as an OR of terms;
#: 500 ids 3.5, 2,000 ids 7.3 as a term set; see :func:`index.serving.queries.member_ids`).
RESTRICTED_FIXED_MS = 0.2


#: Reading one more hit of a search back (score, address, member id): ~1 us.
HIT_READ_MS = 0.001


def restricted_search_ms(n: int) -> float:
    """Estimated cost of one coverage search restricted to ``n`` member ids."""
    return RESTRICTED_FIXED_MS + min(0.01 * n, 1.8 + 0.0027 * n)


def retrieve_with_coverage(partition: Partition, plan: QueryPlan, query: tantivy.Query, depth: int
                           ) -> tuple[Hits, np.ndarray]:
    """The partition's top ``depth`` matches of ``query`` and their text-coverage features.

    The coverage searches either re-run the match query (scoring 0, plus the bit clauses; the
    matches not retrieved are read back and dropped) or restrict to the retrieved members' ids,
    whichever is cheaper by how long the retrieval took, how many it matched and how many it
    kept (:func:`restricted_search_ms`). Most partitions match fewer documents than ``depth``
    (90% of the 1M world's logged queries), and re-running usually wins. When the document
    frequencies bound the match count by ``depth`` (:meth:`QueryPlan.match_bound`), or estimate
    it below ``depth`` (:meth:`QueryPlan.match_estimate`; when the estimate was wrong, the search
    is done again the other way), the first coverage search is the retrieval itself. Every way
    gives exactly the values of :func:`text_coverage` (the training path)."""
    pairs = coverage_pairs(plan)
    if not pairs or depth <= 0:
        hits = partition.search(query, depth)
        return hits, text_coverage(partition, plan, hits.member_ids)
    chunks = _chunks(pairs)
    first = None
    if plan.match_bound(partition) <= depth or plan.match_estimate(partition) <= depth:
        # every match fits the depth (for sure, or by the estimate: wrong for ~0.6% of the 1M
        # world's partition searches, which then search again) and needs no BM25 order
        t0 = time.perf_counter()
        first = partition.search(_bit_query(query, chunks[0]), depth)
        if first.count > depth:
            first = None
    if first is not None:
        ids = first.member_ids
        out = np.zeros((len(ids), len(COVERAGE_FIELDS)), dtype=np.float32)
        _add_coverage(out, np.arange(len(ids)), first.scores, chunks[0])
        hits = Hits(ids, np.zeros(len(ids), dtype=np.float32), first.count, partition.shard,
                    first.searcher)
        rest = chunks[1:]
    else:
        t0 = time.perf_counter()
        hits = partition.search(query, depth)
        ids = hits.member_ids
        out = np.zeros((len(ids), len(COVERAGE_FIELDS)), dtype=np.float32)
        rest = chunks
    # one snapshot for every pass
    searcher = hits.searcher if hits.searcher is not None else partition.searcher
    with engine_call(f"reading text features on shard {partition.shard}", query=True):
        if rest and len(ids):
            # re-running the match query reads every match back, retrieved or not
            rerun_ms = ((time.perf_counter() - t0) * 1e3
                        + HIT_READ_MS * max(hits.count - len(ids), 0))
            if rerun_ms < restricted_search_ms(len(ids)):
                _coverage_passes(searcher, query, rest, ids, out, hits.count)
            else:
                _coverage_passes(searcher, member_ids_query(ids), rest, ids, out)
    return hits, np.minimum(out, 1.0)
