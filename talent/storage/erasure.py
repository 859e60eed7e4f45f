"""Eraser ``database``: the member's rows in every table of every contract, in one transaction.

Profile rows (members, positions, skills, education), protected attributes, and the recruiter
side of every contract: impressions and feedback (no foreign key to members), saved candidates
and InMails. The ORM delete of the member writes the outbox ``delete`` the live index updater
applies; the erasure is recorded in the audit log (the member's id, no profile data).
"""

from __future__ import annotations

from sqlalchemy import delete, func, select

from talent.erasure import ErasureContext, FunctionEraser, register_eraser
from talent.storage.models import (
    AuditLog,
    Education,
    Feedback,
    Impression,
    InMail,
    Member,
    MemberProtected,
    MemberSkill,
    Position,
    ProfileChange,
    ProjectCandidate,
)

#: Tables holding a member's data, by the column naming the member.
MEMBER_TABLES = (
    (Impression, Impression.member_id),
    (Feedback, Feedback.member_id),
    (ProjectCandidate, ProjectCandidate.member_id),
    (InMail, InMail.member_id),
    (MemberProtected, MemberProtected.member_id),
    (MemberSkill, MemberSkill.member_id),
    (Position, Position.member_id),
    (Education, Education.member_id),
)


def erase_rows(ctx: ErasureContext) -> dict[str, int]:
    removed: dict[str, int] = {}
    with ctx.database.session() as s:
        for model, column in MEMBER_TABLES:
            count = s.execute(delete(model).where(column == ctx.member_id)).rowcount or 0
            removed[model.__tablename__] = int(count)
        member = s.get(Member, ctx.member_id)
        removed["members"] = int(member is not None)
        if member is not None:
            s.delete(member)  # the outbox hook records the delete for the live index updater
            s.flush()
        ctx.facts["outbox_position"] = int(s.scalar(
            select(func.max(ProfileChange.id)).where(ProfileChange.member_id == ctx.member_id))
            or 0)
        s.add(AuditLog(action="member.erase", entity="member", entity_id=str(ctx.member_id),
                       detail={"actor": ctx.actor, "rows": removed}))
    return removed


def remaining_rows(ctx: ErasureContext) -> list[str]:
    found = []
    with ctx.database.session() as s:
        for model, column in ((Member, Member.id), *MEMBER_TABLES):
            count = s.scalar(select(func.count()).select_from(model).where(column == ctx.member_id))
            if count:
                found.append(f"{model.__tablename__}: {count} row(s)")
    return found


register_eraser(FunctionEraser("database", erase_rows, remaining_rows))
