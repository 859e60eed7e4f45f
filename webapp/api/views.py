"""API endpoints. Each acts as the token's recruiter through :func:`~webapp.access.scope`."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, g

from talent.errors import NotFound
from talent.storage.models import Contract, InMail, ProjectCandidate
from webapp.access import member_names, scope
from webapp.api import review_views
from webapp.api.auth import authenticate
from webapp.api.models import (
    CandidateIn,
    CandidateOut,
    CandidateUpdate,
    ErasureOut,
    FeedbackIn,
    FeedbackOut,
    InMailIn,
    InMailList,
    InMailOut,
    InMailQuery,
    JobList,
    MatchesOut,
    MemberOut,
    MemberQuery,
    PageQuery,
    ProjectCandidateList,
    ProjectIn,
    ProjectList,
    ProjectOut,
    RecruiterModelOut,
    RecruiterOut,
    SearchBody,
    SearchOut,
)
from webapp.api.routing import API_PREFIX, api_route
from webapp.api.spec import spec_json
from webapp.database import db_session
from webapp.exports import project_csv
from webapp.jobs import is_job, job_out, recommended_matches
from webapp.profiles import member_profile
from webapp.review import note_search_feedback
from webapp.search import run_search

bp = Blueprint("api", __name__, url_prefix=API_PREFIX)
bp.before_request(authenticate)
review_views.register(bp)  # review mode's endpoints (webapp/api/review_views.py)


def candidate_out(row: ProjectCandidate, names: dict[int, str]) -> CandidateOut:
    return CandidateOut(id=row.id, project_id=row.project_id, member_id=row.member_id,
                        member_name=names.get(row.member_id, ""), stage=row.stage, notes=row.notes,
                        created_at=row.created_at, updated_at=row.updated_at)


def inmail_out(mail: InMail, names: dict[int, str]) -> InMailOut:
    return InMailOut(id=mail.id, member_id=mail.member_id,
                     member_name=names.get(mail.member_id, ""), project_id=mail.project_id,
                     subject=mail.subject, body=mail.body, status=mail.status, sent_at=mail.sent_at,
                     responded_at=mail.responded_at)


# --- who am I -----------------------------------------------------------------------------------
@api_route(bp, "GET", "/me", summary="The recruiter the token belongs to", response=RecruiterOut,
           tags=("account",))
def me() -> RecruiterOut:
    r = g.recruiter
    contract = db_session().get(Contract, r.contract_id)
    return RecruiterOut(id=r.id, name=r.name, email=r.email, contract_id=r.contract_id,
                        contract=contract.name if contract else "")


@api_route(bp, "GET", "/me/model", summary="Your own L2 ranking model (GLMix effects)",
           response=RecruiterModelOut, tags=("account",), errors=(404,))
def my_model() -> RecruiterModelOut:
    """Your per-recruiter effects, your contract's and the global coefficients of the L2 model
    serving your searches; 404 when no L2 model serves."""
    from webapp.search import search_service

    l2 = next((s for s in search_service().pipeline.stages if s.name == "l2"), None)
    model = getattr(l2, "model", None)
    if model is None:
        raise NotFound("no L2 model serves: run `talent train l2`")
    r = g.recruiter
    report = model.recruiter_report(r.id, r.contract_id)
    report["global_coefficients"] = report.pop("global")
    return RecruiterModelOut.model_validate(report)


# --- search ---------------------------------------------------------------------------------------
@api_route(bp, "POST", "/search", summary="Search candidates", body=SearchBody, response=SearchOut,
           limit="search", tags=("search",))
def search(body: SearchBody) -> SearchOut:
    """Boolean text or the structured form; a page of ranked candidates, facets, timings."""
    query: str | dict[str, Any] = (body.query if isinstance(body.query, str)
                                   else body.query.model_dump(mode="json", exclude_defaults=True))
    outcome = run_search(scope(), query, page=body.page, page_size=body.page_size,
                         facets=body.facets, session_id=body.session_id, project_id=body.project_id,
                         stages=body.stages or {})
    response = outcome.response  # read through attributes: cheaper than SearchResponse.to_dict()
    data = {name: getattr(response, name) for name in SEARCH_FIELDS}
    return SearchOut.model_validate({**data, "search_id": outcome.search_id,
                                     "reachable": outcome.reachable}, from_attributes=True)


SEARCH_FIELDS = tuple(name for name in SearchOut.model_fields
                      if name not in ("search_id", "reachable"))


# --- members --------------------------------------------------------------------------------------
@api_route(bp, "GET", "/members/<int:member_id>", summary="A member's profile", query=MemberQuery,
           response=MemberOut, limit="profile", tags=("members",))
def member(member_id: int, query: MemberQuery) -> MemberOut:
    """Positions, skills and education of one member. The view is recorded as feedback, with the
    search it came from (``search_id``, one of your contract's searches; another's is a 404)."""
    profile = member_profile(db_session(), member_id)
    s = scope()
    s.record_feedback(member_id, "view", search_id=query.search_id)
    s.audit("member.view", "member", member_id, {"search_id": query.search_id})
    return profile


# --- projects -------------------------------------------------------------------------------------
@api_route(bp, "GET", "/projects", summary="Your contract's projects", response=ProjectList,
           tags=("projects",))
def projects() -> ProjectList:
    return ProjectList(projects=[ProjectOut.model_validate(p) for p in scope().list_projects()])


@api_route(bp, "POST", "/projects", summary="Create a project", body=ProjectIn, response=ProjectOut,
           status=201, tags=("projects",))
def create_project(body: ProjectIn) -> ProjectOut:
    fields = body.model_dump(exclude={"name"})
    return ProjectOut.model_validate(scope().create_project(body.name, **fields))


@api_route(bp, "GET", "/projects/<int:project_id>", summary="One project", response=ProjectOut,
           tags=("projects",))
def project(project_id: int) -> ProjectOut:
    return ProjectOut.model_validate(scope().get_project(project_id))


@api_route(bp, "GET", "/projects/<int:project_id>/candidates",
           summary="Candidates saved to a project", response=ProjectCandidateList,
           tags=("projects",))
def candidates(project_id: int) -> ProjectCandidateList:
    rows = scope().list_candidates(project_id)
    names = member_names([r.member_id for r in rows])
    return ProjectCandidateList(candidates=[candidate_out(r, names) for r in rows])


@api_route(bp, "POST", "/projects/<int:project_id>/candidates",
           summary="Save a member to a project", body=CandidateIn, response=CandidateOut,
           status=201, tags=("projects",))
def save_candidate(project_id: int, body: CandidateIn) -> CandidateOut:
    s = scope()
    row = s.save_candidate(project_id, body.member_id, stage=body.stage, notes=body.notes)
    s.record_feedback(body.member_id, "save", search_id=body.search_id)
    return candidate_out(row, member_names([row.member_id]))


@api_route(bp, "PATCH", "/projects/<int:project_id>/candidates/<int:candidate_id>",
           summary="Change a saved candidate's stage or notes", body=CandidateUpdate,
           response=CandidateOut, tags=("projects",))
def update_candidate(project_id: int, candidate_id: int, body: CandidateUpdate) -> CandidateOut:
    s = scope()
    if s.get_candidate(candidate_id).project_id != project_id:
        raise NotFound(f"saved candidate {candidate_id} not found")
    row = s.update_candidate(candidate_id, stage=body.stage, notes=body.notes)
    return candidate_out(row, member_names([row.member_id]))


@api_route(bp, "DELETE", "/projects/<int:project_id>/candidates/<int:candidate_id>",
           summary="Remove a saved candidate", response=None, status=204, tags=("projects",))
def remove_candidate(project_id: int, candidate_id: int) -> None:
    s = scope()
    if s.get_candidate(candidate_id).project_id != project_id:
        raise NotFound(f"saved candidate {candidate_id} not found")
    s.remove_candidate(candidate_id)


@api_route(bp, "GET", "/projects/<int:project_id>/export",
           summary="Export a project's candidates as CSV", response=None, limit="export",
           tags=("projects",), media_type="text/csv")
def export_project(project_id: int) -> Response:
    return project_csv(scope(), project_id)


# --- InMails --------------------------------------------------------------------------------------
@api_route(bp, "GET", "/inmails", summary="InMails your contract sent", query=InMailQuery,
           response=InMailList, tags=("inmails",))
def inmails(query: InMailQuery) -> InMailList:
    """Newest first, one page at a time (``has_more`` says whether another page follows)."""
    offset = (query.page - 1) * query.page_size
    rows = scope().list_inmails(status=query.status, project_id=query.project_id,
                                limit=offset + query.page_size + 1)
    page = list(rows[offset:offset + query.page_size])
    names = member_names([m.member_id for m in page])
    return InMailList(inmails=[inmail_out(m, names) for m in page], page=query.page,
                      page_size=query.page_size, has_more=len(rows) > offset + query.page_size)


@api_route(bp, "POST", "/inmails", summary="Send an InMail", body=InMailIn, response=InMailOut,
           status=201, tags=("inmails",))
def send_inmail(body: InMailIn) -> InMailOut:
    s = scope()
    mail = s.send_inmail(body.member_id, body.subject, body.body, project_id=body.project_id,
                         search_id=body.search_id)
    s.record_feedback(body.member_id, "inmail", search_id=body.search_id)
    return inmail_out(mail, member_names([mail.member_id]))


@api_route(bp, "GET", "/inmails/<int:inmail_id>", summary="One InMail", response=InMailOut,
           tags=("inmails",))
def inmail(inmail_id: int) -> InMailOut:
    mail = scope().get_inmail(inmail_id)
    return inmail_out(mail, member_names([mail.member_id]))


# --- feedback -------------------------------------------------------------------------------------
@api_route(bp, "POST", "/feedback", summary="Mark a candidate a good fit or not a fit",
           body=FeedbackIn, response=FeedbackOut, status=201, tags=("feedback",))
def feedback(body: FeedbackIn) -> FeedbackOut:
    """Recorded with the search and session ids, for training and evaluation. With a session id,
    the session's learned skill weights take it too: the next search carrying that session id is
    re-ordered by it (stage ``bandit``)."""
    s = scope()
    row = s.record_feedback(body.member_id, body.kind, search_id=body.search_id,
                            session_id=body.session_id)
    note_search_feedback(s, body.session_id, body.member_id, body.kind)
    return FeedbackOut.model_validate(row)


# --- jobs -----------------------------------------------------------------------------------------
@api_route(bp, "GET", "/jobs", summary="Your contract's jobs (projects with job fields)",
           response=JobList, tags=("jobs",))
def jobs() -> JobList:
    return JobList(jobs=[job_out(p) for p in scope().list_projects() if is_job(p)])


@api_route(bp, "GET", "/jobs/<int:job_id>/matches", summary="Recommended matches for a job",
           query=PageQuery, response=MatchesOut, limit="search", tags=("jobs",))
def job_matches(job_id: int, query: PageQuery) -> MatchesOut:
    """The job as the query; each match lists the required skills it has and the ones it lacks."""
    return recommended_matches(scope(), job_id, page=query.page, page_size=query.page_size)


# --- the spec -------------------------------------------------------------------------------------
@api_route(bp, "GET", "/openapi.json", summary="This API's OpenAPI 3.1 description", response=None,
           public=True, tags=("meta",))
def openapi_spec() -> Response:
    return Response(spec_json(current_app), mimetype="application/json")


# --- operators ------------------------------------------------------------------------------------
@api_route(bp, "POST", "/admin/members/<int:member_id>/erase", summary="Erase a member everywhere",
           response=ErasureOut, tags=("operators",), admin=True)
def erase_member(member_id: int) -> ErasureOut:
    """Operators only (the admin token, TALENT_ADMIN_TOKEN): the member's rows of every contract,
    the search index, caches, cached training features and world files; then every surface is
    read again (``complete``). A member no surface holds is a 404. Recorded in the audit log."""
    from talent.erasure import ErasureContext
    from talent.erasure import erase_member as erase

    db_session().rollback()  # the erasure uses its own transactions
    report = erase(ErasureContext(member_id, current_app.extensions["talent.settings"],
                                  current_app.extensions["talent.db"], actor="operator-api"))
    return ErasureOut.model_validate(report.to_dict())
