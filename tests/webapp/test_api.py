"""The JSON API: token auth, every endpoint, contract isolation (404) and validation (422)."""

from __future__ import annotations

import pytest
from conftest import make_app, member_ids


# --- authentication -------------------------------------------------------------------------------
def test_requests_without_a_token_are_refused_with_401(client):
    r = client.get("/api/v1/me")
    assert r.status_code == 401
    assert r.json["error"]["code"] == "unauthorized"


def test_an_unknown_token_is_refused_with_401(client):
    r = client.get("/api/v1/me", headers={"Authorization": "Bearer tlnt_nope"})
    assert r.status_code == 401


def test_me_names_the_tokens_recruiter_and_contract(api, web_world):
    r = api.get("/me")
    assert r.status_code == 200
    assert r.json["id"] == web_world.alice.recruiter_id
    assert r.json["contract"] == web_world.alice.contract


def test_only_a_hash_of_the_token_is_stored(web_world):
    from talent.storage.models import Recruiter

    with web_world.database.session() as s:
        stored = s.get(Recruiter, web_world.alice.recruiter_id).api_token_hash
    assert stored and web_world.alice.token not in stored and len(stored) == 64


# --- search ---------------------------------------------------------------------------------------
def test_search_with_boolean_text_returns_a_page_of_ranked_cards(api):
    r = api.post("/search", {"query": "title:nurse OR title:software", "page_size": 10})
    assert r.status_code == 200, r.text
    body = r.json
    assert body["total"] > 10 and len(body["results"]) == 10
    assert [c["rank"] for c in body["results"]] == list(range(1, 11))
    assert body["search_id"] > 0 and "total" in body["timings"]


def test_a_search_reports_its_stages_and_can_switch_one_off(api):
    on = api.post("/search", {"query": "title:nurse", "page_size": 10, "facets": False}).json
    reports = [(st["name"], st["status"]) for st in on["stages"]]
    assert reports[0] == ("broker", "ran") and "bandit" in dict(reports)
    assert dict(reports)["rerank"] == "ran"
    assert {status for _, status in reports} <= {"ran", "off"}
    off = api.post("/search", {"query": "title:nurse", "page_size": 10, "facets": False,
                               "stages": {"l1": False}}).json
    assert off["ranker"] == "text-match" and off["total"] == on["total"]


@pytest.mark.parametrize("stages", [{"warp_drive": False}, {"broker": False}, {"l1": "maybe"},
                                    {"Bad Name": True}])
def test_unknown_or_malformed_stage_switches_are_refused_with_422(api, stages):
    r = api.post("/search", {"query": "title:nurse", "stages": stages})
    assert r.status_code == 422, r.text


def test_search_returns_facet_counts_and_the_standardized_interpretation(api):
    body = api.post("/search", {"query": "title:nurse"}).json
    assert any(s.startswith("title: Registered Nurses") for s in body["standardizations"])
    assert body["facets"]["title_id"][0]["count"] > 0


def test_structured_query_must_have_facet_narrows_results(api):
    wide = api.post("/search", {"query": "nurse"}).json
    city = wide["facets"]["metro_id"][0]
    narrow = api.post("/search", {"query": {"text": "nurse",
                                            "locations": {"must_have": [city["label"]]}}}).json
    assert narrow["total"] == city["count"] < wide["total"]
    assert all(c["location"] == city["label"] for c in narrow["results"])


def test_a_malformed_query_is_a_400_with_its_position(api):
    r = api.post("/search", {"query": "title:(nurse OR"})
    assert r.status_code == 400
    assert r.json["error"]["code"] == "query_error"
    assert r.json["error"]["position"] is not None


def test_an_invalid_structured_query_is_a_422(api):
    r = api.post("/search", {"query": {"titles": {"maybe": ["x"]}}})
    assert r.status_code == 422
    assert r.json["error"]["details"]


@pytest.mark.parametrize("body", [b"not json", b"[1, 2]", b"{}", b'{"query": "x", "page": 0}',
                                  b'{"query": ""}'])
