"""Report folder: ``summary.md`` (tables), PNG plots and ``metrics.json``; and comparing two
reports."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from talent.errors import NotFound
from talent.evaluation import plots

METRICS_FILE = "metrics.json"
SUMMARY_FILE = "summary.md"
HEADLINE = ("precision@5", "precision@10", "precision@25", "ndcg@10", "mrr")
COMPARISON_COLUMNS = ("precision@5", "precision@10", "precision@25", "ndcg@10")


def provenance(report: dict[str, Any]) -> str:
    """One line naming the world, the index version and the model versions."""
    models = ", ".join(f"{k}={v}"
                       for k, v in sorted(report.get("model_versions", {}).items())) or "none"
    return (f"world {report.get('world', '?')} | index {report.get('index_version') or 'none'} | "
            f"models {models} | {report.get('created_at', '')}")


def _fmt(x: float | None, pct: bool = False) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return f"{100 * x:+.1f}%" if pct else f"{x:.4f}"


def _ci(est: dict[str, Any], pct: bool = False) -> str:
    return f"[{_fmt(est['low'], pct)}, {_fmt(est['high'], pct)}]"


def _replay_tables(replay: dict[str, Any]) -> list[str]:
    intro = (f"Held-out searches: {replay['queries']:,} ({replay['candidates']:,} shown "
             "candidates). Precision counts accepted InMails; NDCG uses graded labels (accept > "
             "InMail > save > view); 95% bootstrap CIs over searches; lifts are paired bootstrap "
             "over the same searches.")
    lines = [intro, ""]
    comparisons = replay.get("comparisons", [])
    if comparisons:
        lines += ["### Headline lifts (paired bootstrap, 95% CI)", "",
                  "| rung vs baseline | " + " | ".join(COMPARISON_COLUMNS) + " |",
                  "| --- " * (len(COMPARISON_COLUMNS) + 1) + "|"]
        for c in comparisons:
            cells = [f"{_fmt(c['lift'][m]['value'], True)} {_ci(c['lift'][m], True)}"
                     if m in c["lift"] else "n/a"
                     for m in COMPARISON_COLUMNS]
            lines.append(f"| {c['rung']} vs {c['baseline']} | " + " | ".join(cells) + " |")
        lines += ["",
                  "LinkedIn measured linear -> GBDT online at +7.5% precision@5 and +7.4% "
                  "precision@25.", ""]
    for metric in HEADLINE:
        lines += [f"### {metric}", "", "| rung | value | 95% CI | lift vs rung below | lift CI |",
                  "| --- | --- | --- | --- | --- |"]
        for name, entry in replay["rungs"].items():
            est = entry["metrics"].get(metric)
            if est is None:
                continue
            lift = entry.get("lift", {}).get(metric)
            lift_cols = (f"{_fmt(lift['value'], True)} (vs {entry['lift_over']}) | "
                         f"{_ci(lift, True)}" if lift
                         else "- | -")
            tag = " (reference)" if name not in replay.get("ladder", []) else ""
            lines.append(f"| {name}{tag} | {_fmt(est['value'])} | {_ci(est)} | {lift_cols} |")
        lines.append("")
    prob = {n: e["probability"] for n, e in replay["rungs"].items() if "probability" in e}
    if prob:
        lines += ["### Probability models: P(InMail accepted)", "",
                  "| rung | AUC | AUC CI | log loss | log loss CI | ECE | ECE CI |",
                  "| --- | --- | --- | --- | --- | --- | --- |"]
        for name, p in prob.items():
            lines.append(f"| {name} | {_fmt(p['auc']['value'])} | {_ci(p['auc'])} | "
                         f"{_fmt(p['log_loss']['value'])} | {_ci(p['log_loss'])} | "
                         f"{_fmt(p['ece']['value'])} | {_ci(p['ece'])} |")
        lines.append("")
    if replay.get("probability_comparisons"):
        lines += ["### Log loss, rung vs baseline (pooled, paired bootstrap over searches)", "",
                  "| rung vs baseline | log loss change | 95% CI |", "| --- | --- | --- |"]
        for c in replay["probability_comparisons"]:
            est = c["log_loss_change"]
            lines.append(f"| {c['rung']} vs {c['baseline']} | {_fmt(est['value'], True)} | "
                         f"{_ci(est, True)} |")
        lines.append("")
    ips = replay.get("ips")
    if ips and ips.get("rungs"):
        lines += ["### IPS-weighted replay (the logging policy's position bias undone)", "",
                  "Each accept weighted by 1 / P(examined at its logged position), P(examined) ~ "
                  f"(1 + position) ** {ips['examination_exponent']:.2f} (learned by L2's position "
                  f"column on the training searches); lift over {ips['baseline']} paired over the "
                  "same searches.", "",
                  "| rung | IPS p@5 | IPS p@10 | IPS p@25 | lift p@10 [CI] | lift p@25 [CI] |",
                  "| --- | --- | --- | --- | --- | --- |"]
        for name, r in ips["rungs"].items():
            m = r["metrics"]
            cells = [_fmt(m[f"ips_precision@{k}"]["value"]) for k in (5, 10, 25)]
            lifts = [f"{_fmt(r['lift'][f'ips_precision@{k}']['value'], True)} "
                     f"{_ci(r['lift'][f'ips_precision@{k}'], True)}" if "lift" in r else "-"
                     for k in (10, 25)]
            lines.append(f"| {name} | " + " | ".join(cells + lifts) + " |")
        lines.append("")
    ceiling = replay.get("personalization_ceiling")
    if ceiling and ceiling.get("searches"):
        lines += ["### What per-recruiter effects could add at most (the world's truth)", "",
                  f"Held-out logged lists ({ceiling['searches']} searches), expected accepts per "
                  "slot given examination, ordered by the truth with each recruiter's own "
                  "preferences vs with the recruiters' mean preferences: the ceiling of any "
                  "per-recruiter model's lift.", "",
                  "| cutoff | own preferences | mean preferences | ceiling lift |",
                  "| --- | --- | --- | --- |"]
        for key, c in ceiling.items():
            if key.startswith("precision@"):
                lines.append(f"| {key} | {c['own_preferences']:.4f} | "
                             f"{c['mean_preferences']:.4f} | {100 * c['ceiling_lift']:+.2f}% |")
        lines.append("")
    for model_name, rows in replay.get("archetype_coefficients", {}).items():
        lines += [f"### {model_name}: learned per-recruiter effects by planted archetype", "",
                  "Mean per-recruiter coefficient (logit per sd) inside the archetype vs the other "
                  "recruiters; learned = the difference has the planted sign.", "",
                  "| column (archetype) | inside | others | planted sign | learned | recruiters |",
                  "| --- | --- | --- | --- | --- | --- |"]
        for column, r in rows.items():
            lines.append(f"| {column} | {r['inside']:+.3f} | {r['outside']:+.3f} | "
                         f"{r['expected_sign']:+d} | {'yes' if r['learned'] else 'no'} | "
                         f"{r['recruiters'][0]} / {r['recruiters'][1]} |")
        lines.append("")
    for seg_name, seg in replay.get("segments", {}).items():
        lines += [f"### By {seg_name} (precision@10, 95% CI)", ""]
        rungs = list(replay["rungs"])
        lines += ["| " + seg_name + " | n | " + " | ".join(rungs) + " |",
                  "| --- " * (len(rungs) + 2) + "|"]
        for value, per_rung in seg.items():
            n = next(iter(per_rung.values()))["precision@10"]["n"]
            cells = [f"{_fmt(per_rung[r]['precision@10']['value'])} "
                     f"{_ci(per_rung[r]['precision@10'])}" for r in rungs]
            lines.append(f"| {value} | {n} | " + " | ".join(cells) + " |")
        lines.append("")
    return lines


def _simulated_tables(sim: dict[str, Any]) -> list[str]:
    intro = (f"Held-out queries: {sim['queries']:,}. Expected InMail accepts in the top k under "
             "the hidden behaviour model (P(InMail | examined) x P(accept)); the oracle ranks the "
             "whole world by it (ceiling), the logging policy is what was shown (floor).")
    lines = [intro, ""]
    ks = sim.get("ks", [])
    lines += ["| ranking | " + " | ".join(f"expected accepts@{k} | CI" for k in ks)
              + " | share of oracle@10 | lift@10 over the rung below [CI] |",
              "| --- " * (2 * len(ks) + 3) + "|"]
    for name, entry in sim["rankers"].items():
        cells = []
        for k in ks:
            est = entry["metrics"][f"expected_accepts@{k}"]
            cells += [_fmt(est["value"]), _ci(est)]
        share = entry.get("share_of_oracle", {}).get("expected_accepts@10")
        lift = entry.get("lift_over_below", {})
        est = lift.get("expected_accepts@10")
        lift_cell = (f"{est['value']:+.1%} [{est['low']:+.1%}, {est['high']:+.1%}] over "
                     f"{lift['below']}"
                     if est else "")
        lines.append(f"| {name} | " + " | ".join(cells)
                     + f" | {_fmt(share['value']) if share else 'n/a'} | "
                     f"{lift_cell} |")
    lines.append("")
    if ks and any(f"examined_accepts@{ks[0]}" in e["metrics"] for e in sim["rankers"].values()):
        lines += [("Weighted by the position-bias curve P(examined | position) (what a recruiter "
                   "reading the page top down gets):"), "",
                  "| ranking | " + " | ".join(f"examined accepts@{k} | CI" for k in ks) + " |",
                  "| --- " * (2 * len(ks) + 1) + "|"]
        for name, entry in sim["rankers"].items():
            cells = []
            for k in ks:
                est = entry["metrics"].get(f"examined_accepts@{k}")
                cells += [_fmt(est["value"]), _ci(est)] if est else ["n/a", "n/a"]
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
        lines.append("")
    return lines


def _expansion_tables(exp: dict[str, Any]) -> list[str]:
    if not exp.get("queries"):
        return [exp.get("note", "No low-recall title queries."), ""]
    sel = exp.get("selection", {})
    lines = [f"Held-out title queries ({', '.join(sel.get('query_types', []))}) that logged fewer "
             f"than {sel.get('logged_matches_below')} matches: {exp['queries']:,} (median "
             f"{sel.get('logged_matches_median', 0):.0f} matches). Relevant = hidden graded "
             f"relevance >= {exp['min_grade']}; served embeddings {sel.get('embedding')}, "
             f"threshold {sel.get('threshold')}, at most {sel.get('max_titles')} titles a clause "
             "(the baselines add their top titles without a threshold).", "",
             "| variant | relevant retrieved [CI] | lift [CI] | precision@25 [CI] | "
             "difference [CI] | expected accepts@25 | lift [CI] | applied | titles added |",
             "| --- " * 9 + "|"]
    for name, e in exp["variants"].items():
        lift = e.get("lift", {})
        diff = e.get("difference", {}).get("precision@25")

        def pct(est: dict[str, Any] | None) -> str:
            return (f"{est['value']:+.1%} [{est['low']:+.1%}, {est['high']:+.1%}]"
                    if est else "")

        rel, p25, acc = e["relevant_retrieved"], e["precision@25"], e["expected_accepts@25"]
        d = (f"{diff['value']:+.3f} [{diff['low']:+.3f}, {diff['high']:+.3f}]" if diff else "")
        lines.append(f"| {name} | {rel['value']:.1f} {_ci(rel)} | "
                     f"{pct(lift.get('relevant_retrieved'))} | {p25['value']:.3f} {_ci(p25)} | "
                     f"{d} | {acc['value']:.3f} | {pct(lift.get('expected_accepts@25'))} | "
                     f"{e['expansion_applied']['value']:.0%} | "
                     f"{e['titles_added']['value']:.1f} |")
    lines.append("")
    return lines


def _review_tables(review: dict[str, Any]) -> list[str]:
    pools = review.get("pools", {})

    def p(key: str, field: str = "mean", fmt: str = "{:.2f}") -> str:
        value = pools.get(key, {}).get(field)
        return "n/a" if value is None or value != value else fmt.format(value)

    lines = [f"{review['sessions']:,} simulated review sessions of {review['steps']} steps "
             f"(seed {review['seed']}; {review.get('skipped', 0):,} jobs skipped: their query "
             "found fewer candidates than steps). Each starts from a held-out search's job, as "
             "review mode does; the world's truth draws the recruiter's hidden skill focus "
             f"(shape {review.get('intent', 'focus2')}: {p('focus_size')} skills on average, "
             f"the heaviest weighing {p('top_weight')}) and a "
             f"verdict for every pool member (the same verdicts for every order). Pools: "
             f"{p('pool', fmt='{:.0f}')} candidates on average, {p('k')} skill groups (k by "
             f"counts: {pools.get('k_counts', {})}), silhouette {p('silhouette')}; good-fit rate "
             f"of the pool {p('base_rate')}, of its best 25 (the ceiling) {p('ceiling')}. Pool "
             f"start {p('pool_ms', 'p50', '{:.0f}')} ms median, a step of the review core "
             f"{p('steps_ms', 'p50', '{:.2f}')} ms.", "",
             "| order | " + " | ".join(f"steps {b}" for b in review["blocks"])
             + " | overall [95% CI] | last / first block [CI] |",
             "| --- " * (len(review["blocks"]) + 3) + "|"]
    for name, entry in review["orders"].items():
        cells = [_fmt(entry["blocks"][b]["value"]) for b in review["blocks"]]
        o, r = entry["overall"], entry["last_over_first"]
        lines.append(f"| {name} | " + " | ".join(cells)
                     + f" | {_fmt(o['value'])} {_ci(o)} | {r['value']:.2f} "
                     f"[{r['low']:.2f}, {r['high']:.2f}] |")
    lines.append("")
    if review.get("lifts"):
        lines += ["Paired lifts of overall precision (bootstrap over sessions):", "",
                  "| order | over | lift | 95% CI |", "| --- | --- | --- | --- |"]
        for lift in review["lifts"]:
            lines.append(f"| {lift['order']} | {lift['over']} | {_fmt(lift['value'], True)} | "
                         f"{_ci(lift, True)} |")
        lines.append("")
    if review.get("mabwiser"):
        lines += ["Side by side with `mabwiser` (its policy picks the group; same pools, verdicts "
                  "and within-group order): difference of overall precision, mabwiser - ours.", "",
                  "| mabwiser | ours | difference | 95% CI |", "| --- | --- | --- | --- |"]
        for m in review["mabwiser"]:
            lines.append(f"| {m['order']} | {m['ours']} | {m['value']:+.4f} | "
                         f"[{m['low']:+.4f}, {m['high']:+.4f}] |")
        lines.append("")
    page = review.get("results_page")
    if page:
        lines += ["The results page after a `bandit+online` session: the same job's search with "
                  "the session id, stage `bandit` off and on; mean hidden P(good fit) of the top "
                  "k.", "", "| k | stage off | stage on | lift [95% CI] |",
                  "| --- | --- | --- | --- |"]
        for k in (10, 25):
            off, on, lift = page[f"stage_off@{k}"], page[f"stage_on@{k}"], page[f"lift@{k}"]
            lines.append(f"| {k} | {_fmt(off['value'])} {_ci(off)} | {_fmt(on['value'])} "
                         f"{_ci(on)} | {_fmt(lift['value'], True)} {_ci(lift, True)} |")
        lines.append("")
    return lines


def write_report(report: dict[str, Any], out_dir: Path) -> Path:
    """Write ``metrics.json``, the PNG plots and ``summary.md`` under ``out_dir``; returns it."""
    out_dir.mkdir(parents=True, exist_ok=True)
    prov = provenance(report)
    figures: list[tuple[str, str]] = []
    replay = report.get("replay")
    if replay:
        figures.append(("Precision@k per rung",
                        plots.precision_curves(replay, out_dir / "precision_at_k.png", prov).name))
        figures.append(("Lift over the rung below",
                        plots.lift_chart(replay, "precision@10", out_dir / "lift.png", prov).name))
        figures.append(("Calibration",
                        plots.calibration_plot(replay, out_dir / "calibration.png", prov).name))
    review = report.get("review")
    if review and review.get("sessions"):
        figures.append(("Review sessions: precision by step block",
                        plots.review_blocks(review, out_dir / "review_blocks.png", prov).name))
        figures.append(("Review sessions: good fits at each step",
                        plots.review_curves(review, out_dir / "review_steps.png", prov).name))
    expansion = (report.get("simulated") or {}).get("title_expansion")
    if expansion and expansion.get("queries"):
        figures.append(("Title expansion on low-recall title queries",
                        plots.expansion_chart(expansion, out_dir / "expansion.png", prov).name))
    (out_dir / METRICS_FILE).write_text(json.dumps(report, indent=2, default=float),
                                        encoding="utf-8")
    lines = [f"# Offline evaluation: world {report.get('world', '?')}", "",
             f"- world: `{report.get('world')}`",
             f"- index version: `{report.get('index_version') or 'none'}`",
             "- model versions: " + (", ".join(f"`{k}`: `{v}`" for k, v in
                                              sorted(report.get("model_versions", {}).items()))
                                     or "none"),
             f"- created: {report.get('created_at', '')}"]
    split = report.get("split")
    if split:
        lines.append(f"- split: {split['train_sessions']:,} training sessions before "
                     f"{split['cutoff']}, {split['test_sessions']:,} held-out sessions after (no "
                     "session is split)")
    lines.append("")
    if replay:
        lines += ["## Logged replay", ""] + _replay_tables(replay)
    if report.get("simulated"):
        if "rankers" in report["simulated"]:
            lines += ["## Simulated outcome", ""] + _simulated_tables(report["simulated"])
        if report["simulated"].get("title_expansion"):
            lines += ["## Title expansion on low-recall title queries", ""] + _expansion_tables(
                report["simulated"]["title_expansion"])
    if report.get("fairness"):
        from talent.evaluation.audit.report import before_after_figures, before_after_lines

        lines += ["## Fairness of the top k: before and after representative re-ranking", ""]
        lines += before_after_lines(report["fairness"])
        figures += before_after_figures(report["fairness"], out_dir, prov)
    if review and review.get("sessions"):
        lines += ["## In-session personalization: simulated review sessions", ""]
        lines += _review_tables(review)
    for note in report.get("notes", []):
        lines.append(f"> {note}")
    if figures:
        lines += ["", "## Figures", ""] + [f"![{title}]({name})" for title, name in figures]
    (out_dir / SUMMARY_FILE).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out_dir


def read_report(path: Path) -> dict[str, Any]:
    """The metrics of a report folder (or of a ``metrics.json`` file)."""
    file = path / METRICS_FILE if path.is_dir() else path
    try:
        return json.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise NotFound(f"no evaluation report at {path}: run `talent evaluate --out {path}` "
                       "first") from None


def _flatten(report: dict[str, Any]) -> dict[tuple[str, str, str], float]:
    flat: dict[tuple[str, str, str], float] = {}
    for name, entry in report.get("replay", {}).get("rungs", {}).items():
        for metric, est in entry.get("metrics", {}).items():
            flat[("replay", name, metric)] = est["value"]
        for metric, est in entry.get("probability", {}).items():
            flat[("replay", name, metric)] = est["value"]
    for name, entry in report.get("simulated", {}).get("rankers", {}).items():
        for metric, est in entry.get("metrics", {}).items():
            flat[("simulated", name, metric)] = est["value"]
    for name, entry in report.get("review", {}).get("orders", {}).items():
        flat[("review", name, "precision")] = entry["overall"]["value"]
        for block, est in entry.get("blocks", {}).items():
            flat[("review", name, f"precision steps {block}")] = est["value"]
    return flat


def compare_reports(a: dict[str, Any], b: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows (protocol, rung, metric, a, b, b - a) for every metric either report has."""
    fa, fb = _flatten(a), _flatten(b)
    rows = []
    for key in sorted(set(fa) | set(fb)):
        va, vb = fa.get(key), fb.get(key)
        diff = vb - va if va is not None and vb is not None else None
        rows.append({"protocol": key[0], "rung": key[1], "metric": key[2], "a": va, "b": vb,
                     "diff": diff})
    return rows
