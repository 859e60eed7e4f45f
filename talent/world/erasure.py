"""Eraser ``world-files``: the member's row in each generated world's files under the home: the
public arrays (``world.npz``: occupation, level, place, company, skills, ...) and the hidden
truth (``truth/members.npz``). Row values become "unknown" (-1, NaN, no skills): the simulator
only reads the rows of members the index returns, and an erased member is in no index."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from talent.erasure import ErasureContext, FunctionEraser, register_eraser
from talent.world.truth import erase_member_latents, member_latents_held

_STATE = "world.npz"


def _worlds(ctx: ErasureContext) -> list[Path]:
    root = Path(ctx.settings.worlds_dir)
    return sorted(p.parent for p in root.glob(f"*/{_STATE}")) if root.is_dir() else []


def _member_arrays(z: np.lib.npyio.NpzFile) -> list[str]:
    rows = len(z["m_occ"])
    return [k for k in z.files if k.startswith("m_") and k not in ("m_skill_ptr", "m_skill_idx")
            and len(z[k]) == rows]


def _row_held(directory: Path, index: int) -> bool:
    with np.load(directory / _STATE) as z:
        if not 0 <= index < len(z["m_occ"]):
            return False
        ptr = z["m_skill_ptr"]
        if ptr[index + 1] > ptr[index]:
            return True
        for key in _member_arrays(z):
            value = z[key][index]
            if z[key].dtype.kind == "f" and not np.isnan(value):
                return True
            if z[key].dtype.kind in "iu" and value != _blank(z[key].dtype):
                return True
            if z[key].dtype.kind == "b" and bool(value):
                return True
    return False


def _blank(dtype: np.dtype) -> int:
    return -1 if dtype.kind == "i" else 0


def _erase_row(directory: Path, index: int) -> bool:
    path = directory / _STATE
    with np.load(path) as z:
        arrays = {k: np.array(z[k]) for k in z.files}
        keys = _member_arrays(z)
    if not 0 <= index < len(arrays["m_occ"]):
        return False
    for key in keys:
        kind = arrays[key].dtype.kind
        arrays[key][index] = np.nan if kind == "f" else (False if kind == "b"
                                                          else _blank(arrays[key].dtype))
    ptr, idx = arrays["m_skill_ptr"], arrays["m_skill_idx"]
    start, end = int(ptr[index]), int(ptr[index + 1])
    arrays["m_skill_idx"] = np.delete(idx, np.arange(start, end))
    ptr[index + 1:] -= end - start
    tmp = directory / ".world.erasing.npz"
    np.savez(tmp, **arrays)
    tmp.replace(path)
    return True


def erase_world_rows(ctx: ErasureContext) -> dict[str, int]:
    index = ctx.member_id - 1  # member id i + 1 is row i
    rows = latents = 0
    for directory in _worlds(ctx):
        rows += int(_row_held(directory, index) and _erase_row(directory, index))
        latents += int(erase_member_latents(directory / "truth", index))
    return {"world_rows": rows, "truth_rows": latents}


def remaining_world_rows(ctx: ErasureContext) -> list[str]:
    index = ctx.member_id - 1
    found = []
    for directory in _worlds(ctx):
        if _row_held(directory, index):
            found.append(f"world {directory.name}: public arrays")
        if member_latents_held(directory / "truth", index):
            found.append(f"world {directory.name}: hidden truth")
    return found


register_eraser(FunctionEraser("world-files", erase_world_rows, remaining_world_rows))
