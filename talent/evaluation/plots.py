"""PNG figures of a report (matplotlib, Agg backend): precision@k curves, lifts with CIs,
calibration."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def _footer(fig: Any, provenance: str) -> None:
    fig.text(0.01, 0.01, provenance, fontsize=7, color="0.4")


def _save(fig: Any, path: Path, provenance: str) -> Path:
    """Write ``fig`` with its provenance footer to ``path`` and close it."""
    _footer(fig, provenance)
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def precision_curves(summary: dict[str, Any], path: Path, provenance: str) -> Path:
    """Mean InMail-accept precision@k for k = 1..K, one line per rung."""
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for name, curve in summary.get("curves", {}).items():
        ks = [int(k) for k in curve]
        ax.plot(ks, list(curve.values()), marker=".", label=name,
                linestyle="--" if name in ("random", "logging_policy", "hindsight") else "-")
    ax.set_xlabel("k")
    ax.set_ylabel("InMail-accept precision@k")
    ax.set_title("Logged replay: precision@k per rung")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return _save(fig, path, provenance)


def lift_chart(summary: dict[str, Any], metric: str, path: Path, provenance: str) -> Path:
    """Relative lift of each ladder rung over the rung below, with its paired-bootstrap 95% CI."""
    names, values, lows, highs = [], [], [], []
    for name in summary.get("ladder", []):
        lift = summary["rungs"].get(name, {}).get("lift", {}).get(metric)
        if lift is None:
            continue
        names.append(f"{name}\nvs {summary['rungs'][name]['lift_over']}")
        values.append(100 * lift["value"])
        lows.append(100 * (lift["value"] - lift["low"]))
        highs.append(100 * (lift["high"] - lift["value"]))
    fig, ax = plt.subplots(figsize=(7, 4.5))
    if names:
        ax.bar(range(len(names)), values, yerr=[lows, highs], capsize=6, color="#4C78A8")
        ax.set_xticks(range(len(names)), names, fontsize=8)
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_ylabel(f"lift in {metric} (%)")
    ax.set_title(f"Lift over the rung below ({metric}, 95% paired bootstrap CI)")
    return _save(fig, path, provenance)


def calibration_plot(summary: dict[str, Any], path: Path, provenance: str) -> Path:
    """Reliability diagram of every rung that predicts P(accept)."""
    fig, ax = plt.subplots(figsize=(5.5, 5))
    ax.plot([0, 1], [0, 1], color="0.6", linestyle=":", label="perfect")
    for name, entry in summary.get("rungs", {}).items():
        cal = entry.get("calibration")
        if cal:
            ax.plot(cal["mean_predicted"], cal["observed"], marker="o", label=name)
    ax.set_xlabel("predicted P(accept)")
    ax.set_ylabel("observed accept rate")
    ax.set_title("Calibration (held-out impressions)")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return _save(fig, path, provenance)


REVIEW_STYLES = {"bandit+online": ("#4C78A8", "-"), "bandit": ("#72B7B2", "-"),
                 "ucb1+online": ("#F58518", "-"), "ucb1": ("#EECA3B", "-"),
                 "offline": ("#54A24B", "--"), "random": ("#9D755D", ":"),
                 "mabwiser_thompson": ("#B279A2", "-."), "mabwiser_ucb1": ("#FF9DA6", "-.")}


def review_blocks(review: dict[str, Any], path: Path, provenance: str,
                  orders: tuple[str, ...] = ("bandit+online", "bandit", "offline", "random")
                  ) -> Path:
    """Good-fit precision per block of steps (1-5, 6-10, ...) for each order, with 95% CIs."""
    fig, ax = plt.subplots(figsize=(7, 4.5))
    blocks = review.get("blocks", [])
    x = list(range(len(blocks)))
    width = 0.8 / max(len(orders), 1)
    for j, name in enumerate(orders):
        entry = review["orders"].get(name)
        if entry is None:
            continue
        est = [entry["blocks"][b] for b in blocks]
        values = [e["value"] for e in est]
        err = [[e["value"] - e["low"] for e in est], [e["high"] - e["value"] for e in est]]
        color, _ = REVIEW_STYLES.get(name, ("0.5", "-"))
        ax.bar([i + (j - (len(orders) - 1) / 2) * width for i in x], values, width, yerr=err,
               capsize=3, label=name, color=color)
    ax.set_xticks(x, [f"steps {b}" for b in blocks], fontsize=8)
    ax.set_ylabel("share of good fits")
    ax.set_title(f"Review sessions: precision by step ({review.get('sessions', 0):,} sessions, "
                 "95% CI)")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3, axis="y")
    return _save(fig, path, provenance)


def review_curves(review: dict[str, Any], path: Path, provenance: str) -> Path:
    """Share of good fits at each step 1..N, one line per order (every order the run has)."""
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for name, entry in review.get("orders", {}).items():
        curve = entry.get("by_step", [])
        color, style = REVIEW_STYLES.get(name, ("0.5", "-"))
        ax.plot(range(1, len(curve) + 1), curve, label=name, color=color, linestyle=style,
                marker=".")
    ax.set_xlabel("step (index of the presented candidate)")
    ax.set_ylabel("share of good fits")
    ax.set_title("Review sessions: good fits at each step")
    ax.legend(fontsize=7, ncol=2)
    ax.grid(alpha=0.3)
    return _save(fig, path, provenance)


def expansion_chart(expansion: dict[str, Any], path: Path, provenance: str) -> Path:
    """Title expansion on low-recall queries: each variant's lift in relevant members retrieved
    and its change in precision@25 over expansion off, with paired-bootstrap 95% CIs."""
    rows = [(name, entry) for name, entry in expansion.get("variants", {}).items()
            if "lift" in entry]
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.5))
    panels = (("relevant members retrieved: lift (%)", lambda e: e["lift"]["relevant_retrieved"],
               100.0),
              ("precision@25: difference", lambda e: e["difference"]["precision@25"], 1.0))
    for ax, (label, pick, scale) in zip(axes, panels, strict=True):
        if rows:
            est = [pick(entry) for _, entry in rows]
            values = [scale * e["value"] for e in est]
            ax.bar(range(len(rows)), values,
                   yerr=[[scale * (e["value"] - e["low"]) for e in est],
                         [scale * (e["high"] - e["value"]) for e in est]],
                   capsize=6, color="#4C78A8")
            ax.set_xticks(range(len(rows)),
                          [name.replace("expansion on ", "").strip("()") for name, _ in rows],
                          fontsize=8)
        ax.axhline(0, color="black", linewidth=0.8)
        ax.set_ylabel(label)
    fig.suptitle(f"Title expansion on {expansion.get('queries', 0):,} low-recall title queries "
                 f"(over {expansion.get('baseline', 'expansion off')}, 95% paired bootstrap CI)")
    return _save(fig, path, provenance)
