"""`talent demo` from an empty home: every step runs in one process, then a rerun skips them."""

from __future__ import annotations

import pytest

from talent.cli import main

pytestmark = pytest.mark.slow


def test_demo_sets_up_an_empty_home_then_skips_what_exists(tmp_path, capsys):
    home = str(tmp_path / "home")
    # the world writer switches SQLite's journal mode: the demo's own connection must be closed
    assert main(["--home", home, "demo", "--world", "test", "--no-serve"]) == 0
    out = capsys.readouterr().out
    for step in ("generate world 'test'", "simulate recruiter sessions", "build the index", "train the L1 ranker"):
        assert f"[demo] {step}:" in out and "already done" not in out
    assert main(["--home", home, "demo", "--world", "test", "--no-serve"]) == 0
    assert capsys.readouterr().out.count("already done") == 4
