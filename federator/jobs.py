"""A job (a hiring project with job fields) as a structured query: the one query a job becomes,
for its recommended matches (web app) and for review sessions (web app and evaluation)."""

from __future__ import annotations

from typing import Any

from talent.errors import InvalidInput


def is_job(project: Any) -> bool:
    """Whether the project carries enough job fields to be searched as a query."""
    return bool(project.occupation_id or project.title or project.required_skills)


def job_query(project: Any, metro_name: str | None = None) -> dict[str, Any]:
    """The structured query of ``project`` (title must match; skills, level and place may);
    ``metro_name``: the name of the project's metro when it is not remote."""
    if not is_job(project):
        raise InvalidInput(f"project {project.id} has no job fields: "
                           "give it a title or required skills")
    query: dict[str, Any] = {}
    if project.occupation_id or project.title:
        query["titles"] = {"must_have": [project.occupation_id or project.title]}
    skills = list(dict.fromkeys([*(project.required_skills or []),
                                 *(project.nice_skills or [])]))[:50]
    if skills:
        query["skills"] = {"can_have": skills}
    if project.seniority_min is not None or project.seniority_max is not None:
        bounds = [b for b in (project.seniority_min, project.seniority_max) if b is not None]
        query["seniority"] = {"can_have": list(range(int(bounds[0]), int(bounds[-1]) + 1))}
    if metro_name and not project.remote:
        query["locations"] = {"can_have": [metro_name]}
    return query
