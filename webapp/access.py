"""The signed-in recruiter's data access for the current request (UI and API alike)."""

from __future__ import annotations

from flask import g
from sqlalchemy import select

from talent.storage.access import RecruiterScope
from talent.storage.models import Member
from webapp.database import db_session


def scope() -> RecruiterScope:
    """The signed-in recruiter's scope over the request's session (``g.recruiter``, set at sign-in
    or from the API token)."""
    return RecruiterScope(db_session(), g.recruiter)


def member_names(member_ids: list[int]) -> dict[int, str]:
    """Full names of members by id (one query; unknown ids are left out)."""
    if not member_ids:
        return {}
    rows = db_session().execute(select(Member.id, Member.first_name, Member.last_name)
                                .where(Member.id.in_(set(member_ids))))
    return {member_id: f"{first} {last}" for member_id, first, last in rows}
