"""The evaluation split, before and after representative re-ranking.

Engine: held-out searches (a seeded sample) run through the engine end to end with the stage
``rerank`` off (before) and with each algorithm (after); every ranking's top k is compared with
the query's qualified pool (the stage's own pool count): share of representative queries
(MinSkew@k >= -0.1), MinSkew / MaxSkew, NDKL, infeasible prefixes, Skew@k of each group, each
group's top-k selection rate (top k / pool) with impact ratios, and the utility kept (NDCG@k
against the unconstrained list).

Replay: every held-out search's logged candidates in the served L1's order, then re-ranked with
the search's pool distribution; InMail-accept precision@k of both, with the paired bootstrap
lift (the cost of re-ranking, goal: within 2%).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd  # type: ignore[import-untyped]

from talent.errors import ConfigError, QueryError
from talent.evaluation.audit.data import GROUP_NAMES, KNOWN_GROUPS, MemberGroups
from talent.evaluation.bootstrap import bootstrap_mean, paired_lift
from talent.ranking.candidates import Candidates, per_query_metrics
from talent.ranking.fairness import (
    REPRESENTATIVE_MIN_SKEW,
    ndkl_floor,
    representativeness,
    skews_at_k,
)
from talent.ranking.representative import ALGORITHMS, desired_shares, rerank

G = len(GROUP_NAMES)
REPLAY_METRICS: tuple[str, ...] = ("precision@5", "precision@10", "precision@25", "ndcg@10")


@dataclass(frozen=True)
class BeforeAfterOptions:
    queries: int = 300
    k: int = 25
    deep_k: int = 100
    algorithms: tuple[str, ...] = ALGORITHMS
    seed: int = 0
    resamples: int = 1000


def rerank_stage(service: Any) -> Any:
    """The service's stage ``rerank`` (a service built without a database has none)."""
    for stage in service.pipeline.stages:
        if stage.name == "rerank":
            return stage
    raise ConfigError("this search service has no representative re-ranking stage (it is built "
                      "with the database that holds the protected store)")


def _request(search: pd.Series, query: Any, switches: dict[str, bool], size: int) -> Any:
    from federator.types import SearchRequest

    def _id(name: str) -> int | None:
        value = search.get(name)
        return int(value) if value is not None and pd.notna(value) else None

    return SearchRequest(recruiter_id=_id("recruiter_id"), contract_id=_id("contract_id"),
                         query=query, page_size=min(size, 100), facets=False, stages=switches)


def _ranking_figures(codes: np.ndarray, shares: np.ndarray, pool: np.ndarray,
                     opts: BeforeAfterOptions) -> dict[str, Any]:
    size = int(pool.sum())
    top = representativeness(codes, shares, opts.k, size)
    deep = representativeness(codes, shares, opts.deep_k, size)
    return {"min_skew": top.min_skew, "max_skew": top.max_skew, "ndkl": top.ndkl,
            "infeasible_index": top.infeasible_index, "infeasible_count": top.infeasible_count,
            "min_skew_deep": deep.min_skew, "ndkl_deep": deep.ndkl,
            "skews": skews_at_k(codes, shares, opts.k, size),
            "top": np.bincount(codes[:opts.k], minlength=G), "pool": pool}


def engine_rankings(service: Any, held: pd.DataFrame, groups: MemberGroups,
                    query_of: Callable[[pd.Series], Any], opts: BeforeAfterOptions
                    ) -> tuple[dict[str, list[dict[str, Any]]], int]:
    """Per ranking (``before``, ``after_<algorithm>``): figures of each query; and how many
    queries failed."""
    stage = rerank_stage(service)
    sample = held if len(held) <= opts.queries else held.sample(opts.queries,
                                                                 random_state=opts.seed)
    names = ["before", *(f"after_{a}" for a in opts.algorithms)]
    out: dict[str, list[dict[str, Any]]] = {n: [] for n in names}
    failures = 0
    for _, search in sample.sort_index().iterrows():
        query = query_of(search)
        try:
            before = service.rank(_request(search, query, {"rerank": False}, opts.deep_k))
        except QueryError:
            failures += 1
            continue
        ids = np.asarray(before.candidates.member_ids, dtype=np.int64)
        if ids.size == 0:
            continue
        pool = np.maximum(stage.pool(service.parse(_request(search, query, {}, 1))).counts,
                          groups.counts(ids))
        shares = desired_shares(pool)
        codes = groups.of(ids)
        figures = _ranking_figures(codes, shares, pool, opts)
        # the best any order of these candidates could do: the first places are single groups
        figures["ndkl_floor"] = ndkl_floor(np.bincount(codes, minlength=G), shares, opts.k)
        out["before"].append(figures)
        for algorithm in opts.algorithms:
            run = service.rank(_request(search, query, {"rerank": True,
                                                        f"rerank_{algorithm}": True},
                                        opts.deep_k))
            after = np.asarray(run.candidates.member_ids, dtype=np.int64)
            figures = _ranking_figures(groups.of(after), shares, pool, opts)
            figures["ndcg_kept"] = run.debug.get("rerank", {}).get("ndcg_kept", np.nan)
            out[f"after_{algorithm}"].append(figures)
    return out, failures


def _selection(figures: list[dict[str, Any]]) -> dict[str, Any]:
    top = np.sum([f["top"] for f in figures], axis=0)
    pool = np.sum([f["pool"] for f in figures], axis=0)
    rate = top / np.maximum(pool, 1)
    best = max(rate[g] for g in KNOWN_GROUPS)
    return {GROUP_NAMES[g]: {"top_k": int(top[g]), "pool": int(pool[g]), "rate": float(rate[g]),
                             "impact_ratio": (float(rate[g] / best) if g in KNOWN_GROUPS and best
                                              else None)}
            for g in range(G)}


