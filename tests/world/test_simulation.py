"""The behaviour simulator's logs: time-ordered, consistent, with plausible rates and position
bias."""

from __future__ import annotations

import json

import pytest
from world_support import rows


def test_search_ids_follow_time(test_world):
    stamps = [t for (t,) in rows(test_world.db, "SELECT created_at FROM searches ORDER BY id")]
    assert len(stamps) > 150
    assert stamps == sorted(stamps)


def test_logs_cover_months_within_the_simulated_period(test_world):
    first, last = rows(test_world.db, "SELECT MIN(created_at), MAX(created_at) FROM searches")[0]
    assert first >= "2025-01-06" and last < "2025-04-06"  # 90 days from the world's start date
    assert last[:7] > first[:7]


def test_actions_come_after_their_search(test_world):
    late = rows(
        test_world.db,
        "SELECT COUNT(*) FROM feedback f JOIN searches s ON s.id = f.search_id "
        "WHERE f.created_at <= s.created_at",
    )
    assert late[0][0] == 0
    bad = rows(
        test_world.db,
        "SELECT COUNT(*) FROM inmails i JOIN searches s ON s.id = i.search_id "
        "WHERE i.sent_at <= s.created_at OR (i.responded_at IS NOT NULL AND i.responded_at <= "
        "i.sent_at)",
    )
    assert bad[0][0] == 0


def test_every_inmail_follows_a_view_and_has_a_feedback_event(test_world):
    orphan = rows(
        test_world.db,
        "SELECT COUNT(*) FROM inmails i WHERE NOT EXISTS (SELECT 1 FROM feedback f WHERE "
        "f.search_id = i.search_id AND f.member_id = i.member_id AND f.kind = 'view') "
        "OR NOT EXISTS (SELECT 1 FROM feedback f WHERE f.search_id = i.search_id AND "
        "f.member_id = i.member_id AND f.kind = 'inmail')",
    )
    assert orphan[0][0] == 0


def test_inmail_statuses_and_response_times(test_world):
    counts = dict(rows(test_world.db, "SELECT status, COUNT(*) FROM inmails GROUP BY status"))
    assert set(counts) == {"accepted", "declined", "pending"}
    assert (
        rows(
            test_world.db,
            "SELECT COUNT(*) FROM inmails WHERE (status = 'pending') != (responded_at IS NULL)"
        )[0][0]
        == 0
    )


def test_no_member_gets_two_inmails_for_the_same_project(test_world):
    assert (
        rows(
            test_world.db,
            "SELECT COUNT(*) FROM (SELECT project_id, member_id FROM inmails "
            "GROUP BY 1, 2 HAVING COUNT(*) > 1) t",
        )[0][0]
        == 0
    )


def test_impressions_fill_positions_from_zero_with_logged_scores(test_world):
    bad = rows(
        test_world.db,
        "SELECT COUNT(*) FROM (SELECT search_id, MIN(position) AS lo, MAX(position) AS hi, "
        "COUNT(*) AS n FROM impressions GROUP BY search_id) t WHERE lo != 0 OR hi != n - 1",
    )
    assert bad[0][0] == 0
    assert rows(test_world.db,
                "SELECT COUNT(*) FROM impressions WHERE logged_score IS NULL")[0][0] == 0


def test_positions_are_partially_randomized(test_world):
    inversions = rows(
        test_world.db,
        "SELECT COUNT(*) FROM impressions a JOIN impressions b ON a.search_id = b.search_id "
        "AND b.position = a.position + 1 WHERE b.logged_score > a.logged_score + 1e-9",
    )
    total = rows(test_world.db, "SELECT COUNT(*) FROM impressions")[0][0]
    assert 0.02 * total < inversions[0][0] < 0.5 * total


def test_searches_are_logged_with_the_logging_policy_and_query_variety(test_world):
    types = dict(rows(test_world.db, "SELECT query_type, COUNT(*) FROM searches GROUP BY 1"))
    assert set(types) == {"title-only", "title+skills", "boolean-or", "free-text"}
    assert rows(test_world.db, "SELECT DISTINCT ranker FROM searches") == [("logging_policy",)]
    assert rows(test_world.db,
                "SELECT COUNT(*) FROM searches WHERE query_text LIKE '%location:%'")[0][0] > 0
    assert rows(test_world.db,
                "SELECT COUNT(*) FROM searches WHERE query_text LIKE '% OR %'")[0][0] > 0


def test_query_json_is_a_valid_structured_query_with_the_text(test_world):
    from talent.query.structured import parse_structured

    for text, raw in rows(test_world.db, "SELECT query_text, query_json FROM searches"):
        data = json.loads(raw) if isinstance(raw, str) else raw
        assert data["text"] == text
        parse_structured(data)


def test_query_text_parses_with_the_query_language(test_world):
    parser = pytest.importorskip("talent.query.parser")
    for (text,) in rows(test_world.db, "SELECT query_text FROM searches"):
        parser.parse(text)


def test_inmail_accept_rate_is_plausible_and_open_to_work_doubles_it(test_world):
    rates = dict(
        rows(
            test_world.db,
            "SELECT m.open_to_work, AVG(CASE WHEN i.status = 'accepted' THEN 1.0 ELSE 0.0 END) "
            "FROM inmails i JOIN members m ON m.id = i.member_id GROUP BY 1",
        )
    )
    overall = rows(
        test_world.db,
        "SELECT AVG(CASE WHEN status = 'accepted' THEN 1.0 ELSE 0.0 END) FROM inmails"
    )[0][0]
    assert 0.10 <= overall <= 0.45
    assert rates[True] / rates[False] > 1.5


def test_views_fall_with_position(test_world):
    rate = dict(
        rows(
            test_world.db,
            "SELECT i.position, AVG(CASE WHEN f.id IS NULL THEN 0.0 ELSE 1.0 END) "
            "FROM impressions i LEFT JOIN feedback f ON f.search_id = i.search_id "
            "AND f.member_id = i.member_id AND f.kind = 'view' GROUP BY i.position",
        )
    )
    assert rate[0] > rate[4] > rate[20] > rate[60]


def test_saved_and_contacted_members_land_in_project_pipelines(test_world):
    db = test_world.db
    assert (
        rows(
            db,
            "SELECT COUNT(*) FROM inmails i WHERE NOT EXISTS (SELECT 1 FROM project_candidates c "
            "WHERE c.project_id = i.project_id AND c.member_id = i.member_id)",
        )[0][0]
        == 0
    )
    stages = dict(rows(db, "SELECT stage, COUNT(*) FROM project_candidates GROUP BY stage"))
    assert {"sourced", "contacted", "screening"} <= set(stages)


def test_simulating_again_replaces_the_logs(test_world, tmp_path):
    from world_support import build

    from talent.world.simulator import simulate

    world = build(tmp_path / "resim")
    try:
        first = rows(world.db, "SELECT COUNT(*) FROM searches")[0][0]
        again = simulate(world.db, world.worlds_dir, seed=3)
        assert rows(world.db, "SELECT COUNT(*) FROM searches")[0][0] == again.searches
        assert again.log_hash != world.simulation.log_hash
        assert first > 0
    finally:
        world.db.dispose()


def test_simulate_without_a_world_says_what_to_do(tmp_path):
    from talent.errors import ConfigError
    from talent.storage.db import Database
    from talent.world.simulator import simulate

    db = Database(f"sqlite:///{tmp_path / 'empty.db'}")
    db.upgrade()
    with pytest.raises(ConfigError, match="talent world generate"):
        simulate(db, tmp_path / "worlds")
    db.dispose()
