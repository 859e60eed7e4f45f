"""Simulated outcome: rank the whole index for held-out queries and score the top k with the
world's hidden behaviour model (expected InMail accepts in the top k).

This module (with the world package itself) is the only reader of :mod:`talent.world.truth`;
nothing it reads flows back into a model. Rankings compared on the same queries:

- ``oracle``: the whole world ranked by the hidden expected accepts (the ceiling);
- ``logging_policy``: what the logging policy actually showed for the search (the floor);
- ``random_shown``: the logged shown candidates in random order (a broken model);
- ``engine_text_match``: the engine end to end with the text-match ranker (L1 switched off);
- ``engine_l1``: the engine end to end with the served L1 model (when one is trained), title
  expansion and every later federator stage off;
- ``engine_+expansion``: the same with the broker's title expansion on (when title embeddings
  are served; the design's ladder puts it right after L1);
- ``engine_+<stage>``: the same with the federator's optional stages switched on one by one in
  pipeline order (``engine_+l2`` = L1 and L2, ``engine_+rerank`` = L1, L2 and re-ranking, ...):
  one service, per-request switches (:mod:`federator.pipeline`), so each rung differs from the
  one below by exactly one stage; each carries its paired lift over the rung below. A stage
  with nothing to serve (L2 without a trained model) has no rung and stays off. A stage
  that acts only within a session (the bandit) has no rung: these searches have none (its figures
  are the simulated review sessions', :mod:`talent.evaluation.review_sim`).

Value of a ranking for a query: sum over its top k members of P(InMail | examined) x
P(accept | InMail) for the search's own job, recruiter and contract (``expected_accepts@k``:
as if the recruiter examined all k), and the same weighted by the world's position-bias curve
P(examined | position) (``examined_accepts@k``: what a recruiter scrolling the page would get).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd  # type: ignore[import-untyped]

from talent.evaluation.bootstrap import bootstrap_mean, paired_lift

# (query index, member ids) -> expected accepts per member
ValueFn = Callable[[int, np.ndarray], np.ndarray]
FLOOR, CEILING = "logging_policy", "oracle"


def expected_accepts_at_k(values: np.ndarray, k: int) -> float:
    """Sum of the per-member expected accepts over the first ``k`` members of a ranking."""
    return float(np.asarray(values, dtype=np.float64)[:k].sum())


def score_rankings(rankings: Mapping[str, Sequence[np.ndarray]], value_fn: ValueFn,
                   ks: Sequence[int] = (5, 10, 25),
                   *, resamples: int = 1000, seed: int = 0, examination: np.ndarray | None = None,
                   below: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Per-query expected accepts@k of each ranking, with bootstrap CIs over queries.

    Every ranking must hold one member-id array (best first) per query, for the same queries.
    Adds each ranking's paired ``share_of_oracle`` (mean / oracle mean) and ``lift_over_floor``
    when the ``oracle`` and ``logging_policy`` rankings are present. ``examination``: P(examined)
    per 0-based position; adds ``examined_accepts@k`` (values weighted by it).
    """
    n_queries = {len(v) for v in rankings.values()}
    if len(n_queries) > 1:
        raise ValueError("every ranking must cover the same queries")
    below = dict(below or {})
    per_query: dict[str, dict[str, np.ndarray]] = {}
    for name, lists in rankings.items():
        cols: dict[str, list[float]] = {f"expected_accepts@{k}": [] for k in ks}
        if examination is not None:
            cols.update({f"examined_accepts@{k}": [] for k in ks})
        for q, members in enumerate(lists):
            members = np.asarray(members, dtype=np.int64)[: max(ks)]
            vals = value_fn(q, members) if members.size else np.zeros(0)
            for k in ks:
                cols[f"expected_accepts@{k}"].append(expected_accepts_at_k(vals, k))
            if examination is not None:
                weighted = vals * examination[: vals.size]
                for k in ks:
                    cols[f"examined_accepts@{k}"].append(expected_accepts_at_k(weighted, k))
        per_query[name] = {m: np.asarray(vals_) for m, vals_ in cols.items()}
    out: dict[str, Any] = {"queries": next(iter(n_queries), 0), "ks": list(ks), "rankers": {}}
    for name, arrays in per_query.items():
        entry: dict[str, Any] = {"metrics": {m: bootstrap_mean(v, resamples=resamples,
                                                               seed=seed).as_dict()
                                             for m, v in arrays.items()}}
        if CEILING in per_query and name != CEILING:
            entry["share_of_oracle"] = {}
            for m, v in arrays.items():
                lift = paired_lift(v, per_query[CEILING][m], resamples=resamples, seed=seed)
                entry["share_of_oracle"][m] = {"value": 1 + lift.value, "low": 1 + lift.low,
                                               "high": 1 + lift.high, "n": lift.n}
        if FLOOR in per_query and name != FLOOR:
            entry["lift_over_floor"] = {m: paired_lift(arrays[m], per_query[FLOOR][m],
                                                       resamples=resamples,
                                                       seed=seed).as_dict() for m in arrays}
        base = below.get(name)
        if base in per_query:
            entry["lift_over_below"] = {"below": base, **{
                m: paired_lift(arrays[m], per_query[base][m], resamples=resamples,
                               seed=seed).as_dict()
                for m in arrays}}
        out["rankers"][name] = entry
    return out


