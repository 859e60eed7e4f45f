"""Request and response models of the JSON API (pydantic; the OpenAPI spec is generated from
them)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

from talent.query.parser import MAX_QUERY_CHARS
from talent.query.structured import StructuredQuery
from talent.storage.models import INMAIL_STATUSES, PROJECT_STAGES

MAX_ID = 2**53
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Stage = Literal[PROJECT_STAGES]  # type: ignore[valid-type]
InMailStatus = Literal[INMAIL_STATUSES]  # type: ignore[valid-type]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
QueryText = Annotated[str, StringConstraints(min_length=1, max_length=MAX_QUERY_CHARS)]
StageName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,31}$")]


def _utc(value: dt.datetime) -> dt.datetime:
    """The database keeps UTC without a zone: say so (``...Z`` in JSON)."""
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


UtcDateTime = Annotated[dt.datetime, AfterValidator(_utc)]
"""A timestamp in UTC, serialized with its zone (RFC 3339 ``date-time``)."""


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Reply(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# --- errors --------------------------------------------------------------------------------------
class ErrorDetail(Reply):
    loc: list[str]
    msg: str
    type: str


class ErrorInfo(Reply):
    code: str = Field(
        description="Machine-readable kind: invalid_request, not_found, query_error, ...")
    status: int
    message: str = Field(description="What went wrong and what to do.")
    details: list[ErrorDetail] | None = None
    position: int | None = Field(None, description="0-based character offset of a query error.")
    expected: str | None = None


class ErrorResponse(Reply):
    error: ErrorInfo


# --- search --------------------------------------------------------------------------------------
class SearchBody(Request):
    """A search: boolean text (``"title:nurse AND skill:icu"``) or the structured form."""

    query: QueryText | StructuredQuery = Field(
        description="Boolean query text, or the structured form {text, titles, skills, ...}."
    )
    page: int = Field(1, ge=1, le=1000)
    page_size: int = Field(25, ge=1, le=100)
    facets: bool = Field(True, description="Compute facet counts.")
    project_id: Id | None = Field(
        None, description="The project this search is for (logged with it).")
    session_id: Annotated[str, StringConstraints(max_length=64)] | None = Field(
        None, description="Client session id, logged with the search and with feedback. The good "
                          "fits and misses of that session (review mode, or POST /feedback with "
                          "it) re-order the results (stage 'bandit')."
    )
    stages: dict[StageName, bool] | None = Field(
        None, max_length=16,
        description="Switch ranking stages on or off for this search, e.g. {\"l1\": false} ranks "
                    "by text match, {\"expansion\": false} never adds similar titles (for "
                    "comparisons and debugging; the response's stages say what ran). Unknown "
                    "names are refused.")


class ResultCardOut(Reply):
    member_id: int
    rank: int
    name: str
    title: str
    company: str | None
    location: str | None
    headline: str
    open_to_work: bool
    score: float
    skills: list[str]
    matched_skills: list[str]
    matched_terms: list[str]
    highlights: dict[str, str]


class StageReportOut(Reply):
    name: str = Field(description="The stage: broker, then the federator's stages in order.")
    status: Literal["ran", "off", "failed"] = Field(
        description="failed: the stage raised and was skipped; the ranking is the stage before's.")
    ms: float
    detail: str = Field(description="Why a stage failed, or how a stage that ran was degraded "
                                    "(e.g. a corrupt L1 model: ranked with the previous model or "
                                    "by text match).")


class FacetValueOut(Reply):
    value: Any
    label: str
    count: int


class ExpandedTitleOut(Reply):
    source: str = Field(description="The query's title it expands: occupation id, or text:<title>.")
    source_label: str
    title_id: str = Field(description="The occupation added (refuse it with noexpand:<id>).")
    label: str
    similarity: float = Field(description="Cosine similarity of the title embeddings (LINE).")
    boost: float = Field(description="Its score relative to the asked title's.")


class SuggestionOut(Reply):
    kind: Literal["title", "skill"]
    id: str = Field(description="Occupation or skill id: add it as a must-have or can-have value.")
    label: str
    similarity: float
    expanded: bool = Field(description="The engine added this title to this search.")


class ExpansionOut(Reply):
    applied: bool = Field(description="Expanded titles were OR-ed into the query.")
    reason: str
    mode: str = Field(description="auto (when matches are few), always or off.")
    titles: list[ExpandedTitleOut] = Field(
        description="The expansions used (applied) or available (not applied).")
    suggestions: list[SuggestionOut]
    excluded: list[str] = Field(description="Occupations the query refused (noexpand:).")
    source: str = Field(description="The title embeddings: name@version.")
    matches_before: int | None = Field(
        description="Matches of the query without expansion, when it was counted.")


class SearchOut(Reply):
    search_id: int
    query: str
    query_type: str
    total: int = Field(description="All matches (the engine's count).")
    reachable: int = Field(description="How many of them can be paged through (capped at 1,000).")
    page: int
    page_size: int
    results: list[ResultCardOut]
    facets: dict[str, list[FacetValueOut]]
    standardizations: list[str]
    partial: bool = Field(description="Some index partitions did not answer in time.")
    partitions_answered: list[int]
    partitions_total: int
    ranker: str
    timings: dict[str, float]
    stages: list[StageReportOut] = Field(description="How each ranking stage went, in order.")
    facets_approximate: bool = Field(
        False, description="The facet counts are estimates (the server counts facets of large "
                           "partitions from their top matches: TALENT_FACET_COUNTS=sampled).")
    expansion: ExpansionOut | None = Field(
        None, description="Title expansion: the titles added with their similarity, and related "
                          "titles and skills to add (null: no title embeddings trained).")
    debug: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="Aggregate figures a ranking stage reports, by stage. rerank: MinSkew, "
                    "MaxSkew, NDKL and infeasible prefixes of the top 25 before and after "
                    "representative re-ranking, the utility kept (NDCG@25) and the pool size; "
                    "never a group, a share or anything about one candidate.")


# --- members --------------------------------------------------------------------------------------
class MemberQuery(Request):
    search_id: Id | None = Field(
        None, description="The search the profile was opened from (attributes the view).")


class PositionOut(Reply):
    title: str
    company: str | None
    start_date: dt.date | None
    end_date: dt.date | None
    is_current: bool
    description: str


class SkillOut(Reply):
    skill_id: str
    name: str
    endorsements: int


class EducationOut(Reply):
    school: str
    degree: str
    field: str
    start_year: int | None
    end_year: int | None


class MemberOut(Reply):
    id: int
    name: str
    headline: str
    summary: str
    current_title: str
    company: str | None
    location: str | None
    seniority: str
    years_experience: float
    open_to_work: bool
    positions: list[PositionOut]
    skills: list[SkillOut]
    education: list[EducationOut]


# --- projects and candidates --------------------------------------------------------------------
class ProjectIn(Request):
    name: Name
    title: Annotated[str, StringConstraints(max_length=200)] = ""
    description: Annotated[str, StringConstraints(max_length=10_000)] = ""
    required_skills: list[Annotated[str, StringConstraints(min_length=1, max_length=64)]] = Field(
        default_factory=list, max_length=50)
    nice_skills: list[Annotated[str, StringConstraints(min_length=1, max_length=64)]] = Field(
        default_factory=list, max_length=50)
    remote: bool = False


class ProjectOut(Reply):
    id: int
    name: str
    title: str
    occupation_id: str | None
    description: str
    required_skills: list[str]
    nice_skills: list[str]
    remote: bool
    seniority_min: int | None
    seniority_max: int | None
    status: str
    created_at: UtcDateTime


class ProjectList(Reply):
    projects: list[ProjectOut]


class CandidateIn(Request):
    member_id: Id
    stage: Stage = "sourced"
    notes: Annotated[str, StringConstraints(max_length=10_000)] = ""
    search_id: Id | None = Field(
        None, description="The search the member was found in (attributes the save).")


class CandidateUpdate(Request):
    stage: Stage | None = None
    notes: Annotated[str, StringConstraints(max_length=10_000)] | None = None


class CandidateOut(Reply):
    id: int
    project_id: int
    member_id: int
    member_name: str
    stage: str
    notes: str
    created_at: UtcDateTime
    updated_at: UtcDateTime


class ProjectCandidateList(Reply):
    candidates: list[CandidateOut]


# --- InMails --------------------------------------------------------------------------------------
class InMailIn(Request):
    member_id: Id
    subject: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    body: Annotated[str, StringConstraints(max_length=10_000)] = ""
    project_id: Id | None = None
    search_id: Id | None = None


class InMailQuery(Request):
    status: InMailStatus | None = None
    project_id: Id | None = None
    page: int = Field(1, ge=1, le=100, description="Newest first, page_size per page.")
    page_size: int = Field(50, ge=1, le=100)


class InMailOut(Reply):
    id: int
    member_id: int
    member_name: str
    project_id: int | None
    subject: str
    body: str
    status: str
    sent_at: UtcDateTime
    responded_at: UtcDateTime | None


class InMailList(Reply):
    inmails: list[InMailOut]
    page: int
    page_size: int
    has_more: bool = Field(description="Whether a next page exists.")


# --- feedback -------------------------------------------------------------------------------------
class FeedbackIn(Request):
    member_id: Id
    kind: Literal["good_fit", "not_fit"]
    search_id: Id | None = None
    session_id: Annotated[str, StringConstraints(max_length=64)] | None = None


class FeedbackOut(Reply):
    id: int
    member_id: int
    kind: str
    search_id: int | None
    session_id: str | None
    created_at: UtcDateTime


# --- jobs and recommended matches ----------------------------------------------------------------
class JobOut(Reply):
    id: int
    name: str
    title: str
    occupation_id: str | None
    required_skills: list[str]
    nice_skills: list[str]
    remote: bool
    status: str


class JobList(Reply):
    jobs: list[JobOut]


class PageQuery(Request):
    page: int = Field(1, ge=1, le=1000)
    page_size: int = Field(25, ge=1, le=100)


class MatchOut(Reply):
    card: ResultCardOut
    matching_skills: list[str]
    missing_skills: list[str]


class MatchesOut(Reply):
    search_id: int = Field(description="The logged search (send it with views, saves and InMails).")
    job: JobOut
    query: dict[str, Any] = Field(description="The structured query the job became.")
    total: int
    page: int
    page_size: int
    partial: bool
    standardizations: list[str]
    matches: list[MatchOut]


class RecruiterOut(Reply):
    id: int
    name: str
    email: str
    contract_id: int
    contract: str


class EntityEffectsOut(Reply):
    """One entity's own GLMix effects (logit per standard deviation of each feature)."""

    id: int
    rows: int = Field(description="Training rows (shown candidates) behind these effects.")
    intercept: float
    coefficients: dict[str, float]


