"""Benchmark: simulated review sessions at two review pool sizes, paired session by session.

Usage::

    TALENT_REVIEW_POOL_SIZE=200 talent evaluate --review-only --review-sessions 300 --out A
    TALENT_REVIEW_POOL_SIZE=1000 talent evaluate --review-only --review-sessions 300 --out B
    .venv/bin/python benchmarks/review_pool_sizes.py A B

The same seed runs the same jobs, hidden intents and verdicts whatever the pool size (a pool
member's verdict is drawn in pool order, so the members both pools share get the same verdicts),
so the two folders' sessions pair up. A larger ``TALENT_REVIEW_POOL_SIZE`` only changes the
sessions whose query finds more candidates than the smaller size: the averages over all sessions
dilute the effect, so this prints the precision by step block, the last / first block ratio and
the paired difference of overall precision on the sessions whose pool grew, and on all of them.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np

ORDERS = ("bandit+online", "bandit", "offline", "random")
BLOCK = 5


def load(folder: Path) -> dict[str, Any]:
    review = json.loads((folder / "metrics.json").read_text())["review"]
    if "per_session" not in review:
        raise SystemExit(f"{folder}: no per-session record (a report from before it was kept)")
    return review


def good(review: dict[str, Any], order: str) -> np.ndarray:
    return np.array([[c == "1" for c in row] for row in review["per_session"]["good"][order]],
                    dtype=np.float64)


def ci(values: np.ndarray, stat: Any, rng: np.random.Generator, n: int) -> tuple[float, float]:
    idx = rng.integers(0, len(values), (n, len(values)))
    draws = np.array([stat(values[i]) for i in idx])
    lo, hi = np.percentile(draws, [2.5, 97.5])
    return float(lo), float(hi)


def compare(a: dict[str, Any], b: dict[str, Any], resamples: int, seed: int) -> dict[str, Any]:
    pa, pb = a["per_session"], b["per_session"]
    if pa["project_id"] != pb["project_id"]:
        raise SystemExit("the two reports ran different jobs: same world, seed and sessions?")
    pool_a, pool_b = np.asarray(pa["pool"]), np.asarray(pb["pool"])
    out: dict[str, Any] = {"sessions": len(pool_a), "pool_a": float(pool_a.mean()),
                           "pool_b": float(pool_b.mean())}
    for label, mask in (("grew", pool_b > pool_a), ("all", np.ones(len(pool_a), dtype=bool))):
        part: dict[str, Any] = {"sessions": int(mask.sum()),
                                "pool_a": float(pool_a[mask].mean()) if mask.any() else 0.0,
                                "pool_b": float(pool_b[mask].mean()) if mask.any() else 0.0,
                                "orders": {}}
        if not mask.any():
            out[label] = part
            continue
        for order in ORDERS:
            entry: dict[str, Any] = {}
            for side, review in (("a", a), ("b", b)):
                g = good(review, order)[mask]
                blocks = g.reshape(len(g), -1, BLOCK).mean(axis=2)
                pair = np.stack([blocks[:, -1], blocks[:, 0]], axis=1)
                rng = np.random.default_rng(seed)
                ratio = float(pair[:, 0].mean() / max(pair[:, 1].mean(), 1e-12))
                entry[side] = {"blocks": blocks.mean(axis=0).tolist(),
                               "overall": float(g.mean()),
                               "last_over_first": (ratio, *ci(
                                   pair, lambda p: p[:, 0].mean() / max(p[:, 1].mean(), 1e-12),
                                   rng, resamples))}
            diff = good(b, order)[mask].mean(axis=1) - good(a, order)[mask].mean(axis=1)
            rng = np.random.default_rng(seed)
            entry["b_minus_a"] = (float(diff.mean()), *ci(diff, np.mean, rng, resamples))
            part["orders"][order] = entry
        out[label] = part
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("a", type=Path, help="report folder of the smaller pool size")
    parser.add_argument("b", type=Path, help="report folder of the larger pool size")
    parser.add_argument("--resamples", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    out = compare(load(args.a), load(args.b), args.resamples, args.seed)
    if args.json:
        print(json.dumps(out, indent=2))
        return 0
    print(f"{out['sessions']} sessions; mean pool {out['pool_a']:.0f} (A) and "
          f"{out['pool_b']:.0f} (B)")
    for label in ("grew", "all"):
        part = out[label]
        print(f"\nsessions {'whose pool grew' if label == 'grew' else '(all)'}: {part['sessions']}"
              f", mean pool {part['pool_a']:.0f} (A) -> {part['pool_b']:.0f} (B)")
        print("| order | pool | 1-5 | 6-10 | 11-15 | 16-20 | 21-25 | overall | 21-25 / 1-5 [CI] |")
        print("|---|---|---|---|---|---|---|---|---|")
        for order, entry in part["orders"].items():
            for side in ("a", "b"):
                e = entry[side]
                r, lo, hi = e["last_over_first"]
                print(f"| {order} | {side.upper()} | "
                      + " | ".join(f"{v:.3f}" for v in e["blocks"])
                      + f" | {e['overall']:.3f} | {r:.2f} [{lo:.2f}, {hi:.2f}] |")
        for order, entry in part["orders"].items():
            d, lo, hi = entry["b_minus_a"]
            print(f"{order}: overall B - A {d:+.4f} [{lo:+.4f}, {hi:+.4f}]")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
