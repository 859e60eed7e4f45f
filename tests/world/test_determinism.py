"""Same seed, same world: content hashes of the profiles and of the logs."""

from __future__ import annotations

from world_support import build, rows


def _fingerprint(db) -> list[tuple]:
    """A sample of the database's content read back (independent of the writer's hash)."""
    return (
        rows(
            db,
            "SELECT id, first_name, last_name, current_title, headline, seniority, metro_id FROM "
            "members WHERE id % 97 = 1 ORDER BY id",
        )
        + rows(
            db,
            "SELECT id, query_text, result_count, created_at FROM searches WHERE id % 13 = 1 ORDER "
            "BY id"
        )
        + rows(db, "SELECT member_id, status, sent_at, responded_at FROM inmails ORDER BY id")
    )


def test_same_seed_gives_the_same_world_and_logs(tmp_path, test_world):
    again = build(tmp_path / "again")
    try:
        assert again.generation.content_hash == test_world.generation.content_hash
        assert again.simulation.log_hash == test_world.simulation.log_hash
        assert _fingerprint(again.db) == _fingerprint(test_world.db)
    finally:
        again.db.dispose()


def test_a_different_seed_gives_a_different_world(tmp_path, test_world):
    other = build(tmp_path / "other", seed=8, simulate=False)
    try:
        assert other.generation.content_hash != test_world.generation.content_hash
    finally:
        other.db.dispose()


def test_world_info_records_the_hash_and_config(test_world):
    (name, seed, members, content_hash, source, simulated) = rows(
        test_world.db,
        "SELECT name, seed, members, content_hash, taxonomy_source, simulated_at FROM world_info",
    )[0]
    assert (name, seed, members) == ("test", 7, 2000)
    assert content_hash == test_world.generation.content_hash
    assert source == "fixture"
    assert simulated is not None


def test_regenerating_replaces_the_previous_world(tmp_path):
    world = build(tmp_path / "twice", simulate=True)
    try:
        from talent.settings import load_settings
        from talent.world.config import load_world_config, resolve_taxonomy
        from talent.world.generator import generate_world

        settings = load_settings(home=tmp_path / "twice")
        config = load_world_config("test", seed=11)
        generate_world(config, world.db, settings.worlds_dir, resolve_taxonomy(config, settings))
        assert rows(world.db, "SELECT COUNT(*) FROM members")[0][0] == 2000
        assert rows(world.db, "SELECT COUNT(*) FROM searches")[0][0] == 0
        assert rows(world.db, "SELECT COUNT(*), MAX(seed) FROM world_info")[0] == (1, 11)
    finally:
        world.db.dispose()


def test_worker_processes_give_the_same_logs(tmp_path, test_world):
    from talent.world.config import load_world_config
    from talent.world.simulator import simulate

    world = build(tmp_path / "parallel", simulate=False)
    try:
        sim = load_world_config("test").simulation.model_copy(update={"workers": 2})
        result = simulate(world.db, world.worlds_dir, simulation=sim)
        assert result.workers == 2
        assert result.log_hash == test_world.simulation.log_hash
    finally:
        world.db.dispose()


def test_float_noise_in_taxonomy_importances_does_not_change_the_world(tmp_path, test_world):
    """An imported bundle may differ in the 5th decimal or in tie order from run to run; the world
    must not."""
    import dataclasses

    from talent.settings import load_settings
    from talent.storage.db import Database
    from talent.taxonomy import load_taxonomy
    from talent.world.config import load_world_config
    from talent.world.generator import generate_world

    taxonomy = load_taxonomy()
    noisy = {  # tiny float noise, and equal importances listed in another order
        occ: [(sid, w + (1e-5 if i % 2 else -1e-5)) for i, (sid, w) in enumerate(skills)][::-1]
        for occ, skills in taxonomy.occupation_skills.items()
    }
    settings = load_settings(home=tmp_path / "noisy")
    settings.ensure_home()
    db = Database(settings.resolved_database_url)
    db.upgrade()
    try:
        result = generate_world(
            load_world_config("test"),
            db,
            settings.worlds_dir,
            dataclasses.replace(taxonomy, occupation_skills=noisy),
        )
        assert result.content_hash == test_world.generation.content_hash
    finally:
        db.dispose()
