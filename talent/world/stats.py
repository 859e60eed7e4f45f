"""Realism and learnability figures of the world a database holds (``talent world stats``).

Realism is measured on the product tables: occupation mix vs BLS employment (Spearman rank
correlation), share of women by occupation family (vs the target rates), skills per member,
distinct raw titles per occupation, InMail accept rates (overall, open-to-work vs others) and
the click (view) curve by position.

Learnability is measured on the LOGS alone, except the oracle check which is allowed to read the
hidden truth because it lives in this package:

- a logistic regression over simple match features (title overlap, same occupation, skill
  overlap, same metro, open-to-work, activity recency, seniority step) predicts InMail accepts
  on a later time slice with AUC > 0.7;
- per-recruiter models of "InMail sent after a view" beat the global model on each recruiter's
  later views by more than the same procedure with recruiter labels shuffled (preferences are
  detectable beyond noise);
- ranking each logged search's shown candidates by the hidden truth gives an (expected)
  InMail-accept precision@25 at least twice the logging policy's.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import text

from talent.taxonomy.model import normalize
from talent.world.generator import DEFAULT_FEMALE_SHARE, FAMILY_FEMALE_SHARE
from talent.world.simulator import current_world

SENIORITY_TOKENS = frozenset(
    [
        "senior",
        "sr",
        "jr",
        "junior",
        "lead",
        "principal",
        "staff",
        "chief",
        "head",
        "director",
        "manager",
        "vp",
        "intern",
        "trainee",
        "associate",
        "supervisor",
        "executive",
        "i",
        "ii",
        "iii",
        "iv",
        "of",
        "and",
        "the",
    ]
)
K = 25


@dataclass
class Check:
    name: str
    value: float
    target: str
    ok: bool


def _read(db: Any, sql: str, **params: Any) -> pd.DataFrame:
    with db.engine.connect() as conn:
        return pd.read_sql(text(sql), conn, params=params)


def _ts(series: pd.Series) -> pd.Series:
    return pd.to_datetime(series, format="mixed")


def world_stats(db: Any, worlds_dir: Path, *, learnability: bool = True,
                seed: int = 0) -> dict[str, Any]:
    """All figures as a JSON-ready dict: ``world``, ``realism``, ``learnability``, ``checks``."""
    info = current_world(db)
    from talent.world.truth import load_truth

    truth = load_truth(worlds_dir, info.name)
    out: dict[str, Any] = {
        "world": {
            "name": info.name,
            "seed": info.seed,
            "members": info.members,
            "taxonomy": info.taxonomy_source,
            "content_hash": info.content_hash,
            "simulated": info.simulated_at is not None,
        }
    }
    out["realism"] = realism(db, truth)
    if learnability and info.simulated_at is not None:
        out["learnability"] = {
            "accept_model": accept_model(db),
            "recruiter_preferences": recruiter_preferences(db, truth, seed=seed),
            "oracle_vs_logging": oracle_vs_logging(db, truth),
        }
    out["checks"] = [c.__dict__ for c in checks(out)]
    return out


# --- realism --------------------------------------------------------------------------------------
def realism(db: Any, truth: Any) -> dict[str, Any]:
    from scipy.stats import spearmanr

    state = truth.state
    occ = _read(
        db,
        "SELECT occupation_id, COUNT(*) AS n, COUNT(DISTINCT current_title) AS titles "
        "FROM members GROUP BY occupation_id",
    )
    counts = occ.set_index("occupation_id")["n"].reindex(state.occupations).fillna(0).to_numpy()
    rho = (float(spearmanr(counts, state.o_employment).statistic) if len(counts) > 2
           else float("nan"))
    big = occ[occ["n"] >= 20]
    gender = _read(
        db,
        "SELECT substr(m.occupation_id, 1, 2) AS family, p.gender, COUNT(*) AS n "
        "FROM members m JOIN member_protected p ON p.member_id = m.id GROUP BY 1, 2",
    )
    fam_titles = dict(zip(state.families, state.family_titles))
    piv = gender.pivot_table(index="family", columns="gender", values="n", fill_value=0)
    women = []
    for fam, row in piv.iterrows():
        f, mle = float(row.get("female", 0)), float(row.get("male", 0))
        total = float(row.sum())
        women.append(
            {
                "family": fam,
                "title": fam_titles.get(fam, fam),
                "members": int(total),
                "women_share": round(f / (f + mle), 3) if f + mle else None,
                "target": FAMILY_FEMALE_SHARE.get(fam, DEFAULT_FEMALE_SHARE),
            }
        )
    women.sort(key=lambda r: -r["members"])
    target_err = [
        abs(r["women_share"] - r["target"]) for r in women if r["members"] >= 200
        and r["women_share"]
    ]
    skills = _read(
        db,
        "SELECT n, COUNT(*) AS members FROM (SELECT COUNT(*) AS n FROM member_skills "
        "GROUP BY member_id) t GROUP BY n",
    )
    n_arr, w_arr = skills["n"].to_numpy(), skills["members"].to_numpy()
    expanded_median = float(np.repeat(n_arr, w_arr)[int(w_arr.sum() // 2)]) if w_arr.sum() else 0.0
    accept = _read(
        db,
        "SELECT m.open_to_work AS otw, i.status, COUNT(*) AS n FROM inmails i "
        "JOIN members m ON m.id = i.member_id GROUP BY 1, 2",
    )
    out: dict[str, Any] = {
        "occupations": {
            "spearman_vs_bls": round(rho, 3),
            "in_taxonomy": len(state.occupations),
            "with_members": int((counts > 0).sum()),
            "top": [
                {"occupation": o, "members": int(n)}
                for o, n in occ.sort_values("n", ascending=False)
                .head(8)[["occupation_id", "n"]]
                .itertuples(index=False)
            ],
        },
        "women_share_by_family": women,
        "women_share_max_abs_error": round(max(target_err), 3) if target_err else None,
        "skills_per_member": {
            "min": int(n_arr.min()) if len(n_arr) else 0,
            "median": expanded_median,
            "mean": round(float((n_arr * w_arr).sum() / max(w_arr.sum(), 1)), 2),
            "max": int(n_arr.max()) if len(n_arr) else 0,
        },
        "titles_per_occupation": {
            "occupations_with_20_members": len(big),
            "median": float(big["titles"].median()) if len(big) else 0.0,
            "mean": round(float(big["titles"].mean()), 1) if len(big) else 0.0,
            "max": int(big["titles"].max()) if len(big) else 0,
            "distinct_titles": int(
                _read(db, "SELECT COUNT(DISTINCT current_title) AS n FROM members")["n"][0]
            ),
        },
        "open_to_work_share": round(
            float(
                _read(db,
                      "SELECT AVG(CASE WHEN open_to_work THEN 1.0 ELSE 0.0 END) AS a FROM "
                      "members")["a"][
                    0
                ]
            ),
            3,
        ),
    }
    if len(accept):
        accept["otw"] = accept["otw"].astype(bool)
        tot = accept.groupby("otw")["n"].sum()
        acc = (accept[accept["status"] == "accepted"].groupby("otw")["n"].sum()
               .reindex(tot.index).fillna(0))
        rate_otw = float(acc.get(True, 0) / tot.get(True, 1)) if tot.get(True, 0) else 0.0
        rate_other = float(acc.get(False, 0) / tot.get(False, 1)) if tot.get(False, 0) else 0.0
        status = accept.groupby("status")["n"].sum()
        out["inmails"] = {
            "sent": int(tot.sum()),
            "accepted": int(status.get("accepted", 0)),
            "declined": int(status.get("declined", 0)),
            "pending": int(status.get("pending", 0)),
            "accept_rate": round(float(acc.sum() / tot.sum()), 3),
            "accept_rate_open_to_work": round(rate_otw, 3),
            "accept_rate_others": round(rate_other, 3),
            "open_to_work_ratio": round(rate_otw / rate_other, 2) if rate_other else None,
        }
        out["position_bias"] = position_bias(db, truth)
        types = _read(db, "SELECT query_type, COUNT(*) AS n FROM searches GROUP BY 1")
        out["searches"] = {
            "total": int(types["n"].sum()),
            "by_type": {t: int(n) for t, n in types.itertuples(index=False)},
            "sessions": int(_read(db,
                                  "SELECT COUNT(DISTINCT session_id) AS n FROM searches")["n"][0]),
            "impressions": int(_read(db, "SELECT COUNT(*) AS n FROM impressions")["n"][0]),
        }
    return out


def position_bias(
    db: Any, truth: Any, positions: tuple[int, ...] = (1, 2, 3, 5, 10, 25, 26, 50)
) -> list[dict]:
    """Views per impression by (1-based) position, relative to position 1, beside the true curve."""
    shown = _read(db, "SELECT position, COUNT(*) AS n FROM impressions GROUP BY position")
    views = _read(
        db,
        "SELECT i.position, COUNT(*) AS n FROM feedback f JOIN impressions i "
        "ON i.search_id = f.search_id AND i.member_id = f.member_id WHERE f.kind = 'view' "
        "GROUP BY i.position",
    )
    s = shown.set_index("position")["n"]
    v = views.set_index("position")["n"].reindex(s.index).fillna(0)
    ctr = (v / s).to_dict()
    base = ctr.get(0, 0.0) or 1.0
    exam = truth.examination(np.array([p - 1 for p in positions]))
    rows = []
    for p, e in zip(positions, exam.tolist()):
        if p - 1 in ctr:
            rows.append(
                {
                    "position": p,
                    "impressions": int(s[p - 1]),
                    "view_rate": round(float(ctr[p - 1]), 4),
                    "relative": round(float(ctr[p - 1] / base), 3),
                    "true_examination": round(e, 3),
                }
            )
    return rows


# --- learnability ---------------------------------------------------------------------------------
def _title_tokens(value: str) -> frozenset[str]:
    return frozenset(t for t in normalize(value).split() if t not in SENIORITY_TOKENS)


def _pairs_features(db: Any, pairs: pd.DataFrame) -> pd.DataFrame:
    """Simple match features of (project, member) pairs from the product tables only."""
    projects = _read(
        db,
        "SELECT id AS project_id, title AS p_title, occupation_id AS p_occ, required_skills, "
        "nice_skills, metro_id AS p_metro, remote, seniority_min, seniority_max FROM projects",
    )
    members = _read(
        db,
        "SELECT m.id AS member_id, m.current_title, m.occupation_id, m.seniority, "
        "m.years_experience, m.metro_id, m.open_to_work, m.willing_to_relocate, m.last_active_at, "
        "c.size_band FROM members m LEFT JOIN companies c ON c.id = m.current_company_id "
        "WHERE m.id IN (SELECT DISTINCT member_id FROM feedback)",
    )
    skills = _read(
        db,
        "SELECT member_id, skill_id FROM member_skills "
        "WHERE member_id IN (SELECT DISTINCT member_id FROM feedback)",
    )
    member_skills = skills.groupby("member_id")["skill_id"].agg(frozenset)
    df = pairs.merge(projects, on="project_id").merge(members, on="member_id")
    proj_skills = {
        pid: frozenset(_json_list(r) + _json_list(n))
        for pid, r, n in projects[["project_id", "required_skills",
                                   "nice_skills"]].itertuples(index=False)
    }
    ptoks = {pid: _title_tokens(t)
             for pid, t in projects[["project_id", "p_title"]].itertuples(index=False)}
    empty: frozenset[str] = frozenset()
    df["skill_overlap"] = [
        len(proj_skills[p] & member_skills.get(mid, empty)) / max(len(proj_skills[p]), 1)
        for p, mid in zip(df["project_id"], df["member_id"])
    ]
    df["title_overlap"] = [
        len(ptoks[p] & _title_tokens(t)) / max(len(ptoks[p]), 1)
        for p, t in zip(df["project_id"], df["current_title"])
    ]
    df["same_occupation"] = (df["p_occ"] == df["occupation_id"]).astype(float)
    df["remote"] = df["remote"].astype(float)
    df["same_metro"] = (df["p_metro"] == df["metro_id"]).astype(float)
    df["local_fit"] = np.maximum(df["remote"], df["same_metro"])
    df["open_to_work"] = df["open_to_work"].astype(float)
    df["relocates"] = df["willing_to_relocate"].astype(float)
    days = (_ts(df["at"]) - _ts(df["last_active_at"])).dt.total_seconds() / 86400.0
    df["log_days_inactive"] = np.log1p(np.maximum(days.fillna(365.0), 0.0))
    mid = (df["seniority_min"].fillna(df["seniority"])
           + df["seniority_max"].fillna(df["seniority"])) / 2.0
    step = mid - df["seniority"]
    df["step_up"] = ((step >= 0.5) & (step <= 2.5)).astype(float)
    df["step_down"] = (step <= -0.75).astype(float)
    df["seniority_gap"] = np.abs(step)
    bands = {b: i
             for i, b in enumerate(("1-50", "51-200", "201-1000", "1001-5000", "5001-10000",
                                    "10001+"))}
    df["company_size"] = df["size_band"].map(bands).fillna(2).astype(float)
    df["years_experience"] = df["years_experience"].astype(float)
    return df


def _json_list(value: Any) -> list[str]:
    if isinstance(value, list):
        return value
    return list(json.loads(value)) if value else []


ACCEPT_FEATURES = (
    "title_overlap",
    "same_occupation",
    "skill_overlap",
    "local_fit",
    "relocates",
    "open_to_work",
    "log_days_inactive",
    "step_up",
    "step_down",
    "seniority_gap",
)
PREFERENCE_FEATURES = (
    "skill_overlap",
    "same_occupation",
    "title_overlap",
    "seniority_gap",
    "local_fit",
    "company_size",
    "years_experience",
    "open_to_work",
    "log_days_inactive",
)


def accept_model(db: Any) -> dict[str, Any]:
    """Logistic regression on logged InMails: predict accept on the latest 30% by send time."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    inm = _read(db,
                "SELECT project_id, member_id, status, sent_at AS at FROM inmails ORDER BY "
                "sent_at, id")
    if len(inm) < 50:
        return {"error": "fewer than 50 InMails logged"}
    df = _pairs_features(db, inm)
    df = df.sort_values("at", kind="stable")
    y = (df["status"] == "accepted").to_numpy()
    x = df[list(ACCEPT_FEATURES)].to_numpy()
    cut = int(len(df) * 0.7)
    if y[:cut].all() or not y[:cut].any() or y[cut:].all() or not y[cut:].any():
        return {"error": "accepts are all or nothing in a split"}
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(x[:cut], y[:cut])
    auc = roc_auc_score(y[cut:], model.predict_proba(x[cut:])[:, 1])
    coefs = model[-1].coef_[0]
    return {
        "auc": round(float(auc), 3),
        "train": cut,
        "test": int(len(df) - cut),
        "test_accept_rate": round(float(y[cut:].mean()), 3),
        "coefficients": {f: round(float(c), 3) for f, c in zip(ACCEPT_FEATURES, coefs)},
    }


