"""The server-rendered UI: sign-in, CSRF, search with facets, profiles, projects, InMails, jobs."""

from __future__ import annotations

import html as html_lib
import re

import pytest
from conftest import make_app, member_ids, sign_in_as


# --- sign-in --------------------------------------------------------------------------------------
def test_pages_redirect_to_sign_in(client):
    r = client.get("/search?q=nurse")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_wrong_password_is_refused(web_world):
    c = make_app(web_world, WTF_CSRF_ENABLED=False).test_client()
    r = c.post("/login", data={"email": web_world.alice.email, "password": "nope"})
    assert r.status_code == 401 and "not right" in r.text


def test_sign_in_needs_the_csrf_token(csrf_app, web_world):
    c = csrf_app.test_client()
    creds = {"email": web_world.alice.email, "password": web_world.alice.password}
    assert c.post("/login", data=creds).status_code != 302
    token = re.search(r'id="csrf_token" name="csrf_token" type="hidden" value="([^"]+)"',
                      c.get("/login").text).group(1)
    r = c.post("/login", data={**creds, "csrf_token": token})
    assert r.status_code == 302


def test_session_cookie_is_secure_and_http_only(csrf_app, web_world):
    c = csrf_app.test_client()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                      c.get("/login").text).group(1)
    r = c.post("/login", data={"email": web_world.alice.email, "password": web_world.alice.password,
                               "csrf_token": token})
    cookie = r.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_forms_without_csrf_token_are_rejected(csrf_app, web_world):
    c = csrf_app.test_client()
    sign_in_as(c, web_world, web_world.alice.recruiter_id)
    r = c.post("/projects", data={"name": "no token"})
    assert r.status_code == 400


def test_sign_out_ends_the_session(ui):
    ui.post("/logout")
    assert ui.get("/projects").status_code == 302


# --- search ---------------------------------------------------------------------------------------
def test_search_page_shows_cards_interpretation_facets_and_timings(ui):
    html = ui.get("/search?q=title:nurse").text
    assert "candidates" in html and 'class="result card"' in html
    assert "title: Registered Nurses" in html
    for facet in ("skills", "locations", "seniority"):
        assert f'data-facet="{facet}"' in html
    assert 'data-facet="years_experience"' in html and 'data-facet="open_to_work"' in html
    assert "Stage timings" in html


def test_facet_links_apply_must_can_and_doesnt_have(ui):
    html = ui.get("/search?q=nurse").text
    link = re.search(r'href="(\?[^"]*f\.locations\.must=[^"]+)"', html).group(1).replace("&amp;",
                                                                                         "&")
    narrowed = ui.get("/search" + link).text
    assert "location:" in narrowed and 'class="chip must"' in narrowed


def test_matched_terms_are_highlighted(ui):
    assert "<mark>" in ui.get("/search?q=nurse").text


def test_query_errors_are_explained_with_a_caret(ui):
    html = ui.get("/search?q=title:(nurse%20OR").text
    assert "Query error" in html and "^" in html


def test_no_results_says_so(ui):
    html = ui.get("/search?q=zzzyyyxxx").text
    assert "No candidates match" in html


def test_pagination_links_move_between_pages(ui):
    html = ui.get("/search?q=nurse%20OR%20software").text
    assert 'rel="next"' in html
    assert "page 2 of" in ui.get("/search?q=nurse%20OR%20software&page=2").text


# --- profile, projects, InMails -------------------------------------------------------------------
def test_profile_page_shows_positions_skills_and_education(ui, web_world):
    member = member_ids(web_world, 1)[0]
    html = ui.get(f"/members/{member}").text
    assert all(part in html for part in ("Experience", "Skills", "Education", "Send InMail"))


def test_unknown_profile_is_404(ui):
    assert ui.get("/members/99999999").status_code == 404


def test_save_to_a_new_project_then_see_it_in_the_project(ui, web_world):
    member = member_ids(web_world, 2)[1]
    r = ui.post(f"/members/{member}/save",
                data={"project_id": "", "new_project": "UI shortlist", "notes": "n"})
    assert r.status_code == 302
    projects = ui.get("/projects").text
    pid = re.search(r'href="/projects/(\d+)">UI shortlist', projects).group(1)
    assert f"/members/{member}" in ui.get(f"/projects/{pid}").text


