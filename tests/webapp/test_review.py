"""Review mode through the API and the UI: start, one candidate at a time, verdicts, expiry."""

from __future__ import annotations

import pytest
from conftest import Api, make_app

from talent.storage.models import Feedback

QUERY = "title:nurse OR software"


@pytest.fixture
def session(api):
    response = api.post("/review/sessions", {"query": QUERY, "policy": "thompson"})
    assert response.status_code == 201, response.json
    return response.json


def test_a_session_starts_with_its_groups_and_a_first_candidate(session):
    s, c = session["session"], session["candidate"]
    assert s["step"] == 1 and s["pool_size"] >= 2 and s["policy"] == "thompson"
    assert sum(g["size"] for g in s["groups"]) == s["pool_size"]
    assert all(g["name"] and g["skills"] for g in s["groups"])
    assert c["step"] == 1 and c["name"] and c["skills"]
    assert c["group"]["group"] in {g["group"] for g in s["groups"]}
    assert "skill group" in c["why"] and s["pending"] == [c["member_id"]]


def test_a_verdict_is_learned_and_returns_the_next_candidate(api, session, web_world):
    sid, first = session["session"]["session_id"], session["candidate"]
    step = api.post(f"/review/sessions/{sid}/feedback",
                    {"member_id": first["member_id"], "verdict": "good_fit"})
    assert step.status_code == 200, step.json
    body = step.json
    group = next(g for g in body["session"]["groups"] if g["group"] == first["group"]["group"])
    assert group["good_fits"] == 1 and body["session"]["counts"]["good_fit"] == 1
    assert body["candidate"]["step"] == 2 and body["candidate"]["member_id"] != first["member_id"]
    with web_world.database.session() as db:
        kinds = [f.kind for f in db.query(Feedback).filter_by(session_id=sid)]
    assert kinds == ["good_fit"]


def test_a_skip_teaches_nothing_and_is_not_logged(api, session, web_world):
    sid, first = session["session"]["session_id"], session["candidate"]
    body = api.post(f"/review/sessions/{sid}/feedback",
                    {"member_id": first["member_id"], "verdict": "skip"}).json
    assert body["session"]["counts"] == {"good_fit": 0, "not_fit": 0, "skip": 1}
    assert all(g["good_fits"] == g["misses"] == 0 for g in body["session"]["groups"])
    with web_world.database.session() as db:
        assert db.query(Feedback).filter_by(session_id=sid).count() == 0


def test_a_second_verdict_on_one_candidate_is_refused(api, session):
    sid, member = session["session"]["session_id"], session["candidate"]["member_id"]
    assert api.post(f"/review/sessions/{sid}/feedback",
                    {"member_id": member, "verdict": "not_fit"}).status_code == 200
    again = api.post(f"/review/sessions/{sid}/feedback", {"member_id": member,
                                                          "verdict": "good_fit"})
    assert again.status_code == 409 and again.json["error"]["code"] == "already_rated"


def test_a_verdict_on_a_candidate_not_presented_is_refused(api, session):
    sid = session["session"]["session_id"]
    member = session["candidate"]["member_id"] + 1
    response = api.post(f"/review/sessions/{sid}/feedback", {"member_id": member,
                                                             "verdict": "good_fit"})
    assert response.status_code == 422 and "not presented" in response.json["error"]["message"]


def test_next_presents_a_new_candidate_each_call(api, session):
    sid = session["session"]["session_id"]
    a = api.post(f"/review/sessions/{sid}/next").json
    b = api.post(f"/review/sessions/{sid}/next").json
    ids = {session["candidate"]["member_id"], a["candidate"]["member_id"],
           b["candidate"]["member_id"]}
    assert len(ids) == 3 and b["session"]["step"] == 3 and len(b["session"]["pending"]) == 3


def test_another_recruiters_session_is_not_found(api_b, session):
    sid = session["session"]["session_id"]
    assert api_b.get(f"/review/sessions/{sid}").status_code == 404
    assert api_b.post(f"/review/sessions/{sid}/next").status_code == 404


def test_a_lost_session_answers_410_with_what_to_do(api, session, app):
    from webapp.review import review_service

    sid = session["session"]["session_id"]
    with app.app_context():
        review_service().sessions.delete(sid)
    response = api.post(f"/review/sessions/{sid}/next")
    assert response.status_code == 410
    assert response.json["error"]["code"] == "session_expired"
    assert "start a new one" in response.json["error"]["message"]


def test_a_session_for_a_job_uses_its_query(api):
    jobs = api.get("/jobs").json["jobs"]
    response = api.post("/review/sessions", {"project_id": jobs[0]["id"]})
    assert response.status_code == 201, response.json
    assert response.json["session"]["project_id"] == jobs[0]["id"]


def test_a_session_needs_a_query_or_a_job(api):
    response = api.post("/review/sessions", {})
    assert response.status_code == 422


def test_a_search_with_the_session_id_is_reordered_by_its_feedback(api, session):
    sid = session["session"]["session_id"]
    plain = api.post("/search", {"query": QUERY, "facets": False, "page_size": 50}).json
    candidate = session["candidate"]
    liked = candidate["group"]["group"]
    for _ in range(6):  # a few verdicts: good fits in the first candidate's group, misses elsewhere
        verdict = "good_fit" if candidate["group"]["group"] == liked else "not_fit"
        candidate = api.post(f"/review/sessions/{sid}/feedback",
                             {"member_id": candidate["member_id"], "verdict": verdict}).json[
            "candidate"]
    personal = api.post("/search", {"query": QUERY, "facets": False, "page_size": 50,
                                    "session_id": sid}).json
    report = {s["name"]: s["status"] for s in personal["stages"]}
    assert report["bandit"] == "ran" and "bandit.score" in personal["timings"]
    assert [r["member_id"] for r in personal["results"]] != [r["member_id"]
                                                            for r in plain["results"]]
    switched_off = api.post("/search", {"query": QUERY, "facets": False, "page_size": 50,
                                        "session_id": sid, "stages": {"bandit": False}}).json
    assert [r["member_id"] for r in switched_off["results"]] == [r["member_id"]
                                                                for r in plain["results"]]


