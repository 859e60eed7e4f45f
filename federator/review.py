"""Review mode's logic: a candidate pool in skill groups, one candidate at a time, feedback.

Pure functions over two plain records, so that any web worker (or the evaluation's simulated
recruiter) can run a step from what the cache holds:

- :class:`ReviewPool` (written once when a session starts): the top N candidates after the
  ranking stages with their offline scores, skills and skill groups (:mod:`federator.skill_groups`);
- :class:`ReviewState` (updated at every step): who was presented, the verdicts, each group's
  good fits and misses, and the session's online skill weights (:class:`SkillFeedback`).

A step (:func:`choose_next`): the bandit (:mod:`federator.arm_policies`) picks a group among
those with candidates left. Until the session has :attr:`LearnerConfig.explore_verdicts` (5) good
fits and misses, the candidate comes from that group (the groups are the exploration scheme);
from then on from the whole pool. Either way the best ``(1 - online_weight) * offline +
online_weight * online``: ``offline`` is the candidate's rank in the pool by the ranking stages'
score and ``online`` its rank by the online learner's expected probability of a good fit
(:mod:`federator.online_model`: Bayesian model averaging over sets of at most two skills, the
offline rank its prior), both scaled to [0, 1] (1 = the top). ``online_weight`` is 1 by default
(the learner's probability already holds the offline order, as its prior), 0 for "the bandit
alone" (the offline order within the bandit's group). ``policy="offline"`` and ``"random"`` are
the yardsticks the evaluation compares against: the pool in offline order, and in random order.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from functools import cached_property
from typing import Any, Literal

import numpy as np
import scipy.sparse as sp

from federator.arm_policies import POLICIES, ArmPolicy, arm_policy
from federator.online_model import OnlineModelConfig, good_fit_probability
from federator.skill_groups import skill_vectors

Verdict = Literal["good_fit", "not_fit", "skip"]
VERDICTS: tuple[str, ...] = ("good_fit", "not_fit", "skip")
#: Orders a session can present its pool in: the bandits, and the evaluation's yardsticks.
ORDERS: tuple[str, ...] = (*POLICIES, "offline", "random")


@dataclass(frozen=True)
class ReviewPool:
    """The candidates one review session draws from (never changes during the session)."""

    member_ids: np.ndarray          # int64, in offline order (best first)
    offline: np.ndarray             # float64, the ranking stages' scores
    groups: np.ndarray              # int64, skill group of each candidate
    group_skills: list[list[int]]   # per group: columns (into ``skills``) of its name
    skills: list[str]               # the pool's skill ids (columns)
    skill_names: list[str]
    skill_ptr: np.ndarray           # CSR rows of each candidate's skill columns
    skill_idx: np.ndarray
    silhouette: float | None = None
    index_version: str = ""

    def __post_init__(self) -> None:
        n = len(self.member_ids)
        if not (len(self.offline) == len(self.groups) == n and len(self.skill_ptr) == n + 1):
            raise ValueError("pool arrays must have one entry per candidate")

    def __len__(self) -> int:
        return len(self.member_ids)

    @property
    def k(self) -> int:
        return len(self.group_skills)

    def group_name(self, group: int) -> str:
        """A group's display name: its distinctive skills, joined."""
        return " · ".join(self.skill_names[c] for c in self.group_skills[group]) or "other"

    def member_skills(self, i: int) -> list[str]:
        """Display names of candidate ``i``'s skills."""
        cols = self.skill_idx[self.skill_ptr[i]:self.skill_ptr[i + 1]]
        return [self.skill_names[c] for c in cols]

    @cached_property
    def matrix(self) -> sp.csr_matrix:
        """Candidates x pool skills, 1 where held."""
        data = np.ones(len(self.skill_idx), dtype=np.float64)
        return sp.csr_matrix((data, self.skill_idx, self.skill_ptr),
                             shape=(len(self), len(self.skills)))

    @cached_property
    def dense(self) -> np.ndarray:
        """:attr:`matrix` as a dense array (what the online learner multiplies)."""
        return self.matrix.toarray()

    @cached_property
    def vectors(self) -> sp.csr_matrix:
        """Unit, pool-idf-weighted skill vectors (the ones the groups were clustered on)."""
        return skill_vectors(self.matrix)

    @cached_property
    def offline_rank(self) -> np.ndarray:
        """Each candidate's offline rank scaled to [0, 1]: 1 for the top, 0 for the last."""
        return rank_scaled(self.offline)

    @cached_property
    def index_of(self) -> dict[int, int]:
        return {int(m): i for i, m in enumerate(self.member_ids)}

    def to_json(self) -> dict[str, Any]:
        return {"member_ids": self.member_ids.tolist(), "offline": self.offline.tolist(),
                "groups": self.groups.tolist(), "group_skills": self.group_skills,
                "skills": self.skills, "skill_names": self.skill_names,
                "skill_ptr": self.skill_ptr.tolist(), "skill_idx": self.skill_idx.tolist(),
                "silhouette": self.silhouette, "index_version": self.index_version}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ReviewPool:
        return cls(member_ids=np.asarray(data["member_ids"], dtype=np.int64),
                   offline=np.asarray(data["offline"], dtype=np.float64),
                   groups=np.asarray(data["groups"], dtype=np.int64),
                   group_skills=[list(map(int, g)) for g in data["group_skills"]],
                   skills=list(data["skills"]), skill_names=list(data["skill_names"]),
                   skill_ptr=np.asarray(data["skill_ptr"], dtype=np.int64),
                   skill_idx=np.asarray(data["skill_idx"], dtype=np.int64),
                   silhouette=data.get("silhouette"), index_version=str(data.get("index_version",
                                                                                 "")))


