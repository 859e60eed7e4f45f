"""Taxonomy fixtures: the built-in fixture taxonomy, and the real bundle when
../shared/data/taxonomy exists."""

from __future__ import annotations

from pathlib import Path

import pytest

from talent.taxonomy import DEFAULT_BUNDLE_DIR, Taxonomy, load_taxonomy


@pytest.fixture(scope="session")
def fixture_taxonomy() -> Taxonomy:
    return load_taxonomy()


@pytest.fixture(scope="session")
def bundle_dir() -> Path:
    if not DEFAULT_BUNDLE_DIR.is_dir():
        pytest.skip("taxonomy bundle ../shared/data/taxonomy is not present next to the repository")
    return DEFAULT_BUNDLE_DIR


@pytest.fixture(scope="session")
def bundle_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("taxonomy-cache")


@pytest.fixture(scope="session")
def bundle_taxonomy(bundle_dir: Path, bundle_cache_dir: Path) -> Taxonomy:
    return load_taxonomy(bundle_dir, cache_dir=bundle_cache_dir)
