"""Logged searches as ranking data: the candidates each search showed, graded by what happened.

Graded labels per (search, shown member), from the logs: accepted InMail (4) > InMail sent (3)
> saved (2) > viewed (1) > shown only (0). The headline binary label is "InMail accepted".
Training (validation) and the evaluation (logged replay) read the same candidates and score
re-rankings of them with the same :func:`per_query_metrics`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd  # type: ignore[import-untyped]
from sqlalchemy import text

from talent.ranking import metrics as mt
from talent.ranking.metrics import CUTOFFS


@dataclass
class Candidates:
    """Shown candidates of a set of searches with their labels and (optionally) L1 features.

    ``rows`` columns: ``search_id, member_id, position, logged_score, grade, accepted``, sorted by
    (search_id, position); ``searches`` is indexed by search id (``session_id, recruiter_id,
    project_id, contract_id, created_at, query_type, query_text`` ...). ``features`` rows align
    with ``rows``.
    """

    rows: pd.DataFrame
    searches: pd.DataFrame
    features: np.ndarray | None = None
    feature_names: tuple[str, ...] = ()
    info: dict[str, Any] = field(default_factory=dict)

    def subset(self, search_ids: Sequence[int] | np.ndarray) -> Candidates:
        """The candidates of the given searches only (features sliced alongside)."""
        keep = self.rows["search_id"].isin(np.asarray(search_ids)).to_numpy()
        feats = self.features[keep] if self.features is not None else None
        rows = self.rows.loc[keep].reset_index(drop=True)
        searches = self.searches.loc[self.searches.index.isin(rows["search_id"].unique())]
        return Candidates(rows, searches, feats, self.feature_names, dict(self.info))

    @property
    def group_sizes(self) -> np.ndarray:
        """Number of shown candidates per search, in row order (for rankers' query groups)."""
        sid = self.rows["search_id"].to_numpy()
        if sid.size == 0:
            return np.zeros(0, dtype=np.int64)
        starts = np.flatnonzero(np.r_[True, sid[1:] != sid[:-1]])
        return np.diff(np.r_[starts, sid.size])


def grade_labels(impressions: pd.DataFrame, feedback: pd.DataFrame,
                 inmails: pd.DataFrame) -> pd.DataFrame:
    """Attach ``grade`` (0..4) and ``accepted`` (0/1) to impressions (search_id, member_id, ...)."""
    grade = pd.Series(0, index=pd.MultiIndex.from_frame(impressions[["search_id", "member_id"]]),
                      dtype=np.int8)
    levels = [(feedback.loc[feedback["kind"] == "view"], mt.GAIN_VIEW),
              (feedback.loc[feedback["kind"] == "save"], mt.GAIN_SAVE),
              (inmails, mt.GAIN_INMAIL),
              (inmails.loc[inmails["status"] == "accepted"], mt.GAIN_ACCEPT)]
    for frame, level in levels:  # ascending, so the strongest outcome wins
        if frame.empty:
            continue
        keys = pd.MultiIndex.from_frame(frame[["search_id", "member_id"]].dropna().astype(np.int64))
        hit = grade.index.isin(keys)
        grade.iloc[hit] = np.maximum(grade.iloc[hit].to_numpy(), level)
    out = impressions.copy()
    out["grade"] = grade.to_numpy()
    out["accepted"] = (out["grade"] == mt.GAIN_ACCEPT).astype(np.int8)
    return out


def load_candidates(engine: Any, search_ids: Sequence[int] | None = None) -> Candidates:
    """Read the logged searches, what they showed and what happened next (labels) from the
    database."""
    with engine.connect() as conn:
        searches = pd.read_sql(text(
            "SELECT id, session_id, recruiter_id, contract_id, project_id, created_at, query_type, "
            "query_text, query_json, ranker, result_count FROM searches ORDER BY id"), conn)
        impressions = pd.read_sql(text(
            "SELECT search_id, member_id, position, logged_score FROM impressions ORDER BY "
            "search_id, position"), conn)
        feedback = pd.read_sql(text("SELECT search_id, member_id, kind FROM feedback WHERE "
                                    "search_id IS NOT NULL"),
                               conn)
        inmails = pd.read_sql(text("SELECT search_id, member_id, status FROM inmails WHERE "
                                   "search_id IS NOT NULL"),
                              conn)
    searches["created_at"] = pd.to_datetime(searches["created_at"])
    if search_ids is not None:
        wanted = np.asarray(search_ids)
        searches = searches.loc[searches["id"].isin(wanted)]
        impressions = impressions.loc[impressions["search_id"].isin(wanted)]
    rows = grade_labels(impressions.reset_index(drop=True), feedback, inmails)
    return Candidates(rows.sort_values(["search_id", "position"],
                                       kind="stable").reset_index(drop=True),
                      searches.set_index("id"))


def per_query_metrics(cands: Candidates, scores: np.ndarray,
                      ks: Sequence[int] = CUTOFFS) -> pd.DataFrame:
    """Ranking metrics of ``scores`` for each search (indexed by search id).

    Columns ``precision@k`` (accepted InMails in the top k), ``ndcg@k`` (graded labels) and
    ``mrr`` (first accepted InMail). NDCG and MRR are ``nan`` for searches without a positive.
    """
    rows = cands.rows
    sid = rows["search_id"].to_numpy()
    scores = np.asarray(scores, dtype=np.float64)
    if scores.shape[0] != sid.shape[0]:
        raise ValueError(f"{scores.shape[0]} scores for {sid.shape[0]} candidates")
    grades = rows["grade"].to_numpy()
    accepted = rows["accepted"].to_numpy()
    out: dict[str, list[float]] = {f"precision@{k}": [] for k in ks}
    out.update({f"ndcg@{k}": [] for k in ks})
    out["mrr"] = []
    ids = []
    sizes = cands.group_sizes
    start = 0
    for size in sizes:
        sl = slice(start, start + size)
        s, g, a = scores[sl], grades[sl], accepted[sl]
        for k in ks:
            out[f"precision@{k}"].append(mt.precision_at_k(s, a, k))
            out[f"ndcg@{k}"].append(mt.ndcg_at_k(s, g, k))
        out["mrr"].append(mt.reciprocal_rank(s, a))
        ids.append(int(sid[start]))
        start += size
    return pd.DataFrame(out, index=pd.Index(ids, name="search_id"))


def ips_per_query(cands: Candidates, scores: np.ndarray, exponent: float,
                  ks: Sequence[int] = (5, 10, 25)) -> pd.DataFrame:
    """IPS-weighted precision@k of ``scores`` for each search (indexed by search id): each
    accept counts 1 / P(examined at its logged position), P(examined) ~ (1 + position) **
    ``exponent`` (<= 0). Logged accepts favour the rows the logging policy put on top; weighting
    them back undoes that position bias (Joachims, Swaminathan, Schnabel, WSDM 2017)."""
    rows = cands.rows
    sid = rows["search_id"].to_numpy()
    scores = np.asarray(scores, dtype=np.float64)
    if scores.shape[0] != sid.shape[0]:
        raise ValueError(f"{scores.shape[0]} scores for {sid.shape[0]} candidates")
    weight = (1.0 + rows["position"].to_numpy(dtype=np.float64)) ** (-min(exponent, 0.0))
    gain = rows["accepted"].to_numpy(dtype=np.float64) * weight
    out: dict[str, list[float]] = {f"ips_precision@{k}": [] for k in ks}
    ids = []
    start = 0
    for size in cands.group_sizes:
        s, g = scores[start:start + size], gain[start:start + size]
        order = np.argsort(-s, kind="stable")
        for k in ks:
            out[f"ips_precision@{k}"].append(float(g[order[:k]].sum()) / k)
        ids.append(int(sid[start]))
        start += size
    return pd.DataFrame(out, index=pd.Index(ids, name="search_id"))
