"""Title expansion on low-recall title queries: relevant members retrieved with and without it.

The logged title queries (``title-only``, ``title+skills``) with the fewest matches are the ones
expansion exists for. Each is run through the engine end to end with expansion off and on (the
served LINE embeddings, and the two baselines behind the same expander: co-occurrence cosine on
the same graph, the taxonomy's related-occupation lists), and per query:

- ``relevant_retrieved``: members the engine returns (up to the partitions' top k) whose hidden
  graded relevance to the search's job is at least ``min_grade``;
- ``precision@25``: the share of the shown top 25 (or fewer) that are relevant;
- ``expected_accepts@25``: the hidden expected InMail accepts of the top 25.

Relevance comes from a callable the caller passes (the outcome protocol, the only reader of the
world's hidden truth); nothing here reads it itself. Lifts are paired over the same queries with
bootstrap intervals.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd  # type: ignore[import-untyped]

from talent.evaluation.bootstrap import bootstrap_mean, paired_lift

TITLE_QUERY_TYPES = ("title-only", "title+skills")
MIN_GRADE = 2       # "relevant": graded relevance 2..4 (same or related occupation, fitting)
PAGE = 25

#: (query index, member ids) -> graded relevance 0..4, and -> expected accepts
GradeFn = Callable[[int, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Variant:
    """One way of running the queries: a name, the request's stage switches, and the expander
    the broker uses (None: the service's own)."""

    name: str
    switches: Mapping[str, bool]
    expander: Any = None


def low_recall_title_searches(searches: pd.DataFrame, *, max_matches: int,
                              limit: int, seed: int = 0) -> pd.DataFrame:
    """Held-out title searches for a job whose logged match count is below ``max_matches``
    (at most ``limit`` of them, the fewest matches first)."""
    pool = searches.loc[searches["project_id"].notna()
                        & searches["query_type"].isin(TITLE_QUERY_TYPES)
                        & (searches["result_count"] < max_matches)]
    return pool.sort_values(["result_count", "created_at"], kind="stable").head(limit)


def run_variants(service: Any, requests: Sequence[Any], variants: Sequence[Variant]
                 ) -> dict[str, list[tuple[np.ndarray, dict[str, Any]]]]:
    """Each variant's (returned member ids, expansion summary) per request, the broker's expander
    swapped in for a variant that names one and put back after."""
    from talent.errors import QueryError

    broker = service.broker
    served = broker.expander
    out: dict[str, list[tuple[np.ndarray, dict[str, Any]]]] = {}
    try:
        for variant in variants:
            broker.expander = variant.expander if variant.expander is not None else served
            rows: list[tuple[np.ndarray, dict[str, Any]]] = []
            for request in requests:
                try:
                    cands = service.rank(replace(request, stages=dict(variant.switches))
                                         ).candidates
                except QueryError:
                    rows.append((np.zeros(0, np.int64), {"failed": True}))
                    continue
                report = cands.expansion
                used = report is not None and report.applied
                rows.append((np.asarray(cands.member_ids, dtype=np.int64), {
                    "applied": used,
                    "titles": len({t.title_id for t in report.titles}) if used else 0,
                    "total": int(cands.total)}))
            out[variant.name] = rows
    finally:
        broker.expander = served
    return out


def expansion_recall(runs: Mapping[str, list[tuple[np.ndarray, dict[str, Any]]]],
                     grade: GradeFn, accepts: GradeFn, *, baseline: str,
                     min_grade: int = MIN_GRADE, resamples: int = 1000,
                     seed: int = 0) -> dict[str, Any]:
    """Per-variant means with CIs and paired lifts over ``baseline`` (see the module doc)."""
    per: dict[str, dict[str, np.ndarray]] = {}
    for name, rows in runs.items():
        relevant, precision, expected, applied, added, total = [], [], [], [], [], []
        for q, (members, info) in enumerate(rows):
            grades = grade(q, members) if len(members) else np.zeros(0)
            good = grades >= min_grade
            relevant.append(float(good.sum()))
            shown = min(len(members), PAGE)
            precision.append(float(good[:PAGE].mean()) if shown else np.nan)
            expected.append(float(accepts(q, members[:PAGE]).sum()) if shown else 0.0)
            applied.append(float(info.get("applied", False)))
            added.append(float(info.get("titles", 0)))
            total.append(float(info.get("total", 0)))
        per[name] = {"relevant_retrieved": np.asarray(relevant),
                     "precision@25": np.asarray(precision),
                     "expected_accepts@25": np.asarray(expected),
                     "expansion_applied": np.asarray(applied),
                     "titles_added": np.asarray(added), "matches": np.asarray(total)}
    out: dict[str, Any] = {"queries": len(next(iter(runs.values()), [])), "min_grade": min_grade,
                           "baseline": baseline, "variants": {}}
    for name, metrics in per.items():
        entry: dict[str, Any] = {m: bootstrap_mean(v, resamples=resamples, seed=seed).as_dict()
                                 for m, v in metrics.items()}
        if name != baseline and baseline in per:
            base = per[baseline]
            entry["lift"] = {m: paired_lift(metrics[m], base[m], resamples=resamples,
                                            seed=seed).as_dict()
                             for m in ("relevant_retrieved", "precision@25",
                                       "expected_accepts@25")}
            entry["difference"] = {"precision@25": paired_lift(
                metrics["precision@25"], base["precision@25"], relative=False,
                resamples=resamples, seed=seed).as_dict()}
        out["variants"][name] = entry
    return out
