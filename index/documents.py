"""Profiles from the database (SQLAlchemy Core, chunked) and the Tantivy documents made of them.

A :class:`ProfileReader` reads whole profiles (member row, positions, skills, education) for a
list of member ids with four indexed queries per chunk; the build and the live updater share
it, so a rebuilt document and a live-updated one are byte-for-byte the same.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import Connection, bindparam, func, select

from talent.storage.models import Company, Education, Member, MemberSkill, Metro, Position, ProfileChange

_members = Member.__table__
_positions = Position.__table__
_skills = MemberSkill.__table__
_education = Education.__table__


@dataclass(slots=True)
class PositionRow:
    title: str
    occupation_id: str | None
    company_id: int | None
    start_date: dt.date | None
    is_current: bool


@dataclass(slots=True)
class SkillRow:
    skill_id: str
    name: str
    endorsements: int


@dataclass(slots=True)
class Profile:
    """One member's indexable profile (public fields only; never protected attributes)."""

    member_id: int
    name: str
    headline: str
    summary: str
    current_title: str
    occupation_id: str | None
    seniority: int
    years_experience: float
    company_id: int | None
    metro_id: int | None
    industry_id: int | None
    open_to_work: bool
    willing_to_relocate: bool
    last_active_at: dt.datetime | None
    positions: list[PositionRow] = field(default_factory=list)
    skills: list[SkillRow] = field(default_factory=list)
    education: list[tuple[str, str, str]] = field(default_factory=list)  # (school, degree, field)


@dataclass(frozen=True)
class ReferenceData:
    """Small lookup tables joined in Python: company names and metro display names."""

    companies: dict[int, str]
    metros: dict[int, str]

    @classmethod
    def load(cls, conn: Connection) -> ReferenceData:
        companies = {int(i): n for i, n in conn.execute(select(Company.id, Company.name))}
        metros = {
            int(i): (f"{n}, {r}" if r else n)
            for i, n, r in conn.execute(select(Metro.id, Metro.name, Metro.region))
        }
        return cls(companies, metros)


_MEMBER_COLS = (
    _members.c.id, _members.c.first_name, _members.c.last_name, _members.c.headline, _members.c.summary,
    _members.c.current_title, _members.c.occupation_id, _members.c.seniority, _members.c.years_experience,
    _members.c.current_company_id, _members.c.metro_id, _members.c.industry_id, _members.c.open_to_work,
    _members.c.willing_to_relocate, _members.c.last_active_at,
)
_IDS = bindparam("ids", expanding=True)
_MEMBERS_SQL = select(*_MEMBER_COLS).where(_members.c.id.in_(_IDS))
_POSITIONS_SQL = (
    select(_positions.c.member_id, _positions.c.title, _positions.c.occupation_id, _positions.c.company_id,
           _positions.c.start_date, _positions.c.is_current)
    .where(_positions.c.member_id.in_(_IDS))
    .order_by(_positions.c.member_id, _positions.c.start_date.desc())
)
_SKILLS_SQL = select(_skills.c.member_id, _skills.c.skill_id, _skills.c.name, _skills.c.endorsements).where(
    _skills.c.member_id.in_(_IDS)
)
_EDUCATION_SQL = select(_education.c.member_id, _education.c.school, _education.c.degree, _education.c.field).where(
    _education.c.member_id.in_(_IDS)
)


