"""What the logs say: impression and InMail rates by sex, per period and per contract.

For each logged search: its qualified pool by group (every member its query matches in the
current index: the logs do not keep the pool), the members it showed and the ones the recruiter
sent an InMail, by group. Summed over a period or a contract:

- impression rate of a group = shown / qualified pool; InMail rate = InMails / shown;
- shown against the pool = shown / what each search would have shown of the group in
  proportion to its pool (summed over searches): pooled rates mix queries with pools of
  different sizes and mixes (large mostly-female pools and small mostly-male ones give women a
  lower pooled impression rate although no query under-represents them); this one compares
  within each search;
- impact ratio (NYC Local Law 144) = a group's rate over the highest rate among the known groups
  (``unknown`` is reported with its counts and rates, outside the ratios, as the law's
  "unknown category"); below 0.8 fails the four-fifths rule of thumb;
- representativeness of the shown top k (25): the share of searches whose MinSkew@k against the
  pool's distribution is at least -0.1;
- Fisher's exact test of the two known groups' rates (each (search, member) pair counted as one
  trial, which overstates the evidence when the same members fill many pools): a ratio below
  0.8 on a few dozen InMails is often chance.

Caveat: the pool is counted on today's index, not the one the search ran on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd  # type: ignore[import-untyped]
from scipy.stats import fisher_exact  # type: ignore[import-untyped]

from talent.errors import QueryError
from talent.evaluation.audit.data import GROUP_NAMES, KNOWN_GROUPS, MemberGroups
from talent.evaluation.bootstrap import bootstrap_mean
from talent.ranking.candidates import Candidates
from talent.ranking.fairness import representativeness
from talent.ranking.metrics import GAIN_INMAIL
from talent.ranking.representative import desired_shares

#: Impact ratios below this fail the four-fifths rule of thumb.
FOUR_FIFTHS = 0.8
G = len(GROUP_NAMES)

PoolFn = Callable[[pd.Series], np.ndarray]


@dataclass(frozen=True)
class LogAuditOptions:
    start: pd.Timestamp | None = None
    end: pd.Timestamp | None = None
    period: Literal["week", "month"] = "month"
    max_searches: int | None = None
    seed: int = 0
    k: int = 25
    resamples: int = 1000


def window(searches: pd.DataFrame, opts: LogAuditOptions) -> pd.DataFrame:
    """The searches created in ``[start, end)`` (a seeded sample of ``max_searches`` of them)."""
    created = pd.to_datetime(searches["created_at"])
    keep = pd.Series(True, index=searches.index)
    if opts.start is not None:
        keep &= created >= opts.start
    if opts.end is not None:
        keep &= created < opts.end
    out = searches.loc[keep]
    if opts.max_searches is not None and len(out) > opts.max_searches:
        out = out.sample(opts.max_searches, random_state=opts.seed).sort_index()
    return out


def period_of(created: pd.Series, period: str) -> pd.Series:
    """``2025-03`` (month) or ``2025-W11`` (ISO week) of each timestamp."""
    ts = pd.to_datetime(created)
    if period == "week":
        iso = ts.dt.isocalendar()
        return iso["year"].astype(str) + "-W" + iso["week"].astype(int).map("{:02d}".format)
    return ts.dt.strftime("%Y-%m")


def rates(pool: np.ndarray, shown: np.ndarray, inmailed: np.ndarray,
          expected: np.ndarray | None = None) -> dict[str, Any]:
    """Per group: counts, impression and InMail rates, and their impact ratios; with
    ``expected`` (what each search would have shown of the group in proportion to its pool,
    summed), shown / expected too."""
    with np.errstate(divide="ignore", invalid="ignore"):
        impression = np.where(pool > 0, shown / np.maximum(pool, 1), np.nan)
        inmail = np.where(shown > 0, inmailed / np.maximum(shown, 1), np.nan)
        kinds = [("impression", impression), ("inmail", inmail)]
        if expected is not None:
            kinds.append(("shown_vs_pool", np.where(expected > 0, shown / np.where(
                expected > 0, expected, 1.0), np.nan)))
    out: dict[str, Any] = {}
    for name, rate in kinds:
        known = rate[list(KNOWN_GROUPS)]
        best = np.nanmax(known) if np.isfinite(known).any() else np.nan
        for g in range(G):
            entry = out.setdefault(GROUP_NAMES[g], {"pool": int(pool[g]), "shown": int(shown[g]),
                                                    "inmailed": int(inmailed[g])})
            entry[f"{name}_rate"] = _num(rate[g])
            ratio = rate[g] / best if g in KNOWN_GROUPS and best and np.isfinite(best) else np.nan
            entry[f"{name}_impact_ratio"] = _num(ratio)
    return out


def rate_tests(pool: np.ndarray, shown: np.ndarray, inmailed: np.ndarray) -> dict[str, Any]:
    """Fisher's exact p-value of the known groups' impression and InMail rates differing."""
    a, b = KNOWN_GROUPS[:2]
    out: dict[str, Any] = {}
    for name, hits, trials in (("impression", shown, pool), ("inmail", inmailed, shown)):
        table = [[int(hits[g]), int(max(trials[g] - hits[g], 0))] for g in (a, b)]
        usable = all(sum(row) > 0 for row in table)
        out[f"{name}_p_value"] = float(fisher_exact(table).pvalue) if usable else None
    return out


def _num(x: float) -> float | None:
    return float(x) if x is not None and np.isfinite(x) else None


def per_search(cands: Candidates, groups: MemberGroups, pool_of: PoolFn, searches: pd.DataFrame,
               period: str, k: int) -> tuple[pd.DataFrame, int]:
    """One row per search: period, contract, pool / shown / InMailed counts per group, MinSkew@k
    of the shown top k against the pool; and how many searches' queries failed."""
    rows = cands.rows.loc[cands.rows["search_id"].isin(searches.index)]
    rows = groups.label(rows)
    by_search = {sid: g for sid, g in rows.groupby("search_id", sort=False)}
    periods = period_of(searches["created_at"], period)
    records = []
    failures = 0
    for sid, search in searches.iterrows():
        try:
            pool = np.asarray(pool_of(search), dtype=np.int64)
        except QueryError:
            failures += 1
            continue
        shown = by_search.get(sid)
        codes = (shown["group"].to_numpy() if shown is not None
                 else np.zeros(0, dtype=np.int64))
        inmailed = (codes[shown["grade"].to_numpy() >= GAIN_INMAIL] if shown is not None
                    else codes)
        shown_counts = np.bincount(codes, minlength=G)
        # the pool holds whatever was shown (a member since gone from the index included)
        pool = np.maximum(pool, shown_counts)
        expected = shown_counts.sum() * desired_shares(pool)
        top = codes[np.argsort(shown["position"].to_numpy(), kind="stable")][:k] if len(codes) \
            else codes
        record: dict[str, Any] = {"search_id": sid, "period": periods.loc[sid],
                                  "contract_id": search.get("contract_id")}
        for g in range(G):
            record[f"pool_{g}"] = int(pool[g])
            record[f"shown_{g}"] = int(shown_counts[g])
            record[f"inmailed_{g}"] = int((inmailed == g).sum())
            record[f"expected_{g}"] = float(expected[g])
        if pool.sum() > 0 and len(top):
            record["min_skew"] = representativeness(top, desired_shares(pool), k,
                                                    int(pool.sum())).min_skew
        else:
            record["min_skew"] = np.nan
        records.append(record)
    return pd.DataFrame.from_records(records), failures


