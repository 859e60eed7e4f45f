"""`talent evaluate` end to end on the small `test` world: both protocols, one report folder."""

from __future__ import annotations

import json

import pytest

from talent.cli import main


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory):
    from index.build.builder import build_index
    from index.serving.serving_index import ServingIndex
    from talent.settings import load_settings
    from talent.storage.db import Database
    from talent.training.l1 import train_l1
    from talent.world.config import load_world_config, resolve_taxonomy
    from talent.world.generator import generate_world
    from talent.world.simulator import simulate

    home = tmp_path_factory.mktemp("eval-home")
    settings = load_settings(home=home, shards=2)
    settings.ensure_home()
    db = Database(settings.resolved_database_url)
    db.upgrade()
    config = load_world_config("test")
    taxonomy = resolve_taxonomy(config, settings)
    generate_world(config, db, settings.worlds_dir, taxonomy)
    simulate(db, settings.worlds_dir)
    build_index(settings.index_dir, settings.resolved_database_url, shards=2, processes=0)
    from index.serving.expansion import TitleExpander
    from talent.embeddings.line import LineConfig
    from talent.training.line import train_line_embeddings

    snapshot = ServingIndex(settings.index_dir).snapshot()
    train_line_embeddings(snapshot, db.engine, taxonomy, settings.models_dir,
                          LineConfig(dim=16, samples=100_000), evaluate=False,
                          link_prediction_holdout=None)
    train_l1(db.engine, snapshot, taxonomy, settings.models_dir, world="test", rounds=25,
             expander=TitleExpander.from_settings(settings, taxonomy))
    db.dispose()
    out = home / "report"
    code = main(["--home", str(home), "evaluate", "--world", "test", "--out", str(out),
                 "--resamples", "100", "--simulated-queries", "40", "--expansion-queries", "20",
                 "--fairness-queries", "30", "--review-sessions", "12",
                 "--ladder", "text_match,linear,pairwise_gbdt"])
    return code, out, home


def test_evaluate_writes_a_report_naming_world_index_and_model(evaluated):
    code, out, _ = evaluated
    assert code == 0
    report = json.loads((out / "metrics.json").read_text())
    assert report["world"] == "test"
    assert report["index_version"] and report["model_versions"]["l1"].startswith("l1-")
    assert ({"precision_at_k.png", "lift.png", "calibration.png", "summary.md"}
            <= {p.name for p in out.iterdir()})


def test_replay_covers_every_rung_on_the_same_held_out_searches(evaluated):
    _, out, _ = evaluated
    replay = json.loads((out / "metrics.json").read_text())["replay"]
    assert set(replay["rungs"]) == {"random", "logging_policy", "hindsight", "served_l1",
                                    "text_match", "linear", "pairwise_gbdt"}
    ns = {e["metrics"]["precision@10"]["n"] for e in replay["rungs"].values()}
    assert ns == {replay["queries"]}
    assert set(replay["segments"]) == {"query_type", "recruiter_history", "recruiter_in_training",
                                       "archetype"}


def test_simulated_outcome_sits_between_floor_and_ceiling(evaluated):
    _, out, _ = evaluated
    sim = json.loads((out / "metrics.json").read_text())["simulated"]
    rankers = sim["rankers"]
    assert {"oracle", "logging_policy", "random_shown", "engine_text_match",
            "engine_l1"} <= set(rankers)
    oracle = rankers["oracle"]["metrics"]["expected_accepts@10"]["value"]
    for name, entry in rankers.items():
        assert entry["metrics"]["expected_accepts@10"]["value"] <= oracle + 1e-9, name


def test_review_sessions_compare_the_orders_on_the_same_sessions(evaluated):
    _, out, _ = evaluated
    review = json.loads((out / "metrics.json").read_text())["review"]
    assert review["sessions"] >= 1 and review["blocks"][0] == "1-5"
    sessions = {name: e["overall"]["n"] for name, e in review["orders"].items()}
    assert set(sessions) >= {"bandit+online", "bandit", "offline", "random"}
    assert len(set(sessions.values())) == 1  # every order ran on every session
    per = review["per_session"]  # what a paired comparison of two report folders reads
    assert len(per["project_id"]) == len(per["pool"]) == review["sessions"]
    assert all(len(row) == review["steps"] for row in per["good"]["bandit+online"])
    by_step = [sum(row[t] == "1" for row in per["good"]["offline"]) / review["sessions"]
               for t in range(review["steps"])]
    assert by_step == pytest.approx(review["orders"]["offline"]["by_step"])
    summary = (out / "summary.md").read_text()
    assert "simulated review sessions" in summary and (out / "review_blocks.png").is_file()