def test_malformed_search_bodies_are_422(client, web_world, body):
    r = client.post("/api/v1/search", data=body, content_type="application/json",
                    headers={"Authorization": f"Bearer {web_world.alice.token}"})
    assert r.status_code == 422, r.text
    assert r.json["error"]["status"] == 422


def test_pages_past_the_1000_result_cap_are_refused(api):
    r = api.post("/search", {"query": "nurse", "page": 11, "page_size": 100})
    assert r.status_code == 422
    assert "capped at 1,000" in r.json["error"]["message"]


def test_reachable_results_are_capped_at_1000(api):
    body = api.post("/search", {"query": "a OR e OR nurse OR software OR sales OR manager"}).json
    assert body["reachable"] == min(body["total"], 1000)


def test_search_for_another_contracts_project_is_404(api, api_b):
    other = api_b.post("/projects", {"name": "B only"}).json["id"]
    r = api.post("/search", {"query": "nurse", "project_id": other})
    assert r.status_code == 404


# --- members --------------------------------------------------------------------------------------
def test_member_profile_has_positions_skills_and_education(api, web_world):
    member = member_ids(web_world, 1)[0]
    r = api.get(f"/members/{member}")
    assert r.status_code == 200
    assert r.json["positions"] and r.json["skills"] and "education" in r.json


def test_unknown_member_is_404_json(api):
    r = api.get("/members/99999999")
    assert r.status_code == 404
    assert r.json["error"]["code"] == "not_found"


# --- projects and candidates ----------------------------------------------------------------------
def test_created_projects_are_listed_for_the_contract_only(api, api_b):
    created = api.post("/projects", {"name": "Nurses for Boston", "title": "Registered Nurse"})
    assert created.status_code == 201
    pid = created.json["id"]
    assert pid in [p["id"] for p in api.get("/projects").json["projects"]]
    assert pid not in [p["id"] for p in api_b.get("/projects").json["projects"]]
    assert api.get(f"/projects/{pid}").json["name"] == "Nurses for Boston"


def test_another_contracts_project_is_404_everywhere(api, api_b, web_world):
    pid = api.post("/projects", {"name": "A secret"}).json["id"]
    member = member_ids(web_world, 1)[0]
    assert api_b.get(f"/projects/{pid}").status_code == 404
    assert api_b.get(f"/projects/{pid}/candidates").status_code == 404
    assert api_b.post(f"/projects/{pid}/candidates", {"member_id": member}).status_code == 404
    assert api_b.get(f"/projects/{pid}/export").status_code == 404
    assert api_b.get(f"/jobs/{pid}/matches").status_code == 404


def test_saving_a_candidate_then_changing_stage_and_notes(api, web_world):
    pid = api.post("/projects", {"name": "Pipeline"}).json["id"]
    member = member_ids(web_world, 2)[1]
    saved = api.post(f"/projects/{pid}/candidates", {"member_id": member, "notes": "strong"})
    assert saved.status_code == 201 and saved.json["stage"] == "sourced"
    cid = saved.json["id"]
    moved = api.patch(f"/projects/{pid}/candidates/{cid}",
                      {"stage": "screening", "notes": "call Tue"})
    assert moved.status_code == 200 and moved.json["stage"] == "screening"
    listed = api.get(f"/projects/{pid}/candidates").json["candidates"]
    rows = [(c["member_id"], c["stage"], c["notes"]) for c in listed]
    assert rows == [(member, "screening", "call Tue")]


def test_another_contracts_saved_candidate_cannot_be_changed_or_removed(api, api_b, web_world):
    pid = api.post("/projects", {"name": "Mine"}).json["id"]
    cid = api.post(f"/projects/{pid}/candidates",
                   {"member_id": member_ids(web_world, 1)[0]}).json["id"]
    assert api_b.patch(f"/projects/{pid}/candidates/{cid}", {"stage": "hired"}).status_code == 404
    assert api_b.delete(f"/projects/{pid}/candidates/{cid}").status_code == 404
    assert api.get(f"/projects/{pid}/candidates").json["candidates"][0]["stage"] == "sourced"