class RecruiterModelOut(Reply):
    """Your own L2 ranking model: your effects, your contract's, and the global coefficients
    (``recruiter`` or ``contract`` is null when the model has no data for it: the global model
    ranks for you)."""

    model: str
    l1: str | None
    recruiter_id: int
    contract_id: int | None
    recruiter: EntityEffectsOut | None
    contract: EntityEffectsOut | None
    global_coefficients: dict[str, float]


# --- operators ------------------------------------------------------------------------------------
class ErasureOut(Reply):
    member_id: int
    complete: bool = Field(description="True when no surface holds anything of the member.")
    removed: dict[str, dict[str, int]] = Field(description="Per surface, what was removed.")
    remaining: dict[str, list[str]] = Field(description="Per surface, what it still holds.")
    failed: dict[str, str] = Field(description="Surfaces whose eraser failed, with the reason.")


# --- review mode (one candidate at a time, in-session bandit) -------------------------------------
class ReviewStartIn(Request):
    """A review session for a job (``project_id``: the job's query) or for a query."""

    query: QueryText | StructuredQuery | None = Field(
        None, description="Boolean query text or the structured form (when no project is given).")
    project_id: Id | None = Field(None, description="A job of your contract: its query is used.")
    policy: Literal["thompson", "ucb1"] | None = Field(
        None, description="The bandit over skill groups (default: the server's setting).")
    online_weight: float | None = Field(
        None, ge=0.0, le=1.0,
        description="Weight of the online learner's order (expected good-fit probability from "
                    "the session's verdicts) against the offline order; 0 = the bandit alone "
                    "(default: the server's setting).")


