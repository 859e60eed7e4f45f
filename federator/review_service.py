"""Review mode as a service: start a session for a job or a query, present candidates one at a
time, learn from each verdict. Any web worker can serve any step: everything lives in the
:class:`~federator.sessions.SessionStore` (the cache), nothing in the process.

Starting a session runs the search once with the ranking stages before the bandit (broker, L2,
re-ranking), keeps the top ``pool_size`` as the pool, reads their skills from the forward store
and clusters them into skill groups (:mod:`federator.skill_groups`). Each step is
:func:`federator.review.choose_next`; each verdict :func:`federator.review.apply_verdict`, under
the store's compare-and-set.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

from federator.arm_policies import ArmPolicy
from federator.review import (
    ORDERS,
    VERDICTS,
    Pick,
    ReviewPool,
    ReviewState,
    apply_verdict,
    choose_next,
    new_state,
    present,
)
from federator.sessions import (
    SessionExpired,
    SessionStore,
    check_session_id,
    expired_message,
    new_session_id,
)
from federator.skill_groups import cluster_skills
from federator.types import SearchRequest
from talent.errors import InvalidInput, NotFound, TalentError
from talent.logging import get_logger

log = get_logger(__name__)


class AlreadyRated(TalentError):
    """A verdict for a candidate that has one already (the first one stands)."""

    http_status = 409


@dataclass(frozen=True)
class ReviewConfig:
    """How review sessions start: pool size, groups, the bandit and the online weight."""

    pool_size: int = 200
    groups: int | None = None               # k; None: by silhouette over ``k_range``
    k_range: tuple[int, int] = (2, 8)
    order: str = "thompson"                 # thompson | ucb1 (offline | random: yardsticks)
    online_weight: float = 1.0

    def __post_init__(self) -> None:
        if self.pool_size < 2:
            raise ValueError("a review pool needs at least 2 candidates")
        if self.order not in ORDERS:
            raise ValueError(f"unknown review order {self.order!r}: use one of {', '.join(ORDERS)}")
        if not 0.0 <= self.online_weight <= 1.0:
            raise ValueError("the online weight must be between 0 and 1")

    @classmethod
    def from_settings(cls, settings: Any) -> ReviewConfig:
        return cls(pool_size=settings.review_pool_size, groups=settings.review_groups,
                   order=settings.review_policy, online_weight=settings.review_online_weight)


@dataclass(frozen=True)
class GroupView:
    group: int
    name: str
    skills: list[str]
    size: int
    good_fits: int
    misses: int
    left: int

    @property
    def rate(self) -> float:
        """Posterior mean good-fit rate (Beta(1, 1) prior)."""
        return (1 + self.good_fits) / (2 + self.good_fits + self.misses)


@dataclass(frozen=True)
class CandidateView:
    """A presented candidate: profile fields, skills, and why the session picked them."""

    member_id: int
    step: int
    group: GroupView
    order: str
    offline: float
    online: float
    score: float
    arm_value: float | None
    verdict: str | None = None
    across: bool = False                    # picked from the whole pool by the learner
    name: str = ""
    title: str = ""
    headline: str = ""
    company: str | None = None
    location: str | None = None
    skills: list[str] = field(default_factory=list)
    group_skills_held: list[str] = field(default_factory=list)

    @property
    def why(self) -> str:
        """One sentence a recruiter can read."""
        if self.across:
            return (f"The best expected good fit in the whole pool after your verdicts (skill "
                    f"group “{self.group.name}”): score {self.score:.2f} from its rank by the "
                    f"good-fit chance learned from your verdicts ({self.online:.2f}) and by the "
                    f"search ({self.offline:.2f}).")
        text = f"From skill group “{self.group.name}”"
        if self.order == "thompson" and self.arm_value is not None:
            text += f" (its sampled good-fit rate {self.arm_value:.2f} was the best draw)"
        elif self.order == "ucb1" and self.arm_value is not None:
            text += (" (not tried yet)" if self.arm_value == float("inf")
                     else f" (its upper confidence bound {self.arm_value:.2f} was the highest)")
        return (text + f"; score {self.score:.2f} from its rank by the search "
                f"({self.offline:.2f}) and by the good-fit chance learned from your verdicts "
                f"({self.online:.2f}).")


@dataclass(frozen=True)
class SessionView:
    """A session's progress: counts, groups, pending candidates."""

    session_id: str
    order: str
    online_weight: float
    step: int
    pool_size: int
    counts: dict[str, int]
    groups: list[GroupView]
    pending: list[int]
    query: Any
    project_id: int | None
    silhouette: float | None
    done: bool

    @property
    def precision(self) -> float | None:
        rated = self.counts["good_fit"] + self.counts["not_fit"]
        return self.counts["good_fit"] / rated if rated else None


