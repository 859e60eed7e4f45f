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
    _footer(fig, provenance)
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


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
    _footer(fig, provenance)
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


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
    _footer(fig, provenance)
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
