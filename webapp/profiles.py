"""Member profiles as the API and the profile page show them."""

from __future__ import annotations

from sqlalchemy.orm import Session

from talent.storage.access import load_member
from talent.storage.models import SENIORITY_LEVELS, Member
from webapp.api.models import EducationOut, MemberOut, PositionOut, SkillOut


def location_of(member: Member) -> str | None:
    if member.metro is None:
        return None
    metro = member.metro
    return f"{metro.name}, {metro.region}" if metro.region else metro.name


def member_profile(session: Session, member_id: int) -> MemberOut:
    """The profile of ``member_id`` (raises NotFound); skills ordered by endorsements."""
    m = load_member(session, member_id)
    known = 0 <= m.seniority < len(SENIORITY_LEVELS)
    seniority = SENIORITY_LEVELS[m.seniority] if known else str(m.seniority)
    return MemberOut(
        id=m.id, name=m.full_name, headline=m.headline, summary=m.summary,
        current_title=m.current_title,
        company=m.current_company.name if m.current_company else None, location=location_of(m),
        seniority=seniority,
        years_experience=round(m.years_experience, 1), open_to_work=m.open_to_work,
        positions=[
            PositionOut(title=p.title, company=p.company.name if p.company else None,
                        start_date=p.start_date, end_date=p.end_date, is_current=p.is_current,
                        description=p.description)
            for p in m.positions
        ],
        skills=[SkillOut.model_validate(s)
                for s in sorted(m.skills, key=lambda s: (-s.endorsements, s.name))],
        education=[EducationOut.model_validate(e) for e in
                   sorted(m.education, key=lambda e: -(e.end_year or 0))],
    )
