"""The generated world as arrays: what the product tables hold, in the shape the simulator needs.

The generator writes the profiles to the database AND keeps this compact copy under
``<worlds_dir>/<name>/world.npz`` (+ ``world.json`` for the string tables), so that simulating
1M members does not mean reading 15M skill rows back. Nothing here is hidden: every array is
a public profile or job attribute (ids are index + 1 for members, companies, contracts,
recruiters and projects). The hidden truth lives in :mod:`talent.world.truth`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np

from talent.errors import ConfigError

STATE_VERSION = 2


@dataclass
class WorldState:
    """Public arrays of one world. Skill lists are CSR:
    ``skill_idx[skill_ptr[i]:skill_ptr[i+1]]``."""

    name: str
    seed: int
    start_date: str  # ISO date: the world's "now" (logs start here)
    occupations: list[str]  # occupation index -> taxonomy id
    skills: list[str]  # skill index -> taxonomy id
    skill_names: list[str]
    metro_ids: np.ndarray  # metro index -> metros.id
    metro_names: list[str]
    titles: list[str]  # distinct current titles (members' m_title indexes these)
    # occupation index -> the taxonomy's title variants (most common first)
    variants: list[list[str]]
    o_related_ptr: np.ndarray  # CSR of taxonomy.related over occupation indexes
    o_related_idx: np.ndarray
    o_family: np.ndarray  # occupation index -> family index (into ``families``)
    o_employment: np.ndarray  # occupation index -> BLS employment share (the sampling weight)
    o_zone: np.ndarray  # occupation index -> O*NET job zone 1..5
    families: list[str]  # SOC major-group codes
    family_titles: list[str]
    # members (index i is member id i + 1)
    m_occ: np.ndarray
    m_sen: np.ndarray
    m_years: np.ndarray
    m_metro: np.ndarray
    m_company: np.ndarray
    m_otw: np.ndarray
    m_reloc: np.ndarray
    m_inactive_days: np.ndarray
    m_title: np.ndarray
    m_skill_ptr: np.ndarray
    m_skill_idx: np.ndarray
    # companies (index i is company id i + 1)
    c_size: np.ndarray  # size band index 0 ("1-50") .. 5 ("10001+")
    c_metro: np.ndarray  # metro index or -1
    # contracts
    k_company: np.ndarray  # company index or -1 (agencies)
    k_agency: np.ndarray
    # recruiters
    r_contract: np.ndarray
    # jobs (index i is project id i + 1)
    j_recruiter: np.ndarray
    j_contract: np.ndarray
    j_occ: np.ndarray
    j_metro: np.ndarray  # metro index
    j_remote: np.ndarray
    j_sen_min: np.ndarray
    j_sen_max: np.ndarray
    j_created_day: np.ndarray  # days after start_date
    j_skill_ptr: np.ndarray
    j_skill_idx: np.ndarray
    j_skill_required: np.ndarray  # per entry of j_skill_idx
    j_titles: list[str]

    @property
    def n_members(self) -> int:
        return int(self.m_occ.shape[0])

    @property
    def n_jobs(self) -> int:
        return int(self.j_occ.shape[0])

    def member_skills(self, i: int) -> np.ndarray:
        return self.m_skill_idx[self.m_skill_ptr[i] : self.m_skill_ptr[i + 1]]

    def job_skills(self, j: int) -> tuple[np.ndarray, np.ndarray]:
        sl = slice(self.j_skill_ptr[j], self.j_skill_ptr[j + 1])
        return self.j_skill_idx[sl], self.j_skill_required[sl]

    # --- persistence ---------------------------------------------------------------------------
    _STRINGS = (
        "name",
        "start_date",
        "families",
        "family_titles",
        "occupations",
        "skills",
        "skill_names",
        "metro_names",
        "titles",
        "variants",
        "j_titles",
    )

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        arrays = {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if f.name not in self._STRINGS and f.name != "seed"
        }
        np.savez(directory / "world.npz", **arrays)
        meta = {name: getattr(self, name) for name in self._STRINGS}
        meta.update(seed=self.seed, version=STATE_VERSION)
        (directory / "world.json").write_text(json.dumps(meta), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> WorldState:
        npz, meta_path = directory / "world.npz", directory / "world.json"
        if not npz.is_file() or not meta_path.is_file():
            raise ConfigError(f"no generated world under {directory}: run `talent world generate` "
                              "first")
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("version") != STATE_VERSION:
            raise ConfigError(f"world files under {directory} are from another version: regenerate "
                              "the world")
        with np.load(npz) as data:
            arrays = {k: data[k] for k in data.files}
        return cls(seed=int(meta["seed"]), **{k: meta[k] for k in cls._STRINGS}, **arrays)


def row_dot(ptr: np.ndarray, idx: np.ndarray, rows: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """``sum(weights[idx[ptr[r]:ptr[r+1]]])`` for each r in ``rows`` (a CSR row-subset dot
    product)."""
    rows = np.asarray(rows, dtype=np.int64)
    starts, ends = ptr[rows], ptr[rows + 1]
    lengths = ends - starts
    total = int(lengths.sum())
    out = np.zeros(rows.shape[0], dtype=np.float64)
    if total == 0:
        return out
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    flat = np.repeat(starts - offsets, lengths) + np.arange(total)
    values = weights[idx[flat]]
    nonempty = lengths > 0
    out[nonempty] = np.add.reduceat(values, offsets[nonempty])
    return out


def world_dir(worlds_dir: Path, name: str) -> Path:
    """Where a world's files live: ``<worlds_dir>/<name>``."""
    return Path(worlds_dir) / name
