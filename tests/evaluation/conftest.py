"""A small synthetic logged-replay dataset with a known outcome model (no database needed)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from talent.ranking.candidates import Candidates

FEATURES = ("bm25_title", "skill_overlap", "noise")


def make_candidates(n_searches: int = 300, per_search: int = 25, seed: int = 0) -> Candidates:
    """Searches whose accepts depend on text match and, more, on a skill feature text match ignores.

    Returns the candidates plus ``info["p_accept"]``: each row's true P(InMail accepted).
    """
    rng = np.random.default_rng(seed)
    n = n_searches * per_search
    sid = np.repeat(np.arange(1, n_searches + 1), per_search)
    text = rng.random(n)
    skill = rng.random(n)
    noise = rng.standard_normal(n)
    logit_inmail = -2.0 + 1.0 * text + 2.5 * skill
    p_inmail = 1 / (1 + np.exp(-logit_inmail))
    p_accept_given = 1 / (1 + np.exp(-(-0.5 + 1.5 * skill)))
    inmail = rng.random(n) < p_inmail
    accept = inmail & (rng.random(n) < p_accept_given)
    view = inmail | (rng.random(n) < 0.3)
    grade = np.where(accept, 4, np.where(inmail, 3, np.where(view, 1, 0))).astype(np.int8)
    logged = text + 0.3 * rng.random(n)  # the logging policy: text match with a little noise
    position = np.concatenate([np.argsort(np.argsort(-logged[sid == s]))
                               for s in range(1, n_searches + 1)])
    rows = pd.DataFrame({"search_id": sid, "member_id": np.arange(1, n + 1), "position": position,
                         "logged_score": logged, "grade": grade,
                         "accepted": accept.astype(np.int8)})
    order = np.lexsort((rows["position"].to_numpy(), sid))
    rows = rows.iloc[order].reset_index(drop=True)
    features = np.column_stack([text, skill, noise])[order]
    base = pd.Timestamp("2026-01-01")
    searches = pd.DataFrame({
        "session_id": [f"s{(i - 1) // 2}" for i in range(1, n_searches + 1)],
        "recruiter_id": rng.integers(1, 20, n_searches),
        "created_at": [base + pd.Timedelta(hours=i) for i in range(n_searches)],
        "query_type": rng.choice(["title", "title_skills", "boolean_or", "free_text"], n_searches),
    }, index=pd.Index(np.arange(1, n_searches + 1), name="id"))
    p_accept = (p_inmail * p_accept_given)[order]
    return Candidates(rows, searches, features, FEATURES, {"p_accept": p_accept})


@pytest.fixture(scope="session")
def synthetic() -> Candidates:
    return make_candidates()