def recruiter_preferences(
    db: Any, truth: Any, *, seed: int = 0, min_views: int = 60, permutations: int = 3
) -> dict[str, Any]:
    """Per-recruiter vs global models of 'InMail after a view', against shuffled-recruiter
    baselines."""
    views = _read(
        db,
        "SELECT f.recruiter_id, s.project_id, f.member_id, f.search_id, f.created_at AS at "
        "FROM feedback f JOIN searches s ON s.id = f.search_id WHERE f.kind = 'view' "
        "ORDER BY f.created_at, f.id",
    )
    sent = _read(db, "SELECT project_id, member_id, search_id, sent_at FROM inmails")
    if len(views) < 200 or len(sent) < 50:
        return {"error": "too few views or InMails logged"}
    first = (sent.groupby(["project_id", "member_id"])["sent_at"].min().rename("first_sent")
             .reset_index())
    views = views.merge(first, on=["project_id", "member_id"], how="left")
    views = views[
        views["first_sent"].isna() | (_ts(views["first_sent"]) >= _ts(views["at"]))
    ]  # not yet contacted
    hit = set(zip(sent["search_id"], sent["member_id"]))
    views = views.assign(label=[(s, m_) in hit
                                for s, m_ in zip(views["search_id"], views["member_id"])])
    df = _pairs_features(db, views)
    df = df.sort_values("at", kind="stable").reset_index(drop=True)
    x = df[list(PREFERENCE_FEATURES)].to_numpy(dtype=float)
    x = (x - x.mean(axis=0)) / (x.std(axis=0) + 1e-9)
    y = df["label"].to_numpy(dtype=bool)
    rec = df["recruiter_id"].to_numpy()
    rank_in_rec = df.groupby("recruiter_id").cumcount().to_numpy()
    size = df.groupby("recruiter_id")["label"].transform("size").to_numpy()
    train = rank_in_rec < 0.7 * size
    real = _per_entity_gain(x, y, rec, train, min_views)
    rng = np.random.default_rng(seed)
    perm_gains = []
    for _ in range(permutations):
        shuffled = rng.permutation(rec)
        order_rank = pd.Series(shuffled).groupby(shuffled).cumcount().to_numpy()
        sizes = pd.Series(shuffled).groupby(shuffled).transform("size").to_numpy()
        perm_gains.append(_per_entity_gain(x, y, shuffled, order_rank < 0.7 * sizes,
                                           min_views)["gain"])
    perm = np.array(perm_gains)
    # do the learned per-recruiter coefficients follow the planted archetypes?
    archetypes = {}
    from talent.world.truth import ARCHETYPES

    names = list(ARCHETYPES)
    coef_by_rec = real.pop("coefficients")
    for feat, arche in (
        ("local_fit", "local"),
        ("company_size", "pedigree"),
        ("seniority_gap", "seniority-first"),
        ("log_days_inactive", "responsive"),
    ):
        fi = PREFERENCE_FEATURES.index(feat)
        a = names.index(arche)
        inside = [c[fi] for r, c in coef_by_rec.items() if truth.hidden.archetype[r - 1] == a]
        outside = [c[fi] for r, c in coef_by_rec.items() if truth.hidden.archetype[r - 1] != a]
        if inside and outside:
            archetypes[f"{feat} ({arche} vs others)"] = [
                round(float(np.mean(inside)), 3),
                round(float(np.mean(outside)), 3),
            ]
    detectable = bool(real["gain"] > 0 and real["gain"] > perm.mean() + 3 * perm.std() + 1e-4)
    return {
        **real,
        "shuffled_gain_mean": round(float(perm.mean()), 4),
        "shuffled_gain_std": round(float(perm.std()), 4),
        "detectable": detectable,
        "mean_coefficient_by_archetype": archetypes,
        "views": len(df),
        "inmail_rate": round(float(y.mean()), 3),
    }


