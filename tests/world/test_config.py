"""World config files: names resolve to fixtures, bad configs fail with a message naming the
problem."""

from __future__ import annotations

import pytest

from talent.errors import ConfigError
from talent.world.config import (
    load_world_config,
    parse_world_config,
    resolve_taxonomy,
    world_config_path,
)


def test_world_names_resolve_to_fixture_and_benchmark_configs():
    assert world_config_path("test").name == "test.toml"
    assert world_config_path("demo").parent.name == "worlds"
    assert world_config_path("1m").parent.parent.name == "benchmarks"


def test_demo_world_has_about_20k_members_and_test_world_is_small():
    assert load_world_config("demo").members.count == 20_000
    assert load_world_config("test").members.count <= 3_000
    assert load_world_config("1m").members.count == 1_000_000


def test_seed_option_overrides_the_file():
    assert load_world_config("test", seed=99).seed == 99


def test_unknown_world_name_lists_the_known_ones():
    with pytest.raises(ConfigError, match=r"unknown world 'atlantis'.*demo"):
        load_world_config("atlantis")


def test_unknown_key_is_named():
    with pytest.raises(ConfigError, match=r"unknown key 'members\.cout'"):
        parse_world_config({"name": "x", "members": {"cout": 5}})


def test_unknown_top_level_key_is_named():
    with pytest.raises(ConfigError, match=r"unknown key 'sead'"):
        parse_world_config({"name": "x", "sead": 1})


def test_negative_size_is_named():
    with pytest.raises(ConfigError, match=r"'members\.count'.*greater than or equal to 1.*-5"):
        parse_world_config({"name": "x", "members": {"count": -5}})


def test_negative_hiring_size_is_named():
    with pytest.raises(ConfigError, match=r"'hiring\.jobs'"):
        parse_world_config({"name": "x", "hiring": {"jobs": -1}})


def test_fewer_recruiters_than_contracts_is_refused():
    with pytest.raises(ConfigError, match="every contract needs a recruiter"):
        parse_world_config({"name": "x", "hiring": {"contracts": 5, "recruiters": 2}})


def test_missing_name_is_reported():
    with pytest.raises(ConfigError, match="missing key 'name'"):
        parse_world_config({"seed": 1})


def test_invalid_toml_names_the_file(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text("name = \n")
    with pytest.raises(ConfigError, match="broken.toml is not valid TOML"):
        load_world_config(path)


def test_missing_taxonomy_directory_is_named(tmp_path, settings):
    config = parse_world_config({"name": "x", "taxonomy": str(tmp_path / "no-such-taxonomy")},
                                source=str(tmp_path / "x.toml"))
    with pytest.raises(ConfigError, match="no-such-taxonomy.*does not exist"):
        resolve_taxonomy(config, settings)


def test_taxonomy_directory_missing_files_is_named(tmp_path, settings):
    (tmp_path / "empty-bundle").mkdir()
    config = parse_world_config({"name": "x", "taxonomy": str(tmp_path / "empty-bundle")})
    with pytest.raises(ConfigError, match=r"\.tsv"):
        resolve_taxonomy(config, settings)