def test_changing_a_candidates_stage(ui, web_world):
    member = member_ids(web_world, 1)[0]
    ui.post(f"/members/{member}/save", data={"new_project": "Stages"})
    pid = re.search(r'href="/projects/(\d+)">Stages', ui.get("/projects").text).group(1)
    cid = re.search(r'/projects/\d+/candidates/(\d+)"', ui.get(f"/projects/{pid}").text).group(1)
    r = ui.post(f"/projects/{pid}/candidates/{cid}",
                data={f"c{cid}-stage": "interview", f"c{cid}-notes": "ok"})
    assert r.status_code == 302
    assert '<option selected value="interview">' in ui.get(f"/projects/{pid}").text


def test_sent_inmail_is_listed(ui, web_world):
    member = member_ids(web_world, 3)[2]
    r = ui.post(f"/members/{member}/inmail", data={"subject": "A role for you", "body": "Hi"})
    assert r.status_code == 302
    html = ui.get("/inmails").text
    assert "A role for you" in html and "pending" in html


def test_inmail_without_subject_is_refused(ui, web_world):
    member = member_ids(web_world, 1)[0]
    assert ui.post(f"/members/{member}/inmail", data={"subject": ""}).status_code == 422


def test_feedback_buttons_record_the_verdict(ui, web_world):
    member = member_ids(web_world, 1)[0]
    r = ui.post(f"/members/{member}/feedback/good_fit", headers={"X-Requested-With": "fetch"})
    assert r.json == {"recorded": "good_fit"}
    assert 'class="good_fit on"' in ui.get(f"/members/{member}").text
    assert ui.post(f"/members/{member}/feedback/maybe").status_code == 404


def test_another_contracts_project_is_404_in_the_ui(ui, web_world):
    from talent.storage.access import RecruiterScope

    with web_world.database.session() as s:
        pid = RecruiterScope(s, web_world.bob.recruiter_id).create_project("B hidden").id
    assert ui.get(f"/projects/{pid}").status_code == 404
    assert ui.get(f"/projects/{pid}/matches").status_code == 404
    member = member_ids(web_world, 1)[0]
    assert ui.post(f"/members/{member}/save", data={"project_id": str(pid)}).status_code == 404


def test_job_matches_page_shows_matching_and_missing_skills(ui, web_world):
    from talent.storage.access import RecruiterScope

    with web_world.database.session() as s:
        projects = RecruiterScope(s, web_world.alice.recruiter_id).list_projects()
        # a generated job, not a test's project
        pid = next(p.id for p in projects if p.required_skills and p.occupation_id)
    html = ui.get(f"/projects/{pid}/matches").text
    assert "Recommended matches" in html and ("skill matched" in html or "skill missing" in html)


def test_export_csv_from_the_ui(ui, web_world):
    ui.post(f"/members/{member_ids(web_world, 1)[0]}/save", data={"new_project": "CSV"})
    pid = re.search(r'href="/projects/(\d+)">CSV', ui.get("/projects").text).group(1)
    r = ui.get(f"/projects/{pid}/export.csv")
    assert r.mimetype == "text/csv" and len(r.text.splitlines()) == 2


def test_engine_snippets_are_escaped_once_and_marked():
    from webapp.ui.views import _snippet

    expected = "Ashford &amp; <mark>Crane</mark> &lt;script&gt;"
    assert str(_snippet("Ashford &amp; <b>Crane</b> <script>")) == expected


def _total(html: str) -> int:
    found = re.search(r"<strong>([\d,]+)</strong> candidates", html)
    return int(found.group(1).replace(",", "")) if found else 0


def _rows(html: str, facet: str) -> list[tuple[str, int, dict[str, str]]]:
    """(label, count, role -> link) of each value in the facet panel ``facet``."""
    panel = re.search(rf'<details class="facet" open data-facet="{facet}">'
                      r'(.*?)(?=<details class="facet"|</aside>)', html, re.DOTALL)
    assert panel, f"no {facet} panel"
    rows = []
    for item in re.findall(r'<li class="fv[^"]*">(.*?)</li>', panel.group(1), re.DOTALL):
        label = re.search(r'<span class="label"[^>]*>(.*?)</span>', item).group(1)
        count = int(re.search(r'<span class="count">([\d,]+)</span>', item).group(1)
                    .replace(",", ""))
        anchors = re.findall(r'<a class="role role-(\w+)[^"]*"[^>]*href="([^"]+)"', item)
        links = {role: href.replace("&amp;", "&") for role, href in anchors}
        rows.append((label, count, links))
    return rows


