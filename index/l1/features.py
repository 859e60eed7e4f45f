"""L1, the first-pass ranker each partition runs over its own matches.

:func:`candidate_features` is THE feature code: serving (:func:`score_partition`) and training
(:mod:`talent.training.l1`) both call it, so a model sees at serving time exactly the features
it was trained on. Features come from the query plan and the forward store; text-match
features come from bit-coded Tantivy searches over the candidates (usually the retrieval
itself, see :func:`retrieve_with_coverage`), scoring each candidate by the corpus idf of the
query tokens its field holds (shard-independent).
Protected attributes (gender) are not in the forward store and never features.
"""

from __future__ import annotations

import json
import time
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import tantivy

from index.facets import forward_facets
from index.forward import ForwardBatch
from index.guard import engine_call
from index.partition import Hits, Partition
from index.plan import COVERAGE_FIELDS, QueryPlan, family_of_codes
from index.queries import member_ids as member_ids_query
from index.schema import build_schema
from index.serving import IndexSnapshot
from talent.errors import ModelUnavailable
from talent.logging import get_logger

log = get_logger(__name__)

FEATURE_NAMES: tuple[str, ...] = (
    *(f"text_{f}" for f in COVERAGE_FIELDS),
    "title_same_occupation",
    "title_past_occupation",
    "title_related_occupation",
    "title_same_family",
    "query_has_title",
    "skill_coverage",
    "skill_matched_count",
    "skill_endorsement",
    "occupation_skill_overlap",
    "query_has_skills",
    "seniority",
    "seniority_gap",
    "query_has_seniority",
    "years_experience",
    "years_fit",
    "location_match",
    "query_has_location",
    "willing_to_relocate",
    "open_to_work",
    "days_inactive",
    "tenure_years",
    "completeness",
    "num_skills",
    "num_positions",
    "num_companies",
    "education_level",
)
FEATURE_INDEX = {n: i for i, n in enumerate(FEATURE_NAMES)}
PROTECTED_ATTRIBUTES = ("gender", "sex", "first_name", "name", "age", "birth", "ethnicity", "race")

#: Weights of the text-match score (the fallback ranker and the "text match" baseline).
TEXT_MATCH_WEIGHTS: dict[str, float] = {
    "text_title": 3.0, "text_skills": 2.0, "text_headline": 1.0, "text_summary": 0.5,
    "text_past_titles": 0.5, "text_company": 1.0, "title_same_occupation": 2.0, "skill_coverage": 1.0,
}
TEXT_MATCH_RANKER = "text-match"
FALLBACK_RANKER = "text-match (no L1 model)"


def text_match_score(features: np.ndarray) -> np.ndarray:
    """A fixed weighted sum of the text and id match features."""
    w = np.zeros(len(FEATURE_NAMES), dtype=np.float32)
    for name, weight in TEXT_MATCH_WEIGHTS.items():
        w[FEATURE_INDEX[name]] = weight
    return (features @ w).astype(np.float32)


# --- features -----------------------------------------------------------------------------------------
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
    """``base`` scoring 0, plus one constant-score clause worth ``2**b`` per pair ``b`` of ``chunk``."""
    schema = build_schema()
    Q, Occur = tantivy.Query, tantivy.Occur
    clauses = [(Occur.Must, Q.const_score_query(base, 0.0))] + [
        (Occur.Should, Q.const_score_query(Q.term_query(schema, COVERAGE_FIELDS[j], t), float(1 << b)))
        for b, (j, t, _) in enumerate(chunk)]
    return Q.boolean_query(clauses)


def _add_coverage(out: np.ndarray, rows: np.ndarray, scores: np.ndarray, chunk: list[CoveragePair]) -> None:
    """Add to ``out[rows]`` the weights of the pairs each hit's bit-coded score says it holds."""
    bits = np.rint(scores.astype(np.float64)).astype(np.int64)
    held = (bits[:, None] >> np.arange(len(chunk))) & 1
    weights = np.zeros((len(chunk), len(COVERAGE_FIELDS)), dtype=np.float64)
    for b, (j, _, w) in enumerate(chunk):
        weights[b, j] = w
    out[rows] += (held @ weights).astype(np.float32)


def _chunks(pairs: list[CoveragePair]) -> list[list[CoveragePair]]:
    return [pairs[i:i + PAIRS_PER_SEARCH] for i in range(0, len(pairs), PAIRS_PER_SEARCH)]