def test_removing_a_saved_candidate(api, web_world):
    pid = api.post("/projects", {"name": "Short list"}).json["id"]
    cid = api.post(f"/projects/{pid}/candidates",
                   {"member_id": member_ids(web_world, 1)[0]}).json["id"]
    assert api.delete(f"/projects/{pid}/candidates/{cid}").status_code == 204
    assert api.get(f"/projects/{pid}/candidates").json["candidates"] == []


@pytest.mark.parametrize("body", [{}, {"name": ""}, {"name": "x", "owner": 3}, {"name": 5}])
def test_invalid_project_bodies_are_422(api, body):
    assert api.post("/projects", body).status_code == 422


@pytest.mark.parametrize("body", [{"member_id": 0}, {"member_id": 1, "stage": "famous"},
                                  {"member_id": "one"}])
def test_invalid_candidate_bodies_are_422(api, body):
    pid = api.post("/projects", {"name": "V"}).json["id"]
    assert api.post(f"/projects/{pid}/candidates", body).status_code == 422


def test_export_is_csv_with_one_row_per_candidate(api, web_world):
    pid = api.post("/projects", {"name": "Export me"}).json["id"]
    for member in member_ids(web_world, 2):
        api.post(f"/projects/{pid}/candidates", {"member_id": member})
    r = api.get(f"/projects/{pid}/export")
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert len(r.text.strip().splitlines()) == 3


# --- InMails --------------------------------------------------------------------------------------
def test_sent_inmail_is_pending_and_listed_for_the_contract_only(api, api_b, web_world):
    member = member_ids(web_world, 3)[2]
    sent = api.post("/inmails",
                    {"member_id": member, "subject": "Hello", "body": "Open to a chat?"})
    assert sent.status_code == 201 and sent.json["status"] == "pending"
    mid = sent.json["id"]
    assert mid in [m["id"] for m in api.get("/inmails").json["inmails"]]
    assert mid in [m["id"] for m in api.get("/inmails?status=pending").json["inmails"]]
    assert mid not in [m["id"] for m in api_b.get("/inmails").json["inmails"]]
    assert api.get(f"/inmails/{mid}").json["subject"] == "Hello"
    assert api_b.get(f"/inmails/{mid}").status_code == 404


@pytest.mark.parametrize("body", [{"member_id": 1}, {"member_id": 1, "subject": "   "},
                                  {"member_id": 1, "subject": "x" * 201}, {"subject": "hi"}])
def test_invalid_inmails_are_422(api, body):
    assert api.post("/inmails", body).status_code == 422


def test_inmail_status_filter_is_validated(api):
    assert api.get("/inmails?status=lost").status_code == 422


def test_inmail_to_unknown_member_is_404(api):
    assert api.post("/inmails", {"member_id": 99999999, "subject": "hi"}).status_code == 404


def test_inmail_for_another_contracts_project_is_404(api, api_b, web_world):
    other = api_b.post("/projects", {"name": "B's"}).json["id"]
    body = {"member_id": member_ids(web_world, 1)[0], "subject": "hi", "project_id": other}
    assert api.post("/inmails", body).status_code == 404


# --- feedback -------------------------------------------------------------------------------------
def test_feedback_is_recorded_with_the_session(api, web_world):
    member = member_ids(web_world, 1)[0]
    r = api.post("/feedback", {"member_id": member, "kind": "good_fit", "session_id": "s-1"})
    assert r.status_code == 201
    assert (r.json["kind"], r.json["session_id"]) == ("good_fit", "s-1")


def test_feedback_kinds_are_limited_to_good_and_not_fit(api, web_world):
    member = member_ids(web_world, 1)[0]
    assert api.post("/feedback", {"member_id": member, "kind": "love"}).status_code == 422


def test_feedback_on_another_contracts_search_is_404(api, api_b, web_world):
    search_id = api_b.post("/search", {"query": "nurse"}).json["search_id"]
    body = {"member_id": member_ids(web_world, 1)[0], "kind": "not_fit", "search_id": search_id}
    assert api.post("/feedback", body).status_code == 404


