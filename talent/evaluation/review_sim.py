"""Review sessions without a person: the world's hidden intent judges each presented candidate.

For each simulated session: the job of a held-out logged search (its structured query,
:func:`federator.jobs.job_query`, as review mode starts a session for a job) starts a review
pool exactly as review mode does (:meth:`federator.review_service.ReviewService.pool_for`:
the ranking stages' top N, skill groups); the truth module draws the session's hidden intent
(:func:`talent.world.truth.draw_review_intent`, of the shape :attr:`ReviewSimulationOptions.intent`
asks: by default 2 equally weighted focus skills, the online learner's own model class) and the
recruiter's verdict on every pool member (one Bernoulli draw per member from
:func:`talent.world.truth.p_good_fit`, shared by every order below: paired comparisons).
Then each *order* presents ``steps`` candidates one at a time with the review core
(:func:`federator.review.choose_next`, the function every review step runs) and learns from each
verdict:

- ``bandit+online``: Thompson sampling over groups, within a group the convex combination with
  the online skill weights (the product's default); ``bandit``: the same with online weight 0;
- ``ucb1+online`` and ``ucb1``: the same with UCB1;
- ``offline``: the pool in the ranking stages' order; ``random``: in random order;
- ``mabwiser_thompson`` / ``mabwiser_ucb1``: the group picked by the PyPI package ``mabwiser``'s
  policies instead of ours (online weight 0), a side-by-side check of the bandit code.

Precision by step block (good fits among steps 1-5, 6-10, ...) with bootstrap CIs over sessions;
and, after each ``bandit+online`` session (the first :data:`REORDER_SESSIONS`), the same search
run with the session's id (stage ``bandit`` on vs off): the hidden P(good fit) of its top 10 and
25.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd  # type: ignore[import-untyped]

from talent.evaluation.bootstrap import bootstrap_mean, paired_lift
from talent.logging import get_logger

log = get_logger(__name__)

#: order name -> (review order, online weight; None = the configured one)
ORDERS: dict[str, tuple[str, float | None]] = {
    "bandit+online": ("thompson", None),
    "bandit": ("thompson", 0.0),
    "ucb1+online": ("ucb1", None),
    "ucb1": ("ucb1", 0.0),
    "offline": ("offline", 0.0),
    "random": ("random", 0.0),
}
MABWISER_ORDERS: dict[str, tuple[str, str]] = {
    "mabwiser_thompson": ("thompson", "bandit"),   # (policy, our order it is checked against)
    "mabwiser_ucb1": ("ucb1", "ucb1"),
}
BLOCK = 5
#: Sessions that also run the results-page check (two more searches each: the costliest part).
REORDER_SESSIONS = 200
#: Jobs tried per session asked for, at most (a job whose query finds too few is skipped).
MAX_ATTEMPTS = 4


@dataclass
class ReviewSimulationOptions:
    sessions: int = 500
    steps: int = 25
    seed: int = 0
    mabwiser: bool = True
    reorder_check: bool = True
    resamples: int = 1000
    #: the hidden intent's shape (:data:`talent.world.truth.REVIEW_INTENTS`; None: the default,
    #: 2 equally weighted focus skills, the online learner's own model class)
    intent: str | None = None


class MabwiserArms:
    """An :class:`~federator.arm_policies.ArmPolicy` that asks a ``mabwiser`` MAB which group to
    play: the counts seen since the last call are fed to it with ``partial_fit``.

    mabwiser's UCB1 scores an arm it has never seen 0 (so it never explores one once another has
    a positive bound), where UCB1 as Auer et al. define it (ours) first plays every arm once; the
    UCB1 adapter does that round first so that the side-by-side compares the bound itself.
    """

    def __init__(self, policy: str, k: int, seed: int):
        from mabwiser.mab import MAB, LearningPolicy

        learning = (LearningPolicy.ThompsonSampling() if policy == "thompson"
                    else LearningPolicy.UCB1(alpha=1.0))
        self.name = f"mabwiser_{policy}"
        self.mab = MAB(arms=list(range(k)), learning_policy=learning, seed=seed)
        self.k = k
        self.seen = np.zeros((2, k), dtype=np.int64)
        self.fitted = False

    def choose(self, successes: np.ndarray, failures: np.ndarray, available: np.ndarray,
               rng: np.random.Generator) -> Any:
        from federator.arm_policies import Choice

        now = np.vstack([successes, failures]).astype(np.int64)
        if self.name == "mabwiser_ucb1":
            untried = np.asarray(available, dtype=bool) & (now.sum(axis=0) == 0)
            if untried.any():
                arm = int(np.flatnonzero(untried)[0])
                return Choice(arm, float("inf"), tuple(float("inf") if u else float("-inf")
                                                       for u in untried))
        new = now - self.seen
        decisions = np.concatenate([np.repeat(np.arange(self.k), new[0]),
                                    np.repeat(np.arange(self.k), new[1])])
        rewards = np.concatenate([np.ones(int(new[0].sum())), np.zeros(int(new[1].sum()))])
        if len(decisions):
            (self.mab.partial_fit if self.fitted else self.mab.fit)(decisions, rewards)
            self.fitted = True
            self.seen = now
        if self.fitted:
            expectations = self.mab.predict_expectations()
            values = np.array([float(expectations[a]) for a in range(self.k)])
        else:  # nothing learned yet: mabwiser cannot predict before a fit; any available group
            values = rng.random(self.k)
        masked = np.where(available, values, -np.inf)
        arm = int(np.argmax(masked))
        return Choice(arm, float(masked[arm]), tuple(float(v) for v in masked))


def mabwiser_installed() -> bool:
    try:
        import mabwiser  # noqa: F401
    except ImportError:
        return False
    return True


def run_order(pool: Any, verdicts: np.ndarray, order: str, online_weight: float, steps: int,
              seed: int, policy: Any = None) -> tuple[np.ndarray, np.ndarray]:
    """Present ``steps`` candidates of ``pool`` in ``order``, learning from ``verdicts`` (one bool
    per pool member); returns the good-fit indicator and the group of each step."""
    from federator.review import apply_verdict, choose_next, new_state, present

    state = new_state("simulated", pool, recruiter_id=None, contract_id=None, order=order,
                      online_weight=online_weight, seed=seed)
    good = np.zeros(steps, dtype=np.float64)
    groups = np.full(steps, -1, dtype=np.int64)
    for t in range(steps):
        pick = choose_next(pool, state, policy)
        if pick is None:
            break
        present(state, pick)
        good[t] = float(verdicts[pick.index])
        groups[t] = pick.group
        apply_verdict(pool, state, pick.index, "good_fit" if verdicts[pick.index] else "not_fit")
    return good, groups


def _final_state(pool: Any, verdicts: np.ndarray, order: str, online_weight: float, steps: int,
                 seed: int, session_id: str, request: Any) -> Any:
    from federator.review import apply_verdict, choose_next, new_state, present

    state = new_state(session_id, pool, recruiter_id=request.recruiter_id,
                      contract_id=request.contract_id, order=order, online_weight=online_weight,
                      seed=seed)
    for _ in range(steps):
        pick = choose_next(pool, state)
        if pick is None:
            break
        present(state, pick)
        apply_verdict(pool, state, pick.index, "good_fit" if verdicts[pick.index] else "not_fit")
    return state


def simulate_review_sessions(settings: Any, db: Any, world: str, searches: pd.DataFrame,
                             opts: ReviewSimulationOptions,
                             step: Callable[[str], None] = lambda _: None) -> dict[str, Any]:
    """Run ``opts.sessions`` simulated review sessions on held-out ``searches`` (those with a
    job); see the module docstring. Returns the report section's dict."""
    from federator.review_service import ReviewConfig, ReviewService
    from federator.service import SearchService
    from federator.sessions import SessionStore
    from federator.types import SearchRequest
    from talent.cache import MemoryCache
    from talent.errors import InvalidInput, QueryError
    from talent.world.truth import IntentShape, draw_review_intent, load_truth, p_good_fit

    truth = load_truth(settings.worlds_dir, world)
    shape = IntentShape.parse(opts.intent)
    held = searches.loc[searches["project_id"].notna()]
    if held.empty:
        raise InvalidInput("no held-out searches with a job to start review sessions from")
    # jobs in a seeded random order (again and again when there are fewer than needed), until
    # ``opts.sessions`` sessions ran: a job whose query finds fewer candidates than steps is skipped
    rng = np.random.default_rng(opts.seed)
    rounds = -(-MAX_ATTEMPTS * opts.sessions // len(held))
    picks = np.concatenate([rng.permutation(len(held)) for _ in range(rounds)])
    picks = picks[: MAX_ATTEMPTS * opts.sessions]
    queries = job_queries(db, {int(p) for p in held["project_id"]})
    service = SearchService.from_settings(settings, database=db)
    config = ReviewConfig.from_settings(settings)
    stage = service.stage("bandit")
    sessions = stage.sessions if stage is not None else SessionStore(MemoryCache())
    review = ReviewService(service, sessions, config)
    orders = dict(ORDERS)
    if opts.mabwiser and not mabwiser_installed():
        step("mabwiser is not installed (pip install 'talent[dev]'): no side-by-side check")
        opts = dataclasses.replace(opts, mabwiser=False)
    names = list(orders) + (list(MABWISER_ORDERS) if opts.mabwiser else [])
    good: dict[str, list[np.ndarray]] = {n: [] for n in names}
    reorder: dict[str, list[float]] = {f"{v}@{k}": [] for v in ("stage_off", "stage_on")
                                       for k in (10, 25)}
    stats: dict[str, list[float]] = {"k": [], "silhouette": [], "pool": [], "pool_ms": [],
                                     "base_rate": [], "ceiling": [], "group_share": [],
                                     "focus_population": [], "steps_ms": [],
                                     "focus_size": [], "top_weight": []}
    project_ids: list[int] = []
    skipped = last_report = 0
    for n, row_i in enumerate(picks.tolist()):
        if len(good["offline"]) >= opts.sessions:
            break
        row = held.iloc[row_i]
        seed = int(np.random.default_rng([opts.seed, n]).integers(2**31))
        query = queries.get(int(row["project_id"]))
        if query is None:
            skipped += 1
            continue
        request = SearchRequest(recruiter_id=int(row["recruiter_id"]),
                                contract_id=int(row["contract_id"]), query=query, facets=False)
        t0 = time.perf_counter()
        try:
            pool = review.pool_for(request, seed=seed)
        except (QueryError, InvalidInput):
            skipped += 1
            continue
        if len(pool) < opts.steps:
            skipped += 1
            continue
        stats["pool_ms"].append((time.perf_counter() - t0) * 1e3)
        session_rng = np.random.default_rng([opts.seed, n, 1])
        intent = draw_review_intent(truth, session_rng, int(row["project_id"]), shape)
        p = p_good_fit(truth, intent, pool.member_ids)
        verdicts = session_rng.random(len(pool)) < p
        project_ids.append(int(row["project_id"]))
        stats["k"].append(pool.k)
        stats["silhouette"].append(np.nan if pool.silhouette is None else pool.silhouette)
        stats["pool"].append(len(pool))
        stats["base_rate"].append(float(p.mean()))
        stats["ceiling"].append(float(np.sort(p)[::-1][: opts.steps].mean()))
        stats["group_share"].append(intent.group_share)
        stats["focus_population"].append(intent.population)
        stats["focus_size"].append(float(intent.focus.size))
        stats["top_weight"].append(float(intent.weights.max()) if intent.weights is not None
                                   else 1.0 / max(intent.focus.size, 1))
        t1 = time.perf_counter()
        for name, (order, weight) in orders.items():
            lam = config.online_weight if weight is None else weight
            good[name].append(run_order(pool, verdicts, order, lam, opts.steps, seed)[0])
        stats["steps_ms"].append((time.perf_counter() - t1) * 1e3 / (len(orders) * opts.steps))
        if opts.mabwiser:
            for name, (policy, _) in MABWISER_ORDERS.items():
                arms = MabwiserArms(policy, pool.k, seed)
                good[name].append(run_order(pool, verdicts, policy, 0.0, opts.steps, seed,
                                            arms)[0])
        if opts.reorder_check and stage is not None and len(good["offline"]) <= REORDER_SESSIONS:
            sid = f"simulated-{opts.seed}-{n}"
            state = _final_state(pool, verdicts, "thompson", config.online_weight, opts.steps,
                                 seed, sid, request)
            sessions.create(state, None)
            for label, on in (("stage_off", False), ("stage_on", True)):
                ranked = service.rank(SearchRequest(
                    recruiter_id=request.recruiter_id, contract_id=request.contract_id,
                    query=request.query, facets=False, session_id=sid,
                    stages={"bandit": on})).candidates.member_ids[:25]
                values = p_good_fit(truth, intent, np.asarray(ranked, dtype=np.int64))
                for k in (10, 25):
                    reorder[f"{label}@{k}"].append(float(values[:k].mean()) if len(values)
                                                   else 0.0)
            sessions.delete(sid)
        done = len(good["offline"])
        if done and done % 50 == 0 and done != last_report:
            last_report = done
            step(f"review sessions: {done:,} of {opts.sessions:,}")
            log.info("review_sim.progress", sessions=done, of=opts.sessions, skipped=skipped)
    service.close()
    step(f"simulated {len(good['offline']):,} review sessions")
    out = summarize(good, reorder, stats, skipped, opts)
    out["intent"] = shape.name
    out["per_session"] = per_session(good, project_ids, stats["pool"])
    return out


def per_session(good: dict[str, list[np.ndarray]], project_ids: list[int],
                pools: list[float]) -> dict[str, Any]:
    """Each session's job, pool size and verdicts by step per order ("1" good fit, "0" not, one
    character a step): what a paired comparison of two report folders needs (the same seed runs
    the same jobs, intents and verdicts; ``benchmarks/review_pool_sizes.py``)."""
    return {"project_id": list(project_ids), "pool": [int(p) for p in pools],
            "good": {name: ["".join("1" if g else "0" for g in row) for row in rows]
                     for name, rows in good.items()}}


def job_queries(db: Any, project_ids: set[int]) -> dict[int, dict[str, Any]]:
    """The structured query of each job (projects without job fields are left out)."""
    from sqlalchemy import select

    from federator.jobs import is_job, job_query
    from talent.storage.models import Metro, Project

    with db.session() as s:
        metros = {m.id: m.name for m in s.scalars(select(Metro))}
        projects = s.scalars(select(Project).where(Project.id.in_(sorted(project_ids)))).all()
        return {p.id: job_query(p, metros.get(p.metro_id)) for p in projects if is_job(p)}


def summarize(good: dict[str, list[np.ndarray]], reorder: dict[str, list[float]],
              stats: dict[str, list[float]], skipped: int,
              opts: ReviewSimulationOptions) -> dict[str, Any]:
    """Precision by step block and overall with CIs, the paired lifts the report quotes, the
    re-ordered results page, and the pools' statistics."""
    steps, r, seed = opts.steps, opts.resamples, opts.seed
    blocks = [(b, min(b + BLOCK, steps)) for b in range(0, steps, BLOCK)]
    out: dict[str, Any] = {"sessions": len(good.get("offline", [])), "skipped": skipped,
                           "steps": steps, "seed": seed,
                           "blocks": [f"{a + 1}-{b}" for a, b in blocks], "orders": {}}
    arrays = {name: np.vstack(rows) if rows else np.zeros((0, steps))
              for name, rows in good.items()}
    for name, a in arrays.items():
        entry: dict[str, Any] = {
            "overall": bootstrap_mean(a.mean(axis=1), resamples=r, seed=seed).as_dict(),
            "blocks": {f"{lo + 1}-{hi}": bootstrap_mean(a[:, lo:hi].mean(axis=1), resamples=r,
                                                        seed=seed).as_dict()
                       for lo, hi in blocks},
            "by_step": a.mean(axis=0).tolist(),
        }
        first, last = a[:, blocks[0][0]:blocks[0][1]].mean(axis=1), a[:, blocks[-1][0]:
                                                                       blocks[-1][1]].mean(axis=1)
        entry["last_over_first"] = _ratio(last, first, r, seed)
        out["orders"][name] = entry
    comparisons = [("bandit+online", "bandit"), ("bandit+online", "offline"),
                   ("bandit+online", "random"), ("bandit", "offline"), ("bandit", "random"),
                   ("ucb1+online", "ucb1"), ("offline", "random")]
    out["lifts"] = [{"order": a, "over": b, **paired_lift(arrays[a].mean(axis=1),
                                                           arrays[b].mean(axis=1), resamples=r,
                                                           seed=seed).as_dict()}
                    for a, b in comparisons if a in arrays and b in arrays and len(arrays[a])]
    out["mabwiser"] = [{"order": m, "ours": ours, **paired_lift(arrays[m].mean(axis=1),
                                                                 arrays[ours].mean(axis=1),
                                                                 relative=False, resamples=r,
                                                                 seed=seed).as_dict()}
                       for m, (_, ours) in MABWISER_ORDERS.items() if m in arrays
                       and len(arrays[m])]
    if reorder and all(reorder.values()):
        out["results_page"] = {key: bootstrap_mean(np.asarray(v), resamples=r,
                                                   seed=seed).as_dict()
                               for key, v in reorder.items()}
        out["results_page"]["lift@10"] = paired_lift(reorder["stage_on@10"],
                                                     reorder["stage_off@10"], resamples=r,
                                                     seed=seed).as_dict()
        out["results_page"]["lift@25"] = paired_lift(reorder["stage_on@25"],
                                                     reorder["stage_off@25"], resamples=r,
                                                     seed=seed).as_dict()
    out["pools"] = {key: {"mean": float(np.nanmean(v)) if len(v) else float("nan"),
                          "p50": float(np.nanmedian(v)) if len(v) else float("nan")}
                    for key, v in stats.items()}
    ks = np.asarray(stats["k"], dtype=np.int64)
    out["pools"]["k_counts"] = {int(k): int((ks == k).sum()) for k in np.unique(ks)}
    return out


def _ratio(last: np.ndarray, first: np.ndarray, resamples: int, seed: int) -> dict[str, Any]:
    """mean(last) / mean(first) with a paired bootstrap CI over sessions."""
    lift = paired_lift(last, first, resamples=resamples, seed=seed)
    return {"value": 1 + lift.value, "low": 1 + lift.low, "high": 1 + lift.high, "n": lift.n}
