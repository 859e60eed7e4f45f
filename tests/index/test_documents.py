"""ProfileReader: the same profile whatever subset it is read with; rows of unseen members skipped."""

from __future__ import annotations

from dataclasses import asdict

from index.documents import ProfileReader, tantivy_json


def test_a_profile_reads_the_same_alone_and_in_a_chunk(world):
    with world.db.engine.connect() as conn:
        reader = ProfileReader(conn)
        together = {p.member_id: p for p in reader.read(world.member_ids)}
        for mid in world.member_ids[::37]:
            (alone,) = reader.read([mid])
            assert asdict(alone) == asdict(together[mid])
            assert tantivy_json(alone, reader.reference) == tantivy_json(together[mid], reader.reference)
    assert sorted(together) == sorted(world.member_ids)


def test_rows_of_a_member_the_members_statement_did_not_see_are_skipped(world):
    # as if the member was created between the members statement and the positions one
    with world.db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        ghost = max(world.member_ids) + 1000
        conn.exec_driver_sql(
            "INSERT INTO positions (member_id, title, seniority, is_current, description) "
            f"VALUES ({ghost}, 'Ghost', 1, 1, '')")
        conn.exec_driver_sql(
            f"INSERT INTO member_skills (member_id, skill_id, name, endorsements) VALUES ({ghost}, 'x', 'X', 1)")
        conn.exec_driver_sql(
            f"INSERT INTO education (member_id, school, degree, field) VALUES ({ghost}, 'S', 'D', 'F')")
        conn.commit()
        profiles = ProfileReader(conn).read([world.member_ids[0], ghost])
    assert [p.member_id for p in profiles] == [world.member_ids[0]]
