"""UI views. Each acts as the signed-in recruiter through :class:`RecruiterScope`."""

from __future__ import annotations

import html as html_lib
import re
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode, urlparse

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from markupsafe import Markup, escape
from sqlalchemy import func, select
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms.fields.choices import SelectChoice  # type: ignore[import-untyped]

from federator.types import FacetValue
from talent.errors import InvalidInput, NotFound, QueryError, TalentError
from talent.storage.access import RecruiterScope
from talent.storage.models import (
    FEEDBACK_KINDS,
    INMAIL_STATUSES,
    SENIORITY_LEVELS,
    Feedback,
    InMail,
    Member,
    Project,
    ProjectCandidate,
)
from webapp import sessions as web_sessions
from webapp.access import scope
from webapp.api.models import MAX_ID
from webapp.auth import set_password, set_token, verify_password
from webapp.database import db_session
from webapp.exports import project_csv
from webapp.extensions import rate_limited
from webapp.jobs import is_job, recommended_matches
from webapp.profiles import member_profile
from webapp.review import note_search_feedback
from webapp.search import own_search_id, run_search, search_service
from webapp.ui import review_views
from webapp.ui.facets import (
    ROLE_LABELS,
    ROLE_SYMBOLS,
    chips,
    facet_panels,
    read_selection,
    selection_problems,
    value_labels,
    with_args,
)
from webapp.ui.forms import (
    ActionForm,
    CandidateForm,
    FeedbackForm,
    InMailForm,
    PasswordForm,
    ProjectForm,
    SaveToProjectForm,
    SignInForm,
)
from webapp.ui.suggestions import expansion_panel

bp = Blueprint("ui", __name__)
review_views.register(bp)  # review mode's pages (webapp/ui/review_views.py)

OPEN_ENDPOINTS = {"ui.login", "static"}
"""Endpoints served without signing in."""


@bp.before_app_request
def _load_recruiter() -> None:
    if request.path.startswith("/api/"):
        return
    g.recruiter = web_sessions.current(db_session())


@bp.before_request
def _require_sign_in() -> WerkzeugResponse | None:
    if g.get("recruiter") is None and request.endpoint not in OPEN_ENDPOINTS:
        next_path = request.full_path if request.method == "GET" else None
        return redirect(url_for("ui.login", next=next_path))
    return None


def session_id() -> str:
    if "sid" not in session:
        session["sid"] = uuid.uuid4().hex
    return str(session["sid"])


def _safe_next(target: str | None) -> str:
    path = target or ""
    if path.startswith("/") and not path.startswith("//") and not urlparse(path).netloc:
        return path
    return url_for("ui.search")


def _project_choices(s: RecruiterScope) -> list[SelectChoice]:
    projects = [SelectChoice(str(p.id), p.name) for p in s.list_projects()]
    return [SelectChoice("", "— choose a project —"), *projects]


@bp.app_template_filter("snippet")
def _snippet(html: str) -> Markup:
    """An engine snippet with ``<b>`` marks, escaped except for the marks (shown as ``<mark>``)."""
    marked = str(html).replace("<b>", "\x01").replace("</b>", "\x02")
    raw = html_lib.unescape(marked)  # the engine escapes once
    text = str(escape(raw))
    return Markup(text.replace("\x01", "<mark>").replace("\x02", "</mark>"))


@bp.app_template_filter("mark")
def _mark(text: str, stems: list[str]) -> Markup:
    """``text`` escaped, with words that start with a matched term (stem) marked."""
    out = []
    for word in re.split(r"(\W+)", text):
        lowered = word.lower()
        hit = word.strip() and any(s and lowered.startswith(s) for s in stems)
        out.append(f"<mark>{escape(word)}</mark>" if hit else str(escape(word)))
    return Markup("".join(out))


@bp.app_template_filter("month")
def _month(value: Any) -> str:
    """A date as recruiters read it on a profile: ``Apr 2023``."""
    return value.strftime("%b %Y") if value else ""


@bp.app_template_filter("qs")
def _qs(args: Any) -> str:
    return "?" + urlencode(list(args.items(multi=True)))


# --- sign-in --------------------------------------------------------------------------------------
@bp.route("/login", methods=["GET", "POST"])
@rate_limited("login", methods=("POST",))  # per client address: slows password guessing
def login() -> Any:
    form = SignInForm()
    error = None
    if form.validate_on_submit():
        recruiter = verify_password(db_session(), form.email.data or "", form.password.data or "")
        if recruiter is not None:
            web_sessions.start(db_session(), recruiter)
            RecruiterScope(db_session(), recruiter).audit("auth.sign_in")
            db_session().commit()
            return redirect(_safe_next(request.args.get("next")))
        error = "E-mail or password is not right."
    status = 401 if error else 200
    return render_template("login.html", form=form, error=error), status