class ProfileReader:
    """Reads complete profiles for given member ids; one instance per connection."""

    def __init__(self, conn: Connection, reference: ReferenceData | None = None):
        self.conn = conn
        self.reference = reference or ReferenceData.load(conn)

    def read(self, member_ids: Sequence[int]) -> list[Profile]:
        """Profiles of the ``member_ids`` that exist, in ascending member id order."""
        ids = [int(i) for i in member_ids]
        if not ids:
            return []
        params = {"ids": ids}
        profiles: dict[int, Profile] = {}
        for r in self.conn.execute(_MEMBERS_SQL, params):
            profiles[r[0]] = Profile(
                member_id=r[0], name=f"{r[1]} {r[2]}".strip(), headline=r[3] or "", summary=r[4] or "",
                current_title=r[5] or "", occupation_id=r[6], seniority=int(r[7] or 0),
                years_experience=float(r[8] or 0.0), company_id=r[9], metro_id=r[10], industry_id=r[11],
                open_to_work=bool(r[12]), willing_to_relocate=bool(r[13]), last_active_at=r[14],
            )
        if not profiles:
            return []
        for mid, title, occ, cid, start, current in self.conn.execute(_POSITIONS_SQL, params):
            p = profiles.get(mid)
            if p is not None:
                p.positions.append(PositionRow(title or "", occ, cid, start, bool(current)))
        for mid, sid, name, endorsements in self.conn.execute(_SKILLS_SQL, params):
            p = profiles.get(mid)
            if p is not None:
                p.skills.append(SkillRow(sid, name or "", int(endorsements or 0)))
        for mid, school, degree, fld in self.conn.execute(_EDUCATION_SQL, params):
            p = profiles.get(mid)
            if p is not None:
                p.education.append((school or "", degree or "", fld or ""))
        return [profiles[i] for i in sorted(profiles)]

    def iter_chunks(self, member_ids: Sequence[int], chunk_size: int = 2000) -> Iterator[list[Profile]]:
        """Profiles of ``member_ids`` read ``chunk_size`` ids at a time."""
        for start in range(0, len(member_ids), chunk_size):
            yield self.read(member_ids[start:start + chunk_size])


def all_member_ids(conn: Connection) -> np.ndarray:
    """Every member id in the database, sorted (int64)."""
    ids = conn.execute(select(_members.c.id).order_by(_members.c.id)).scalars().all()
    return np.asarray(ids, dtype=np.int64)


def outbox_position(conn: Connection) -> int:
    """The id of the newest profile change (0 when the outbox is empty)."""
    return int(conn.execute(select(func.coalesce(func.max(ProfileChange.id), 0))).scalar_one())


def _rfc3339(value: dt.datetime) -> str:
    if value.tzinfo is not None:
        value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return value.isoformat(timespec="seconds") + "Z"


def tantivy_json(profile: Profile, reference: ReferenceData) -> str:
    """The Tantivy document of ``profile`` as JSON (the fastest way into ``IndexWriter.add_json``)."""
    companies = reference.companies
    past = [p for p in profile.positions if not p.is_current]
    doc: dict[str, object] = {
        "member_id": profile.member_id,
        "name": profile.name,
        "title": profile.current_title,
        "past_titles": [p.title for p in past if p.title],
        "past_title_ids": sorted({p.occupation_id for p in past if p.occupation_id}),
        "skills": [s.name for s in profile.skills if s.name],
        "skill_ids": [s.skill_id for s in profile.skills],
        "past_companies": sorted({companies[p.company_id] for p in past if p.company_id in companies}),
        "past_company_ids": sorted({p.company_id for p in past if p.company_id is not None}),
        "headline": profile.headline,
        "summary": profile.summary,
        "education": [" ".join(part for part in e if part) for e in profile.education],
        "seniority": profile.seniority,
        "years_experience": profile.years_experience,
        "open_to_work": profile.open_to_work,
        "willing_to_relocate": profile.willing_to_relocate,
    }
    if profile.occupation_id:
        doc["title_id"] = profile.occupation_id
    if profile.company_id is not None:
        doc["company_id"] = profile.company_id
        if profile.company_id in companies:
            doc["company"] = companies[profile.company_id]
    if profile.metro_id is not None:
        doc["metro_id"] = profile.metro_id
        if profile.metro_id in reference.metros:
            doc["location"] = reference.metros[profile.metro_id]
    if profile.industry_id is not None:
        doc["industry_id"] = profile.industry_id
    if profile.last_active_at is not None:
        doc["last_active"] = _rfc3339(profile.last_active_at)
    return json.dumps(doc, ensure_ascii=False)
