"""World config files: a small TOML file names a world's size, seed, taxonomy and simulation knobs.

A world is named either by a path to its TOML file or by a bare name resolved to
``fixtures/worlds/<name>.toml`` (then ``benchmarks/worlds/<name>.toml``) in the repository.
Example (``fixtures/worlds/test.toml``)::

    name = "test"
    seed = 7
    taxonomy = "fixture"

    [members]
    count = 2000

    [hiring]
    contracts = 8
    recruiters = 24
    jobs = 60

    [simulation]
    days = 90

Every section and key is optional except ``name``; unknown keys, negative sizes and missing
taxonomy directories raise :class:`~talent.errors.ConfigError` naming the problem.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

import talent
from talent.errors import ConfigError

REPO_ROOT = Path(talent.__file__).resolve().parents[1]
WORLD_DIRS: tuple[Path, ...] = (REPO_ROOT / "fixtures" / "worlds",
                                REPO_ROOT / "benchmarks" / "worlds")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MemberConfig(_Section):
    """How many members and the shares of their public flags."""

    count: int = Field(2000, ge=1, le=20_000_000, description="Number of members (ids 1..count).")
    open_to_work: float = Field(0.2, ge=0.0, le=1.0,
                                description="Target share of open-to-work members.")
    willing_to_relocate: float = Field(0.25, ge=0.0, le=1.0,
                                       description="Share willing to relocate.")
    noisy_titles: float = Field(
        0.08, ge=0.0, le=1.0, description="Share of current titles with a typo/abbreviation."
    )
    skills_median: float = Field(
        11.0, ge=5.0, le=40.0, description="Median number of skills (clipped to 5..40)."
    )
    specializations: int = Field(
        0, ge=0, le=8,
        description="Skill specializations per occupation: 0 = none (skills drawn by importance "
                    "alone); k > 0 gives each member one of k specializations, each favouring its "
                    "own third of the occupation's skills (skill groups for review mode).")


class CompanyConfig(_Section):
    count: int = Field(
        300, ge=1, le=1_000_000, description="Companies: the taxonomy's first, then invented ones."
    )


class HiringConfig(_Section):
    contracts: int = Field(
        10, ge=1, le=1_000_000, description="Hiring organizations (in-house teams and agencies)."
    )
    recruiters: int = Field(30, ge=1, le=1_000_000,
                            description="Recruiters (each belongs to one contract).")
    jobs: int = Field(80, ge=1, le=10_000_000,
                      description="Hiring projects (each owned by a recruiter).")
    agency_share: float = Field(
        0.3, ge=0.0, le=1.0, description="Share of contracts that are staffing agencies."
    )
    remote_share: float = Field(0.15, ge=0.0, le=1.0, description="Share of remote jobs.")
    preference_strength: float = Field(
        1.0, ge=0.0, le=5.0,
        description="How far recruiters' planted preference archetypes depart from the base "
                    "weights: each archetype's emphasis is raised to this power and its additions "
                    "scaled by it (1: the default worlds; 0: every recruiter alike).")

    @model_validator(mode="after")
    def _enough_recruiters(self) -> HiringConfig:
        if self.recruiters < self.contracts:
            raise ValueError(
                f"recruiters ({self.recruiters}) must be at least contracts ({self.contracts}): "
                "every contract needs a recruiter"
            )
        return self


class SimulationConfig(_Section):
    """Recruiter search sessions, the logging policy and the simulated period."""

    days: int = Field(120, ge=1, le=3650, description="Length of the simulated period in days.")
    sessions_per_job: float = Field(3.0, gt=0.0, le=100.0,
                                    description="Mean search sessions per job.")
    max_queries_per_session: int = Field(3, ge=1, le=10,
                                         description="Queries per session: 1..this.")
    page_size: int = Field(
        100,
        ge=5,
        le=1000,
        description="Candidates logged per search: the result pages (25 each) the recruiter "
                    "scrolls through.",
    )
    location_filter: float = Field(
        0.25, ge=0.0, le=1.0,
        description="Share of queries (non-remote jobs) with a location filter."
    )
    seniority_filter: float = Field(
        0.15, ge=0.0, le=1.0, description="Share of queries with a seniority filter."
    )
    workers: int = Field(
        0,
        ge=0,
        le=64,
        description="Simulation processes: 0 = 2 for large worlds, else 1 (results are the same).",
    )
    retrieval_cap: int = Field(
        500, ge=50, le=1_000_000, description="Most title matches the logging policy scores."
    )
    randomize_window: int = Field(
        5, ge=1, le=100, description="Positions are shuffled within windows of this size ..."
    )
    randomize_prob: float = Field(0.5, ge=0.0, le=1.0,
                                  description="... each window with this probability.")


class WorldConfig(_Section):
    """A world: its name, seed, taxonomy and sizes. Load with :func:`load_world_config`."""

    name: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.-]+$")
    seed: int = Field(0, ge=0, le=2**31 - 1)
    taxonomy: str = Field(
        "auto",
        description="'auto' (the settings' bundle if present, else the fixture), 'fixture', or a "
                    "bundle directory.",
    )
    start_date: dt.date = Field(
        dt.date(2025, 1, 6), description="The world's 'now': simulated logs start here."
    )
    members: MemberConfig = Field(default_factory=MemberConfig)
    companies: CompanyConfig = Field(default_factory=CompanyConfig)
    hiring: HiringConfig = Field(default_factory=HiringConfig)
    simulation: SimulationConfig = Field(default_factory=SimulationConfig)
    source: str = Field(
        "", exclude=True, description="Where the config was read from (not part of the world)."
    )

    @field_validator("taxonomy")
    @classmethod
    def _taxonomy_given(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must be 'auto', 'fixture' or a directory")
        return value.strip()

    def with_seed(self, seed: int | None) -> WorldConfig:
        """The same world with another seed (``None`` keeps this one)."""
        return self if seed is None else self.model_copy(update={"seed": int(seed)})

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (what ``world_info.config`` stores)."""
        return self.model_dump(mode="json")


