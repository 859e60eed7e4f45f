from __future__ import annotations

import datetime as dt

import numpy as np

from index.build.documents import Profile
from index.build.forward_rows import ForwardTableBuilder, education_level
from index.forward import COLUMNS, Csr, ForwardStore
from index.vocab import Vocabulary, merge_vocabularies


def _profile(member_id: int = 42) -> Profile:
    return Profile(member_id=member_id, name="Ana Ng", headline="Senior data person",
                   summary="one two three four", current_title="Staff Data Scientist",
                   occupation_id="15-2051.00", seniority=5, years_experience=9.5, company_id=7,
                   metro_id=3, industry_id=11, open_to_work=True, willing_to_relocate=False,
                   last_active_at=dt.datetime(1970, 1, 11, 15, 0), num_positions=3, num_companies=2,
                   current_start=dt.date(1970, 1, 3), past_titles=["Analyst"],
                   past_occupation_ids=["13-2011.00"], past_company_ids=[4],
                   skill_ids=["tech:python", "tech:sql"], skill_names=["Python", "SQL"],
                   endorsements=[0, 3], education=[("MIT", "Master's Degree", "Statistics")])


def test_every_forward_column_holds_its_own_value():
    vocab = Vocabulary({"occupation": ["13-2011.00", "15-2051.00"],
                        "skill": ["tech:python", "tech:sql"]})
    builder = ForwardTableBuilder(vocab)
    builder.add(_profile())
    batch = ForwardStore(builder.build()).gather([42])
    expected = {"occupation": 1, "seniority": 5, "years_experience": 9.5, "metro": 3,
                "industry": 11, "company": 7, "open_to_work": True, "willing_to_relocate": False,
                "last_active_day": 10, "current_start_day": 2, "completeness": 7 / 8,
                "num_positions": 3, "num_companies": 2, "num_skills": 2, "education_level": 4,
                "title_len": 3, "headline_len": 3, "summary_len": 4}
    assert set(expected) == set(COLUMNS)
    assert {c: batch[c][0].item() for c in COLUMNS} == expected
    skills = batch.csr["skills"]
    assert skills.indices.tolist() == [0, 1]
    assert np.allclose(skills.data, [1.0, 1.0 + np.log1p(3)])
    assert batch.csr["past_occupations"].indices.tolist() == [0]
    assert batch.csr["past_companies"].indices.tolist() == [4]


def _three_members() -> ForwardStore:
    """Members 30, 10 and 20 (seniority 3, 1, 2)."""
    builder = ForwardTableBuilder(Vocabulary({}))
    for mid in (30, 10, 20):
        p = _profile(mid)
        p.seniority = mid // 10
        builder.add(p)
    return ForwardStore(builder.build())


def test_gathering_keeps_the_requested_order_and_flags_unknown_ids():
    batch = _three_members().gather([20, 99, 10, 30])
    assert batch["seniority"].tolist() == [2, -1, 1, 3]
    assert batch.found.tolist() == [True, False, True, True]
    assert np.diff(batch.csr["skills"].indptr).tolist() == [2, 0, 2, 2]


def test_a_batch_gathers_a_field_when_first_read_and_pickles_whole():
    import pickle

    batch = _three_members().gather([20, 30])
    assert batch.columns._gathered == {}  # nothing read yet
    assert batch["seniority"].tolist() == [2, 3]
    assert set(batch.columns._gathered) == {"seniority"}
    assert batch.columns["seniority"] is batch["seniority"]  # gathered once
    assert list(batch.columns) == list(COLUMNS) and len(batch.csr) == 3
    assert "no_such_column" not in batch.columns
    again = pickle.loads(pickle.dumps(batch.columns))
    assert type(again) is dict and set(again) == set(COLUMNS)
    assert again["years_experience"].tolist() == [9.5, 9.5]
    rows = pickle.loads(pickle.dumps(batch.csr))
    assert np.diff(rows["skills"].indptr).tolist() == [2, 2]


def test_csr_take_and_row_union():
    csr = Csr(np.array([0, 2, 2, 5]), np.array([1, 2, 3, 4, 5], dtype=np.int32), None)
    taken = csr.take(np.array([2, -1, 0]))
    assert taken.indptr.tolist() == [0, 3, 3, 5] and taken.indices.tolist() == [3, 4, 5, 1, 2]
    other = Csr(np.array([0, 0, 1, 1]), np.array([9], dtype=np.int32), None)
    assert Csr.row_union(taken, other).indices.tolist() == [3, 4, 5, 9, 1, 2]


def test_local_vocabularies_merge_into_one_sorted_code_space():
    vocab, remaps = merge_vocabularies([{"skill": ["b", "a"]}, {"skill": ["c", "a"]}])
    assert vocab.terms("skill") == ["a", "b", "c"]
    assert remaps[0]["skill"].tolist() == [1, 0] and remaps[1]["skill"].tolist() == [2, 0]


def test_degree_names_map_to_levels():
    assert [education_level(d) for d in ("High School Diploma", "Associate's Degree",
                                         "Bachelor's Degree", "Master's Degree", "Doctorate",
                                         "Professional Degree", "")] == [1, 2, 3, 4, 5, 5, 0]
