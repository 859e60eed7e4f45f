"""Choosing and loading a taxonomy: settings resolution, missing files, the cache."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import talent.taxonomy as taxonomy_pkg
from talent.errors import ConfigError
from talent.settings import load_settings
from talent.taxonomy import load_taxonomy, resolve_taxonomy_dir, taxonomy_from_settings
from talent.taxonomy.bundle import BUNDLE_FILES
from talent.taxonomy.cache import cache_key, load_cached
from talent.taxonomy.tsv import read_tsv


def _stub_bundle(directory: Path, missing: str) -> Path:
    for name in BUNDLE_FILES:
        if name != missing:
            (directory / name).write_text("col\n", encoding="utf-8")
    return directory


@pytest.mark.parametrize(
    "missing", ["onet_occupations.tsv", "esco_skills.tsv", "surnames_us_census2000.tsv"]
)
def test_missing_bundle_file_is_a_config_error_naming_it(tmp_path: Path, missing: str) -> None:
    with pytest.raises(ConfigError, match=missing):
        load_taxonomy(_stub_bundle(tmp_path, missing))


def test_missing_bundle_directory_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_taxonomy(tmp_path / "nowhere")


def test_bundle_file_without_expected_columns_is_a_config_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "onet_occupations.tsv"
    path.write_text("onet_soc_code\ttitle\n15-1252.00\tSoftware Developers\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="onet_occupations.tsv lacks columns: soc_major_group"):
        list(read_tsv(path, ("onet_soc_code", "soc_major_group")))


def test_ragged_bundle_row_is_a_config_error_with_line_number(tmp_path: Path) -> None:
    path = tmp_path / "cities_us.tsv"
    path.write_text('a\tb\n1\t"quoted, kept"\n2\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="cities_us.tsv line 3"):
        list(read_tsv(path))


def test_tsv_keeps_quotes_and_leading_zeros(tmp_path: Path) -> None:
    path = tmp_path / "x.tsv"
    path.write_text('code\tname\n0110\tThe "Best" Co\n', encoding="utf-8")
    assert list(read_tsv(path)) == [{"code": "0110", "name": 'The "Best" Co'}]


def test_explicit_taxonomy_dir_must_exist(tmp_path: Path) -> None:
    settings = load_settings(home=tmp_path, taxonomy_dir=tmp_path / "missing")
    with pytest.raises(ConfigError, match="taxonomy_dir"):
        resolve_taxonomy_dir(settings)


def test_explicit_taxonomy_dir_is_used(tmp_path: Path) -> None:
    assert resolve_taxonomy_dir(load_settings(home=tmp_path, taxonomy_dir=tmp_path)) == tmp_path


def test_default_is_the_shared_bundle_when_present(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TALENT_TAXONOMY_DIR", raising=False)
    monkeypatch.setattr(taxonomy_pkg, "DEFAULT_BUNDLE_DIR", tmp_path)
    assert resolve_taxonomy_dir(load_settings(home=tmp_path)) == tmp_path


def test_without_bundle_settings_select_the_fixture(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TALENT_TAXONOMY_DIR", raising=False)
    monkeypatch.setattr(taxonomy_pkg, "DEFAULT_BUNDLE_DIR", tmp_path / "absent")
    settings = load_settings(home=tmp_path)
    assert resolve_taxonomy_dir(settings) is None
    assert taxonomy_from_settings(settings).source == "fixture"


def test_default_bundle_dir_is_next_to_the_repository() -> None:
    repo_root = Path(taxonomy_pkg.__file__).resolve().parents[2]
    assert (repo_root / "pyproject.toml").is_file()
    assert taxonomy_pkg.DEFAULT_BUNDLE_DIR == repo_root.parent / "shared" / "data" / "taxonomy"


def test_cache_key_changes_when_a_file_changes(tmp_path: Path) -> None:
    path = tmp_path / "a.tsv"
    path.write_text("x\n", encoding="utf-8")
    before = cache_key([path], "v1")
    assert cache_key([path], "v1") == before
    assert cache_key([path], "v2") != before
    path.write_text("xy\n", encoding="utf-8")
    assert cache_key([path], "v1") != before
    os.utime(path, ns=(1, 1))
    assert cache_key([path], "v1") != before


def test_corrupt_cache_file_is_rebuilt(tmp_path: Path) -> None:
    cache_file = tmp_path / "taxonomy-x.pickle"
    cache_file.write_bytes(b"not a pickle")
    fixture = load_taxonomy()
    assert load_cached(cache_file, lambda: fixture).occupations == fixture.occupations
    assert (
        load_cached(cache_file, lambda: pytest.fail("should have been cached")).source == "fixture"
    )


def test_rebuild_removes_stale_cache_versions(tmp_path: Path) -> None:
    old = tmp_path / "taxonomy-old.pickle"
    old.write_bytes(b"old")
    fixture = load_taxonomy()
    load_cached(tmp_path / "taxonomy-new.pickle", lambda: fixture, stale_glob="taxonomy-*.pickle")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taxonomy-new.pickle"]