def engine_variants(service: Any) -> tuple[dict[str, dict[str, bool]], dict[str, str]]:
    """The engine's ladder as stage switches: text match, L1, title expansion (when served),
    then each optional federator stage added in pipeline order; and each variant's rung below."""
    # a stage that acts only within a session (the bandit: a search carrying a session with
    # feedback) has no rung here, where no search has a session: it stays off in every rung
    session_only = [s.name for s in service.pipeline.stages
                    if not s.required and getattr(s, "session_only", False)]
    # a stage with nothing to serve (L2 without a model: ``refusal`` says why) has no rung: it
    # would only fail on every search and show a +0.0% lift
    unavailable = [s.name for s in service.pipeline.stages
                   if not s.required and getattr(s, "refusal", None)]
    optional = [s.name for s in service.pipeline.stages
                if not s.required and s.name not in session_only and s.name not in unavailable]
    off = {name: False for name in (*optional, *session_only, *unavailable)}
    expansion = getattr(service.broker, "expander", None) is not None
    if expansion:
        off["expansion"] = False
    variants: dict[str, dict[str, bool]] = {"engine_text_match": {"l1": False, **off}}
    below: dict[str, str] = {}
    previous = "engine_text_match"
    if service.broker.scorer is not None:
        variants["engine_l1"] = dict(off)
        below["engine_l1"] = previous
        previous = "engine_l1"
    if expansion:
        variants["engine_+expansion"] = {**variants[previous], "expansion": True}
        below["engine_+expansion"] = previous
        previous = "engine_+expansion"
    for i, name in enumerate(optional):
        rung = f"engine_+{name}"
        variants[rung] = {**variants[previous], **{m: True for m in optional[: i + 1]}}
        below[rung] = previous
        previous = rung
    return variants, below


def oracle_ranking(values: np.ndarray, member_ids: np.ndarray, k: int) -> np.ndarray:
    """The ``k`` members with the highest hidden expected accepts, best first."""
    k = min(k, values.shape[0])
    top = np.argpartition(-values, k - 1)[:k] if k < values.shape[0] else np.arange(values.shape[0])
    return member_ids[top[np.argsort(-values[top], kind="stable")]]


def simulate_held_out(settings: Any, db: Any, world: str, searches: pd.DataFrame, opts: Any,
                      step: Callable[[str], None] = lambda _: None) -> dict[str, Any]:
    """Run held-out searches (a seeded sample of at most ``opts.simulated_queries``) through the
    engine over the whole index and score every ranking with the hidden truth."""
    from sqlalchemy import text

    from federator.service import SearchService
    from federator.types import SearchRequest
    from talent.errors import QueryError
    from talent.training.dataset import query_of
    from talent.world.truth import load_truth

    truth = load_truth(settings.worlds_dir, world)
    k_max = max(opts.simulated_ks)
    held = searches.loc[searches["project_id"].notna()]
    if len(held) > opts.simulated_queries:
        held = held.sample(opts.simulated_queries, random_state=opts.seed).sort_index()
    ids = [int(i) for i in held.index]
    with db.engine.connect() as conn:
        shown = pd.read_sql(text("SELECT search_id, member_id, position FROM impressions ORDER BY "
                                 "search_id, position"),
                            conn)
    shown = shown.loc[shown["search_id"].isin(ids)]
    logged = {sid: g["member_id"].to_numpy(dtype=np.int64) for sid, g in shown.groupby("search_id")}
    # replay: stages that read state changing over time (L2's dynamic features) read it as it
    # was at each held-out search (``as_of``), not as it is now, after the held-out outcomes
    service = SearchService.from_settings(settings, database=db, replay=True)
    engines, below = engine_variants(service)
    all_members = np.arange(1, truth.state.n_members + 1, dtype=np.int64)
    rng = np.random.default_rng(opts.seed)
    rankings: dict[str, list[np.ndarray]] = {name: []
                                             for name in ("oracle", FLOOR, "random_shown",
                                                          *engines)}
    jobs = []
    failures = 0
    for sid in ids:
        row = held.loc[sid]
        job = truth.job(int(row["project_id"]))
        jobs.append(job)
        values = truth.expected_accepts(job, all_members)
        rankings["oracle"].append(oracle_ranking(values, all_members, k_max))
        floor = logged.get(sid, np.zeros(0, dtype=np.int64))
        rankings[FLOOR].append(floor[:k_max])
        rankings["random_shown"].append(rng.permutation(floor)[:k_max])
        for name, switches in engines.items():
            request = SearchRequest(recruiter_id=int(row["recruiter_id"]),
                                    contract_id=int(row["contract_id"]), query=query_of(row),
                                    page_size=k_max, facets=False, stages=switches,
                                    as_of=pd.Timestamp(row["created_at"]).to_pydatetime())
            try:
                cands = service.rank(request).candidates
                rankings[name].append(np.asarray(cands.member_ids[:k_max], dtype=np.int64))
            except QueryError:
                failures += 1
                rankings[name].append(np.zeros(0, dtype=np.int64))
    step(f"simulated outcome of {len(ids):,} held-out queries")

    def value_fn(q: int, members: np.ndarray) -> np.ndarray:
        return truth.expected_accepts(jobs[q], members)

    exam = truth.examination(np.arange(k_max))
    out = score_rankings(rankings, value_fn, opts.simulated_ks, resamples=opts.resamples,
                         seed=opts.seed, examination=exam, below=below)
    out["engine_failures"] = failures
    if service.broker.expander is not None and opts.expansion_queries > 0:
        out["title_expansion"] = expansion_held_out(service, truth, searches, opts)
        step("title expansion on low-recall title queries")
    service.close()
    return out


