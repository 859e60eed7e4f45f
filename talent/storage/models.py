"""The system of record: typed SQLAlchemy 2 ORM models.

Conventions
- Taxonomy identifiers are strings: occupations are O*NET-SOC codes (``"15-1252.00"``) or
  fixture codes; skills are ``"<source>:<id>"`` (e.g. ``"tech:python"``, ``"esco:<uuid>"``).
- Seniority is an integer level, see :data:`SENIORITY_LEVELS`.
- Every recruiter-owned row (projects, project candidates, InMails, searches, feedback,
  audit entries) carries ``contract_id``; :mod:`talent.storage.access` enforces isolation.
- Protected attributes (gender) live in ``member_protected``; nothing in ranking reads it.
- The hidden truth of a synthetic world is NOT here (see ``talent.world.truth``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

SENIORITY_LEVELS: tuple[str, ...] = (
    "intern",
    "entry",
    "associate",
    "mid-senior",
    "senior",
    "lead",
    "manager",
    "director",
    "executive",
)
PROJECT_STAGES: tuple[str, ...] = ("sourced", "contacted", "screening", "interview", "offer",
                                   "hired", "archived")
INMAIL_STATUSES: tuple[str, ...] = ("pending", "accepted", "declined")
FEEDBACK_KINDS: tuple[str, ...] = ("view", "save", "good_fit", "not_fit", "inmail")
GENDERS: tuple[str, ...] = ("female", "male", "unknown")

# Deterministic constraint names so Alembic migrations behave the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


# --- reference data -------------------------------------------------------------------------
class Metro(Base):
    """A metro area members and jobs are located in (from GeoNames or the fixture taxonomy)."""

    __tablename__ = "metros"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    region: Mapped[str] = mapped_column(String(100), default="")
    country: Mapped[str] = mapped_column(String(2), default="US")
    latitude: Mapped[float] = mapped_column(Float, default=0.0)
    longitude: Mapped[float] = mapped_column(Float, default=0.0)
    population: Mapped[int] = mapped_column(BigInteger, default=0)


class Company(Base):
    __tablename__ = "companies"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    industry_id: Mapped[int | None] = mapped_column(Integer)
    industry: Mapped[str] = mapped_column(String(200), default="")
    size_band: Mapped[str] = mapped_column(String(20), default="")
    hq_metro_id: Mapped[int | None] = mapped_column(ForeignKey("metros.id"))


# --- member profiles ------------------------------------------------------------------------
class Member(Base):
    """A candidate profile: what the index and the results page show."""

    __tablename__ = "members"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(200))
    headline: Mapped[str] = mapped_column(String(300), default="")
    summary: Mapped[str] = mapped_column(Text, default="")
    current_title: Mapped[str] = mapped_column(String(200), default="")
    occupation_id: Mapped[str | None] = mapped_column(String(32), index=True)
    seniority: Mapped[int] = mapped_column(SmallInteger, default=1)
    years_experience: Mapped[float] = mapped_column(Float, default=0.0)
    current_company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"))
    metro_id: Mapped[int | None] = mapped_column(ForeignKey("metros.id"))
    industry_id: Mapped[int | None] = mapped_column(Integer)
    open_to_work: Mapped[bool] = mapped_column(Boolean, default=False)
    willing_to_relocate: Mapped[bool] = mapped_column(Boolean, default=False)
    last_active_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    positions: Mapped[list[Position]] = relationship(
        back_populates="member", cascade="all, delete-orphan", order_by="Position.start_date.desc()"
    )
    skills: Mapped[list[MemberSkill]] = relationship(back_populates="member",
                                                     cascade="all, delete-orphan")
    education: Mapped[list[Education]] = relationship(back_populates="member",
                                                      cascade="all, delete-orphan")
    current_company: Mapped[Company | None] = relationship()
    metro: Mapped[Metro | None] = relationship()

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class Position(Base):
    __tablename__ = "positions"
    # A member's history in (start date, id) order with every column a profile read needs: the
    # index build reads positions from this index alone, in order, without a sort or row lookups.
    __table_args__ = (Index("ix_positions_member_history", "member_id", "start_date", "id", "title",
                            "occupation_id", "company_id", "is_current"),)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    occupation_id: Mapped[str | None] = mapped_column(String(32))
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"))
    seniority: Mapped[int] = mapped_column(SmallInteger, default=1)
    start_date: Mapped[dt.date | None] = mapped_column()
    end_date: Mapped[dt.date | None] = mapped_column()
    is_current: Mapped[bool] = mapped_column(Boolean, default=False)
    description: Mapped[str] = mapped_column(Text, default="")

    member: Mapped[Member] = relationship(back_populates="positions")
    company: Mapped[Company | None] = relationship()


class MemberSkill(Base):
    __tablename__ = "member_skills"
    # SQLite: rows clustered by (member_id, skill_id), so a member's skills are read from one place
    # of the primary key B-tree (a rowid table needs a lookup per row from its key index)
    __table_args__ = {"sqlite_with_rowid": False}
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"),
                                           primary_key=True)
    skill_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    endorsements: Mapped[int] = mapped_column(Integer, default=0)

    member: Mapped[Member] = relationship(back_populates="skills")


class Education(Base):
    __tablename__ = "education"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"), index=True)
    school: Mapped[str] = mapped_column(String(200))
    degree: Mapped[str] = mapped_column(String(100), default="")
    field: Mapped[str] = mapped_column(String(200), default="")
    start_year: Mapped[int | None] = mapped_column(Integer)
    end_year: Mapped[int | None] = mapped_column(Integer)

    member: Mapped[Member] = relationship(back_populates="education")


class MemberProtected(Base):
    """Protected attributes, kept apart: never joined into ranking features."""

    __tablename__ = "member_protected"
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"),
                                           primary_key=True)
    gender: Mapped[str] = mapped_column(String(10), default="unknown")


# --- hiring side ------------------------------------------------------------------------------
class Contract(Base):
    """A hiring organization (in-house team or staffing agency) with several recruiters."""

    __tablename__ = "contracts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20), default="in_house")
    company_id: Mapped[int | None] = mapped_column(ForeignKey("companies.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Recruiter(Base):
    __tablename__ = "recruiters"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(200), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(300))
    api_token_hash: Mapped[str | None] = mapped_column(String(128), index=True)
    families: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    contract: Mapped[Contract] = relationship()


class Project(Base):
    """A hiring project; its job fields (all optional) make it usable as a query."""

    __tablename__ = "projects"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"), index=True)
    recruiter_id: Mapped[int] = mapped_column(ForeignKey("recruiters.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(200), default="")
    occupation_id: Mapped[str | None] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text, default="")
    required_skills: Mapped[list[Any]] = mapped_column(JSON, default=list)
    nice_skills: Mapped[list[Any]] = mapped_column(JSON, default=list)
    metro_id: Mapped[int | None] = mapped_column(ForeignKey("metros.id"))
    remote: Mapped[bool] = mapped_column(Boolean, default=False)
    seniority_min: Mapped[int | None] = mapped_column(SmallInteger)
    seniority_max: Mapped[int | None] = mapped_column(SmallInteger)
    status: Mapped[str] = mapped_column(String(20), default="open")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class ProjectCandidate(Base):
    """A member saved to a project, with pipeline stage and notes."""

    __tablename__ = "project_candidates"
    __table_args__ = (UniqueConstraint("project_id", "member_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"), index=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"),
                                            index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    saved_by: Mapped[int] = mapped_column(ForeignKey("recruiters.id"))
    stage: Mapped[str] = mapped_column(String(20), default="sourced")
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class InMail(Base):
    __tablename__ = "inmails"
    __table_args__ = (Index("ix_inmails_member_status", "member_id", "status"),)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"), index=True)
    recruiter_id: Mapped[int] = mapped_column(ForeignKey("recruiters.id"), index=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    search_id: Mapped[int | None] = mapped_column(ForeignKey("searches.id"), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default="pending")
    sent_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    responded_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


# --- logs -----------------------------------------------------------------------------------
class Search(Base):
    """One search request as issued (by a recruiter in the UI/API or by the simulator)."""

    __tablename__ = "searches"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"), index=True)
    recruiter_id: Mapped[int] = mapped_column(ForeignKey("recruiters.id"), index=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("projects.id"))
    session_id: Mapped[str] = mapped_column(String(64), index=True)
    query_text: Mapped[str] = mapped_column(Text, default="")
    query_json: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    query_type: Mapped[str] = mapped_column(String(32), default="")
    ranker: Mapped[str] = mapped_column(String(64), default="")
    result_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)


class Impression(Base):
    """A member shown at a position (0-based) of a search's results."""

    __tablename__ = "impressions"
    __table_args__ = (Index("ix_impressions_search_position", "search_id", "position"),)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    search_id: Mapped[int] = mapped_column(ForeignKey("searches.id", ondelete="CASCADE"))
    member_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    logged_score: Mapped[float | None] = mapped_column(Float)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class Feedback(Base):
    """A recruiter action on a candidate: view, save, good_fit, not_fit, inmail."""

    __tablename__ = "feedback"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id"), index=True)
    recruiter_id: Mapped[int] = mapped_column(ForeignKey("recruiters.id"))
    search_id: Mapped[int | None] = mapped_column(ForeignKey("searches.id", ondelete="CASCADE"),
                                                  index=True)
    session_id: Mapped[str | None] = mapped_column(String(64))
    member_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    kind: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class ProfileChange(Base):
    """Outbox for live index updates: one row per profile create/update/delete."""

    __tablename__ = "profile_changes"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    member_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), index=True)
    op: Mapped[str] = mapped_column(String(8))  # "upsert" | "delete"
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class AuditLog(Base):
    """Append-only record of who did what; rows are never updated or deleted."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("contracts.id"))
    recruiter_id: Mapped[int | None] = mapped_column(ForeignKey("recruiters.id"))
    action: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str] = mapped_column(String(64), default="")
    entity_id: Mapped[str] = mapped_column(String(64), default="")
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class WorldInfo(Base):
    """Which synthetic world the database holds (name, seed, config, taxonomy source)."""

    __tablename__ = "world_info"
    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    seed: Mapped[int] = mapped_column(Integer)
    config: Mapped[dict[str, Any]] = mapped_column(JSON)
    taxonomy_source: Mapped[str] = mapped_column(String(300), default="")
    members: Mapped[int] = mapped_column(Integer, default=0)
    generated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    simulated_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    content_hash: Mapped[str] = mapped_column(String(64), default="")


@event.listens_for(AuditLog, "before_update")
@event.listens_for(AuditLog, "before_delete")
def _audit_is_append_only(*_: object) -> None:
    raise PermissionError("audit_log is append-only")


class WebSession(Base):
    """A signed-in browser session, kept server-side so that signing out (and a password change)
    ends it: the cookie holds a random key, this row its SHA-256."""

    __tablename__ = "web_sessions"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    recruiter_id: Mapped[int] = mapped_column(ForeignKey("recruiters.id", ondelete="CASCADE"),
                                              index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
