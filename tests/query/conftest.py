"""Shared fixtures: a tiny hand-made taxonomy (every alias visible here) and the built-in
fixture."""

from __future__ import annotations

import pytest

from talent.query import Standardizer
from talent.taxonomy import load_taxonomy
from talent.taxonomy.model import CompanyRef, MetroRef, Occupation, Skill, Taxonomy, normalize


def _occupation(code: str, title: str) -> Occupation:
    return Occupation(
        id=code, title=title, family=code[:2], family_title="Family " + code[:2], job_zone=4
    )


def make_tiny_taxonomy() -> Taxonomy:
    occupations = {
        o.id: o
        for o in (
            _occupation("15-1252.00", "Software Developers"),
            _occupation("15-2051.00", "Data Scientists"),
            _occupation("11-2021.00", "Marketing Managers"),
            _occupation("43-6014.00", "Secretaries and Administrative Assistants"),
            _occupation("25-1021.00", "Computer Science Teachers, Postsecondary"),
            _occupation("11-3021.00", "Computer and Information Systems Managers"),
        )
    }
    title_variants = {
        "15-1252.00": [
            "Software Engineer",
            "Software Developer",
            "Backend Engineer",
            "Full Stack Developer",
        ],
        "15-2051.00": ["Data Scientist", "Machine Learning Engineer"],
        "11-2021.00": ["Marketing Manager"],
        "43-6014.00": ["Executive Assistant", "Administrative Assistant"],
        "25-1021.00": ["Associate Professor"],
        "11-3021.00": ["Head of Engineering"],
    }
    skills = {
        s.id: s
        for s in (
            Skill("tech:python", "Python", "technology", hot=True),
            Skill("tech:javascript", "JavaScript", "technology", hot=True),
            Skill("tech:java", "Java", "technology"),
            Skill("tech:kubernetes", "Kubernetes", "technology"),
            Skill("tech:node-js", "Node.js", "technology"),
            Skill("skill:machine-learning", "Machine Learning", "skill"),
            Skill("tech:amazon-web-services", "Amazon Web Services", "technology"),
        )
    }
    title_aliases = {normalize(occ.title): occ.id for occ in occupations.values()}
    for occ_id, variants in title_variants.items():
        for variant in variants:
            title_aliases.setdefault(normalize(variant), occ_id)
    skill_aliases = {normalize(s.name): s.id for s in skills.values()}
    metros = [
        MetroRef(1, "New York", "New York", "US", 40.7, -74.0, 19_500_000),
        MetroRef(2, "Seattle", "Washington", "US", 47.6, -122.3, 4_000_000),
        MetroRef(3, "Portland", "Oregon", "US", 45.5, -122.7, 2_500_000),
        MetroRef(4, "San Francisco", "California", "US", 37.8, -122.4, 4_700_000),
    ]
    companies = [
        CompanyRef("Brightloop Software Inc.", 4, "Software Development", "1001-5000", 2),
        CompanyRef("The Walt Disney Company", 10, "Entertainment", "10001+", None),
        CompanyRef("Acme Corp", 20, "Manufacturing", "201-1000", 1),
    ]
    return Taxonomy(
        source="tiny",
        occupations=occupations,
        skills=skills,
        title_variants=title_variants,
        occupation_skills={},
        related={},
        companies=companies,
        industries={4: "Software Development", 10: "Entertainment", 20: "Manufacturing"},
        metros=metros,
        first_names=[],
        surnames=[],
        schools=["Stanford University", "Massachusetts Institute of Technology"],
        title_aliases=title_aliases,
        skill_aliases=skill_aliases,
    )


@pytest.fixture(scope="session")
def tiny_taxonomy() -> Taxonomy:
    return make_tiny_taxonomy()


@pytest.fixture(scope="session")
def standardizer(tiny_taxonomy: Taxonomy) -> Standardizer:
    return Standardizer(tiny_taxonomy)


@pytest.fixture(scope="session")
def fixture_taxonomy() -> Taxonomy:
    """The built-in fixture taxonomy the rest of the project uses."""
    return load_taxonomy()
