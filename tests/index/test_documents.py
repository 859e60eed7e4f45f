"""ProfileReader: the same profile whatever subset it is read with; rows of unseen members
skipped."""

from __future__ import annotations

from dataclasses import asdict

from index.build.documents import ProfileReader, tantivy_json


def test_a_profile_reads_the_same_alone_and_in_a_chunk(world):
    with world.db.engine.connect() as conn:
        reader = ProfileReader(conn)
        together = {p.member_id: p for p in reader.read(world.member_ids)}
        for mid in world.member_ids[::37]:
            (alone,) = reader.read([mid])
            assert asdict(alone) == asdict(together[mid])
            assert (tantivy_json(alone, reader.reference)
                    == tantivy_json(together[mid], reader.reference))
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
            f"INSERT INTO member_skills (member_id, skill_id, name, endorsements) VALUES ({ghost}, "
            "'x', 'X', 1)")
        conn.exec_driver_sql(
            f"INSERT INTO education (member_id, school, degree, field) VALUES ({ghost}, 'S', 'D', "
            "'F')")
        conn.commit()
        profiles = ProfileReader(conn).read([world.member_ids[0], ghost])
    assert [p.member_id for p in profiles] == [world.member_ids[0]]


# skill names that need escaping in JSON, or were separators before (the skills come back as JSON
# arrays)
TRICKY_SKILLS = [("s-1", 'C "quoted"', 0), ("s-2", "back\\slash", 3),
                 ("s-3", "tab\tnew\nline\x1fsep", 12), ("s-4", "naïve – 日本語 🙂", 7),
                 ("s-5", "a,b;c", 2**31 - 1)]


def replace_skills(conn, member_id: int, skills) -> None:
    conn.exec_driver_sql(f"DELETE FROM member_skills WHERE member_id = {member_id}")
    for sid, name, endorsements in skills:
        conn.exec_driver_sql("INSERT INTO member_skills (member_id, skill_id, name, endorsements) "
                             "VALUES (?, ?, ?, ?)" if conn.dialect.name == "sqlite" else
                             "INSERT INTO member_skills (member_id, skill_id, name, endorsements) "
                             "VALUES (%s, %s, %s, %s)", (member_id, sid, name, endorsements))
    conn.commit()


def check_tricky_skills(conn, member_id: int) -> None:
    replace_skills(conn, member_id, reversed(TRICKY_SKILLS))
    (p,) = ProfileReader(conn).read([member_id])
    assert p.skill_ids == [s[0] for s in TRICKY_SKILLS]  # skill id order
    assert p.skill_names == [s[1] for s in TRICKY_SKILLS]
    assert p.endorsements == [s[2] for s in TRICKY_SKILLS]
    assert all(type(e) is int for e in p.endorsements)


def test_skills_with_any_characters_read_back_exactly(world):
    with world.db.engine.connect() as conn:
        check_tricky_skills(conn, world.member_ids[0])
