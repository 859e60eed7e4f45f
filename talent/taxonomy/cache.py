"""Pickle cache for an imported taxonomy, keyed by the importer version and its input files' sizes
and mtimes."""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

import structlog

from talent.taxonomy.model import Taxonomy

log = structlog.get_logger(__name__)


def cache_key(files: Iterable[Path], version: str) -> str:
    """A hex digest that changes when any file's size or mtime (or the importer ``version``)
    changes."""
    digest = hashlib.sha256(version.encode())
    for path in sorted(files, key=lambda p: p.name):
        stat = path.stat()
        digest.update(f"{path.name}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:20]


def load_cached(
    cache_file: Path, build: Callable[[], Taxonomy], *, stale_glob: str | None = None
) -> Taxonomy:
    """Return the taxonomy pickled in ``cache_file``, or build it and write the pickle atomically.

    A missing, stale-format or corrupt cache file is rebuilt; an unwritable cache folder only costs
    speed. After a rebuild, other files in the folder matching ``stale_glob`` (older versions) are
    removed.
    """
    try:
        with cache_file.open("rb") as fh:
            cached = pickle.load(fh)
        if isinstance(cached, Taxonomy):
            return cached
    except FileNotFoundError:
        pass
    except Exception as exc:  # noqa: BLE001 - any corrupt or incompatible pickle is rebuilt
        log.warning("taxonomy_cache_unreadable", path=str(cache_file), error=str(exc))
    taxonomy = build()
    try:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=cache_file.parent, prefix=cache_file.name, suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(taxonomy, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, cache_file)
        for stale in cache_file.parent.glob(stale_glob) if stale_glob else ():
            if stale != cache_file:
                stale.unlink(missing_ok=True)
    except OSError as exc:
        log.warning("taxonomy_cache_unwritable", path=str(cache_file), error=str(exc))
    return taxonomy
