"""Joining a Ray cluster: ``ray://host:10001``, ``auto``, or a local instance started here."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from types import ModuleType
from typing import Any

from talent.errors import ConfigError, IndexUnavailable
from talent.logging import get_logger

log = get_logger(__name__)

#: Ray namespace of talent's named actors (several index homes share it: names carry a key).
NAMESPACE = "talent"


def require_ray() -> ModuleType:
    """The ``ray`` module, or a clear error naming the extra that installs it."""
    try:
        import ray
    except ImportError as exc:
        raise ConfigError("the 'ray' backend needs Ray, which is not installed: "
                          "pip install 'talent[ray]' (or set TALENT_BACKEND=threads)") from exc
    return ray


def connect(address: str | None = None, num_cpus: int | None = None) -> bool:
    """Join the Ray cluster at ``address`` (``ray://host:port`` or ``auto``), or start a local
    instance with ``num_cpus`` CPUs when ``address`` is None. A process already connected
    stays connected. Returns True when this call started a local instance."""
    ray = require_ray()
    if ray.is_initialized():
        return False
    options: dict[str, Any] = {"namespace": NAMESPACE, "logging_level": logging.WARNING,
                               "configure_logging": False}
    try:
        if address:
            ray.init(address=address, **options)
            log.info("index.cluster.connected", address=address)
            return False
        ray.init(address="local", num_cpus=num_cpus, include_dashboard=False, **options)
    except ConnectionError as exc:
        raise IndexUnavailable(f"cannot reach the Ray cluster at {address}: {exc}") from exc
    log.info("index.cluster.local_instance", num_cpus=num_cpus)
    return True


def connect_from_settings(settings: Any) -> bool:
    return connect(settings.ray_address, settings.ray_num_cpus)


def index_key(index_dir: Path | str) -> str:
    """A short stable key of an index directory (actor names of different homes differ)."""
    return hashlib.sha1(str(Path(index_dir).resolve()).encode()).hexdigest()[:12]
