"""The audit's report folder (``summary.md``, ``audit.json``, PNGs), and its before/after section
for the evaluation report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from talent.evaluation.audit import plots
from talent.evaluation.audit.logs import FOUR_FIFTHS

AUDIT_FILE = "audit.json"
SUMMARY_FILE = "summary.md"
#: Contracts with fewer audited searches are left out of the "lowest" list (too noisy).
MIN_CONTRACT_SEARCHES = 20


def _f(x: Any, digits: int = 3) -> str:
    return "n/a" if x is None else f"{x:.{digits}f}"


def _est(e: dict[str, Any] | None, digits: int = 3, pct: bool = False) -> str:
    if not e or e.get("value") is None or e["value"] != e["value"]:
        return "n/a"
    if pct:
        return f"{100 * e['value']:.1f}% [{100 * e['low']:.1f}, {100 * e['high']:.1f}]"
    return f"{e['value']:.{digits}f} [{e['low']:.{digits}f}, {e['high']:.{digits}f}]"


def _pct(e: dict[str, Any] | None) -> str:
    if not e or e.get("value") is None or e["value"] != e["value"]:
        return "n/a"
    return f"{100 * e['value']:+.2f}% [{100 * e['low']:+.2f}, {100 * e['high']:+.2f}]"


def _p(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.2g}"


def _lowest(entry: dict[str, Any], kind: str) -> float | None:
    ratios = [g[f"{kind}_impact_ratio"] for n, g in entry["groups"].items()
              if n != "unknown" and g[f"{kind}_impact_ratio"] is not None]
    return min(ratios) if ratios else None


def log_lines(logs: dict[str, Any]) -> list[str]:
    """Markdown of the log audit."""
    k = logs["window"]["k"]
    lines = [f"Searches from {logs['window']['from']} to {logs['window']['to']}: "
             f"{logs['searches_audited']:,} audited of {logs['searches_in_window']:,} in the window"
             + (" (a seeded sample)" if logs.get("sampled") else "")
             + f", {logs['query_failures']} whose query no longer parses. Impression rate = shown "
             "/ qualified pool (every member the query matches in today's index); shown / in "
             "proportion to the pool = shown / what each search would have shown of the group "
             "in proportion to its own pool (within-search: pooled rates mix pools of different "
             "sizes and mixes); InMail rate = InMails / shown; impact ratio = rate / the highest "
             "known group's rate (NYC Local Law 144; `unknown` is reported outside the ratios).",
             ""]
    overall = logs.get("overall")
    if not overall:
        return lines + ["No searches in the window.", ""]
    lines += ["| group | qualified pool | shown | InMailed | impression rate | impact ratio | "
              "shown / in proportion to the pool | impact ratio | InMail rate | impact ratio |",
              "| --- " * 10 + "|"]
    for name, g in overall["groups"].items():
        lines.append(f"| {name} | {g['pool']:,} | {g['shown']:,} | {g['inmailed']:,} | "
                     f"{_f(g['impression_rate'], 4)} | {_f(g['impression_impact_ratio'])} | "
                     f"{_f(g.get('shown_vs_pool_rate'))} | "
                     f"{_f(g.get('shown_vs_pool_impact_ratio'))} | "
                     f"{_f(g['inmail_rate'], 4)} | {_f(g['inmail_impact_ratio'])} |")
    tests = overall.get("tests", {})
    pair = " vs ".join(n for n in logs["group_names"] if n != "unknown")
    lines += ["", f"Fisher's exact test, {pair} (each (search, member) pair one trial): "
              f"impressions p = {_p(tests.get('impression_p_value'))}, InMails p = "
              f"{_p(tests.get('inmail_p_value'))}.", "",
              f"Representative shown top {k} (MinSkew@{k} >= -0.1 against the pool): "
              f"{_est(overall.get(f'representative_share@{k}_ci'), pct=True)} of searches.", ""]
    known = [n for n in logs["group_names"] if n != "unknown"]
    lines += ["### By period", "",
              "| period | searches | representative top " + str(k) + " | "
              + " | ".join(f"impression IR {n}" for n in known) + " | "
              + " | ".join(f"InMail IR {n}" for n in known) + " |",
              "| --- " * (3 + 2 * len(known)) + "|"]
    for period, entry in logs["by_period"].items():
        g = entry["groups"]
        lines.append(f"| {period} | {entry['searches']:,} | "
                     f"{_f(entry[f'representative_share@{k}'])} | "
                     + " | ".join(_f(g[n]["impression_impact_ratio"]) for n in known) + " | "
                     + " | ".join(_f(g[n]["inmail_impact_ratio"]) for n in known) + " |")
    contracts = logs["by_contract"]
    big = {c: e for c, e in contracts.items() if e["searches"] >= MIN_CONTRACT_SEARCHES}
    lines += ["", "### By contract", ""]
    for kind in ("impression", "shown_vs_pool", "inmail"):
        below = [c for c, e in big.items() if (_lowest(e, kind) or 1.0) < FOUR_FIFTHS]
        line = (f"- {kind.replace('_', ' ')} impact ratio below {FOUR_FIFTHS}: {len(below)} of "
                f"{len(big)} contracts with at least {MIN_CONTRACT_SEARCHES} audited searches "
                f"({len(contracts)} contracts in all)")
        if kind != "shown_vs_pool":
            significant = [c for c in below
                           if (big[c].get("tests", {}).get(f"{kind}_p_value") or 1.0) < 0.05]
            line += (f"; {len(significant)} of them with p < 0.05 (Fisher's exact test of the "
                     "two known groups)")
        lines.append(line)
    worst = sorted(big, key=lambda c: _lowest(big[c], "impression") or 1.0)[:10]
    if worst:
        lines += ["", "Lowest impression impact ratios (contracts with at least "
                  f"{MIN_CONTRACT_SEARCHES} searches):", "",
                  "| contract | searches | lowest impression IR | lowest InMail IR | "
                  f"representative top {k} |", "| --- " * 5 + "|"]
        for c in worst:
            e = big[c]
            lines.append(f"| {c} | {e['searches']} | {_f(_lowest(e, 'impression'))} | "
                         f"{_f(_lowest(e, 'inmail'))} | {_f(e[f'representative_share@{k}'])} |")
    return lines + [""]


def before_after_lines(section: dict[str, Any]) -> list[str]:
    """Markdown of the evaluation split before and after re-ranking."""
    k, deep = section["k"], section["deep_k"]
    engine = section.get("engine", {})
    lines = [f"Held-out searches run through the engine ({section['queries_failed']} failed): "
             f"the top {k} against each query's qualified pool; 95% bootstrap CIs over queries.",
             "",
             f"| ranking | queries | representative@{k} | MinSkew@{k} | MaxSkew@{k} | NDKL@{k} "
             f"| NDKL@{k} cut | cut of the removable NDKL@{k} | MinSkew@{deep} | NDKL@{deep} | "
             f"feasible@{k} | NDCG@{k} kept |",
             "| --- " * 12 + "|"]
    for name, e in engine.items():
        lines.append(f"| {name} | {e['queries']} | {_est(e[f'representative_share@{k}'], pct=True)}"
                     f" | {_est(e[f'min_skew@{k}'])} | {_est(e[f'max_skew@{k}'])} | "
                     f"{_est(e[f'ndkl@{k}'])} | {_est(e.get(f'ndkl@{k}_cut'), pct=True)} | "
                     f"{_est(e.get(f'ndkl@{k}_removable_cut'), pct=True)} | "
                     f"{_est(e[f'min_skew@{deep}'])} | {_est(e[f'ndkl@{deep}'])} | "
                     f"{_est(e[f'feasible_share@{k}'], pct=True)} | "
                     f"{_est(e.get(f'ndcg_kept@{k}'))} |")
    floor = engine.get("before", {}).get(f"ndkl@{k}_floor")
    if floor:
        lines += ["", f"NDKL@{k} cannot reach 0: a list's first places hold one group each. The "
                  f"smallest NDKL@{k} any order of each query's candidates can reach averages "
                  f"{_est(floor)}; the removable NDKL is the part above it."]
    if engine:
        groups = list(next(iter(engine.values()))[f"selection@{k}"])
        lines += ["", f"Selection rate into the top {k} (top {k} / qualified pool) and Skew@{k}, "
                  "by group:", "",
                  "| ranking | " + " | ".join(f"{g} rate (IR) | {g} Skew@{k}" for g in groups)
                  + " |", "| --- " * (1 + 2 * len(groups)) + "|"]
        for name, e in engine.items():
            cells = []
            for g in groups:
                sel = e[f"selection@{k}"][g]
                cells += [f"{sel['rate']:.4f} ({_f(sel['impact_ratio'])})",
                          _est(e[f"skew@{k}"][g])]
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
    replay = section.get("replay")
    if replay:
        lines += ["", f"Logged replay, the cost: the {replay['searches']:,} held-out searches' "
                  f"logged candidates in the served L1's order, then re-ranked "
                  f"({replay['algorithm']}) with each search's pool distribution "
                  f"({replay['query_failures']} kept their order: query failed).", "",
                  "| metric | before | after | lift [95% CI] |", "| --- " * 4 + "|"]
        for m, e in replay["metrics"].items():
            lines.append(f"| {m} | {_est(e['before'], 4)} | {_est(e['after'], 4)} | "
                         f"{_pct(e['lift'])} |")
        lines += ["", f"Representative logged top {k}: before "
                  f"{_est(replay.get(f'representative_share@{k}_before'), pct=True)}, after "
                  f"{_est(replay.get(f'representative_share@{k}_after'), pct=True)}."]
    return lines + [""]


def before_after_figures(section: dict[str, Any], out_dir: Path, provenance: str
                         ) -> list[tuple[str, str]]:
    """The before/after PNGs: (title, file name)."""
    engine = section.get("engine")
    if not engine:
        return []
    k = section["k"]
    return [("Representative queries and NDKL, before and after re-ranking",
             plots.min_skew_before_after(engine, k, out_dir / "fairness_before_after.png",
                                         provenance).name),
            ("Skew per group, before and after re-ranking",
             plots.skew_by_group(engine, k, out_dir / "fairness_skew_by_group.png",
                                 provenance).name)]


def write_audit(report: dict[str, Any], out_dir: Path) -> Path:
    """Write ``audit.json``, the PNGs and ``summary.md`` under ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    prov = (f"world {report.get('world', '?')} | index {report.get('index_version', '?')} | "
            f"models {report.get('model', 'none')} | {report.get('created_at', '')}")
    figures: list[tuple[str, str]] = []
    lines = [f"# Fairness audit: world {report.get('world', '?')}", "", f"- {prov}",
             f"- groups: {', '.join(report.get('group_names', []))} (from the protected store; "
             "the audit and the re-ranking stage are its only readers)", ""]
    logs = report.get("logs")
    if logs:
        lines += ["## From the logs", ""] + log_lines(logs)
        if logs.get("overall"):
            figures.append(("Impact ratios per period", plots.impact_ratios_by_period(
                logs, out_dir / "impact_ratios_by_period.png", prov).name))
            figures.append(("Impact ratios per contract", plots.impact_ratios_by_contract(
                logs, out_dir / "impact_ratios_by_contract.png", prov).name))
    split = report.get("before_after")
    if split:
        lines += ["## The evaluation split, before and after re-ranking", ""]
        lines += before_after_lines(split)
        figures += before_after_figures(split, out_dir, prov)
    if figures:
        lines += ["## Figures", ""] + [f"![{title}]({name})" for title, name in figures]
    (out_dir / AUDIT_FILE).write_text(json.dumps(report, indent=2, default=float),
                                      encoding="utf-8")
    (out_dir / SUMMARY_FILE).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out_dir