class ReviewService:
    """See the module docstring. ``search`` is the :class:`~federator.service.SearchService`."""

    def __init__(self, search: Any, sessions: SessionStore, config: ReviewConfig | None = None,
                 policies: Mapping[str, ArmPolicy] | None = None):
        self.search = search
        self.sessions = sessions
        self.config = config or ReviewConfig()
        self.policies = dict(policies or {})

    # --- starting -------------------------------------------------------------------------------
    def pool_for(self, request: SearchRequest, *, size: int | None = None, seed: int = 0
                 ) -> ReviewPool:
        """The ranking stages' top ``size`` for ``request`` (without the bandit stage), with
        their skills and skill groups. ``InvalidInput`` when the query finds fewer than 2."""
        size = size or self.config.pool_size
        stages = {**request.stages}
        if "bandit" in self.search.pipeline.switches:
            stages["bandit"] = False
        run = self.search.rank(dataclasses.replace(request, stages=stages, facets=False))
        cands = run.candidates
        n = min(size, len(cands))
        if n < 2:
            raise InvalidInput("this query finds fewer than 2 candidates: widen it to review them "
                               "one at a time")
        member_ids = np.asarray(cands.member_ids[:n], dtype=np.int64)
        offline = np.asarray(cands.scores[:n], dtype=np.float64)
        serving = self.search.serving
        batch = serving.features(member_ids)
        vocab = serving.vocab
        csr = batch.csr["skills"]
        codes = np.asarray(csr.indices, dtype=np.int64)
        used, local = np.unique(codes, return_inverse=True)
        skills = [vocab.term("skill", int(c)) for c in used]
        taxonomy = self.search.taxonomy
        names = [taxonomy.skills[s].name if s in taxonomy.skills else s.split(":", 1)[-1]
                 for s in skills]
        ptr = np.asarray(csr.indptr, dtype=np.int64)
        matrix = sp.csr_matrix((np.ones(len(local)), local.astype(np.int64), ptr),
                               shape=(n, len(skills)))
        groups = cluster_skills(matrix, k=self.config.groups, k_range=self.config.k_range,
                                seed=seed)
        return ReviewPool(member_ids, offline, groups.labels, groups.names, skills, names, ptr,
                          local.astype(np.int64), groups.silhouette, serving.version)

    def start(self, request: SearchRequest, *, project_id: int | None = None,
              order: str | None = None, online_weight: float | None = None, seed: int | None = None,
              pool: ReviewPool | None = None, session_id: str | None = None) -> SessionView:
        """A new review session for ``request``'s query (a job's query for ``project_id``)."""
        seed = int(seed if seed is not None else np.random.SeedSequence().entropy % 2**31)
        pool = pool if pool is not None else self.pool_for(request, seed=seed)
        sid = check_session_id(session_id) if session_id else new_session_id()
        state = new_state(sid, pool, recruiter_id=request.recruiter_id,
                          contract_id=request.contract_id, order=order or self.config.order,
                          online_weight=(self.config.online_weight if online_weight is None
                                         else online_weight),
                          seed=seed, query=request.query, project_id=project_id)
        self.sessions.create(state, pool)
        log.info("review.started", session=sid, pool=len(pool), groups=pool.k, order=state.order)
        return self._view(state, pool)

    # --- steps ----------------------------------------------------------------------------------
    def _own(self, session_id: str, recruiter_id: int | None) -> tuple[ReviewState, ReviewPool]:
        state = self.sessions.state(session_id)
        if state is None:
            raise SessionExpired(expired_message(session_id))
        self._check_review(state, recruiter_id)
        return state, self.sessions.pool(session_id)

    @staticmethod
    def _check_owner(state: ReviewState, recruiter_id: int | None) -> None:
        if recruiter_id is not None and state.recruiter_id != recruiter_id:
            raise NotFound(f"review session {state.session_id} not found")

    @classmethod
    def _check_review(cls, state: ReviewState, recruiter_id: int | None) -> None:
        cls._check_owner(state, recruiter_id)
        if state.kind != "review":
            raise NotFound(f"review session {state.session_id} not found")

    def session(self, session_id: str, recruiter_id: int | None) -> SessionView:
        state, pool = self._own(session_id, recruiter_id)
        return self._view(state, pool)

    def next(self, session_id: str, recruiter_id: int | None
             ) -> tuple[SessionView, CandidateView | None]:
        """Draw and present a new candidate (``None`` when the pool is used up)."""
        pool = self.sessions.pool(session_id)
        state, candidate = self._draw(session_id, pool, recruiter_id)
        return self._view(state, pool), candidate

    def current(self, session_id: str, recruiter_id: int | None) -> CandidateView | None:
        """The newest presented candidate without a verdict, else a new draw (a page reload does
        not skip anyone)."""
        state, pool = self._own(session_id, recruiter_id)
        pending = state.pending
        if pending:
            i = pending[-1]
            return self._candidate(pool, state, _replay_pick(pool, state, i))
        return self._draw(session_id, pool, recruiter_id)[1]

    def _draw(self, session_id: str, pool: ReviewPool, recruiter_id: int | None
              ) -> tuple[ReviewState, CandidateView | None]:
        def change(state: ReviewState) -> Pick | None:
            self._check_review(state, recruiter_id)
            pick = choose_next(pool, state, self.policies.get(state.order))
            if pick is not None:
                present(state, pick)
            return pick

        state, pick = self.sessions.update(session_id, change)
        return state, None if pick is None else self._candidate(pool, state, pick)

    def feedback(self, session_id: str, recruiter_id: int | None, member_id: int, verdict: str, *,
                 then_next: bool = True) -> tuple[SessionView, CandidateView | None]:
        """Record ``verdict`` on presented candidate ``member_id`` and (by default) draw the next
        candidate: one step."""
        if verdict not in VERDICTS:
            raise InvalidInput(f"unknown verdict {verdict!r}: use one of {', '.join(VERDICTS)}")
        pool = self.sessions.pool(session_id)
        i = pool.index_of.get(int(member_id))

        def change(state: ReviewState) -> Pick | None:
            self._check_review(state, recruiter_id)
            if i is None or i not in state.presented:
                raise InvalidInput(f"member {member_id} was not presented in review session "
                                   f"{session_id}")
            if i in state.verdicts:
                raise AlreadyRated(f"member {member_id} is rated {state.verdicts[i]!r} already in "
                                   "this session")
            apply_verdict(pool, state, i, verdict)
            if not then_next:
                return None
            pick = choose_next(pool, state, self.policies.get(state.order))
            if pick is not None:
                present(state, pick)
            return pick

        state, pick = self.sessions.update(session_id, change)
        nxt = None if pick is None else self._candidate(pool, state, pick)
        return self._view(state, pool), nxt

    # --- results-page feedback --------------------------------------------------------------------
    def note_feedback(self, session_id: str, recruiter_id: int | None, contract_id: int | None,
                      member_id: int, verdict: str) -> None:
        """Good fit / not a fit given on a results page or profile in session ``session_id``:
        the session's online skill weights learn it (a session is created for it when there is
        none), so the next search carrying the session id is re-ordered by the bandit stage."""
        if verdict not in ("good_fit", "not_fit"):
            return
        vector = member_skill_vector(self.search.serving, member_id)
        if not vector:
            return

        def create() -> ReviewState:
            return new_state(session_id, None, recruiter_id=recruiter_id, contract_id=contract_id)

        def change(state: ReviewState) -> None:
            if recruiter_id is not None and state.recruiter_id != recruiter_id:
                raise NotFound(f"session {session_id} not found")
            state.skills.add(vector, verdict == "good_fit")

        self.sessions.update(session_id, change, create=create)

    # --- views ----------------------------------------------------------------------------------
    def _groups(self, pool: ReviewPool, state: ReviewState) -> list[GroupView]:
        sizes = np.bincount(pool.groups, minlength=pool.k)
        shown = np.bincount(pool.groups[state.presented], minlength=pool.k) if state.presented \
            else np.zeros(pool.k, dtype=np.int64)
        return [GroupView(g, pool.group_name(g),
                          [pool.skill_names[c] for c in pool.group_skills[g]], int(sizes[g]),
                          int(state.successes[g]), int(state.failures[g]),
                          int(sizes[g] - shown[g]))
                for g in range(pool.k)]

    def _view(self, state: ReviewState, pool: ReviewPool) -> SessionView:
        return SessionView(state.session_id, state.order, state.online_weight, state.step,
                           len(pool), state.counts(), self._groups(pool, state),
                           [int(pool.member_ids[i]) for i in state.pending], state.query,
                           state.project_id, pool.silhouette, state.step >= len(pool)
                           and not state.pending)

    def _candidate(self, pool: ReviewPool, state: ReviewState, pick: Pick) -> CandidateView:
        groups = self._groups(pool, state)
        docs = self.search.serving.documents([pick.member_id])
        doc = docs[0] if docs else {}
        skills = [str(s) for s in doc.get("skills", [])] or pool.member_skills(pick.index)
        held = set(pool.member_skills(pick.index))
        group_skills = [pool.skill_names[c] for c in pool.group_skills[pick.group]]
        return CandidateView(member_id=pick.member_id, step=pick.step, group=groups[pick.group],
                             order=pick.order, offline=pick.offline, online=pick.online,
                             score=pick.score, arm_value=pick.arm_value,
                             verdict=state.verdicts.get(pick.index), across=pick.across,
                             name=str(doc.get("name") or ""), title=str(doc.get("title") or ""),
                             headline=str(doc.get("headline") or ""), company=doc.get("company"),
                             location=doc.get("location"), skills=skills,
                             group_skills_held=[s for s in group_skills if s in held])


