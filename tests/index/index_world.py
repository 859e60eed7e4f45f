"""Small profile sets made with the ORM models (shared by the index tests and fixtures)."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from pathlib import Path

from talent.storage import Database
from talent.storage.models import Company, Education, Member, MemberSkill, Metro, Position

OCCUPATIONS = [
    ("15-1252.00", ["Software Engineer", "Software Developer", "Backend Developer"],
     ["tech:python", "tech:java", "tech:sql", "tech:git", "tech:docker", "tech:kubernetes"]),
    ("15-2051.00", ["Data Scientist", "Machine Learning Engineer"],
     ["tech:python", "tech:sql", "tech:pandas", "tech:scikit-learn", "tech:statistics"]),
    ("29-1141.00", ["Registered Nurse", "Charge Nurse", "ICU Nurse"],
     ["skill:patient-care", "skill:triage", "skill:iv-therapy", "skill:charting"]),
    ("41-3091.00", ["Account Executive", "Sales Representative"],
     ["skill:negotiation", "skill:crm", "tech:salesforce", "skill:prospecting"]),
    ("11-3021.00", ["IT Manager", "Engineering Manager"],
     ["skill:leadership", "skill:budgeting", "tech:jira", "tech:sql"]),
]
SKILL_NAMES = {"tech:python": "Python", "tech:java": "Java", "tech:sql": "SQL", "tech:git": "Git",
               "tech:docker": "Docker", "tech:kubernetes": "Kubernetes", "tech:pandas": "pandas",
               "tech:scikit-learn": "scikit-learn", "tech:statistics": "Statistics",
               "skill:patient-care": "Patient Care", "skill:triage": "Triage",
               "skill:iv-therapy": "IV Therapy", "skill:charting": "Charting",
               "skill:negotiation": "Negotiation", "skill:crm": "CRM",
               "tech:salesforce": "Salesforce", "skill:prospecting": "Prospecting",
               "skill:leadership": "Leadership", "skill:budgeting": "Budgeting",
               "tech:jira": "Jira"}
PREFIXES = ["", "", "Senior ", "Lead ", "Junior ", "Principal "]
WORDS = ["building", "reliable", "systems", "caring", "for", "patients", "closing", "deals",
         "analytics", "cloud", "teams", "growth"]
DEGREES = ["Bachelor's Degree", "Master's Degree", "Doctorate", "Associate's Degree"]


@dataclass
class World:
    db: Database
    url: str
    member_ids: list[int]


def add_reference(session) -> None:
    session.add_all([Metro(id=i, name=f"Metro {i}",
                           region="CA" if i % 2 else "NY") for i in range(1, 6)])
    session.add_all([Company(id=i, name=f"Company {i} Labs", industry_id=i % 4)
                     for i in range(1, 21)])


def make_member(rng: random.Random, member_id: int | None = None) -> Member:
    occ, titles, skills = rng.choice(OCCUPATIONS)
    title = rng.choice(PREFIXES) + rng.choice(titles)
    past_occ, past_titles, _ = rng.choice(OCCUPATIONS)
    m = Member(
        first_name=rng.choice(["Ana", "Bo", "Chen", "Dia", "Eli", "José"]),
        last_name=rng.choice(["Smith", "Ng", "Okafor", "García", "Kowalski"]),
        headline=f"{title} " + " ".join(rng.sample(WORDS, 3)),
        summary=" ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 25))),
        current_title=title, occupation_id=occ, seniority=rng.randint(0, 8),
        years_experience=round(rng.uniform(0, 30), 1), current_company_id=rng.randint(1, 20),
        metro_id=rng.randint(1, 5), industry_id=rng.randint(0, 3), open_to_work=rng.random() < 0.25,
        willing_to_relocate=rng.random() < 0.3,
        last_active_at=dt.datetime(2024, 1, 1) + dt.timedelta(days=rng.randint(0, 300)),
    )
    if member_id is not None:
        m.id = member_id
    m.positions = [Position(title=title, occupation_id=occ, company_id=m.current_company_id,
                            seniority=m.seniority,
                            start_date=dt.date(2021, 1, 1) + dt.timedelta(days=rng.randint(0, 900)),
                            is_current=True), Position(title=rng.choice(past_titles),
                                                       occupation_id=past_occ,
                                                       company_id=rng.randint(1, 20),
                                                       start_date=dt.date(2015, 1, 1),
                                                       end_date=dt.date(2020, 12, 31),
                                                       is_current=False)]
    m.skills = [MemberSkill(skill_id=s, name=SKILL_NAMES[s], endorsements=rng.randint(0, 30))
                for s in rng.sample(skills, rng.randint(2, len(skills)))]
    if rng.random() < 0.8:
        m.education = [Education(school="State University", degree=rng.choice(DEGREES),
                                 field="Science")]
    return m


def populate(db: Database, n: int, seed: int = 1) -> list[int]:
    rng = random.Random(seed)
    with db.session() as s:
        add_reference(s)
        members = [make_member(rng) for _ in range(n)]
        s.add_all(members)
        s.flush()
        return [m.id for m in members]


def new_world(path: Path, n: int, seed: int = 1) -> World:
    url = f"sqlite:///{path / 'talent.db'}"
    db = Database(url)
    db.upgrade()
    return World(db, url, populate(db, n, seed))


def populate_bulk(db: Database, n: int, seed: int = 1) -> list[int]:
    """Like :func:`populate` but with bulk INSERTs (fast; writes no outbox rows)."""
    from sqlalchemy import insert

    rng = random.Random(seed)
    members, positions, skills, education = [], [], [], []
    for mid in range(1, n + 1):
        m = make_member(rng, mid)
        members.append({c.key: getattr(m, c.key) for c in Member.__table__.columns
                        if c.key not in ("created_at", "updated_at")})
        positions += [{"member_id": mid, "title": p.title, "occupation_id": p.occupation_id,
                       "company_id": p.company_id,
                       "seniority": 1 if p.seniority is None else p.seniority,
                       "start_date": p.start_date, "end_date": p.end_date,
                       "is_current": p.is_current, "description": ""} for p in m.positions]
        skills += [{"member_id": mid, "skill_id": s.skill_id, "name": s.name,
                    "endorsements": s.endorsements} for s in m.skills]
        education += [{"member_id": mid, "school": e.school, "degree": e.degree, "field": e.field}
                      for e in m.education]
    with db.session() as s:
        add_reference(s)
        s.flush()
        for model, rows in ((Member, members), (Position, positions), (MemberSkill, skills),
                            (Education, education)):
            s.execute(insert(model.__table__), rows)
    return list(range(1, n + 1))


def new_bulk_world(path: Path, n: int, seed: int = 1) -> World:
    url = f"sqlite:///{path / 'talent.db'}"
    db = Database(url)
    db.upgrade()
    return World(db, url, populate_bulk(db, n, seed))