#: Rated candidates a session keeps for the online learner (the newest; older ones are dropped),
#: which bounds the state in the cache.
MAX_EXAMPLES = 60


@dataclass
class SkillFeedback:
    """What the session's verdicts taught, keyed by skill id so that any candidate list can be
    scored: how many good fits and misses held each skill, and the rated candidates themselves
    (``examples``: ``[label, offline rank or None, skill ids]``, the newest :data:`MAX_EXAMPLES`),
    which the online learner (:mod:`federator.online_model`) weighs skill sets by."""

    good: dict[str, float] = field(default_factory=dict)
    bad: dict[str, float] = field(default_factory=dict)
    n_good: int = 0
    n_bad: int = 0
    examples: list[list[Any]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return self.n_good + self.n_bad == 0

    def add(self, vector: Mapping[str, float], good: bool, offline: float | None = None) -> None:
        """Add one rated candidate's skill vector (skill id -> weight, 1 for a held skill) and its
        offline rank in [0, 1] when known."""
        sums = self.good if good else self.bad
        for skill, weight in vector.items():
            sums[skill] = sums.get(skill, 0.0) + float(weight)
        if good:
            self.n_good += 1
        else:
            self.n_bad += 1
        self.examples.append([int(good), None if offline is None else float(offline),
                              sorted(s for s, w in vector.items() if w)])
        del self.examples[:-MAX_EXAMPLES]

    def rated(self, skills: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The kept examples over the columns ``skills``: held (examples x skills), offline
        ranks (0.5 where unknown), labels."""
        col = {s: c for c, s in enumerate(skills)}
        held = np.zeros((len(self.examples), len(skills)), dtype=np.float64)
        for r, (_, _, ids) in enumerate(self.examples):
            held[r, [col[s] for s in ids if s in col]] = 1.0
        offline = np.array([0.5 if o is None else o for _, o, _ in self.examples], dtype=np.float64)
        labels = np.array([lab for lab, _, _ in self.examples], dtype=np.float64)
        return held, offline, labels

    def direction(self, skills: Sequence[str]) -> np.ndarray:
        """The Rocchio weights over ``skills``: mean vector of the good fits minus that of the
        misses (zeros without feedback)."""
        w = np.zeros(len(skills), dtype=np.float64)
        for sums, n, sign in ((self.good, self.n_good, 1.0), (self.bad, self.n_bad, -1.0)):
            if n:
                w += sign * np.fromiter((sums.get(s, 0.0) for s in skills), np.float64,
                                        len(skills)) / n
        return w

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> SkillFeedback:
        data = data or {}
        return cls(dict(data.get("good", {})), dict(data.get("bad", {})),
                   int(data.get("n_good", 0)), int(data.get("n_bad", 0)),
                   [list(e) for e in data.get("examples", [])][-MAX_EXAMPLES:])


@dataclass
class ReviewState:
    """Everything a session learned and did; JSON in the cache, rewritten at every step."""

    session_id: str
    recruiter_id: int | None
    contract_id: int | None
    kind: Literal["review", "search"] = "review"   # "search": results-page feedback only
    order: str = "thompson"
    online_weight: float = 1.0
    seed: int = 0
    query: Any = None
    project_id: int | None = None
    created_at: str = ""
    presented: list[int] = field(default_factory=list)       # pool indexes, in order
    verdicts: dict[int, str] = field(default_factory=dict)    # pool index -> verdict
    successes: list[int] = field(default_factory=list)        # per group
    failures: list[int] = field(default_factory=list)
    skills: SkillFeedback = field(default_factory=SkillFeedback)
    version: int = 0

    @property
    def step(self) -> int:
        """Candidates presented so far."""
        return len(self.presented)

    @property
    def pending(self) -> list[int]:
        """Presented candidates without a verdict yet, oldest first."""
        return [i for i in self.presented if i not in self.verdicts]

    def counts(self) -> dict[str, int]:
        values = list(self.verdicts.values())
        return {v: values.count(v) for v in VERDICTS}

    def to_bytes(self) -> bytes:
        data = asdict(self)
        data["verdicts"] = {str(k): v for k, v in self.verdicts.items()}
        data["skills"] = self.skills.to_json()
        return json.dumps(data, separators=(",", ":")).encode()

    @classmethod
    def from_bytes(cls, raw: bytes) -> ReviewState:
        data = json.loads(raw)
        data["verdicts"] = {int(k): v for k, v in data.get("verdicts", {}).items()}
        data["skills"] = SkillFeedback.from_json(data.get("skills"))
        return cls(**data)


def new_state(session_id: str, pool: ReviewPool | None, *, recruiter_id: int | None,
              contract_id: int | None, order: str = "thompson", online_weight: float = 1.0,
              seed: int = 0, query: Any = None, project_id: int | None = None) -> ReviewState:
    """A fresh session over ``pool`` (``None``: a search session that only collects feedback)."""
    if order not in ORDERS:
        raise ValueError(f"unknown review order {order!r}: use one of {', '.join(ORDERS)}")
    if not 0.0 <= online_weight <= 1.0:
        raise ValueError("the online weight must be between 0 and 1")
    k = pool.k if pool is not None else 0
    return ReviewState(session_id, recruiter_id, contract_id,
                       kind="review" if pool is not None else "search", order=order,
                       online_weight=float(online_weight), seed=int(seed), query=query,
                       project_id=project_id,
                       created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                       successes=[0] * k, failures=[0] * k)


@dataclass(frozen=True)
class Pick:
    """One candidate the session presents, and why."""

    index: int                      # into the pool
    member_id: int
    group: int
    step: int                       # 1-based
    offline: float                  # offline rank in [0, 1]
    online: float                   # rank by the session's learned skills in [0, 1]
    score: float                    # the convex combination the group was ordered by
    arm_value: float | None         # the group's sampled rate / upper bound (bandits only)
    order: str
    across: bool = False            # picked from the whole pool (not the bandit's group)


def step_rng(state: ReviewState, salt: int = 0) -> np.random.Generator:
    """The random stream of the session's next step: a function of its seed and step only, so
    that a retried step (another worker won the race) draws the same way."""
    return np.random.default_rng([state.seed, state.step, salt])


def rank_scaled(values: np.ndarray) -> np.ndarray:
    """Each value's rank among ``values`` scaled to [0, 1] (1 = the highest; ties share their
    mean rank)."""
    from scipy.stats import rankdata

    n = len(values)
    if n < 2:
        return np.ones(n, dtype=np.float64)
    return (rankdata(np.asarray(values, dtype=np.float64)) - 1.0) / (n - 1)


@dataclass(frozen=True)
class LearnerConfig:
    """How a bandit session uses its online learner.

    ``explore_verdicts``: until the session has this many good fits and misses, the groups'
    bandit picks the group and the learner only orders candidates within it (the groups are the
    exploration scheme); from then on the learner picks across the whole pool, and the bandit's
    value for the candidate's group is still reported. ``model``: the learner's prior
    (:class:`federator.online_model.OnlineModelConfig`).
    """

    explore_verdicts: int = 5
    model: OnlineModelConfig = field(default_factory=OnlineModelConfig)

    def __post_init__(self) -> None:
        if self.explore_verdicts < 0:
            raise ValueError("explore_verdicts must be >= 0")


DEFAULT_LEARNER = LearnerConfig()


def effective_weight(state: ReviewState) -> float:
    """The online weight the session orders by: its configured one (the learner weighs its own
    evidence, so no ramp), 0 for the yardstick orders."""
    return 0.0 if state.order in ("offline", "random") else state.online_weight


def rated_indexes(state: ReviewState) -> tuple[np.ndarray, np.ndarray]:
    """The pool indexes with a good fit or miss, and their labels (1 = good fit)."""
    rated = [(i, v == "good_fit") for i, v in state.verdicts.items() if v != "skip"]
    return (np.array([i for i, _ in rated], dtype=np.int64),
            np.array([g for _, g in rated], dtype=np.float64))


def expected_good_fit(pool: ReviewPool, state: ReviewState,
                      model: OnlineModelConfig | None = None) -> np.ndarray:
    """Every pool member's expected probability of a good fit given the session's verdicts
    (:func:`federator.online_model.good_fit_probability`, the offline rank as its prior)."""
    rows, labels = rated_indexes(state)
    held = pool.dense
    return good_fit_probability(held, pool.offline_rank, held[rows], pool.offline_rank[rows],
                                labels, n_skills=len(pool.skills), config=model)


def online_scores(pool: ReviewPool, state: ReviewState, rows: np.ndarray,
                  model: OnlineModelConfig | None = None) -> np.ndarray:
    """Candidates ``rows``' rank in the pool by their expected good-fit probability, in [0, 1]
    (zeros before any good fit or miss: the offline order alone)."""
    if not len(rated_indexes(state)[0]):
        return np.zeros(len(rows), dtype=np.float64)
    return rank_scaled(expected_good_fit(pool, state, model))[rows]


def choose_next(pool: ReviewPool, state: ReviewState, policy: ArmPolicy | None = None,
                learner: LearnerConfig | None = None) -> Pick | None:
    """The candidate to present next (``None`` when the pool is used up); does not change the
    state (see :func:`present`)."""
    learner = learner or DEFAULT_LEARNER
    left = np.ones(len(pool), dtype=bool)
    left[state.presented] = False
    if not left.any():
        return None
    rng = step_rng(state)
    step = state.step + 1
    rows = np.flatnonzero(left)
    if state.order == "offline":
        i = int(rows[np.argmax(pool.offline_rank[rows])])
        return Pick(i, int(pool.member_ids[i]), int(pool.groups[i]), step,
                    float(pool.offline_rank[i]), 0.0, float(pool.offline_rank[i]), None, "offline")
    if state.order == "random":
        i = int(rng.choice(rows))
        return Pick(i, int(pool.member_ids[i]), int(pool.groups[i]), step,
                    float(pool.offline_rank[i]), 0.0, float(pool.offline_rank[i]), None, "random")
    policy = policy or arm_policy(state.order)
    available = np.bincount(pool.groups[rows], minlength=pool.k) > 0
    choice = policy.choose(np.asarray(state.successes), np.asarray(state.failures), available, rng)
    lam = effective_weight(state)
    n_rated = len(rated_indexes(state)[0])
    if lam > 0 and n_rated:
        online_all = rank_scaled(expected_good_fit(pool, state, learner.model))
    else:
        online_all = np.zeros(len(pool), dtype=np.float64)
    across = lam > 0 and n_rated >= learner.explore_verdicts
    members = rows if across else rows[pool.groups[rows] == choice.arm]
    combined = (1.0 - lam) * pool.offline_rank[members] + lam * online_all[members]
    best = int(np.argmax(combined))
    i = int(members[best])
    group = int(pool.groups[i])
    value = choice.values[group] if across else choice.value
    return Pick(i, int(pool.member_ids[i]), group, step, float(pool.offline_rank[i]),
                float(online_all[i]), float(combined[best]), value, policy.name, across)


def present(state: ReviewState, pick: Pick) -> None:
    """Record that ``pick`` was shown."""
    if pick.index in state.presented:
        raise ValueError(f"candidate {pick.member_id} was presented already")
    state.presented.append(pick.index)


def skill_vector(pool: ReviewPool, i: int) -> dict[str, float]:
    """Candidate ``i``'s skills as skill id -> 1."""
    return {pool.skills[c]: 1.0 for c in pool.skill_idx[pool.skill_ptr[i]:pool.skill_ptr[i + 1]]}


def apply_verdict(pool: ReviewPool, state: ReviewState, i: int, verdict: str) -> None:
    """Learn from the verdict on presented candidate ``i``: its group's reward (good fit 1, not a
    fit 0) and the online skill weights; a skip only marks it done."""
    if verdict not in VERDICTS:
        raise ValueError(f"unknown verdict {verdict!r}: use one of {', '.join(VERDICTS)}")
    state.verdicts[i] = verdict
    if verdict == "skip":
        return
    group = int(pool.groups[i])
    good = verdict == "good_fit"
    if good:
        state.successes[group] += 1
    else:
        state.failures[group] += 1
    state.skills.add(skill_vector(pool, i), good, float(pool.offline_rank[i]))