def expansion_on_held_out(settings: Any, db: Any, world: str, searches: pd.DataFrame, opts: Any
                          ) -> tuple[dict[str, Any], str | None, str]:
    """The title-expansion figure alone (:func:`expansion_held_out` with a service of its own):
    ``(section, index version, embedding source)``."""
    from federator.service import SearchService
    from talent.errors import ConfigError
    from talent.world.truth import load_truth

    service = SearchService.from_settings(settings, database=db, replay=True)
    try:
        expander = service.broker.expander
        if expander is None:
            raise ConfigError("no title embeddings are served: run `talent train line` (and "
                              "`talent train l1` after it) first")
        section = expansion_held_out(service, load_truth(settings.worlds_dir, world), searches,
                                     opts)
        return section, service.serving.version, expander.source
    finally:
        service.close()


def expansion_held_out(service: Any, truth: Any, searches: pd.DataFrame, opts: Any
                       ) -> dict[str, Any]:
    """Relevant members retrieved on the held-out title queries with the fewest matches, with
    title expansion off, on (the served embeddings) and with the two baselines in its place
    (:mod:`talent.evaluation.expansion`; the hidden relevance is read here)."""
    from federator.types import SearchRequest
    from talent.embeddings.baselines import CooccurrenceCosine, TaxonomyRelated
    from talent.embeddings.graph import EntityGraph
    from talent.evaluation.expansion import (
        Variant,
        expansion_recall,
        low_recall_title_searches,
        run_variants,
    )
    from talent.training.dataset import query_of

    expander = service.broker.expander
    config = expander.config
    held = low_recall_title_searches(searches, max_matches=config.min_matches,
                                     limit=opts.expansion_queries, seed=opts.seed)
    if held.empty:
        return {"queries": 0, "note": f"no held-out title query matched fewer than "
                                      f"{config.min_matches} members"}
    jobs = [truth.job(int(p)) for p in held["project_id"]]
    requests = [SearchRequest(recruiter_id=int(r["recruiter_id"]),
                              contract_id=int(r["contract_id"]), query=query_of(r),
                              page_size=PAGE_SIZE, facets=False)
                for _, r in held.iterrows()]
    base = {"l1": service.broker.scorer is not None}
    variants = [Variant("expansion off", {**base, "expansion": False}),
                Variant(f"expansion on ({expander.similarity.name})",
                        {**base, "expansion": True})]
    artifact_path = getattr(expander.similarity, "path", None)
    if artifact_path is not None:
        graph = EntityGraph.load(artifact_path)
        # the baselines rank titles on another scale: each adds its top max_titles
        loose = replace(config, threshold=0.0)
        for source in (CooccurrenceCosine(graph), TaxonomyRelated(graph, expander.taxonomy)):
            variants.append(Variant(f"expansion on ({source.name})",
                                    {**base, "expansion": True},
                                    type(expander)(source, expander.taxonomy, loose)))
    runs = run_variants(service, requests, variants)

    def grade(q: int, members: np.ndarray) -> np.ndarray:
        return truth.relevance(jobs[q], members)

    def accepts(q: int, members: np.ndarray) -> np.ndarray:
        return truth.expected_accepts(jobs[q], members)

    out = expansion_recall(runs, grade, accepts, baseline="expansion off",
                           resamples=opts.resamples, seed=opts.seed)
    out["selection"] = {"query_types": sorted(held["query_type"].unique().tolist()),
                        "logged_matches_below": config.min_matches,
                        "logged_matches_median": float(held["result_count"].median()),
                        "threshold": config.threshold, "max_titles": config.max_titles,
                        "embedding": expander.source}
    return out


PAGE_SIZE = 25