def _per_entity_gain(
    x: np.ndarray, y: np.ndarray, entity: np.ndarray, train: np.ndarray, min_views: int
) -> dict[str, Any]:
    """Held-out log-loss of the global model minus that of per-entity models (per view,
    averaged)."""
    from sklearn.linear_model import LogisticRegression

    glob = LogisticRegression(max_iter=1000).fit(x[train], y[train])
    p_glob = glob.predict_proba(x)[:, 1]
    total_gain, total_n, fitted = 0.0, 0, 0
    coefs: dict[int, np.ndarray] = {}
    for e in np.unique(entity):
        mask = entity == e
        tr, te = mask & train, mask & ~train
        if tr.sum() < min_views or te.sum() < 10 or y[tr].all() or not y[tr].any():
            continue
        model = LogisticRegression(C=0.5, max_iter=1000).fit(x[tr], y[tr])
        p = np.clip(model.predict_proba(x[te])[:, 1], 1e-6, 1 - 1e-6)
        pg = np.clip(p_glob[te], 1e-6, 1 - 1e-6)
        yt = y[te]
        ll_e = -(yt * np.log(p) + (1 - yt) * np.log(1 - p)).sum()
        ll_g = -(yt * np.log(pg) + (1 - yt) * np.log(1 - pg)).sum()
        total_gain += ll_g - ll_e
        total_n += int(te.sum())
        fitted += 1
        coefs[int(e)] = model.coef_[0]
    return {
        "gain": round(total_gain / max(total_n, 1), 4),
        "recruiters_fitted": fitted,
        "test_views": total_n,
        "coefficients": coefs,
    }