def test_results_page_feedback_with_a_session_id_reorders_that_sessions_searches(api):
    sid = "results-page-session"
    plain = api.post("/search", {"query": QUERY, "facets": False, "page_size": 50,
                                 "session_id": sid}).json
    assert "bandit.score" not in plain["timings"]  # no feedback yet: the order is the offline one
    ids = [r["member_id"] for r in plain["results"]]
    for member in ids[40:45]:
        assert api.post("/feedback", {"member_id": member, "kind": "good_fit",
                                      "session_id": sid}).status_code == 201
    personal = api.post("/search", {"query": QUERY, "facets": False, "page_size": 50,
                                    "session_id": sid}).json
    moved = [r["member_id"] for r in personal["results"]]
    assert moved != ids

    def place(order: list[int], member: int) -> int:
        return order.index(member) if member in order else len(order)

    assert sum(place(moved, m) for m in ids[40:45]) < sum(place(ids, m) for m in ids[40:45])


def test_the_ui_reviews_a_job_one_candidate_at_a_time(ui, api):
    job = api.get("/jobs").json["jobs"][0]
    start = ui.post("/review/start", data={"project_id": job["id"]})
    assert start.status_code == 302 and "/review/" in start.location
    page = ui.get(start.location)
    assert page.status_code == 200
    html = page.text
    assert "Skill groups" in html and "Why:" in html and 'name="verdict"' in html
    member = int(html.split('data-member="')[1].split('"')[0])
    sid = start.location.split("/review/")[1].split("?")[0]
    after = ui.post(f"/review/{sid}/feedback", data={"member_id": member, "verdict": "good_fit",
                                                     "project_id": job["id"]})
    assert after.status_code == 302
    assert "1</span> good fits" in ui.get(after.location).text


def test_the_ui_restarts_a_lost_session_with_a_message(ui, api, app):
    job = api.get("/jobs").json["jobs"][0]
    start = ui.post("/review/start", data={"project_id": job["id"]})
    sid = start.location.split("/review/")[1].split("?")[0]
    ui.application.extensions["talent.review"].sessions.delete(sid)
    again = ui.get(start.location)
    assert again.status_code == 302 and sid not in again.location
    page = ui.get(again.location)
    assert "had expired, so a new one started" in page.text and "Why:" in page.text


@pytest.mark.redis
def test_two_app_instances_sharing_redis_never_lose_a_verdict(web_world, redis_url):
    """Two apps (two web workers), each with its own Redis client, serve one session from eight
    threads at once: every verdict is counted, whichever app took it."""
    import threading
    import uuid

    from federator.review_service import ReviewConfig, ReviewService
    from federator.sessions import SessionStore
    from talent.cache import open_cache

    namespace = f"test-{uuid.uuid4().hex[:8]}"
    apps = [make_app(web_world) for _ in range(2)]
    for a in apps:
        a.extensions["talent.review"] = ReviewService(
            web_world.service, SessionStore(open_cache(redis_url, namespace)), ReviewConfig())
    apis = [Api(a.test_client(), web_world.alice.token) for a in apps]
    started = apis[0].post("/review/sessions", {"query": QUERY})
    assert started.status_code == 201, started.json
    sid = started.json["session"]["session_id"]
    assert apis[1].get(f"/review/sessions/{sid}").status_code == 200  # the other app sees it
    sent, errors = [], []
    barrier = threading.Barrier(8)

    def tab(api: Api) -> None:
        barrier.wait()
        for _ in range(3):
            body = api.post(f"/review/sessions/{sid}/next").json
            member = body["candidate"]["member_id"]
            r = api.post(f"/review/sessions/{sid}/feedback", {"member_id": member,
                                                              "verdict": "good_fit"})
            (sent if r.status_code == 200 else errors).append(member)

    threads = [threading.Thread(target=tab, args=(apis[i % 2],)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    final = apis[1].get(f"/review/sessions/{sid}").json
    assert errors == [] and len(sent) == 24
    assert final["counts"]["good_fit"] == 24
    assert sum(g["good_fits"] for g in final["groups"]) == 24
    open_cache(redis_url, namespace).clear()


def test_feedback_with_any_client_session_id_is_still_recorded(api):
    member = api.post("/search", {"query": QUERY, "facets": False}).json["results"][0]["member_id"]
    response = api.post("/feedback", {"member_id": member, "kind": "good_fit",
                                      "session_id": "my tab / 7"})
    assert response.status_code == 201 and response.json["session_id"] == "my tab / 7"


def test_the_ui_reviews_a_search_and_links_to_its_reordered_results(ui):
    page = ui.get("/search?q=nurse")
    assert 'action="/review/start"' in page.text
    start = ui.post("/review/start", data={"search": "q=nurse"})
    assert start.status_code == 302
    review = ui.get(start.location).text
    sid = start.location.split("/review/")[1].split("?")[0]
    member = int(review.split('data-member="')[1].split('"')[0])
    ui.post(f"/review/{sid}/feedback", data={"member_id": member, "verdict": "good_fit",
                                             "search": "q=nurse"})
    assert f"session={sid}" in ui.get(start.location).text
    assert "Re-ordered by review session feedback" in ui.get(f"/search?q=nurse&session={sid}").text
