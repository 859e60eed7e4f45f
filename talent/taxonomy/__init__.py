"""Occupations, skills, companies, metros and names: the vocabulary the engine speaks.

Entry points:

- :func:`load_taxonomy` — the built-in fixture taxonomy (``directory=None``) or the real bundle.
- :func:`resolve_taxonomy_dir` — which bundle directory the settings point at (``None``: fixture).
- :func:`taxonomy_from_settings` — both of the above, with the pickle cache under
  ``settings.home / "cache"``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import talent
from talent.errors import ConfigError
from talent.taxonomy.model import (
    CompanyRef,
    MetroRef,
    Occupation,
    Skill,
    SkillKind,
    Taxonomy,
    normalize,
)

if TYPE_CHECKING:
    from talent.settings import Settings

__all__ = [
    "CompanyRef",
    "MetroRef",
    "Occupation",
    "Skill",
    "SkillKind",
    "Taxonomy",
    "load_taxonomy",
    "normalize",
    "resolve_taxonomy_dir",
    "taxonomy_from_settings",
]

REPO_ROOT = Path(talent.__file__).resolve().parents[1]
DEFAULT_BUNDLE_DIR = REPO_ROOT.parent / "shared" / "data" / "taxonomy"  # ../shared/data/taxonomy


def load_taxonomy(directory: Path | None = None, *, cache_dir: Path | None = None) -> Taxonomy:
    """Load the fixture taxonomy (``directory=None``) or import the bundle in ``directory``.

    With ``cache_dir``, the imported bundle is pickled there and reused while the bundle files are
    unchanged. Raises :class:`ConfigError` naming the file when a bundle file is missing or
    unreadable.
    """
    if directory is None:
        from talent.taxonomy.fixture import load_fixture_taxonomy

        return load_fixture_taxonomy()
    from talent.taxonomy.bundle import load_bundle

    return load_bundle(Path(directory), cache_dir=cache_dir)


def resolve_taxonomy_dir(settings: Settings) -> Path | None:
    """The bundle directory to use: ``settings.taxonomy_dir`` (must exist), else
    ``../shared/data/taxonomy`` next to the repository if present, else ``None`` (fixture)."""
    if settings.taxonomy_dir is not None:
        directory = Path(settings.taxonomy_dir)
        if not directory.is_dir():
            raise ConfigError(
                f"taxonomy_dir {directory} does not exist or is not a directory; "
                "point TALENT_TAXONOMY_DIR at the taxonomy bundle or unset it to use the built-in "
                "fixture"
            )
        return directory
    return DEFAULT_BUNDLE_DIR if DEFAULT_BUNDLE_DIR.is_dir() else None


def taxonomy_from_settings(settings: Settings) -> Taxonomy:
    """Load the taxonomy the settings select, caching an imported bundle under
    ``settings.home / "cache"``."""
    return load_taxonomy(resolve_taxonomy_dir(settings), cache_dir=Path(settings.home) / "cache")
