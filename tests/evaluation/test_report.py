"""Report folder (Markdown, PNG, JSON) and comparing two reports."""

from __future__ import annotations

import json

import numpy as np
import pytest

from talent.cli import main
from talent.errors import NotFound
from talent.evaluation.ladder import run_ladder, summarize_ladder
from talent.evaluation.report import compare_reports, read_report, write_report
from talent.ranking.candidates import Candidates


@pytest.fixture(scope="module")
def report(synthetic: Candidates) -> dict:
    train, test = synthetic.subset(np.arange(1, 201)), synthetic.subset(np.arange(201, 301))
    result = run_ladder(train, test, ladder=("text_match", "linear"))
    replay = summarize_ladder(result, resamples=100,
                              segments={"query_type": test.searches["query_type"]})
    return {"world": "synthetic", "index_version": "v-test", "model_versions": {"l1": "l1-test@1"},
            "created_at": "2026-01-01T00:00:00", "replay": replay,
            "split": {"cutoff": "2026-01-09", "train_sessions": 100, "test_sessions": 50}}


def test_report_folder_holds_summary_plots_and_metrics(report, tmp_path):
    out = write_report(report, tmp_path / "r")
    names = {p.name for p in out.iterdir()}
    assert {"summary.md", "metrics.json", "precision_at_k.png", "lift.png",
            "calibration.png"} <= names
    assert (out / "lift.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert json.loads((out / "metrics.json").read_text())["replay"]["queries"] == 100


def test_summary_names_world_index_and_models_and_tabulates_lifts(report, tmp_path):
    text = (write_report(report, tmp_path / "r") / "summary.md").read_text()
    assert "`synthetic`" in text and "`v-test`" in text and "l1-test@1" in text
    assert "| linear |" in text and "(vs text_match)" in text
    assert "By query_type" in text


def test_compare_reports_lists_differences(report):
    other = json.loads(json.dumps(report))
    other["replay"]["rungs"]["linear"]["metrics"]["precision@10"]["value"] += 0.05
    rows = {(r["protocol"], r["rung"], r["metric"]): r for r in compare_reports(report, other)}
    assert rows[("replay", "linear", "precision@10")]["diff"] == pytest.approx(0.05)
    assert rows[("replay", "text_match", "precision@10")]["diff"] == 0.0


def test_cli_compare_prints_both_reports_and_the_difference(report, tmp_path, capsys):
    a = write_report(report, tmp_path / "a")
    other = json.loads(json.dumps(report))
    other["world"] = "other"
    other["replay"]["rungs"]["linear"]["metrics"]["mrr"]["value"] = 0.0
    b = write_report(other, tmp_path / "b")
    assert main(["--home", str(tmp_path / "home"), "evaluate", "--compare", str(a), str(b)]) == 0
    printed = capsys.readouterr().out
    assert "world synthetic" in printed and "world other" in printed
    line = next(ln for ln in printed.splitlines() if " linear " in ln and " mrr " in ln)
    assert line.split()[-1].startswith("-")


def test_reading_a_missing_report_says_how_to_make_one(tmp_path):
    with pytest.raises(NotFound, match="talent evaluate"):
        read_report(tmp_path / "nope")