# --- jobs -----------------------------------------------------------------------------------------
def test_jobs_are_the_contracts_projects_with_job_fields(api, api_b):
    jobs = api.get("/jobs").json["jobs"]
    assert jobs and all(j["title"] or j["occupation_id"] or j["required_skills"] for j in jobs)
    assert not {j["id"] for j in jobs} & {j["id"] for j in api_b.get("/jobs").json["jobs"]}


def test_job_matches_list_matching_and_missing_required_skills(api):
    jobs = api.get("/jobs").json["jobs"]
    job = next(j for j in jobs if j["required_skills"] and j["occupation_id"])
    r = api.get(f"/jobs/{job['id']}/matches?page_size=10")
    assert r.status_code == 200, r.text
    body = r.json
    assert body["matches"] and body["query"]["titles"]["must_have"]
    for m in body["matches"]:
        assert len(m["matching_skills"]) + len(m["missing_skills"]) == len(job["required_skills"])


def test_a_project_without_job_fields_has_no_matches(api):
    pid = api.post("/projects", {"name": "Just a list"}).json["id"]
    r = api.get(f"/jobs/{pid}/matches")
    assert r.status_code == 422
    assert "no job fields" in r.json["error"]["message"]


# --- errors and limits ----------------------------------------------------------------------------
def test_unknown_api_paths_are_json_404(api):
    r = api.get("/nothing-here")
    assert r.status_code == 404 and r.json["error"]["code"] == "not_found"


def test_wrong_method_is_json_405(api):
    r = api.client.put("/api/v1/projects", headers=api.headers)
    assert r.status_code == 405 and r.json["error"]["status"] == 405


def test_huge_ids_are_404_not_server_errors(api):
    assert api.get(f"/members/{2**70}").status_code == 404