def oracle_vs_logging(db: Any, truth: Any) -> dict[str, Any]:
    """Expected InMail-accept precision@25 of the logged order vs the hidden-truth order of the same
    candidates."""
    imp = _read(
        db,
        "SELECT i.search_id, i.member_id, i.position, s.project_id FROM impressions i "
        "JOIN searches s ON s.id = i.search_id ORDER BY i.search_id, i.position",
    )
    accepted = _read(db, "SELECT search_id, member_id FROM inmails WHERE status = 'accepted'")
    acc = set(zip(accepted["search_id"], accepted["member_id"]))
    if imp.empty:
        return {"error": "no impressions logged"}
    sid = imp["search_id"].to_numpy()
    bounds = np.flatnonzero(np.diff(sid)) + 1
    starts = np.concatenate([[0], bounds])
    ends = np.concatenate([bounds, [len(sid)]])
    members = imp["member_id"].to_numpy()
    projects = imp["project_id"].to_numpy()
    log_p, ora_p, log_l, ora_l, big = [], [], [], [], []
    for a, b in zip(starts.tolist(), ends.tolist()):
        ms = members[a:b]
        e = truth.expected_accepts(int(projects[a]), ms)
        log_p.append(e[:K].sum() / K)
        top = np.argsort(-e, kind="stable")[:K]
        ora_p.append(e[top].sum() / K)
        s_id = int(sid[a])
        labels = np.array([(s_id, int(x)) in acc for x in ms.tolist()])
        log_l.append(labels[:K].sum() / K)
        ora_l.append(labels[top].sum() / K)
        big.append(b - a > K)
    log_p, ora_p, big_ = np.array(log_p), np.array(ora_p), np.array(big)
    res = {
        "searches": len(log_p),
        "searches_with_more_than_25_shown": int(big_.sum()),
        "expected_p25_logging": round(float(log_p.mean()), 4),
        "expected_p25_oracle": round(float(ora_p.mean()), 4),
        "ratio": round(float(ora_p.mean() / max(log_p.mean(), 1e-12)), 2),
        "logged_label_p25_logging": round(float(np.mean(log_l)), 4),
        "logged_label_p25_oracle": round(float(np.mean(ora_l)), 4),
    }
    if big_.any():
        res["ratio_searches_with_more_than_25_shown"] = round(
            float(ora_p[big_].mean() / max(log_p[big_].mean(), 1e-12)), 2
        )
    return res


