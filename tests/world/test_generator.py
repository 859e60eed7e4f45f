"""The generated world: complete, plausible profiles and a hiring side, with ids 1..N."""

from __future__ import annotations

import numpy as np
import pytest
from world_support import rows


def test_members_have_ids_1_to_n(test_world):
    assert (rows(test_world.db, "SELECT MIN(id), MAX(id), COUNT(*) FROM members")[0]
            == (1, 2000, 2000))


def test_every_member_lists_5_to_40_skills(test_world):
    lo, hi = rows(
        test_world.db,
        "SELECT MIN(n), MAX(n) FROM (SELECT COUNT(*) AS n FROM member_skills GROUP BY member_id) t",
    )[0]
    assert lo >= 5 and hi <= 40
    assert rows(test_world.db, "SELECT COUNT(DISTINCT member_id) FROM member_skills")[0][0] == 2000


def test_every_member_has_2_to_6_positions_and_one_current_with_their_title(test_world):
    counts = rows(
        test_world.db,
        "SELECT MIN(n), MAX(n) FROM (SELECT COUNT(*) AS n FROM positions GROUP BY member_id) t"
    )
    assert counts[0][0] >= 2 and counts[0][1] <= 6
    mismatched = rows(
        test_world.db,
        "SELECT COUNT(*) FROM positions p JOIN members m ON m.id = p.member_id "
        "WHERE p.is_current AND (p.title != m.current_title OR p.end_date IS NOT NULL)",
    )
    assert mismatched[0][0] == 0
    assert rows(test_world.db, "SELECT COUNT(*) FROM positions WHERE is_current")[0][0] == 2000


def test_positions_are_chronological(test_world):
    bad = rows(
        test_world.db,
        "SELECT COUNT(*) FROM positions WHERE end_date IS NOT NULL AND end_date < start_date"
    )
    assert bad[0][0] == 0


def test_years_of_experience_rise_with_seniority(test_world):
    by_level = dict(rows(test_world.db,
                         "SELECT seniority, AVG(years_experience) FROM members GROUP BY seniority"))
    levels = sorted(level for level in by_level if level <= 6)
    means = [by_level[level] for level in levels]
    assert means == sorted(means)


def test_titles_vary_within_an_occupation_and_some_carry_seniority_words(test_world):
    per_occ = rows(
        test_world.db,
        "SELECT occupation_id, COUNT(DISTINCT current_title) FROM members "
        "GROUP BY occupation_id HAVING COUNT(*) >= 50",
    )
    assert per_occ and min(n for _, n in per_occ) >= 3
    senior = rows(
        test_world.db,
        "SELECT COUNT(*) FROM members WHERE current_title LIKE 'Senior %' "
        "OR current_title LIKE 'Sr. %' OR current_title LIKE 'Lead %'",
    )[0][0]
    assert senior > 100


def test_profiles_have_headline_summary_email_and_metro(test_world):
    empty = rows(
        test_world.db,
        "SELECT COUNT(*) FROM members WHERE headline = '' OR summary = '' OR email IS NULL "
        "OR metro_id IS NULL OR current_company_id IS NULL OR last_active_at IS NULL",
    )
    assert empty[0][0] == 0
    assert rows(test_world.db, "SELECT COUNT(DISTINCT email) FROM members")[0][0] == 2000


def test_open_to_work_is_a_minority(test_world):
    share = rows(test_world.db,
                 "SELECT AVG(CASE WHEN open_to_work THEN 1.0 ELSE 0.0 END) FROM members")[0][0]
    assert 0.15 <= share <= 0.25


def test_women_share_differs_by_occupation_family(test_world):
    share = dict(
        rows(
            test_world.db,
            "SELECT substr(m.occupation_id, 1, 2), AVG(CASE WHEN p.gender = 'female' THEN 1.0 ELSE "
            "0.0 END) FROM members m JOIN member_protected p ON p.member_id = m.id GROUP BY 1",
        )
    )
    assert share["29"] > 0.6  # healthcare practitioners
    assert share["15"] < 0.4  # computer and mathematical
    assert rows(test_world.db, "SELECT COUNT(*) FROM member_protected")[0][0] == 2000


def test_first_names_agree_with_gender(test_world, truth):
    from talent.taxonomy import load_taxonomy

    p_female = {name: p for name, p, _ in load_taxonomy().first_names}
    pairs = rows(
        test_world.db,
        "SELECT m.first_name, p.gender FROM members m JOIN member_protected p "
        "ON p.member_id = m.id WHERE p.gender != 'unknown'",
    )
    women = np.mean([p_female[n] for n, g in pairs if g == "female"])
    men = np.mean([p_female[n] for n, g in pairs if g == "male"])
    assert women > 0.8 and men < 0.2


def test_occupations_follow_employment(test_world, truth):
    from scipy.stats import spearmanr

    counts = dict(rows(test_world.db,
                       "SELECT occupation_id, COUNT(*) FROM members GROUP BY occupation_id"))
    state = truth.state
    observed = [counts.get(o, 0) for o in state.occupations]
    assert spearmanr(observed, state.o_employment).statistic > 0.8


def test_hiring_side_links_up(test_world):
    db = test_world.db
    assert rows(db, "SELECT COUNT(*) FROM contracts")[0][0] == 8
    assert rows(db, "SELECT COUNT(DISTINCT contract_id) FROM recruiters")[0][0] == 8
    assert (
        rows(
            db,
            "SELECT COUNT(*) FROM projects p JOIN recruiters r ON r.id = p.recruiter_id "
            "WHERE r.contract_id != p.contract_id",
        )[0][0]
        == 0
    )
    assert (
        rows(db,
             "SELECT COUNT(*) FROM projects WHERE required_skills = '[]' OR occupation_id IS "
             "NULL")[0][0]
        == 0
    )


@pytest.mark.parametrize(
    "table", ["members", "positions", "member_skills", "education", "companies", "projects"]
)
def test_tables_are_populated(test_world, table):
    assert test_world.generation.counts[table] > 0
    assert (rows(test_world.db, f"SELECT COUNT(*) FROM {table}")[0][0]
            == test_world.generation.counts[table])


def test_orm_reads_generated_rows(test_world):
    from talent.storage.models import Member

    with test_world.db.session() as s:
        member = s.get(Member, 1)
        assert member.last_active_at.year >= 2020
        assert member.positions and member.skills
        assert member.positions[0].is_current  # newest first
