"""Data access on behalf of one recruiter, with contract isolation.

Every recruiter-owned row (projects, saved candidates, notes, InMails, searches, feedback)
carries its contract. :class:`RecruiterScope` is the only way the web app and the CLI touch
those rows: it takes the acting recruiter and answers :class:`NotFound` for another
contract's ids (the same answer as for ids that do not exist, so ids leak nothing).
Every change is written to the append-only audit log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from talent.errors import InvalidInput, NotFound
from talent.storage.models import (
    FEEDBACK_KINDS,
    INMAIL_STATUSES,
    PROJECT_STAGES,
    AuditLog,
    Feedback,
    InMail,
    Member,
    Position,
    Project,
    ProjectCandidate,
    Recruiter,
    Search,
    utcnow,
)

T = TypeVar("T", Project, ProjectCandidate, InMail, Search, Feedback)

_PROJECT_FIELDS = {"name", "title", "occupation_id", "description", "required_skills",
                   "nice_skills", "metro_id", "remote", "seniority_min", "seniority_max", "status"}


def load_member(session: Session, member_id: int) -> Member:
    """A member profile with positions, skills and education loaded (profiles are visible to
    all)."""
    member = session.scalar(
        select(Member)
        .where(Member.id == member_id)
        .options(
            selectinload(Member.positions).selectinload(Position.company),
            selectinload(Member.skills),
            selectinload(Member.education),
            selectinload(Member.current_company),
            selectinload(Member.metro),
        )
    )
    if member is None:
        raise NotFound(f"member {member_id} not found")
    return member


class RecruiterScope:
    """The acting recruiter's view of the database."""

    def __init__(self, session: Session, recruiter: Recruiter | int):
        if isinstance(recruiter, int):
            found = session.get(Recruiter, recruiter)
            if found is None:
                raise NotFound(f"recruiter {recruiter} not found")
            recruiter = found
        self.session = session
        self.recruiter = recruiter
        self.contract_id = recruiter.contract_id

    # -- internals ---------------------------------------------------------------------------
    def _own(self, model: type[T], entity_id: int, label: str) -> T:
        row = self.session.get(model, entity_id)
        if row is None or row.contract_id != self.contract_id:
            raise NotFound(f"{label} {entity_id} not found")
        return row

    def audit(self, action: str, entity: str = "", entity_id: Any = "",
              detail: dict[str, Any] | None = None) -> None:
        """Append an audit entry for this recruiter (never updated or deleted)."""
        self.session.add(
            AuditLog(
                contract_id=self.contract_id,
                recruiter_id=self.recruiter.id,
                action=action,
                entity=entity,
                entity_id=str(entity_id),
                detail=detail,
            )
        )

    def _require_member(self, member_id: int) -> None:
        if self.session.get(Member, member_id) is None:
            raise NotFound(f"member {member_id} not found")

    # -- projects ----------------------------------------------------------------------------
    def list_projects(self, status: str | None = None) -> Sequence[Project]:
        stmt = (select(Project).where(Project.contract_id == self.contract_id)
                .order_by(Project.created_at.desc(), Project.id.desc()))
        if status:
            stmt = stmt.where(Project.status == status)
        return self.session.scalars(stmt).all()

    def get_project(self, project_id: int) -> Project:
        return self._own(Project, project_id, "project")

    def create_project(self, name: str, **fields: Any) -> Project:
        name = (name or "").strip()
        if not name:
            raise InvalidInput("a project needs a name")
        unknown = set(fields) - _PROJECT_FIELDS
        if unknown:
            raise InvalidInput(f"unknown project fields: {', '.join(sorted(unknown))}")
        project = Project(contract_id=self.contract_id, recruiter_id=self.recruiter.id,
                          name=name[:200], **fields)
        self.session.add(project)
        self.session.flush()
        self.audit("project.create", "project", project.id, {"name": project.name})
        return project

    def update_project(self, project_id: int, **fields: Any) -> Project:
        project = self.get_project(project_id)
        unknown = set(fields) - _PROJECT_FIELDS
        if unknown:
            raise InvalidInput(f"unknown project fields: {', '.join(sorted(unknown))}")
        for key, value in fields.items():
            setattr(project, key, value)
        self.audit("project.update", "project", project.id, {"fields": sorted(fields)})
        return project

    # -- saved candidates ----------------------------------------------------------------------
    def list_candidates(self, project_id: int) -> Sequence[ProjectCandidate]:
        self.get_project(project_id)
        return self.session.scalars(
            select(ProjectCandidate)
            .where(ProjectCandidate.project_id == project_id,
                   ProjectCandidate.contract_id == self.contract_id)
            .order_by(ProjectCandidate.created_at.desc(), ProjectCandidate.id.desc())
        ).all()

    def get_candidate(self, candidate_id: int) -> ProjectCandidate:
        return self._own(ProjectCandidate, candidate_id, "saved candidate")

    def save_candidate(self, project_id: int, member_id: int, *, stage: str = "sourced",
                       notes: str = "") -> ProjectCandidate:
        """Save a member to a project; saving twice returns the existing entry."""
        self.get_project(project_id)
        self._require_member(member_id)
        _check_stage(stage)
        existing = self.session.scalar(
            select(ProjectCandidate).where(ProjectCandidate.project_id == project_id,
                                           ProjectCandidate.member_id == member_id)
        )
        if existing is not None:
            return existing
        row = ProjectCandidate(contract_id=self.contract_id, project_id=project_id,
                               member_id=member_id, saved_by=self.recruiter.id, stage=stage,
                               notes=notes)
        self.session.add(row)
        self.session.flush()
        self.audit("candidate.save", "project_candidate", row.id,
                   {"project_id": project_id, "member_id": member_id})
        return row

    def update_candidate(self, candidate_id: int, *, stage: str | None = None,
                         notes: str | None = None) -> ProjectCandidate:
        row = self.get_candidate(candidate_id)
        if stage is not None:
            _check_stage(stage)
            row.stage = stage
        if notes is not None:
            row.notes = notes
        self.audit("candidate.update", "project_candidate", row.id,
                   {"stage": stage, "notes_changed": notes is not None})
        return row

    def remove_candidate(self, candidate_id: int) -> None:
        row = self.get_candidate(candidate_id)
        self.session.delete(row)
        self.audit("candidate.remove", "project_candidate", candidate_id)

    # -- InMails ---------------------------------------------------------------------------------
    def send_inmail(self, member_id: int, subject: str, body: str = "", *,
                    project_id: int | None = None,
                    search_id: int | None = None) -> InMail:
        subject = (subject or "").strip()
        if not subject:
            raise InvalidInput("an InMail needs a subject")
        if len(subject) > 200:
            raise InvalidInput("an InMail subject is at most 200 characters")
        self._require_member(member_id)
        if project_id is not None:
            self.get_project(project_id)
        if search_id is not None:
            self._own(Search, search_id, "search")
        mail = InMail(contract_id=self.contract_id, recruiter_id=self.recruiter.id,
                      member_id=member_id, project_id=project_id, search_id=search_id,
                      subject=subject, body=body or "")
        self.session.add(mail)
        self.session.flush()
        self.audit("inmail.send", "inmail", mail.id, {"member_id": member_id})
        return mail

    def list_inmails(self, *, status: str | None = None, project_id: int | None = None,
                     limit: int = 200) -> Sequence[InMail]:
        stmt = select(InMail).where(InMail.contract_id == self.contract_id)
        if status:
            if status not in INMAIL_STATUSES:
                raise InvalidInput(f"unknown InMail status {status!r}; use one of "
                                   f"{', '.join(INMAIL_STATUSES)}")
            stmt = stmt.where(InMail.status == status)
        if project_id is not None:
            self.get_project(project_id)
            stmt = stmt.where(InMail.project_id == project_id)
        return self.session.scalars(stmt.order_by(InMail.sent_at.desc(),
                                                  InMail.id.desc()).limit(limit)).all()

    def get_inmail(self, inmail_id: int) -> InMail:
        return self._own(InMail, inmail_id, "InMail")

    def record_inmail_response(self, inmail_id: int, status: str,
                               at: dt.datetime | None = None) -> InMail:
        """Mark an InMail accepted or declined (the member's answer arriving)."""
        if status not in ("accepted", "declined"):
            raise InvalidInput("an InMail response is 'accepted' or 'declined'")
        mail = self.get_inmail(inmail_id)
        mail.status = status
        mail.responded_at = at or utcnow()
        self.audit("inmail.response", "inmail", mail.id, {"status": status})
        return mail

    # -- searches and feedback ---------------------------------------------------------------------
    def log_search(self, *, session_id: str, query_text: str = "",
                   query_json: dict[str, Any] | None = None,
                   query_type: str = "", ranker: str = "", result_count: int = 0,
                   project_id: int | None = None) -> Search:
        if project_id is not None:
            self.get_project(project_id)
        row = Search(contract_id=self.contract_id, recruiter_id=self.recruiter.id,
                     project_id=project_id, session_id=session_id, query_text=query_text,
                     query_json=query_json, query_type=query_type, ranker=ranker,
                     result_count=result_count)
        self.session.add(row)
        self.session.flush()
        return row

    def get_search(self, search_id: int) -> Search:
        return self._own(Search, search_id, "search")

    def record_feedback(self, member_id: int, kind: str, *, search_id: int | None = None,
                        session_id: str | None = None) -> Feedback:
        if kind not in FEEDBACK_KINDS:
            raise InvalidInput(f"unknown feedback {kind!r}; use one of {', '.join(FEEDBACK_KINDS)}")
        self._require_member(member_id)
        if search_id is not None:
            self.get_search(search_id)
        row = Feedback(contract_id=self.contract_id, recruiter_id=self.recruiter.id,
                       member_id=member_id, kind=kind, search_id=search_id, session_id=session_id)
        self.session.add(row)
        self.session.flush()
        return row

    def list_feedback(self, *, session_id: str | None = None,
                      limit: int = 500) -> Sequence[Feedback]:
        stmt = select(Feedback).where(Feedback.contract_id == self.contract_id)
        if session_id is not None:
            stmt = stmt.where(Feedback.session_id == session_id)
        return self.session.scalars(stmt.order_by(Feedback.id.desc()).limit(limit)).all()


def _check_stage(stage: str) -> None:
    if stage not in PROJECT_STAGES:
        raise InvalidInput(f"unknown stage {stage!r}; use one of {', '.join(PROJECT_STAGES)}")
