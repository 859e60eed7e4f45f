"""Settings: environment variables (``TALENT_*``), an optional TOML file, explicit defaults.

Order of sources, highest first: keyword arguments, environment variables, the TOML file
named by ``TALENT_CONFIG`` (or passed as ``config_file``), then the defaults below.
Nothing is read at import time: call :func:`load_settings` at the edge (CLI, app factory).
"""

from __future__ import annotations

import importlib.util
import os
import tomllib
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from talent.errors import ConfigError

DEFAULT_HOME = Path("var")


class Settings(BaseSettings):
    """All knobs of the engine. Paths are resolved relative to the working directory."""

    model_config = SettingsConfigDict(env_prefix="TALENT_", extra="forbid", validate_default=True)

    home: Path = Field(DEFAULT_HOME,
                       description="Data home: database file, index versions, models, reports.")
    database_url: str | None = Field(None,
                                     description="SQLAlchemy URL; default SQLite file under the "
                                                 "home.")
    cache_url: str = Field("memory://",
                           description="'memory://' (in-process) or 'redis://host:port/db'.")
    shards: int = Field(4, ge=1, le=256, description="Number of index partitions.")
    backend: Literal["threads", "ray"] = Field(
        "threads", description="Partition executor: 'threads' (in-process) or 'ray' (one actor per "
                               "partition; needs the `ray` extra)."
    )
    taxonomy_dir: Path | None = Field(
        None,
        description="Taxonomy bundle directory; default ../shared/data/taxonomy if present, else "
                    "fixtures."
    )
    log_level: str = Field("INFO", description="DEBUG, INFO, WARNING or ERROR.")
    log_format: Literal["console", "json"] = Field("console", description="Log renderer.")
    secret_key: str | None = Field(None,
                                   description="Flask secret key; generated and kept under the "
                                               "home if unset.")
    partition_deadline_ms: int = Field(2000, ge=1, description="Per-partition search deadline.")
    retrieval_depth: int = Field(2000, ge=1, description="Matches each partition scores with L1.")
    partition_top_k: int = Field(250, ge=1,
                                 description="Candidates each partition returns to the broker.")
    index_refresh_interval: float = Field(
        0.25, gt=0, le=60,
        description="Seconds between a serving process's checks for new index commits and a new "
                    "CURRENT.",
    )
    build_processes: int | None = Field(
        None, ge=0, le=64,
        description="Worker processes of `talent index build` (0 = in-process; default: by world "
                    "size).",
    )
    facet_counts: Literal["exact", "sampled"] = Field(
        "exact",
        description="Facet counts of a partition that matched more than its retrieval depth: "
                    "`exact` (a Tantivy aggregation over every match) or `sampled` (its retrieved "
                    "matches' counts scaled to the match count; the response says approximate).",
    )
    ray_address: str | None = Field(
        None,
        description="Ray cluster of the 'ray' backend: 'ray://host:10001', 'auto' (a cluster "
                    "started with `ray start` on this machine) or unset (a local instance started "
                    "for this process).",
    )
    ray_num_cpus: int | None = Field(
        None, ge=1, le=1024,
        description="CPUs of the local Ray instance started when ray_address is unset (default: "
                    "every core).",
    )
    rerank_algorithm: Literal["detgreedy", "detcons", "detrelaxed", "detconstsort", "off"] = Field(
        "detgreedy",
        description="Gender-representative re-ranking of the results (stage `rerank`): the "
                    "algorithm, or 'off' (a request may still switch it on).",
    )
    rerank_pool_cache_seconds: float = Field(
        60.0, ge=0,
        description="How long the gender mix of a query's qualified pool is reused for the same "
                    "query and index version (0: count it for every search).",
    )

    admin_token: str | None = Field(
        None, description="Operator token of the admin API (member erasure); the admin routes "
                          "answer 404 while it is unset.")

    expansion_enabled: bool = Field(
        True, description="Title expansion (LINE) when a request does not say (the broker's "
                          "'expansion' switch); needs `talent train line`.")
    expansion_min_matches: int = Field(
        100, ge=0, description="Expand a query's titles when it matches fewer members than this.")
    expansion_threshold: float = Field(
        0.6, ge=0.0, le=1.0, description="Least cosine similarity of an expanded title.")
    expansion_max_titles: int = Field(5, ge=0, le=50,
                                      description="Expanded titles per title clause.")
    expansion_weight: float = Field(
        0.5, gt=0.0, le=1.0,
        description="An expanded title scores this x its similarity of the asked title's score.")
    expansion_suggestions: int = Field(8, ge=0, le=50,
                                       description="Related titles and skills offered a search.")

    l2_enabled: bool = Field(
        True, description="Re-rank with L2 (GLMix) when a model trained on the serving L1 exists.")
    l2_top_n: int = Field(1000, ge=1, le=10000,
                          description="Candidates L2 re-scores (and keeps) of the broker's list.")
    l2_dynamic_features: bool = Field(
        True, description="L2 reads recruiters' and members' recent history from the cache.")

    review_pool_size: int = Field(
        200, ge=2, le=1000,
        description="Review mode: candidates (the ranking stages' top N) a session clusters into "
                    "skill groups and presents one at a time.")
    review_groups: int | None = Field(
        None, ge=1, le=20,
        description="Review mode: number of skill groups (default: chosen by silhouette, 2-8).")
    review_policy: Literal["thompson", "ucb1"] = Field(
        "thompson", description="Review mode: the bandit over skill groups.")
    review_online_weight: float = Field(
        1.0, ge=0.0, le=1.0,
        description="Review mode and stage 'bandit': weight of the online learner's order (by "
                    "expected good-fit probability, the offline rank its prior) against the "
                    "offline order (0 = the offline order within the bandit's groups only).")
    review_session_ttl: float = Field(
        7200.0, gt=0, le=7 * 86400,
        description="Seconds a review session is kept after its last use (in the cache).")
    bandit_stage: bool = Field(
        True, description="Stage 'bandit' on by default: a search carrying a session id is "
                          "re-ordered by that session's feedback (a request may switch it).")

    @field_validator("backend")
    @classmethod
    def _available_backend(cls, value: str) -> str:
        if value == "ray" and importlib.util.find_spec("ray") is None:
            raise ValueError("the 'ray' backend needs Ray, which is not installed: "
                             "pip install 'talent[ray]' (or use 'threads')")
        return value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError(f"unknown log level {value!r}")
        return level

    # Derived locations -------------------------------------------------------------------
    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.home / 'talent.db').resolve()}"

    @property
    def index_dir(self) -> Path:
        return self.home / "index"

    @property
    def models_dir(self) -> Path:
        return self.home / "models"

    @property
    def reports_dir(self) -> Path:
        return self.home / "reports"

    @property
    def worlds_dir(self) -> Path:
        return self.home / "worlds"

    def ensure_home(self) -> Path:
        """Create the data home (and its standard subfolders) if missing."""
        for path in (self.home, self.index_dir, self.models_dir, self.reports_dir, self.worlds_dir):
            path.mkdir(parents=True, exist_ok=True)
        return self.home


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError as exc:
        raise ConfigError(f"config file not found: {path}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from exc
    section = data.get("talent", data)
    if not isinstance(section, dict):
        raise ConfigError(f"config file {path}: [talent] must be a table")
    return section


def load_settings(config_file: str | Path | None = None, **overrides: Any) -> Settings:
    """Build settings from overrides > environment > TOML file > defaults.

    Raises :class:`ConfigError` with the offending key when a value is invalid.
    """
    from pydantic import ValidationError

    path = config_file or os.environ.get("TALENT_CONFIG")
    file_values: dict[str, Any] = _read_toml(Path(path)) if path else {}
    env_keys = {k[len("TALENT_"):].lower() for k in os.environ if k.startswith("TALENT_")}
    values = {k: v for k, v in file_values.items() if k not in env_keys}
    values.update({k: v for k, v in overrides.items() if v is not None})
    try:
        return Settings(**values)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'settings'}: {err['msg']}"
            for err in exc.errors()
        )
        raise ConfigError(f"invalid settings: {problems}") from exc