# --- checks and formatting ------------------------------------------------------------------------
def checks(stats: dict[str, Any]) -> list[Check]:
    out: list[Check] = []
    r = stats["realism"]
    rho = r["occupations"]["spearman_vs_bls"]
    out.append(Check("occupation mix vs BLS (Spearman)", rho, ">= 0.6", rho >= 0.6))
    spm = r["skills_per_member"]
    out.append(
        Check(
            "skills per member within 5..40",
            spm["median"],
            "min >= 5, max <= 40",
            spm["min"] >= 5 and spm["max"] <= 40,
        )
    )
    if "inmails" in r:
        rate = r["inmails"]["accept_rate"]
        out.append(Check("InMail accept rate", rate, "0.10 .. 0.40", 0.10 <= rate <= 0.40))
        ratio = r["inmails"]["open_to_work_ratio"] or 0.0
        out.append(Check("open-to-work / others accept ratio", ratio, "1.5 .. 3.0",
                         1.5 <= ratio <= 3.0))
    learn = stats.get("learnability")
    if learn:
        auc = learn["accept_model"].get("auc", 0.0)
        out.append(Check("accept model AUC (logs only)", auc, "> 0.70", auc > 0.70))
        pref = learn["recruiter_preferences"]
        out.append(
            Check(
                "per-recruiter gain over global (nats/view)",
                pref.get("gain", 0.0),
                "> shuffled + 3 sd",
                bool(pref.get("detectable", False)),
            )
        )
        ratio = learn["oracle_vs_logging"].get("ratio", 0.0)
        out.append(Check("oracle / logging precision@25", ratio, ">= 2.0", ratio >= 2.0))
    return out