FACETS = ["titles", "skills", "companies", "locations", "industries", "seniority",
          "years_experience", "open_to_work"]


@pytest.mark.parametrize("facet", FACETS)
def test_facet_must_and_doesnt_have_agree_with_the_engines_counts(ui, facet):
    html = ui.get("/search?q=nurse%20OR%20software").text
    total = _total(html)
    label, count, links = next(r for r in _rows(html, facet) if "must" in r[2] and "not" in r[2])
    assert 0 < count < total, label
    assert _total(ui.get("/search" + links["must"]).text) == count
    assert _total(ui.get("/search" + links["not"]).text) == total - count


def test_years_of_experience_buckets_partition_the_results_and_agree_with_their_links(ui):
    html = ui.get("/search?q=nurse%20OR%20software").text
    total = _total(html)
    rows = _rows(html, "years_experience")
    assert [r[0] for r in rows] == ["0-2 years", "3-5 years", "6-10 years", "11-15 years",
                                    "16+ years"]
    assert sum(r[1] for r in rows) == total
    for label, count, links in rows:
        assert _total(ui.get("/search" + links["must"]).text) == count, label
        assert "can" not in links  # a filter in the engine: no can-have
    # doesn't have: offered at the ends of the selection, narrowing one bucket at a time
    assert [("not" in links) for _, _, links in rows] == [True, False, False, False, True]
    page = ui.get("/search" + rows[0][2]["not"]).text
    assert _total(page) == total - rows[0][1] and "Years of experience: 3+ years" in page
    narrowed = _rows(page, "years_experience")
    assert [r[0] for r in narrowed] == ["3-5 years", "6-10 years", "11-15 years", "16+ years"]
    both = ui.get("/search" + narrowed[-1][2]["not"]).text
    assert _total(both) == total - rows[0][1] - rows[-1][1]
    assert "Years of experience: 3-15 years" in both


def test_years_of_experience_in_the_query_string_are_whole_years():
    from werkzeug.datastructures import MultiDict

    from webapp.ui.facets import parse_years, read_selection, years_of_value

    assert parse_years("3-5") == (3, 5) and parse_years("16-") == (16, None)
    assert parse_years("0-2") == (None, 2)
    assert parse_years("5-3") is None and parse_years("x") is None and parse_years("0-") is None
    years = read_selection(MultiDict({"yoe": "3-5"})).query()["years_experience"]
    assert years["min"] == 3.0 and 5.99 < years["max"] < 6.0  # 3 <= years < 6, both ends inclusive
    assert years_of_value(years) == (3, 5)


def test_open_to_work_must_and_doesnt_have(ui):
    total = _total(ui.get("/search?q=nurse").text)
    yes = ui.get("/search?q=nurse&otw=1").text
    no = ui.get("/search?q=nurse&otw=0").text
    assert _total(yes) + _total(no) == total and "Not open to work" in no
    cards = re.findall(r'<li class="result card".*?</li>', yes, re.DOTALL)
    assert all("badge otw" in card for card in cards)
    assert "badge otw" not in no


def test_applied_filters_are_chips_with_names_and_remove_links(ui):
    html = ui.get("/search?q=nurse").text
    skill_label, _, links = _rows(html, "skills")[0]
    excluded = ui.get("/search" + links["not"]).text
    chip = re.search(r'<span class="chip not">(.*?) <a href="([^"]+)"', excluded)
    assert chip
    label = html_lib.unescape(skill_label)
    assert html_lib.unescape(chip.group(1)) == f"Skills doesn't have: {label}"
    assert _total(ui.get("/search" + chip.group(2).replace("&amp;", "&")).text) == _total(html)


def test_sign_in_attempts_are_rate_limited_per_address(web_world):
    app = make_app(web_world, WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=True,
                   RATE_LIMITS={"search": "100 per minute", "profile": "100 per minute",
                                "export": "10 per minute", "login": "2 per minute"})
    c = app.test_client()
    wrong = {"email": web_world.alice.email, "password": "guess"}
    assert [c.post("/login", data=wrong).status_code for _ in range(3)] == [401, 401, 429]
    page = c.post("/login",
                  data={"email": web_world.alice.email, "password": web_world.alice.password})
    assert page.status_code == 429 and "Slow down" in page.text and "Retry-After" in page.headers
    assert c.get("/login").status_code == 200  # the form itself is not limited