def _summary(frame: pd.DataFrame, k: int) -> dict[str, Any]:
    pool = np.array([frame[f"pool_{g}"].sum() for g in range(G)])
    shown = np.array([frame[f"shown_{g}"].sum() for g in range(G)])
    inmailed = np.array([frame[f"inmailed_{g}"].sum() for g in range(G)])
    expected = np.array([frame[f"expected_{g}"].sum() for g in range(G)])
    skew = frame["min_skew"].to_numpy(dtype=np.float64)
    defined = skew[~np.isnan(skew)]
    return {"searches": int(len(frame)), "groups": rates(pool, shown, inmailed, expected),
            "tests": rate_tests(pool, shown, inmailed),
            f"representative_share@{k}": (float((defined >= -0.1).mean()) if defined.size
                                          else None)}


def audit_logs(cands: Candidates, groups: MemberGroups, pool_of: PoolFn,
               opts: LogAuditOptions | None = None) -> dict[str, Any]:
    """The log audit (see the module docstring) as a JSON-ready dict."""
    opts = opts or LogAuditOptions()
    in_window = window(cands.searches, LogAuditOptions(opts.start, opts.end))
    searches = window(in_window, opts)
    table, failures = per_search(cands, groups, pool_of, searches, opts.period, opts.k)
    created = pd.to_datetime(searches["created_at"])
    out: dict[str, Any] = {
        "window": {"from": str(created.min()) if len(created) else None,
                   "to": str(created.max()) if len(created) else None,
                   "period": opts.period, "k": opts.k},
        "searches_in_window": int(len(in_window)), "searches_audited": int(len(table)),
        "query_failures": failures, "sampled": len(searches) < len(in_window),
        "group_names": list(GROUP_NAMES),
    }
    if table.empty:
        return {**out, "overall": None, "by_period": {}, "by_contract": {}}
    out["overall"] = _summary(table, opts.k)
    flags = (table["min_skew"].dropna().to_numpy() >= -0.1).astype(np.float64)
    out["overall"][f"representative_share@{opts.k}_ci"] = bootstrap_mean(
        flags, resamples=opts.resamples, seed=opts.seed).as_dict()
    out["by_period"] = {str(p): _summary(f, opts.k) for p, f in table.groupby("period")}
    out["by_contract"] = {str(int(c)): _summary(f, opts.k)
                          for c, f in table.groupby("contract_id")}
    return out