def world_config_path(world: str | Path) -> Path:
    """Resolve a world argument: an existing path, else ``<name>.toml`` under the world folders."""
    path = Path(world)
    if path.suffix == ".toml" or path.exists():
        if not path.is_file():
            raise ConfigError(f"world config file not found: {path}")
        return path
    for folder in WORLD_DIRS:
        candidate = folder / f"{world}.toml"
        if candidate.is_file():
            return candidate
    known = sorted({p.stem for folder in WORLD_DIRS if folder.is_dir()
                    for p in folder.glob("*.toml")})
    raise ConfigError(
        f"unknown world {str(world)!r}: pass a .toml path or one of {', '.join(known) or '(none)'}"
    )


def load_world_config(world: str | Path, *, seed: int | None = None) -> WorldConfig:
    """Read and validate a world config (a path or a world name); ``seed`` overrides the file's."""
    path = world_config_path(world)
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"world config {path} is not valid TOML: {exc}") from exc
    config = parse_world_config(data, source=str(path))
    return config.with_seed(seed)


def parse_world_config(data: dict[str, Any], *, source: str = "<dict>") -> WorldConfig:
    """Validate a config mapping; errors name the offending key (``members.count``)."""
    try:
        return WorldConfig.model_validate({**data, "source": source})
    except ValidationError as exc:
        raise ConfigError(f"world config {source}: {_describe(exc)}") from None


def _describe(exc: ValidationError) -> str:
    problems = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err["loc"]) or "config"
        if err["type"] == "extra_forbidden":
            problems.append(f"unknown key '{where}'")
        elif err["type"] == "missing":
            problems.append(f"missing key '{where}'")
        else:
            got = err.get("input")
            shown = "" if isinstance(got, dict) else f" (got {got!r})"
            problems.append(f"'{where}': {err['msg']}{shown}")
    return "; ".join(problems)


def resolve_taxonomy(config: WorldConfig, settings: Any) -> Any:
    """Load the taxonomy a world names: 'auto', 'fixture' or a bundle directory (must exist)."""
    from talent.taxonomy import load_taxonomy, taxonomy_from_settings

    if config.taxonomy == "auto":
        return taxonomy_from_settings(settings)
    if config.taxonomy == "fixture":
        return load_taxonomy(None)
    directory = Path(config.taxonomy)
    if not directory.is_absolute() and config.source and not directory.exists():
        directory = Path(config.source).parent / directory
    if not directory.is_dir():
        raise ConfigError(
            f"world config {config.source or config.name}: taxonomy directory {config.taxonomy!r} "
            "does not exist; use 'auto', 'fixture' or the path of a taxonomy bundle"
        )
    return load_taxonomy(directory, cache_dir=Path(settings.home) / "cache")


def world_taxonomy(settings: Any, database: Any | None) -> Any:
    """The taxonomy the database's world was generated with, for standardizing queries.

    Without a database, or when it holds no world yet, the settings' taxonomy. A database that
    cannot be read raises :class:`~talent.errors.DatabaseUnavailable`; a world whose taxonomy
    cannot be loaded, or loads as a different one than it was generated with (say
    ``TALENT_TAXONOMY_DIR`` changed since), raises :class:`ConfigError`: queries standardized
    against the wrong taxonomy would silently match the wrong ids.
    """
    from sqlalchemy import select

    from talent.storage.models import WorldInfo
    from talent.taxonomy import taxonomy_from_settings

    if database is None:
        return taxonomy_from_settings(settings)
    database.require_schema()
    with database.session() as s:
        row = s.execute(select(WorldInfo.config, WorldInfo.taxonomy_source, WorldInfo.name)
                        .order_by(WorldInfo.generated_at.desc())).first()
    if row is None:
        return taxonomy_from_settings(settings)
    config, source, name = row
    taxonomy = resolve_taxonomy(WorldConfig.model_validate(config), settings)
    if source and taxonomy.source != source:
        raise ConfigError(f"world {name!r} was generated with taxonomy {source!r} but the settings "
                          f"load {taxonomy.source!r}: point TALENT_TAXONOMY_DIR at the world's "
                          "taxonomy")
    return taxonomy
