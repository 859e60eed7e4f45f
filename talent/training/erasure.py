"""Eraser ``training-features``: cached L1 feature matrices that hold rows of the member (the
files are deleted whole: a cache, rebuilt by the next `talent train l1`)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from talent.erasure import ErasureContext, FunctionEraser, register_eraser
from talent.training.dataset import feature_cache_dir


def _holding(ctx: ErasureContext) -> list[Path]:
    found = []
    for path in sorted(feature_cache_dir(ctx.settings).glob("*.npz")):
        try:
            with np.load(path) as z:
                holds = bool(np.isin(ctx.member_id, z["member_id"]))
        except (OSError, ValueError, KeyError):
            holds = True  # unreadable: cannot show it holds nothing
        if holds:
            found.append(path)
    return found


def erase_features(ctx: ErasureContext) -> dict[str, int]:
    files = _holding(ctx)
    for path in files:
        path.unlink(missing_ok=True)
    return {"files": len(files)}


def remaining_features(ctx: ErasureContext) -> list[str]:
    return [f"cached features {p.name}" for p in _holding(ctx)]


register_eraser(FunctionEraser("training-features", erase_features, remaining_features))
