"""PNG figures of the fairness audit (matplotlib, Agg backend)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from talent.evaluation.audit.logs import FOUR_FIFTHS


def _save(fig: Any, path: Path, provenance: str) -> Path:
    fig.text(0.01, 0.01, provenance, fontsize=7, color="0.4")
    fig.tight_layout(rect=(0, 0.03, 1, 1))
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def impact_ratios_by_period(logs: dict[str, Any], path: Path, provenance: str) -> Path:
    """Impression and InMail impact ratio of each known group, per period, with the 0.8 line."""
    periods = list(logs.get("by_period", {}))
    names = [g for g in logs.get("group_names", []) if g != "unknown"]
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True)
    for ax, kind in zip(axes, ("impression", "inmail")):
        width = 0.8 / max(len(names), 1)
        for i, name in enumerate(names):
            values = [logs["by_period"][p]["groups"][name][f"{kind}_impact_ratio"] or 0.0
                      for p in periods]
            ax.bar(np.arange(len(periods)) + i * width, values, width, label=name)
        ax.axhline(FOUR_FIFTHS, color="crimson", linestyle="--", linewidth=1,
                   label="four-fifths (0.8)")
        labels = [f"{p}\n(n={logs['by_period'][p]['searches']})" for p in periods]
        ax.set_xticks(np.arange(len(periods)) + width * (len(names) - 1) / 2, labels,
                      rotation=45, fontsize=7)
        ax.set_title(f"{'Impression' if kind == 'impression' else 'InMail'} impact ratio")
        ax.set_ylim(0, 1.25)
        ax.legend(fontsize=7, loc="upper center", ncol=3)
    axes[0].set_ylabel("rate / highest rate")
    return _save(fig, path, provenance)


def impact_ratios_by_contract(logs: dict[str, Any], path: Path, provenance: str) -> Path:
    """Histogram over contracts of the lowest known-group impact ratio (impressions, InMails)."""
    fig, ax = plt.subplots(figsize=(7, 4))
    for kind in ("impression", "inmail"):
        lows = []
        for entry in logs.get("by_contract", {}).values():
            ratios = [g[f"{kind}_impact_ratio"] for n, g in entry["groups"].items()
                      if n != "unknown" and g[f"{kind}_impact_ratio"] is not None]
            if ratios:
                lows.append(min(ratios))
        ax.hist(lows, bins=np.linspace(0, 1, 21), alpha=0.6, label=f"{kind} ({len(lows)})")
    ax.axvline(FOUR_FIFTHS, color="crimson", linestyle="--", linewidth=1)
    ax.set_xlabel("lowest impact ratio of a contract")
    ax.set_ylabel("contracts")
    ax.set_title("Impact ratios per contract (four-fifths line dashed)")
    ax.legend(fontsize=8)
    return _save(fig, path, provenance)


def min_skew_before_after(summary: dict[str, Any], k: int, path: Path,
                          provenance: str) -> Path:
    """Share of representative queries (MinSkew@k >= -0.1) and NDKL@k, before and after each
    algorithm, with 95% CIs."""
    names = list(summary)
    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, key, title in ((axes[0], f"representative_share@{k}",
                            f"Representative queries (MinSkew@{k} >= -0.1)"),
                           (axes[1], f"ndkl@{k}", f"NDKL@{k} (lower: closer to the pool)")):
        est = [summary[n][key] for n in names]
        values = [e["value"] for e in est]
        err = [[e["value"] - e["low"] for e in est], [e["high"] - e["value"] for e in est]]
        colors = ["0.6" if n == "before" else "#4C78A8" for n in names]
        ax.bar(range(len(names)), values, yerr=err, capsize=5, color=colors)
        ax.set_xticks(range(len(names)), [n.replace("after_", "") for n in names], fontsize=8)
        ax.set_title(title, fontsize=10)
    axes[0].set_ylim(0, 1.05)
    return _save(fig, path, provenance)


def skew_by_group(summary: dict[str, Any], k: int, path: Path, provenance: str) -> Path:
    """Mean Skew@k of each group, before and after each algorithm."""
    names = list(summary)
    groups = list(summary[names[0]][f"skew@{k}"]) if names else []
    fig, ax = plt.subplots(figsize=(8, 4))
    width = 0.8 / max(len(names), 1)
    for i, name in enumerate(names):
        values = [summary[name][f"skew@{k}"][g]["value"] for g in groups]
        ax.bar(np.arange(len(groups)) + i * width, values, width,
               label=name.replace("after_", "after "))
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xticks(np.arange(len(groups)) + width * (len(names) - 1) / 2, groups)
    ax.set_ylabel(f"mean Skew@{k} (smoothed)")
    ax.set_title(f"Skew@{k} per group against the qualified pool")
    ax.legend(fontsize=8)
    return _save(fig, path, provenance)
