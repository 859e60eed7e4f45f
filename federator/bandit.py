"""Stage ``bandit``: a search carrying a session id is re-ordered by that session's feedback.

After L2, before representative re-ranking (which has the last word, so a re-ordered page keeps
the qualified pool's gender mix). When the request's ``session_id`` names a session of
the same recruiter in the :class:`~federator.sessions.SessionStore` (a review session, or the
good fit / not a fit marks given on results pages, see
:meth:`federator.review_service.ReviewService.note_feedback`) with at least one good fit or miss,
the list it is handed is re-scored by the convex combination review mode orders by:
``(1 - online_weight) * offline + online_weight * online``, ``offline`` the candidate's rank in
the list and ``online`` its rank by the session's online learner (expected good-fit probability
given the session's kept verdicts, :mod:`federator.online_model`, with the list rank as the
prior), both scaled to [0, 1] (see :mod:`federator.review`). Without a session, or a session
without feedback, the list goes on unchanged.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from federator.online_model import OnlineModelConfig, good_fit_probability
from federator.pipeline import RankingRequest, StageConfig
from federator.review import rank_scaled
from federator.sessions import SessionStore, usable_session_id
from federator.types import CandidateList
from index.serving.serving_index import ServingIndex


@dataclass(frozen=True)
class BanditConfig(StageConfig):
    """``online_weight``: the share of the session's learned skills in the new order;
    ``depth``: how many of the list's top candidates are re-ordered (the rest follow them)."""

    online_weight: float = 1.0
    depth: int = 1000
    model: OnlineModelConfig = OnlineModelConfig()

    def __post_init__(self) -> None:
        if not 0.0 <= self.online_weight <= 1.0:
            raise ValueError("the bandit stage's online weight must be between 0 and 1")
        if self.depth < 1:
            raise ValueError("the bandit stage's depth must be >= 1")

    @classmethod
    def from_settings(cls, settings: object) -> BanditConfig:
        return cls(enabled=bool(getattr(settings, "bandit_stage", True)),
                   online_weight=float(getattr(settings, "review_online_weight", 1.0)))


class BanditStage:
    """Stage ``bandit`` (see the module docstring)."""

    name = "bandit"
    required = False
    switches: tuple[str, ...] = ()
    session_only = True  # changes nothing for a search without a session (no evaluation rung)

    def __init__(self, sessions: SessionStore, serving: ServingIndex,
                 config: BanditConfig | None = None):
        self.sessions = sessions
        self.serving = serving
        self.config = config or BanditConfig()

    def __call__(self, request: RankingRequest, candidates: CandidateList) -> CandidateList:
        sid = request.session_id
        if not sid or len(candidates) < 2:
            return candidates
        t0 = time.perf_counter()
        if not usable_session_id(sid):  # a client's own session id: nothing stored under it
            return candidates
        state = self.sessions.state(sid)
        if (state is None or state.skills.empty
                or (request.recruiter_id is not None
                    and state.recruiter_id != request.recruiter_id)):
            return candidates
        t1 = time.perf_counter()
        depth = min(self.config.depth, len(candidates))
        top = np.asarray(candidates.member_ids[:depth], dtype=np.int64)
        batch = self.serving.features(top)
        csr = batch.csr["skills"]
        codes, local = np.unique(np.asarray(csr.indices, dtype=np.int64), return_inverse=True)
        vocab = self.serving.vocab
        listed = [vocab.term("skill", int(c)) for c in codes]
        rated_only = sorted({s for _, _, ids in state.skills.examples for s in ids} - set(listed))
        skills = listed + rated_only
        held = sp.csr_matrix((np.ones(len(local)), local.astype(np.int64),
                              np.asarray(csr.indptr, dtype=np.int64)), shape=(depth, len(skills)))
        t2 = time.perf_counter()
        offline = 1.0 - np.arange(depth) / max(depth - 1, 1)
        r_held, r_offline, labels = state.skills.rated(skills)
        expected = good_fit_probability(held.toarray(), offline, r_held, r_offline, labels,
                                        n_skills=len(skills), config=self.config.model)
        online = rank_scaled(expected)
        lam = self.config.online_weight
        combined = (1.0 - lam) * offline + lam * online
        head = np.argsort(-combined, kind="stable")
        order = np.concatenate([head, np.arange(depth, len(candidates))])
        scores = np.concatenate([combined[head],
                                 np.minimum(np.asarray(candidates.scores[depth:], dtype=np.float64),
                                            float(combined.min()) if depth else 0.0)])
        t3 = time.perf_counter()
        return candidates.reordered(order, scores, {"session": (t1 - t0) * 1e3,
                                                    "skills": (t2 - t1) * 1e3,
                                                    "score": (t3 - t2) * 1e3})