def test_another_contracts_entities_are_404_in_every_ui_view(ui, web_world):
    from talent.storage.access import RecruiterScope

    member = member_ids(web_world, 1)[0]
    with web_world.database.session() as s:
        b = RecruiterScope(s, web_world.bob.recruiter_id)
        pid = b.create_project("B hidden", title="Registered Nurse").id
        cid = b.save_candidate(pid, member, notes="B's notes").id
        b.send_inmail(member, "B's subject", project_id=pid)
    assert ui.get(f"/projects/{pid}/export.csv").status_code == 404
    assert ui.post(f"/projects/{pid}/candidates/{cid}",
                   data={f"c{cid}-stage": "hired"}).status_code == 404
    assert ui.post(f"/members/{member}/inmail",
                   data={"subject": "x", "project_id": str(pid)}).status_code == 404
    assert "B's subject" not in ui.get("/inmails").text
    assert "B hidden" not in ui.get("/projects").text
    assert "B hidden" not in ui.get(f"/members/{member}").text
    with web_world.database.session() as s:
        row = RecruiterScope(s, web_world.bob.recruiter_id).get_candidate(cid)
        assert (row.stage, row.notes) == ("sourced", "B's notes")


def test_inmails_page_filters_by_status_and_pages(ui, web_world):
    member = member_ids(web_world, 2)[1]
    ui.post(f"/members/{member}/inmail", data={"subject": "Status filter check"})
    assert "Status filter check" in ui.get("/inmails?status=pending").text
    accepted = ui.get("/inmails?status=accepted").text
    assert "Status filter check" not in accepted
    assert 'class="on" href="/inmails?status=accepted"' in accepted
    assert ui.get("/inmails?status=bogus&page=abc").status_code == 200


def test_long_facets_fold_after_the_first_values(ui):
    html = ui.get("/search?q=nurse%20OR%20software").text
    skills = _rows(html, "skills")
    assert len(skills) > 8
    panel = html[html.index('data-facet="skills"'):]
    folded = panel[panel.index('<details class="more">'):]
    assert f"<summary>{len(skills) - 8} more</summary>" in folded
    assert folded.count('<li class="fv') >= len(skills) - 8


def test_a_recruiter_can_issue_a_new_api_token_once_shown(web_world):
    from sqlalchemy import select

    from talent.storage.models import Recruiter
    from webapp.auth import set_token

    app = make_app(web_world, WTF_CSRF_ENABLED=True)
    c = app.test_client()
    # a colleague of A's demo recruiter, so other tests keep their tokens
    with web_world.database.session() as s:
        alice = s.get(Recruiter, web_world.alice.recruiter_id)
        colleague = s.scalars(select(Recruiter).where(Recruiter.contract_id == alice.contract_id,
                                                      Recruiter.id != alice.id)).first()
        assert colleague is not None
        colleague_id = colleague.id
        old = set_token(colleague, "tlnt_old_token_for_test")
    sign_in_as(c, web_world, colleague_id)
    page = c.get("/account").text
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    assert c.post("/account").status_code == 400  # no CSRF token
    shown = c.post("/account", data={"csrf_token": csrf}).text
    token = re.search(r'<pre class="token" id="api-token">([^<]+)</pre>', shown).group(1)
    assert token.startswith("tlnt_") and token not in c.get("/account").text  # shown once
    api = app.test_client()
    assert api.get("/api/v1/me",
                   headers={"Authorization": f"Bearer {token}"}).json["id"] == colleague_id
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {old}"}).status_code == 401


def test_the_profile_shows_the_contracts_projects_and_inmails_for_the_member(ui, web_world):
    member = member_ids(web_world, 3)[1]
    ui.post(f"/members/{member}/save", data={"new_project": "Profile memory"})
    ui.post(f"/members/{member}/inmail", data={"subject": "Remembered subject"})
    html = ui.get(f"/members/{member}").text
    saved = re.search(r"Saved in: (.*?)</p>", html, re.DOTALL).group(1)
    assert "Profile memory" in saved and "Remembered subject" in html