def test_search_is_rate_limited_per_recruiter(web_world):
    limits = {"search": "2 per minute", "profile": "100 per minute", "export": "1 per minute"}
    app = make_app(web_world, RATELIMIT_ENABLED=True, RATE_LIMITS=limits)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {web_world.alice.token}"}
    codes = [client.post("/api/v1/search", json={"query": "nurse"},
                         headers=headers).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    other = {"Authorization": f"Bearer {web_world.bob.token}"}
    assert client.post("/api/v1/search", json={"query": "nurse"}, headers=other).status_code == 200


def test_exports_are_rate_limited(web_world):
    app = make_app(web_world, RATELIMIT_ENABLED=True, RATE_LIMITS={"search": "100 per minute",
                                                                   "profile": "100 per minute",
                                                                   "export": "1 per minute"})
    client = app.test_client()
    headers = {"Authorization": f"Bearer {web_world.alice.token}"}
    pid = client.post("/api/v1/projects", json={"name": "limits"}, headers=headers).json["id"]
    assert client.get(f"/api/v1/projects/{pid}/export", headers=headers).status_code == 200
    r = client.get(f"/api/v1/projects/{pid}/export", headers=headers)
    assert r.status_code == 429 and r.json["error"]["status"] == 429


def test_searches_and_profile_views_are_logged(api, web_world):
    from sqlalchemy import func, select

    from talent.storage.models import Feedback, Search

    def counts():
        with web_world.database.session() as s:
            views = select(func.count()).select_from(Feedback).where(Feedback.kind == "view")
            return s.scalar(select(func.count()).select_from(Search)), s.scalar(views)

    searches, views = counts()
    job = api.get("/jobs").json["jobs"][0]["id"]
    api.get(f"/jobs/{job}/matches")
    api.get(f"/members/{member_ids(web_world, 1)[0]}")
    assert counts() == (searches + 1, views + 1)


def test_rate_limits_are_shared_through_redis_when_the_cache_is_redis(web_world, redis_url):
    """Two apps (as two gunicorn workers) on one Redis count one recruiter's searches together."""
    import uuid

    settings = web_world.settings.model_copy(update={"cache_url": redis_url})
    config = {"RATELIMIT_ENABLED": True, "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}",
              "RATE_LIMITS": {"search": "2 per minute", "profile": "100 per minute",
                              "export": "10 per minute"}}
    from webapp import create_app

    workers = [create_app(settings, {"TESTING": True, "SEARCH_SERVICE": web_world.service,
                                     **config}) for _ in range(2)]
    assert all(app.config["RATELIMIT_STORAGE_URI"] == redis_url for app in workers)
    headers = {"Authorization": f"Bearer {web_world.alice.token}"}
    codes = [workers[i % 2].test_client().post("/api/v1/search", json={"query": "nurse"},
                                               headers=headers).status_code for i in range(3)]
    assert codes == [200, 200, 429]


def test_profile_views_are_rate_limited(web_world):
    app = make_app(web_world, RATELIMIT_ENABLED=True, RATE_LIMITS={"search": "100 per minute",
                                                                   "profile": "1 per minute",
                                                                   "export": "1 per minute"})
    client = app.test_client()
    headers = {"Authorization": f"Bearer {web_world.alice.token}"}
    member = member_ids(web_world, 1)[0]
    assert client.get(f"/api/v1/members/{member}", headers=headers).status_code == 200
    r = client.get(f"/api/v1/members/{member}", headers=headers)
    assert r.status_code == 429 and "Retry-After" in r.headers


def test_inmails_come_newest_first_one_page_at_a_time(api, web_world):
    member = member_ids(web_world, 1)[0]
    sent = [api.post("/inmails", {"member_id": member,
                                  "subject": f"page test {i}"}).json["id"] for i in range(5)]
    first = api.get("/inmails?page_size=2").json
    second = api.get("/inmails?page_size=2&page=2").json
    four = api.get("/inmails?page_size=4").json
    assert [m["id"] for m in first["inmails"]] == sent[::-1][:2] and first["has_more"] is True
    both = first["inmails"] + second["inmails"]
    assert [m["id"] for m in both] == [m["id"] for m in four["inmails"]]
    assert api.get("/inmails?page_size=101").status_code == 422


def test_a_failing_limiter_storage_lets_requests_through(web_world, monkeypatch):
    """Limits fail open: a storage error (Redis down, limits' timer race under threads) is logged,
    never a 500."""
    app = make_app(web_world, RATELIMIT_ENABLED=True)
    assert app.config["RATELIMIT_STORAGE_URI"].startswith("talent-sqlite://")

    def broken(*args, **kwargs):
        raise RuntimeError("threads can only be started once")

    monkeypatch.setattr(app.extensions["talent.limiter"].storage, "incr", broken)
    r = app.test_client().post("/api/v1/search", json={"query": "nurse"},
                               headers={"Authorization": f"Bearer {web_world.alice.token}"})
    assert r.status_code == 200, r.text


def test_the_in_process_limiter_storage_starts_its_timer_under_a_lock():
    import threading

    from webapp.extensions import ThreadSafeMemoryStorage

    storage = ThreadSafeMemoryStorage("talent-memory://")
    errors: list[BaseException] = []
    start = threading.Barrier(16)

    def hit(i: int) -> None:
        start.wait()
        try:
            for n in range(200):
                storage.incr(f"k{i}-{n}", 60)
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=hit, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and storage.get("k3-7") == 1


def test_the_in_process_limiter_sweeps_expired_counters_at_most_once_a_second(monkeypatch):
    """A burst of limited requests starts one sweep thread, not one per request; a counter
    past its window still reads zero (its expiry is checked when it is read)."""
    import threading
    import time

    from webapp.extensions import ThreadSafeMemoryStorage

    storage = ThreadSafeMemoryStorage("talent-memory://")
    started: list[float] = []
    real = threading.Timer

    def counting(interval, function):
        started.append(interval)
        return real(interval, function)

    monkeypatch.setattr(threading, "Timer", counting)
    for n in range(300):
        storage.incr(f"burst-{n % 3}", 60)
        time.sleep(0.0005)
    assert len(started) <= 1
    storage.incr("short", 0.05)
    time.sleep(0.1)
    assert storage.get("short") == 0
