from __future__ import annotations

import subprocess
import sys

import pytest

from talent.cli import main
from talent.errors import ConfigError
from talent.logging import scrub
from talent.settings import load_settings


def test_defaults_put_everything_under_the_home(settings):
    assert settings.resolved_database_url.endswith("home/talent.db")
    assert (settings.shards == 4 and settings.backend == "threads"
            and settings.cache_url == "memory://")


def test_environment_overrides_toml_file(tmp_path, monkeypatch):
    cfg = tmp_path / "talent.toml"
    cfg.write_text('[talent]\nshards = 8\nlog_level = "debug"\n')
    monkeypatch.setenv("TALENT_SHARDS", "2")
    s = load_settings(cfg)
    assert s.shards == 2 and s.log_level == "DEBUG"


def test_bad_settings_name_the_key(tmp_path, monkeypatch):
    monkeypatch.delenv("TALENT_SHARDS", raising=False)
    cfg = tmp_path / "talent.toml"
    cfg.write_text("[talent]\nshards = 0\n")
    with pytest.raises(ConfigError, match="shards"):
        load_settings(cfg)
    cfg.write_text("[talent]\nshardz = 3\n")
    with pytest.raises(ConfigError, match="shardz"):
        load_settings(cfg)


def test_logs_scrub_emails_and_phone_numbers():
    assert scrub("mail ann@a.example or call +1 (555) 123-4567") == "mail [email] or call [phone]"
    assert scrub("at 2026-11-23T09:43:12Z") == "at 2026-11-23T09:43:12Z"


def test_help_lists_the_subcommands(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for name in ("db", "world", "index", "train", "search", "evaluate", "serve", "demo"):
        assert f"  {name} " in out


def test_unknown_command_is_one_line_and_nonzero(capsys):
    assert main(["nosuch"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and "\n" not in err


def test_bad_option_value_is_one_line_and_nonzero(capsys, settings):
    assert main(["--home", str(settings.home), "--log-level", "LOUD", "db", "status"]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_unreachable_database_is_one_line_not_a_traceback():
    proc = subprocess.run([sys.executable, "-m", "talent.cli", "--database-url",
                           "postgresql://x@127.0.0.1:1/none", "db", "upgrade"], capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr and "unreachable" in proc.stderr


def test_db_upgrade_creates_the_schema(settings, capsys):
    assert main(["--home", str(settings.home), "db", "upgrade"]) == 0
    assert (settings.home / "talent.db").exists()
    assert main(["--home", str(settings.home), "db", "status"]) == 0
    assert "members: 0" in capsys.readouterr().out


def _without_ray(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a, **k: None if name == "ray" else real(name, *a, **k))


def test_the_ray_backend_is_refused_without_the_ray_extra(monkeypatch):
    _without_ray(monkeypatch)
    monkeypatch.setenv("TALENT_BACKEND", "ray")
    with pytest.raises(ConfigError,
                       match=r"backend: .*'ray' backend needs Ray.*pip install 'talent\[ray\]'"):
        load_settings()


def test_talent_refuses_the_ray_backend_without_ray_in_one_line(monkeypatch, capsys, settings):
    _without_ray(monkeypatch)
    monkeypatch.setenv("TALENT_BACKEND", "ray")
    assert main(["--home", str(settings.home), "db", "status"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: invalid settings: backend:") and err.count("\n") == 1


@pytest.mark.ray
def test_the_ray_backend_is_accepted_with_the_ray_extra(monkeypatch):
    pytest.importorskip("ray")
    monkeypatch.setenv("TALENT_BACKEND", "ray")
    monkeypatch.setenv("TALENT_RAY_ADDRESS", "ray://head:10001")
    settings = load_settings()
    assert settings.backend == "ray" and settings.ray_address == "ray://head:10001"


def test_the_index_refresh_interval_defaults_to_a_quarter_second_and_must_be_positive(monkeypatch):
    monkeypatch.delenv("TALENT_INDEX_REFRESH_INTERVAL", raising=False)
    assert load_settings().index_refresh_interval == 0.25
    monkeypatch.setenv("TALENT_INDEX_REFRESH_INTERVAL", "0")
    with pytest.raises(ConfigError, match="index_refresh_interval"):
        load_settings()