def test_review_only_runs_another_intent_shape(evaluated, tmp_path):
    _, out, home = evaluated
    other = tmp_path / "focus3"
    code = main(["--home", str(home), "evaluate", "--review-only", "--review-sessions", "4",
                 "--review-intent", "focus3-graded", "--resamples", "50", "--out", str(other)])
    assert code == 0
    review = json.loads((other / "metrics.json").read_text())["review"]
    assert review["intent"] == "focus3-graded" and review["sessions"] >= 1
    assert 1 <= review["pools"]["focus_size"]["mean"] <= 3
    assert review["pools"]["top_weight"]["mean"] >= 1 / 3
    default = json.loads((out / "metrics.json").read_text())["review"]
    assert default["intent"] == "focus2" and default["pools"]["focus_size"]["mean"] <= 2
    assert "shape focus3-graded" in (other / "summary.md").read_text()


def test_unknown_review_intents_are_refused_and_the_shapes_documented(evaluated, capsys):
    _, _, home = evaluated
    assert main(["--home", str(home), "evaluate", "--review-only", "--review-intent",
                 "focus9"]) == 2
    assert main(["evaluate", "--help"]) == 0
    assert "--review-intent" in capsys.readouterr().out


def test_world_mismatch_is_refused_with_what_to_do(evaluated, capsys):
    _, _, home = evaluated
    assert main(["--home", str(home), "evaluate", "--world", "demo", "--simulated-queries",
                 "0"]) == 1
    assert "talent world generate demo" in capsys.readouterr().err


def test_the_served_model_trained_on_this_split_is_the_pairwise_rung(evaluated):
    _, out, _ = evaluated
    report = json.loads((out / "metrics.json").read_text())
    rungs = report["replay"]["rungs"]
    assert any("is the served L1 model" in n for n in report["notes"])
    served, pairwise = rungs["served_l1"]["metrics"], rungs["pairwise_gbdt"]["metrics"]
    assert all(served[m]["value"] == pairwise[m]["value"] for m in served)


def test_headline_lifts_compare_the_l1_ranker_with_linear_and_text_match(evaluated):
    _, out, _ = evaluated
    report = json.loads((out / "metrics.json").read_text())
    pairs = {(c["rung"], c["baseline"]) for c in report["replay"]["comparisons"]}
    assert {("pairwise_gbdt", "linear"), ("pairwise_gbdt", "text_match"),
            ("linear", "text_match")} <= pairs
    assert "Headline lifts" in (out / "summary.md").read_text()


def test_title_expansion_is_a_rung_with_its_lift_over_l1(evaluated):
    _, out, _ = evaluated
    report = json.loads((out / "metrics.json").read_text())
    assert report["model_versions"]["title_embeddings"].startswith("line@")
    rankers = report["simulated"]["rankers"]
    assert rankers["engine_+expansion"]["lift_over_below"]["below"] == "engine_l1"


def test_the_report_compares_expansion_off_on_and_both_baselines(evaluated):
    _, out, _ = evaluated
    exp = json.loads((out / "metrics.json").read_text())["simulated"]["title_expansion"]
    assert exp["queries"] > 0
    assert set(exp["variants"]) == {"expansion off", "expansion on (line)",
                                    "expansion on (cooccurrence-cosine)",
                                    "expansion on (taxonomy-related)"}
    on = exp["variants"]["expansion on (line)"]
    assert {"relevant_retrieved", "precision@25", "expected_accepts@25"} <= set(on["lift"])
    assert on["relevant_retrieved"]["value"] >= exp["variants"]["expansion off"][
        "relevant_retrieved"]["value"]
    assert "Title expansion on low-recall title queries" in (out / "summary.md").read_text()
