"""`talent world stats` figures and the `talent world` commands end to end."""

from __future__ import annotations

import json
import math

import pytest

from talent.cli import main


@pytest.fixture(scope="module")
def figures(test_world):
    from talent.world.stats import world_stats

    return world_stats(test_world.db, test_world.worlds_dir)


def test_realism_figures_are_reported(figures):
    r = figures["realism"]
    assert r["occupations"]["spearman_vs_bls"] > 0.8
    assert (
        5
        <= r["skills_per_member"]["min"]
        <= r["skills_per_member"]["median"]
        <= r["skills_per_member"]["max"]
        <= 40
    )
    assert r["titles_per_occupation"]["median"] >= 3
    assert 0.10 <= r["inmails"]["accept_rate"] <= 0.45
    assert r["inmails"]["open_to_work_ratio"] > 1.5
    curve = [row["relative"] for row in r["position_bias"]]
    assert curve[0] == 1.0 and curve[:4] == sorted(curve[:4], reverse=True) and curve[-1] < 0.2
    women = {row["family"]: row["women_share"] for row in r["women_share_by_family"]}
    assert women["29"] > women["15"]


def test_accepts_are_learnable_from_the_logs(figures):
    model = figures["learnability"]["accept_model"]
    assert model["auc"] > 0.65  # the demo world reaches > 0.7 with more data
    assert model["coefficients"]["open_to_work"] > 0


def test_the_truth_ranks_logged_candidates_better_than_the_logging_policy(figures):
    oracle = figures["learnability"]["oracle_vs_logging"]
    assert oracle["expected_p25_oracle"] > 1.3 * oracle["expected_p25_logging"]


def test_recruiter_preference_figures_are_finite(figures):
    prefs = figures["learnability"]["recruiter_preferences"]
    assert math.isfinite(prefs["gain"]) and math.isfinite(prefs["shuffled_gain_mean"])


def test_checks_name_value_and_target(figures):
    names = {c["name"] for c in figures["checks"]}
    assert {"InMail accept rate", "accept model AUC (logs only)",
            "oracle / logging precision@25"} <= names


def test_cli_generate_simulate_stats_json(tmp_path, capsys):
    home = ["--home", str(tmp_path / "home")]
    assert main([*home, "world", "generate", "test", "--quiet"]) == 0
    assert "content hash" in capsys.readouterr().out
    assert main([*home, "world", "simulate", "--quiet", "--config", "test", "--days", "30"]) == 0
    assert "InMails" in capsys.readouterr().out
    assert main([*home, "world", "stats", "--json", "--no-learnability"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["world"]["name"] == "test" and data["world"]["members"] == 2000
    assert main([*home, "world", "stats", "--no-learnability"]) == 0
    assert "Realism" in capsys.readouterr().out


def test_cli_reports_a_bad_config_clearly(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "bad"\n[members]\ncount = -3\n')
    assert main(["--home", str(tmp_path / "home"), "world", "generate", str(bad), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "members.count" in err and "-3" in err


@pytest.mark.parametrize("sub", ["generate", "simulate", "stats"])
def test_cli_help_explains_each_subcommand(sub, capsys):
    assert main(["world", sub, "--help"]) == 0
    assert len(capsys.readouterr().out) > 200