def summarize_rankings(rankings: dict[str, list[dict[str, Any]]], opts: BeforeAfterOptions
                       ) -> dict[str, Any]:
    """Per ranking: means with bootstrap CIs over queries; for each ``after``, the paired NDKL
    cut against ``before``."""
    k, deep = opts.k, opts.deep_k

    def est(values: Sequence[float]) -> dict[str, Any]:
        return bootstrap_mean(np.asarray(values, dtype=np.float64), resamples=opts.resamples,
                              seed=opts.seed).as_dict()

    out: dict[str, Any] = {}
    before = rankings.get("before", [])
    for name, figures in rankings.items():
        if not figures:
            continue
        col = {key: [f[key] for f in figures] for key in figures[0] if key not in
               ("skews", "top", "pool")}
        skews = np.array([f["skews"] for f in figures])
        entry: dict[str, Any] = {
            "queries": len(figures),
            f"representative_share@{k}": est([m >= REPRESENTATIVE_MIN_SKEW
                                               for m in col["min_skew"]]),
            f"min_skew@{k}": est(col["min_skew"]), f"max_skew@{k}": est(col["max_skew"]),
            f"ndkl@{k}": est(col["ndkl"]), f"min_skew@{deep}": est(col["min_skew_deep"]),
            f"ndkl@{deep}": est(col["ndkl_deep"]),
            f"infeasible_index@{k}": est(col["infeasible_index"]),
            f"feasible_share@{k}": est([i == 0 for i in col["infeasible_index"]]),
            f"skew@{k}": {GROUP_NAMES[g]: est(skews[:, g]) for g in range(G)},
            f"selection@{k}": _selection(figures),
        }
        if "ndcg_kept" in col:
            entry[f"ndcg_kept@{k}"] = est(col["ndcg_kept"])
        if "ndkl_floor" in col:
            entry[f"ndkl@{k}_floor"] = est(col["ndkl_floor"])
        if name != "before" and len(before) == len(figures):
            floor = np.array([f["ndkl_floor"] for f in before])
            lift = paired_lift(np.array(col["ndkl"]) - floor,
                               np.array([f["ndkl"] for f in before]) - floor,
                               resamples=opts.resamples, seed=opts.seed)
            entry[f"ndkl@{k}_removable_cut"] = {"value": -lift.value, "low": -lift.high,
                                                "high": -lift.low, "n": lift.n}
            for key in ("ndkl", "ndkl_deep"):
                lift = paired_lift([f[key] for f in figures], [f[key] for f in before],
                                   resamples=opts.resamples, seed=opts.seed)
                label = f"ndkl@{k if key == 'ndkl' else deep}_cut"
                entry[label] = {"value": -lift.value, "low": -lift.high, "high": -lift.low,
                                "n": lift.n}
        out[name] = entry
    return out


def replay_cost(test: Candidates, base_scores: np.ndarray, groups: MemberGroups,
                pool_of: Callable[[pd.Series], np.ndarray], algorithm: str,
                opts: BeforeAfterOptions) -> dict[str, Any]:
    """InMail-accept precision of the logged candidates in the base order and re-ranked, and the
    paired lift; the searches whose query fails keep the base order."""
    rows = test.rows
    after = np.zeros(len(rows), dtype=np.float64)
    codes_all = groups.of(rows["member_id"].to_numpy())
    flags: dict[str, list[bool]] = {"before": [], "after": []}
    failures = 0
    start = 0
    for size in test.group_sizes:
        sl = slice(start, start + int(size))
        sid = int(rows["search_id"].iat[start])
        start += int(size)
        base = np.lexsort((np.arange(int(size)), -base_scores[sl]))
        codes = codes_all[sl][base]
        try:
            pool = np.asarray(pool_of(test.searches.loc[sid]), dtype=np.int64)
        except QueryError:
            failures += 1
            pool = None
        if pool is None:
            order = np.arange(int(size))
        else:
            counts = np.maximum(pool, np.bincount(codes, minlength=G))
            shares, pool_size = desired_shares(counts), int(counts.sum())
            order = rerank(codes, shares, algorithm)
            flags["before"].append(representativeness(codes, shares, opts.k,
                                                      pool_size).representative)
            flags["after"].append(representativeness(codes[order], shares, opts.k,
                                                      pool_size).representative)
        ranks = np.empty(int(size), dtype=np.float64)
        ranks[base[order]] = -np.arange(int(size), dtype=np.float64)
        after[sl] = ranks
    m_before = per_query_metrics(test, base_scores)
    m_after = per_query_metrics(test, after)
    out: dict[str, Any] = {"algorithm": algorithm, "searches": int(len(m_before)),
                           "query_failures": failures, "metrics": {}}
    for m in REPLAY_METRICS:
        b, a = m_before[m].to_numpy(), m_after[m].to_numpy()
        out["metrics"][m] = {
            "before": bootstrap_mean(b, resamples=opts.resamples, seed=opts.seed).as_dict(),
            "after": bootstrap_mean(a, resamples=opts.resamples, seed=opts.seed).as_dict(),
            "lift": paired_lift(a, b, resamples=opts.resamples, seed=opts.seed).as_dict()}
    for side, values in flags.items():
        out[f"representative_share@{opts.k}_{side}"] = bootstrap_mean(
            np.asarray(values, dtype=np.float64), resamples=opts.resamples,
            seed=opts.seed).as_dict()
    return out