def _replay_pick(pool: ReviewPool, state: ReviewState, i: int) -> Pick:
    """A pending candidate's pick as a page shows it again (its step; scores as of now)."""
    from federator.review import effective_weight, online_scores

    online = float(online_scores(pool, state, np.array([i]))[0])
    lam = effective_weight(state) if state.order not in ("offline", "random") else 0.0
    score = (1 - lam) * float(pool.offline_rank[i]) + lam * online
    return Pick(i, int(pool.member_ids[i]), int(pool.groups[i]), state.presented.index(i) + 1,
                float(pool.offline_rank[i]), online, score, None, state.order)


def member_skill_vector(serving: Any, member_id: int) -> dict[str, float]:
    """A member's skills as skill id -> 1, from the forward store."""
    batch = serving.features(np.array([int(member_id)], dtype=np.int64))
    if not bool(batch.found[0]):
        return {}
    codes = np.unique(np.asarray(batch.csr["skills"].indices, dtype=np.int64))
    if not len(codes):
        return {}
    return {serving.vocab.term("skill", int(c)): 1.0 for c in codes}


def skill_ids_of(serving: Any, member_ids: Sequence[int]) -> list[list[str]]:
    """Each member's skill ids from the forward store, in the order asked for."""
    batch = serving.features(np.asarray(member_ids, dtype=np.int64))
    csr = batch.csr["skills"]
    vocab = serving.vocab
    return [[vocab.term("skill", int(c)) for c in csr.indices[csr.indptr[r]:csr.indptr[r + 1]]]
            for r in range(len(member_ids))]