def test_expansion_only_runs_the_same_queries_without_the_ladder(evaluated):
    _, out, home = evaluated
    only = home / "expansion-only"
    code = main(["--home", str(home), "evaluate", "--expansion-only", "--out", str(only),
                 "--resamples", "100", "--expansion-queries", "20"])
    assert code == 0
    report = json.loads((only / "metrics.json").read_text())
    assert "replay" not in report and set(report["simulated"]) == {"title_expansion"}
    full = json.loads((out / "metrics.json").read_text())
    assert report["split"] == full["split"]
    exp, full_exp = report["simulated"]["title_expansion"], full["simulated"]["title_expansion"]
    assert exp["queries"] == full_exp["queries"] and exp["selection"] == full_exp["selection"]
    summary = (only / "summary.md").read_text()
    assert "Title expansion on low-recall title queries" in summary
    assert "## Simulated outcome" not in summary
    assert "expansion.png" in summary and (only / "expansion.png").stat().st_size > 10_000


def test_expansion_only_and_review_only_exclude_each_other(evaluated, capsys):
    _, _, home = evaluated
    code = main(["--home", str(home), "evaluate", "--expansion-only", "--review-only"])
    assert code == 2
    assert "exclude each other" in capsys.readouterr().err


def test_the_report_has_a_fairness_section_before_and_after_each_algorithm(evaluated):
    code, out, _ = evaluated
    assert code == 0
    fairness = json.loads((out / "metrics.json").read_text())["fairness"]
    engine = fairness["engine"]
    assert list(engine) == ["before", "after_detgreedy", "after_detcons", "after_detrelaxed",
                            "after_detconstsort"]
    assert engine["after_detgreedy"]["feasible_share@25"]["value"] == 1.0
    assert "precision@25" in fairness["replay"]["metrics"]
    summary = (out / "summary.md").read_text()
    assert "## Fairness of the top k" in summary and "fairness_before_after.png" in summary
    assert (out / "fairness_before_after.png").stat().st_size > 0


def test_the_simulated_outcome_has_a_rerank_rung_over_the_stage_before_it(evaluated):
    _, out, _ = evaluated
    sim = json.loads((out / "metrics.json").read_text())["simulated"]["rankers"]
    # pipeline order: broker (l1, expansion), l2 (no rung: no L2 model is trained here), bandit
    # (no rung: sessions only), rerank
    assert sim["engine_+rerank"]["lift_over_below"]["below"] == "engine_+expansion"
    assert "engine_+bandit" not in sim and "engine_+l2" not in sim


@pytest.fixture(scope="module")
def audited(evaluated):
    _, _, home = evaluated
    out = home / "audit"
    code = main(["--home", str(home), "audit", "--out", str(out), "--queries", "20",
                 "--algorithms", "detgreedy,detconstsort", "--period", "month"])
    return code, out


def test_the_audit_writes_rates_impact_ratios_and_plots(audited):
    code, out = audited
    assert code == 0
    report = json.loads((out / "audit.json").read_text())
    overall = report["logs"]["overall"]
    assert set(overall["groups"]) == {"female", "male", "unknown"}
    ratios = [overall["groups"][g]["impression_impact_ratio"] for g in ("female", "male")]
    assert max(ratios) == 1.0 and overall["groups"]["unknown"]["impression_impact_ratio"] is None
    assert report["logs"]["by_period"] and report["logs"]["by_contract"]
    assert list(report["before_after"]["engine"]) == ["before", "after_detgreedy",
                                                      "after_detconstsort"]
    for png in ("impact_ratios_by_period.png", "impact_ratios_by_contract.png",
                "fairness_before_after.png", "fairness_skew_by_group.png"):
        assert (out / png).stat().st_size > 0
    assert "## From the logs" in (out / "summary.md").read_text()


def test_the_audit_window_and_bad_options(evaluated, capsys):
    _, _, home = evaluated
    assert main(["--home", str(home), "audit", "--from", "2030-01-01", "--queries", "0",
                 "--out", str(home / "empty-audit")]) == 0
    report = json.loads((home / "empty-audit" / "audit.json").read_text())
    assert report["logs"]["searches_audited"] == 0 and "before_after" not in report
    assert main(["--home", str(home), "audit", "--algorithms", "detmagic"]) == 1
    assert "unknown re-ranking algorithm" in capsys.readouterr().err