@bp.route("/logout", methods=["POST"])
def logout() -> Any:
    """Sign out: the server-side session ends, so a copy of the cookie opens nothing either."""
    recruiter = g.get("recruiter")
    web_sessions.end(db_session())
    if recruiter is not None:
        RecruiterScope(db_session(), recruiter).audit("auth.sign_out")
    db_session().commit()
    return redirect(url_for("ui.login"))


# --- search ---------------------------------------------------------------------------------------
FACET_VALUES_SHOWN = 8
"""Values of a facet panel shown before its "N more" fold."""


@bp.route("/")
def index() -> Any:
    return redirect(url_for("ui.search"))


@bp.route("/search")
@rate_limited("search")
def search() -> Any:
    selection = read_selection(request.args)
    page_size = int(current_app.config["PAGE_SIZE"])
    outcome, error = None, None
    problems = selection_problems(request.args)
    # a review session's id re-orders the results by its feedback (stage ``bandit``)
    search_session = request.args.get("session") or session_id()
    if problems:
        error = QueryError("; ".join(problems))
    elif not selection.empty:
        try:
            outcome = run_search(scope(), selection.query(), page=selection.page,
                                 page_size=page_size, session_id=search_session)
            db_session().commit()
            session["last_search"] = {"id": outcome.search_id, "url": request.full_path}
        except QueryError as exc:
            error = exc
        except InvalidInput as exc:
            error = QueryError(str(exc))
    pages, panels, applied, expansion = 0, [], [], None
    if outcome is not None:
        pages = max(1, -(-outcome.reachable // page_size))
        facets = outcome.response.facets
        panels = facet_panels(selection, request.args, facets)
        name_of = _value_namer(facets)
        applied = chips(selection, request.args, name_of)
        expansion = expansion_panel(selection, request.args, outcome.response.expansion,
                                    {t: name_of("titles", t) for t in selection.no_expand})
    page = render_template("search.html", selection=selection, outcome=outcome, error=error,
                           pages=pages, page_size=page_size, panels=panels, chips=applied,
                           expansion=expansion,
                           role_labels=ROLE_LABELS, role_symbols=ROLE_SYMBOLS, with_args=with_args,
                           shown_values=FACET_VALUES_SHOWN, args=request.args,
                           show_timings=request.args.get("timings") == "1",
                           review_args=urlencode([(k, v) for k, v in request.args.items(multi=True)
                                                  if k not in ("page", "session", "timings")]),
                           reordered=_reordered(outcome))
    return page, 400 if error is not None else 200



def _reordered(outcome: Any) -> bool:
    """Whether stage ``bandit`` changed this search's order (a session with feedback)."""
    if outcome is None:
        return False
    return any(r.name == "bandit" and r.status == "ran" for r in outcome.response.stages) and \
        "bandit.score" in outcome.response.timings


def _value_namer(facets: dict[str, list[FacetValue]]) -> Callable[[str, str], str]:
    """Names of facet values in the query string: the engine's labels, else the taxonomy's."""
    labels = value_labels(facets)
    taxonomy = getattr(search_service(), "taxonomy", None)

    def name_of(facet: str, value: str) -> str:
        if (facet, value) in labels:
            return labels[(facet, value)]
        if taxonomy is not None:
            if facet == "titles" and value in taxonomy.occupations:
                return str(taxonomy.occupations[value].title)
            if facet == "skills" and value in taxonomy.skills:
                return str(taxonomy.skills[value].name)
            if facet == "industries" and value.isdigit():
                return str(taxonomy.industries.get(int(value), value))
        if facet == "seniority" and value.isdigit() and int(value) < len(SENIORITY_LEVELS):
            return SENIORITY_LEVELS[int(value)]
        return value

    return name_of


# --- profiles -------------------------------------------------------------------------------------
@bp.route("/members/<int:member_id>")
@rate_limited("profile")
def profile(member_id: int) -> Any:
    s = scope()
    member = member_profile(db_session(), member_id)
    search_id = own_search_id(s, id_value(request.args.get("search_id")))
    s.record_feedback(member_id, "view", session_id=session_id(), search_id=search_id)
    s.audit("member.view", "member", member_id, {"search_id": search_id})
    db_session().commit()
    save_form = SaveToProjectForm(formdata=None, search_id=search_id)
    save_form.project_id.choices = _project_choices(s)
    mail_form = InMailForm(formdata=None, search_id=search_id)
    mail_form.project_id.choices = _project_choices(s)
    # what the contract already did with this member: one query each, the contract's rows only
    db = db_session()
    saved_in = db.scalars(
        select(Project).join(ProjectCandidate, ProjectCandidate.project_id == Project.id)
        .where(ProjectCandidate.contract_id == s.contract_id, Project.contract_id == s.contract_id,
               ProjectCandidate.member_id == member_id).order_by(Project.name)).all()
    mails = db.scalars(
        select(InMail).where(InMail.contract_id == s.contract_id, InMail.member_id == member_id)
        .order_by(InMail.sent_at.desc()).limit(20)).all()
    verdicts = set(db.scalars(select(Feedback.kind).where(
        Feedback.contract_id == s.contract_id, Feedback.session_id == session_id(),
        Feedback.member_id == member_id, Feedback.kind.in_(("good_fit", "not_fit")))))
    return render_template("profile.html", member=member, save_form=save_form, mail_form=mail_form,
                           feedback_form=FeedbackForm(), saved_in=saved_in, mails=mails,
                           verdicts=verdicts, search_id=search_id, back=_back_to_results(search_id))



@bp.route("/members/<int:member_id>/save", methods=["POST"])
def save_to_project(member_id: int) -> Any:
    s = scope()
    form = SaveToProjectForm()
    form.project_id.choices = _project_choices(s)
    if not form.validate_on_submit():
        raise InvalidInput("choose a project or name a new one")
    if (form.new_project.data or "").strip():
        project = s.create_project(form.new_project.data or "")
    elif form.project_id.data:
        project = s.get_project(_int(form.project_id.data))
    else:
        raise InvalidInput("choose a project or name a new one")
    s.save_candidate(project.id, member_id, notes=form.notes.data or "")
    search_id = own_search_id(s, form.search_id.data)
    s.record_feedback(member_id, "save", session_id=session_id(), search_id=search_id)
    db_session().commit()
    flash(f"Saved to {project.name}.", "ok")
    return redirect(url_for("ui.profile", member_id=member_id, search_id=search_id))


@bp.route("/members/<int:member_id>/inmail", methods=["POST"])
def send_inmail(member_id: int) -> Any:
    s = scope()
    form = InMailForm()
    form.project_id.choices = _project_choices(s)
    if not form.validate_on_submit():
        raise InvalidInput("an InMail needs a subject (at most 200 characters)")
    project_id = _int(form.project_id.data) if form.project_id.data else None
    search_id = own_search_id(s, form.search_id.data)
    s.send_inmail(member_id, form.subject.data or "", form.body.data or "", project_id=project_id,
                  search_id=search_id)
    s.record_feedback(member_id, "inmail", session_id=session_id(), search_id=search_id)
    db_session().commit()
    flash("InMail sent.", "ok")
    return redirect(url_for("ui.inmails"))


@bp.route("/members/<int:member_id>/feedback/<kind>", methods=["POST"])
def feedback(member_id: int, kind: str) -> Any:
    if kind not in ("good_fit", "not_fit") or kind not in FEEDBACK_KINDS:
        abort(404)
    s = scope()
    s.record_feedback(member_id, kind, session_id=session_id(),
                      search_id=own_search_id(s, id_value(request.form.get("search_id"))))
    note_search_feedback(s, session_id(), member_id, kind)
    db_session().commit()
    if request.headers.get("X-Requested-With") == "fetch":
        return jsonify({"recorded": kind})
    flash("Thanks: noted.", "ok")
    return redirect(url_for("ui.profile", member_id=member_id))


def _back_to_results(search_id: int | None) -> str | None:
    """The results page a profile was opened from (this session's last search page), if known."""
    last = session.get("last_search")
    if search_id is not None and isinstance(last, dict) and last.get("id") == search_id:
        return str(last.get("url") or "") or None
    return None


def _members(member_ids: list[int]) -> dict[int, Member]:
    """Members by id (one query)."""
    return {m.id: m for m in db_session().scalars(select(Member).where(Member.id.in_(member_ids)))}


def _int(value: str | None) -> int:
    """A project id from a form (a value that is no id is a project not found)."""
    number = id_value(value)
    if number is None:
        raise NotFound(f"project {str(value)[:40]!r} not found")
    return number


def id_value(value: Any) -> int | None:
    """``value`` as an entity id (1 .. 2^53), else ``None``: query strings and forms carry text,
    and a number past what the database stores (2^63 overflows SQLite) must never reach a query."""
    try:
        number = int(str(value).strip()) if value is not None and len(str(value)) <= 20 else None
    except ValueError:
        return None
    return number if number is not None and 1 <= number <= MAX_ID else None


# --- projects -------------------------------------------------------------------------------------
@bp.route("/projects", methods=["GET", "POST"])
def projects() -> Any:
    s = scope()
    form = ProjectForm()
    if form.validate_on_submit():
        project = s.create_project(form.name.data or "", title=form.title.data or "",
                                   remote=bool(form.remote.data))
        db_session().commit()
        return redirect(url_for("ui.project", project_id=project.id))
    rows = s.list_projects()
    counts = db_session().execute(
        select(ProjectCandidate.project_id, func.count())
        .where(ProjectCandidate.contract_id == s.contract_id).group_by(ProjectCandidate.project_id))
    saved: dict[int, int] = {project_id: count for project_id, count in counts}
    return render_template("projects.html", projects=rows, form=form, is_job=is_job, saved=saved)


@bp.route("/projects/<int:project_id>")
def project(project_id: int) -> Any:
    s = scope()
    proj = s.get_project(project_id)
    rows = s.list_candidates(project_id)
    members = _members([r.member_id for r in rows])
    forms = {}
    for r in rows:
        f = CandidateForm(prefix=f"c{r.id}", formdata=None)
        f.stage.data = r.stage
        f.notes.data = r.notes
        forms[r.id] = f
    return render_template("project.html", project=proj, rows=rows, members=members, forms=forms,
                           is_job=is_job(proj))


@bp.route("/projects/<int:project_id>/candidates/<int:candidate_id>", methods=["POST"])
def update_candidate(project_id: int, candidate_id: int) -> Any:
    s = scope()
    row = s.get_candidate(candidate_id)
    if row.project_id != project_id:
        raise NotFound(f"saved candidate {candidate_id} not found")
    form = CandidateForm(prefix=f"c{candidate_id}")
    if not form.validate_on_submit():
        raise InvalidInput("pick a stage from the list")
    s.update_candidate(candidate_id, stage=form.stage.data, notes=form.notes.data or "")
    db_session().commit()
    flash("Candidate updated.", "ok")
    return redirect(url_for("ui.project", project_id=project_id))


@bp.route("/projects/<int:project_id>/export.csv")
@rate_limited("export")
def export_project(project_id: int) -> Response:
    return project_csv(scope(), project_id)


@bp.route("/projects/<int:project_id>/matches")
@rate_limited("search")
def matches(project_id: int) -> Any:
    page = min(1000, max(1, request.args.get("page", 1, type=int) or 1))
    error = None
    result = None
    try:
        result = recommended_matches(scope(), project_id, page=page, session_id=session_id())
        db_session().commit()
        session["last_search"] = {"id": result.search_id, "url": request.full_path}
    except NotFound:
        raise
    except TalentError as exc:
        if exc.http_status >= 500:
            raise
        error = str(exc)
    return render_template("matches.html", project=scope().get_project(project_id), result=result,
                           error=error, page=page), 200 if error is None else 422



# --- account --------------------------------------------------------------------------------------
@bp.route("/account", methods=["GET", "POST"])
def account() -> Any:
    """The recruiter's account: a new API token on request (shown once; only its hash is kept)."""
    form = ActionForm()
    token = None
    if request.method == "POST":
        if not form.validate_on_submit():
            raise InvalidInput("the form expired: reload the page and try again")
        recruiter = g.recruiter
        token = set_token(recruiter)
        RecruiterScope(db_session(), recruiter).audit("auth.new_token", "recruiter", recruiter.id)
        db_session().commit()
    return render_template("account.html", form=form, token=token,
                           has_token=bool(g.recruiter.api_token_hash),
                           password_form=PasswordForm(formdata=None))


@bp.route("/account/password", methods=["POST"])
@rate_limited("login")  # slows guessing the current password with a stolen session
def change_password() -> Any:
    """A new password: every session of the recruiter ends (other browsers are signed out), this
    browser gets a new one."""
    form = PasswordForm()
    recruiter = g.recruiter
    if not form.validate_on_submit():
        raise InvalidInput("; ".join(e for errors in form.errors.values() for e in errors)
                           or "the form expired: reload the page and try again")
    if verify_password(db_session(), recruiter.email, form.current.data or "") is None:
        raise InvalidInput("the current password is not right")
    set_password(recruiter, form.new.data or "")
    web_sessions.end_all(db_session(), recruiter.id)
    web_sessions.start(db_session(), recruiter)
    RecruiterScope(db_session(), recruiter).audit("auth.password_change", "recruiter",
                                                  recruiter.id)
    db_session().commit()
    flash("Password changed: other browsers are signed out.", "ok")
    return redirect(url_for("ui.account"))


# --- InMails --------------------------------------------------------------------------------------
@bp.route("/inmails")
def inmails() -> Any:
    s = scope()
    status = request.args.get("status") or None
    if status is not None and status not in INMAIL_STATUSES:
        status = None
    page = min(100, max(1, request.args.get("page", 1, type=int) or 1))
    size = INMAILS_PER_PAGE
    found = s.list_inmails(status=status, limit=page * size + 1)
    rows = list(found[(page - 1) * size:page * size])
    members = _members([r.member_id for r in rows])
    projects = {p.id: p for p in s.list_projects()}
    return render_template("inmails.html", rows=rows, members=members, projects=projects,
                           status=status, statuses=INMAIL_STATUSES, page=page,
                           has_more=len(found) > page * size)


INMAILS_PER_PAGE = 50