def _coverage_passes(searcher: tantivy.Searcher, base: tantivy.Query, chunks: list[list[CoveragePair]],
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
        rows = np.fromiter((pos.get(int(m), -1) for m in found), dtype=np.int64, count=len(found))  # type: ignore[arg-type]
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
#: 500 ids 3.5, 2,000 ids 7.3 as a term set; see :func:`index.queries.member_ids`).
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
        hits = Hits(ids, np.zeros(len(ids), dtype=np.float32), first.count, partition.shard, first.searcher)
        rest = chunks[1:]
    else:
        t0 = time.perf_counter()
        hits = partition.search(query, depth)
        ids = hits.member_ids
        out = np.zeros((len(ids), len(COVERAGE_FIELDS)), dtype=np.float32)
        rest = chunks
    searcher = hits.searcher if hits.searcher is not None else partition.searcher  # one snapshot for every pass
    with engine_call(f"reading text features on shard {partition.shard}", query=True):
        if rest and len(ids):
            # re-running the match query reads every match back, retrieved or not
            rerun_ms = (time.perf_counter() - t0) * 1e3 + HIT_READ_MS * max(hits.count - len(ids), 0)
            if rerun_ms < restricted_search_ms(len(ids)):
                _coverage_passes(searcher, query, rest, ids, out, hits.count)
            else:
                _coverage_passes(searcher, member_ids_query(ids), rest, ids, out)
    return hits, np.minimum(out, 1.0)


def _code_table(values: np.ndarray, keys: np.ndarray, weights: np.ndarray | None, dtype: type
                ) -> np.ndarray | None:
    """A table indexed by code: ``weights[i]`` (or True) at ``keys[i]`` (the last one for a
    repeated key), 0 elsewhere, long enough for every code of ``values``; its last entry is
    always 0, so code ``-1`` (none) reads 0. None when no key is a code (>= 0)."""
    valid = keys >= 0
    if not valid.any():
        return None
    size = max(int(values.max(initial=-1)), int(keys.max())) + 2
    table: np.ndarray = np.zeros(size, dtype=dtype)
    if weights is None:
        table[keys[valid]] = True
    else:  # dict: the last weight of a repeated key wins, whatever numpy's assignment order
        pairs = dict(zip(keys[valid].tolist(), weights[valid].tolist()))
        table[np.fromiter(pairs.keys(), np.int64, len(pairs))] = np.fromiter(pairs.values(), dtype, len(pairs))
    return table


def _lookup(keys: np.ndarray, weights: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``weights[i]`` for each value equal to ``keys[i]`` (the last one for a repeated key), else 0
    (codes: ints >= -1)."""
    table = _code_table(values, np.asarray(keys), np.asarray(weights), np.float32)
    return table[values] if table is not None else np.zeros(len(values), np.float32)


def _isin(values: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Which ``values`` are among ``wanted`` (codes: ints >= -1; -1 is never wanted)."""
    table = _code_table(values, np.asarray(wanted), None, np.bool_) if len(values) else None
    return table[values] if table is not None else np.zeros(len(values), dtype=bool)


def candidate_features(snapshot: IndexSnapshot, partition: Partition, plan: QueryPlan,
                       member_ids: np.ndarray, batch: ForwardBatch | None = None,
                       coverage: np.ndarray | None = None) -> np.ndarray:
    """L1 features ``(n, len(FEATURE_NAMES))`` of ``member_ids`` held by ``partition``.

    The one feature function of L1, used at serving and at training time (``batch``: the
    members' forward rows when the caller has them; ``coverage``: their text-coverage
    features when retrieval computed them, see :func:`retrieve_with_coverage`).
    """
    ids = np.asarray(member_ids, dtype=np.int64)
    n = len(ids)
    X = np.zeros((n, len(FEATURE_NAMES)), dtype=np.float32)
    if n == 0:
        return X
    q = plan.features
    if batch is None:
        batch = partition.features(ids)
    col = batch.columns
    X[:, : len(COVERAGE_FIELDS)] = text_coverage(partition, plan, ids) if coverage is None else coverage

    def put(name: str, values: Any) -> None:
        X[:, FEATURE_INDEX[name]] = values

    occ = col["occupation"]
    put("title_same_occupation", _isin(occ, q.title_codes))
    past = batch.csr["past_occupations"]
    past_owner = np.repeat(np.arange(n), np.diff(past.indptr))
    past_hit = np.zeros(n, dtype=bool)
    if len(q.title_codes) and len(past.indices):
        past_hit[past_owner[_isin(past.indices, q.title_codes)]] = True
    put("title_past_occupation", past_hit)
    put("title_related_occupation", _isin(occ, q.related_codes))
    families = family_of_codes(snapshot)
    member_family = np.where((occ >= 0) & (occ < len(families)), families[np.clip(occ, 0, len(families) - 1)], -2)
    put("title_same_family", np.isin(member_family, q.title_families) if len(q.title_families) else 0.0)  # -2: none
    put("query_has_title", float(len(q.title_codes) > 0))

    skills = batch.csr["skills"]
    owner = np.repeat(np.arange(n), np.diff(skills.indptr))
    weights = skills.data if skills.data is not None else np.ones(len(skills.indices), np.float32)
    if len(q.skill_codes):
        match = _isin(skills.indices, q.skill_codes)
        imp_of = _lookup(q.skill_codes, q.skill_weights, skills.indices[match])
        total = float(q.skill_weights[q.skill_codes >= 0].sum()) or 1.0
        put("skill_coverage", np.bincount(owner[match], weights=imp_of, minlength=n) / total)
        count = np.bincount(owner[match], minlength=n)
        put("skill_matched_count", count)
        put("skill_endorsement", np.bincount(owner[match], weights=weights[match], minlength=n) / np.maximum(count, 1))
    if len(q.occupation_skill_codes):
        match = _isin(skills.indices, q.occupation_skill_codes)
        imp_of = _lookup(q.occupation_skill_codes, q.occupation_skill_weights, skills.indices[match])
        total = float(q.occupation_skill_weights.sum()) or 1.0
        put("occupation_skill_overlap", np.bincount(owner[match], weights=imp_of, minlength=n) / total)
    put("query_has_skills", float(len(q.skill_codes) > 0))

    seniority = col["seniority"].astype(np.float32)
    put("seniority", seniority)
    if len(q.seniority_levels):
        lo, hi = float(q.seniority_levels.min()), float(q.seniority_levels.max())
        put("seniority_gap", np.maximum(lo - seniority, 0) + np.maximum(seniority - hi, 0))
        put("query_has_seniority", 1.0)
    years = col["years_experience"].astype(np.float32)
    put("years_experience", years)
    fit = np.ones(n, dtype=bool)
    if q.years_min is not None:
        fit &= years >= q.years_min
    if q.years_max is not None:
        fit &= years <= q.years_max
    put("years_fit", fit)
    put("location_match", np.isin(col["metro"], q.metros) if len(q.metros) else 0.0)
    put("query_has_location", float(len(q.metros) > 0))
    put("willing_to_relocate", col["willing_to_relocate"])
    put("open_to_work", col["open_to_work"])
    last = col["last_active_day"]
    put("days_inactive", np.where(last >= 0, np.maximum(q.reference_day - last, 0), 3650))
    start = col["current_start_day"]
    put("tenure_years", np.where(start >= 0, np.maximum(q.reference_day - start, 0) / 365.25, 0))
    put("completeness", col["completeness"])
    put("num_skills", col["num_skills"])
    put("num_positions", col["num_positions"])
    put("num_companies", col["num_companies"])
    put("education_level", col["education_level"])
    return X


def features_for_members(snapshot: IndexSnapshot, plan: QueryPlan, member_ids: np.ndarray) -> np.ndarray:
    """Features of members from any shards, in the order given (the training path)."""
    ids = np.asarray(member_ids, dtype=np.int64)
    X = np.zeros((len(ids), len(FEATURE_NAMES)), dtype=np.float32)
    owner = snapshot.partition_of(ids)
    for shard in np.unique(owner):
        rows = np.flatnonzero(owner == shard)
        X[rows] = candidate_features(snapshot, snapshot.partitions[int(shard)], plan, ids[rows])
    return X


# --- the model ------------------------------------------------------------------------------------------
class Scorer(Protocol):
    """Anything that scores an L1 feature matrix (a trained model)."""

    @property
    def name(self) -> str: ...

    def predict(self, features: np.ndarray) -> np.ndarray: ...


@dataclass
class L1Model:
    """A trained L1 ranker loaded from ``<models_dir>/l1/<version>/``."""

    version: str
    kind: str                       # "xgboost" | "lightgbm"
    booster: Any
    feature_names: tuple[str, ...]
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return f"l1-{self.kind}@{self.version}"

    def predict(self, features: np.ndarray) -> np.ndarray:
        if len(features) == 0:
            return np.zeros(0, dtype=np.float32)
        if self.kind == "xgboost":
            return np.asarray(self.booster.inplace_predict(features), dtype=np.float32)
        return np.asarray(self.booster.predict(features, num_threads=1), dtype=np.float32)


MODEL_FILES = {"xgboost": "model.ubj", "lightgbm": "model.txt"}


def l1_models_dir(models_dir: Path) -> Path:
    return Path(models_dir) / "l1"


def load_model(path: Path) -> L1Model:
    """Load the model artifact in directory ``path``; refuses a feature schema this code does not have."""
    meta_file = path / "meta.json"
    try:
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError) as exc:
        raise ModelUnavailable(f"L1 model metadata {meta_file} is missing or corrupt: run `talent train l1`") from exc
    names = tuple(meta.get("feature_names", ()))
    if names != FEATURE_NAMES:
        raise ModelUnavailable(f"L1 model {path.name} was trained on other features than this code computes: "
                               "retrain with `talent train l1`")
    kind = meta.get("kind")
    model_file = path / MODEL_FILES.get(str(kind), "model")
    if not model_file.exists():
        raise ModelUnavailable(f"L1 model file {model_file} is missing: run `talent train l1`")
    booster: Any
    if kind == "xgboost":
        import xgboost as xgb

        booster = xgb.Booster()
        booster.load_model(str(model_file))
        booster.set_param({"nthread": 1})
    else:
        import lightgbm as lgb

        booster = lgb.Booster(model_file=str(model_file))
    return L1Model(path.name, str(kind), booster, names, meta)


def load_current_model(models_dir: Path) -> L1Model | None:
    """The model ``<models_dir>/l1/CURRENT`` points to, or None when there is none."""
    root = l1_models_dir(models_dir)
    pointer = root / "CURRENT"
    if not pointer.exists():
        return None
    version = pointer.read_text(encoding="utf-8").strip()
    return load_model(root / version)


# --- one partition's work -------------------------------------------------------------------------------
@dataclass
class PartitionResult:
    """A partition's top k by L1 score with their features, its match count and facets."""

    shard: int
    member_ids: np.ndarray
    scores: np.ndarray
    features: np.ndarray
    count: int
    facets: dict[str, dict[Any, int]]
    timings: dict[str, float]


def score_partition(snapshot: IndexSnapshot, partition: Partition, plan: QueryPlan, scorer: Scorer | None, *,
                    depth: int, top_k: int, facet_fields: tuple[str, ...] = (), facet_size: int = 100,
                    facet_pool: Executor | None = None) -> PartitionResult:
    """Retrieve up to ``depth`` matches, score them with L1 (text match without a model), keep ``top_k``.

    Facets of a partition that matched more than it retrieved take a Tantivy aggregation over
    every match; with ``facet_pool`` it runs there while this thread computes the features and
    scores (Tantivy releases the GIL, the feature code holds it)."""
    t0 = time.perf_counter()
    query = plan.compile(partition)
    hits, coverage = retrieve_with_coverage(partition, plan, query, depth)
    t1 = time.perf_counter()
    every_match = hits.count <= len(hits)
    pending: Future[dict[str, dict[Any, int]]] | None = None
    if facet_fields and not every_match and facet_pool is not None:
        pending = facet_pool.submit(partition.facets, query, facet_fields, facet_size)
    batch = partition.features(hits.member_ids)
    X = candidate_features(snapshot, partition, plan, hits.member_ids, batch, coverage)
    t2 = time.perf_counter()
    scores = scorer.predict(X) if scorer is not None else text_match_score(X)
    order = np.lexsort((hits.member_ids, -scores))[:top_k]
    t3 = time.perf_counter()
    facets: dict[str, dict[Any, int]] = {}
    if pending is not None:
        facets = pending.result()
    elif facet_fields:  # every match's forward row is at hand: count them, no second pass over the shard
        facets = (forward_facets(batch, facet_fields, snapshot.vocab, facet_size) if every_match
                  else partition.facets(query, facet_fields, facet_size))
    t4 = time.perf_counter()
    return PartitionResult(partition.shard, hits.member_ids[order], scores[order], X[order], hits.count, facets,
                           {"retrieve": (t1 - t0) * 1e3, "features": (t2 - t1) * 1e3, "l1": (t3 - t2) * 1e3,
                            "facets": (t4 - t3) * 1e3})
