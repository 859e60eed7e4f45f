"""The L1 training dataset: every logged search re-run through the serving feature code.

Each logged search's query goes through the SAME parser, query plan and feature function the
partitions use at serving time (:func:`index.l1.features.features_for_members`) for the members
it showed; labels are the logged outcomes (:func:`talent.ranking.candidates.load_candidates`).

Building the features is the expensive part (~10 ms a search), so they are cached on disk
(``<home>/cache/l1-features/``) under a key naming everything they depend on: the index version
and its applied live-update position, the feature list, the taxonomy, and the logged searches
and impressions. Labels are cheap and always read fresh (an InMail accepted since the last
build changes a label, not a feature). A cached file is used only if its (search, member) rows
are exactly the rows being labelled.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd  # type: ignore[import-untyped]
from sqlalchemy import text

from index.l1.features import FEATURE_NAMES, features_for_members
from index.serving.expansion import TitleExpander
from index.serving.plan import QueryPlan, build_plan
from index.serving.snapshot import IndexSnapshot
from talent.errors import QueryError
from talent.logging import get_logger
from talent.query import parse_query
from talent.ranking.candidates import Candidates, load_candidates
from talent.taxonomy.model import Taxonomy

log = get_logger(__name__)

#: Bump when the feature code changes meaning without changing FEATURE_NAMES.
FEATURE_CODE_VERSION = 2
CACHE_KEEP = 4
DatasetProgress = Callable[[int, int], None]  # (searches done, total)


@dataclass
class L1Dataset:
    """Features, graded labels and query groups of logged searches (rows sorted by search,
    position)."""

    candidates: Candidates
    skipped_searches: int
    seconds: float
    cached: bool = False

    @property
    def features(self) -> np.ndarray:
        assert self.candidates.features is not None
        return self.candidates.features


def query_of(search: pd.Series) -> str | dict[str, Any]:
    """The query a logged search ran: its structured JSON form when it has one, else its text."""
    raw = search.get("query_json")
    if isinstance(raw, str) and raw.strip():
        try:
            return json.loads(raw)
        except ValueError:
            pass
    if isinstance(raw, dict):
        return raw
    return str(search.get("query_text") or "")


def _group_bounds(search_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if not len(search_ids):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, search_ids[1:] != search_ids[:-1]])
    return starts, np.r_[starts[1:], len(search_ids)].astype(np.int64)


def compute_features(cands: Candidates, snapshot: IndexSnapshot, taxonomy: Taxonomy, *,
                     threads: int = 2,
                     progress: DatasetProgress | None = None,
                     expander: TitleExpander | None = None) -> tuple[np.ndarray, np.ndarray, int]:
    """``(features, keep, skipped)`` for ``cands.rows``: one row of features per shown candidate,
    ``keep`` False for candidates of searches whose query no longer parses. With ``expander``,
    each query's title expansions are planned as the broker plans them (the ``title_expansion``
    feature)."""
    rows = cands.rows
    X = np.zeros((len(rows), len(FEATURE_NAMES)), dtype=np.float32)
    keep = np.ones(len(rows), dtype=bool)
    sid = rows["search_id"].to_numpy()
    members = rows["member_id"].to_numpy(dtype=np.int64)
    starts, ends = _group_bounds(sid)
    plans: dict[str, QueryPlan | None] = {}
    work: list[tuple[int, int, QueryPlan]] = []
    for start, end in zip(starts.tolist(), ends.tolist()):
        query = query_of(cands.searches.loc[int(sid[start])])
        key = json.dumps(query, sort_keys=True) if isinstance(query, dict) else query
        if key not in plans:
            try:
                parsed = parse_query(query, taxonomy)
                planned = expander.plan(parsed) if expander is not None else None
                plans[key] = build_plan(parsed, snapshot, taxonomy, planned)
            except QueryError as exc:
                log.warning("train.l1.unparsable_search", search_id=int(sid[start]), error=str(exc))
                plans[key] = None
        plan = plans[key]
        if plan is None:
            keep[start:end] = False
        else:
            work.append((start, end, plan))
    skipped = len(starts) - len(work)

    def run(item: tuple[int, int, QueryPlan]) -> None:
        start, end, plan = item
        X[start:end] = features_for_members(snapshot, plan, members[start:end])

    # Tantivy and most numpy kernels release the GIL: two threads keep both cores busy.
    with ThreadPoolExecutor(max_workers=max(1, threads), thread_name_prefix="l1-features") as pool:
        for done, _ in enumerate(pool.map(run, work), start=1):
            if progress is not None and (done % 200 == 0 or done == len(work)):
                progress(done, len(work))
    return X, keep, skipped


def _logs_fingerprint(engine: Any) -> dict[str, Any]:
    """Counts and id ranges of the logged searches and impressions (what the features depend on)."""
    with engine.connect() as conn:
        searches = conn.execute(text("SELECT COUNT(*), COALESCE(MAX(id), 0), "
                                     "COALESCE(SUM(LENGTH(query_text)), 0) FROM searches")).one()
        impressions = conn.execute(text("SELECT COUNT(*), COALESCE(SUM(member_id), 0), "
                                        "COALESCE(MAX(search_id), 0) FROM impressions")).one()
    return {"searches": [int(v) for v in searches], "impressions": [int(v) for v in impressions]}


def cache_key(engine: Any, snapshot: IndexSnapshot, taxonomy: Taxonomy,
              index_stamp: str = "", expander: TitleExpander | None = None) -> str:
    """A key naming everything the features depend on."""
    payload = {
        "feature_code": FEATURE_CODE_VERSION,
        "expansion": None if expander is None else [expander.source,
                                                    repr(expander.config)],
        "features": list(FEATURE_NAMES),
        "index": [snapshot.version, index_stamp],
        "taxonomy": [taxonomy.source, len(taxonomy.occupations), len(taxonomy.skills)],
        "logs": _logs_fingerprint(engine),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:20]


def _load_cached(path: Path, cands: Candidates) -> tuple[np.ndarray, np.ndarray, int] | None:
    try:
        with np.load(path) as z:
            ok = (len(z["search_id"]) == len(cands.rows)
                  and np.array_equal(z["search_id"],
                                     cands.rows["search_id"].to_numpy(dtype=np.int64))
                  and np.array_equal(z["member_id"],
                                     cands.rows["member_id"].to_numpy(dtype=np.int64))
                  and tuple(str(n) for n in z["feature_names"]) == FEATURE_NAMES)
            if not ok:
                return None
            return np.asarray(z["features"]), np.asarray(z["keep"]), int(z["skipped"])
    except (OSError, ValueError, KeyError) as exc:
        log.warning("train.l1.feature_cache_unreadable", path=str(path), error=str(exc))
        return None


def _save_cached(path: Path, cands: Candidates, X: np.ndarray, keep: np.ndarray,
                 skipped: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp.npz")
    np.savez(tmp, features=X, keep=keep, skipped=np.int64(skipped),
             search_id=cands.rows["search_id"].to_numpy(dtype=np.int64),
             member_id=cands.rows["member_id"].to_numpy(dtype=np.int64),
             feature_names=np.asarray(FEATURE_NAMES))
    os.replace(tmp, path)
    for old in sorted(path.parent.glob("*.npz"), key=lambda p: p.stat().st_mtime)[:-CACHE_KEEP]:
        old.unlink(missing_ok=True)


def build_dataset(engine: Any, snapshot: IndexSnapshot, taxonomy: Taxonomy,
                  search_ids: np.ndarray | None = None,
                  *, cache_dir: Path | None = None, index_stamp: str = "", threads: int = 2,
                  progress: DatasetProgress | None = None,
                  expander: TitleExpander | None = None) -> L1Dataset:
    """Features and labels of the logged searches (all, or ``search_ids``).

    ``cache_dir``: reuse (and write) cached features there; ``index_stamp`` names the live
    state of the index version (its applied outbox position) for the cache key; ``expander``:
    the title expansion serving runs (its embeddings give the ``title_expansion`` feature).
    """
    t0 = time.perf_counter()
    cands = load_candidates(engine, None if search_ids is None else search_ids.tolist())
    cached = None
    path = None
    if cache_dir is not None and search_ids is None:
        key = cache_key(engine, snapshot, taxonomy, index_stamp, expander)
        path = Path(cache_dir) / f"{key}.npz"
        if path.exists():
            cached = _load_cached(path, cands)
    if cached is not None:
        X, keep, skipped = cached
    else:
        X, keep, skipped = compute_features(cands, snapshot, taxonomy, threads=threads,
                                            progress=progress, expander=expander)
        if path is not None:
            _save_cached(path, cands, X, keep, skipped)
    if not keep.all():
        cands = Candidates(cands.rows.loc[keep].reset_index(drop=True), cands.searches, None, (),
                           dict(cands.info))
        X = X[keep]
    cands.features = X
    cands.feature_names = FEATURE_NAMES
    return L1Dataset(cands, skipped, time.perf_counter() - t0, cached=cached is not None)


def feature_cache_dir(settings: Any) -> Path:
    """Where cached L1 feature matrices live: ``<home>/cache/l1-features``."""
    return Path(settings.home) / "cache" / "l1-features"
