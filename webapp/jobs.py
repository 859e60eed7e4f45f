"""Jobs (projects with job fields) as queries, and their recommended matches with skill gaps."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from federator import jobs as federator_jobs
from talent.storage.access import RecruiterScope
from talent.storage.models import MemberSkill, Metro, Project
from webapp.api.models import JobOut, MatchesOut, MatchOut, ResultCardOut
from webapp.search import run_search


def job_out(project: Project) -> JobOut:
    return JobOut(id=project.id, name=project.name, title=project.title,
                  occupation_id=project.occupation_id,
                  required_skills=list(project.required_skills or []),
                  nice_skills=list(project.nice_skills or []), remote=project.remote,
                  status=project.status)


def is_job(project: Project) -> bool:
    """Whether the project carries enough job fields to be searched as a query."""
    return federator_jobs.is_job(project)


def job_query(session: Session, project: Project) -> dict[str, Any]:
    """The structured query a job becomes: its title must match; its skills, level and place may."""
    metro = session.get(Metro, project.metro_id) if project.metro_id is not None else None
    return federator_jobs.job_query(project, metro.name if metro is not None else None)


def skill_names(session: Session, skill_ids: list[str]) -> dict[str, str]:
    """Display names of skill ids, as members list them."""
    if not skill_ids:
        return {}
    rows = session.execute(
        select(MemberSkill.skill_id, func.min(MemberSkill.name))
        .where(MemberSkill.skill_id.in_(skill_ids)).group_by(MemberSkill.skill_id)
    ).all()
    return {skill_id: name for skill_id, name in rows}


def recommended_matches(scope: RecruiterScope, project_id: int, *, page: int = 1,
                        page_size: int = 25, session_id: str | None = None) -> MatchesOut:
    """Search with the job as the query; each match lists the required skills it has and lacks."""
    project = scope.get_project(project_id)
    query = job_query(scope.session, project)
    outcome = run_search(scope, query, page=page, page_size=page_size, facets=False,
                         session_id=session_id, project_id=project.id)
    response = outcome.response
    required = list(project.required_skills or [])
    names = skill_names(scope.session, required)
    member_ids = [card.member_id for card in response.results]
    held: dict[int, set[str]] = {m: set() for m in member_ids}
    if member_ids and required:
        for member_id, skill_id in scope.session.execute(
            select(MemberSkill.member_id, MemberSkill.skill_id)
            .where(MemberSkill.member_id.in_(member_ids), MemberSkill.skill_id.in_(required))
        ):
            held[member_id].add(skill_id)
    matches = [
        MatchOut(
            card=ResultCardOut.model_validate(card),
            matching_skills=[names.get(s, s) for s in required if s in held[card.member_id]],
            missing_skills=[names.get(s, s) for s in required if s not in held[card.member_id]],
        )
        for card in response.results
    ]
    return MatchesOut(search_id=outcome.search_id, job=job_out(project), query=query,
                      total=response.total, page=response.page, page_size=response.page_size,
                      partial=response.partial, standardizations=list(response.standardizations),
                      matches=matches)