class ReviewGroupOut(Reply):
    group: int
    name: str = Field(description="The group's distinctive skills, joined.")
    skills: list[str]
    size: int
    good_fits: int
    misses: int
    left: int = Field(description="Candidates of the group not presented yet.")
    rate: float = Field(description="Posterior mean good-fit rate (Beta(1, 1) prior).")


class ReviewCandidateOut(Reply):
    member_id: int
    step: int = Field(description="1-based position in the session.")
    name: str
    title: str
    headline: str
    company: str | None
    location: str | None
    skills: list[str]
    group: ReviewGroupOut = Field(description="The skill group the candidate was drawn from.")
    group_skills_held: list[str] = Field(description="Which of the group's name skills they hold.")
    why: str = Field(description="Why this candidate: the group's draw (or the whole pool, once "
                                 "the learner has 5 verdicts) and the score.")
    order: str
    score: float = Field(description="(1 - online_weight) x offline + online_weight x online.")
    offline: float = Field(description="Offline rank in the pool scaled to [0, 1] (1 = top).")
    online: float = Field(description="Rank in the pool by the expected good-fit probability "
                                      "learned from this session's verdicts, scaled to [0, 1] "
                                      "(1 = top).")
    arm_value: float | None = Field(description="The group's sampled rate or upper bound.")
    verdict: str | None


class ReviewSessionOut(Reply):
    session_id: str = Field(description="Send it with searches to re-order them by this session.")
    policy: str
    online_weight: float
    step: int
    pool_size: int
    counts: dict[str, int]
    precision: float | None = Field(description="Good fits among rated candidates so far.")
    groups: list[ReviewGroupOut]
    pending: list[int] = Field(description="Presented candidates without a verdict.")
    project_id: int | None
    silhouette: float | None = Field(description="Of the chosen number of groups.")
    done: bool = Field(description="Every candidate of the pool was presented and rated.")


class ReviewFeedbackIn(Request):
    member_id: Id
    verdict: Literal["good_fit", "not_fit", "skip"]


class ReviewStepOut(Reply):
    session: ReviewSessionOut
    candidate: ReviewCandidateOut | None = Field(
        description="The candidate to review now (null when the pool is used up).")