def render(stats: dict[str, Any]) -> None:
    """Print the figures as rich tables."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    w = stats["world"]
    console.print(
        f"[bold]world[/] {w['name']} (seed {w['seed']}, {w['members']:,} members, taxonomy "
        f"{w['taxonomy']})"
    )
    r = stats["realism"]
    t = Table(title="Realism")
    t.add_column("figure")
    t.add_column("value", justify="right")
    t.add_row(
        "occupations with members / in taxonomy",
        f"{r['occupations']['with_members']} / {r['occupations']['in_taxonomy']}",
    )
    t.add_row("occupation mix vs BLS employment (Spearman)",
              f"{r['occupations']['spearman_vs_bls']:.3f}")
    s = r["skills_per_member"]
    t.add_row(
        "skills per member (min / median / mean / max)",
        f"{s['min']} / {s['median']:.0f} / {s['mean']} / {s['max']}",
    )
    tp = r["titles_per_occupation"]
    t.add_row(
        "distinct raw titles per occupation (>= 20 members: median / mean / max)",
        f"{tp['median']:.0f} / {tp['mean']} / {tp['max']}",
    )
    t.add_row("distinct current titles", f"{tp['distinct_titles']:,}")
    t.add_row("open-to-work share", f"{r['open_to_work_share']:.3f}")
    if "inmails" in r:
        i = r["inmails"]
        t.add_row(
            "InMails sent / accepted / declined / pending",
            f"{i['sent']:,} / {i['accepted']:,} / {i['declined']:,} / {i['pending']:,}",
        )
        t.add_row(
            "InMail accept rate (all / open-to-work / others)",
            f"{i['accept_rate']:.3f} / {i['accept_rate_open_to_work']:.3f} / "
            f"{i['accept_rate_others']:.3f}",
        )
        t.add_row("open-to-work accept ratio", f"{i['open_to_work_ratio']}")
        q = r["searches"]
        t.add_row("searches / sessions / impressions",
                  f"{q['total']:,} / {q['sessions']:,} / {q['impressions']:,}")
        t.add_row("searches by type",
                  ", ".join(f"{k} {v:,}" for k, v in sorted(q["by_type"].items())))
    console.print(t)
    g = Table(title="Share of women by occupation family (top 10 by members)")
    for col in ("family", "members", "women", "target"):
        g.add_column(col, justify="right" if col != "family" else "left")
    for row in r["women_share_by_family"][:10]:
        g.add_row(
            f"{row['family']} {row['title'][:40]}",
            f"{row['members']:,}",
            f"{row['women_share']}",
            f"{row['target']}",
        )
    console.print(g)
    if r.get("position_bias"):
        p = Table(title="Position bias: views per impression")
        for col in ("position", "impressions", "view rate", "relative to 1", "true examination"):
            p.add_column(col, justify="right")
        for row in r["position_bias"]:
            p.add_row(
                str(row["position"]),
                f"{row['impressions']:,}",
                f"{row['view_rate']:.4f}",
                f"{row['relative']:.3f}",
                f"{row['true_examination']:.3f}",
            )
        console.print(p)
    learn = stats.get("learnability")
    if learn:
        lt = Table(title="Learnability")
        lt.add_column("figure")
        lt.add_column("value", justify="right")
        a = learn["accept_model"]
        if "auc" in a:
            lt.add_row(
                "accept model AUC on the later 30% (logs only)",
                f"{a['auc']:.3f} (train {a['train']:,}, test {a['test']:,})",
            )
        pr = learn["recruiter_preferences"]
        if "gain" in pr:
            lt.add_row(
                "per-recruiter log-loss gain over global (nats per view)",
                f"{pr['gain']:.4f} vs shuffled {pr['shuffled_gain_mean']:.4f} \u00b1 "
                f"{pr['shuffled_gain_std']:.4f}",
            )
            lt.add_row("recruiters fitted / test views",
                       f"{pr['recruiters_fitted']} / {pr['test_views']:,}")
            for name, (inside, outside) in pr["mean_coefficient_by_archetype"].items():
                lt.add_row(f"  mean coefficient {name}", f"{inside:+.3f} vs {outside:+.3f}")
        o = learn["oracle_vs_logging"]
        if "ratio" in o:
            lt.add_row(
                "expected accept precision@25: logging / oracle",
                f"{o['expected_p25_logging']:.4f} / {o['expected_p25_oracle']:.4f} (x{o['ratio']})",
            )
            lt.add_row(
                "logged-label precision@25: logging / oracle",
                f"{o['logged_label_p25_logging']:.4f} / {o['logged_label_p25_oracle']:.4f}",
            )
        console.print(lt)
    c = Table(title="Checks")
    for col in ("check", "value", "target", "ok"):
        c.add_column(col)
    for ch in stats["checks"]:
        c.add_row(ch["name"], f"{ch['value']}", ch["target"],
                  "[green]yes[/]" if ch["ok"] else "[red]NO[/]")
    console.print(c)


def to_json(stats: dict[str, Any]) -> str:
    return json.dumps(stats, indent=2, default=_default)


def _default(value: Any) -> Any:
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)
