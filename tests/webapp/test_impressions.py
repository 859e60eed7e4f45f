"""Product usage reaches the training logs: every results page the UI or API shows is logged as
impressions (one bulk insert per page), and views, saves and InMails from a results page carry
its search id, so the logged candidates (talent.ranking.candidates) grade them like simulated
sessions."""

from __future__ import annotations

import re

from conftest import member_ids
from sqlalchemy import event, select

from talent.storage.models import Feedback, Impression, InMail


def _impressions(world, search_id: int) -> list[tuple[int, int, float]]:
    with world.database.session() as s:
        rows = s.execute(
            select(Impression.member_id, Impression.position, Impression.logged_score)
            .where(Impression.search_id == search_id).order_by(Impression.position)).all()
    return [tuple(r) for r in rows]


def test_an_api_search_logs_the_page_it_returned(api, web_world):
    body = api.post("/search", {"query": "nurse OR software", "page_size": 10}).json
    logged = _impressions(web_world, body["search_id"])
    assert [(m, p) for m, p,
            _ in logged] == [(c["member_id"], c["rank"] - 1) for c in body["results"]]
    assert [round(s, 6) for _, _, s in logged] == [c["score"] for c in body["results"]]


def test_positions_of_a_later_page_continue_the_ranking(api, web_world):
    body = api.post("/search", {"query": "nurse OR software", "page": 3, "page_size": 10}).json
    positions = [p for _, p, _ in _impressions(web_world, body["search_id"])]
    assert positions == list(range(20, 20 + len(body["results"])))


def test_a_search_without_results_logs_no_impressions(api, web_world):
    body = api.post("/search", {"query": "zzzyyyxxx"}).json
    assert body["total"] == 0 and _impressions(web_world, body["search_id"]) == []


def test_one_insert_statement_per_page(api, web_world):
    statements: list[tuple[str, bool]] = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        if "INSERT INTO impressions" in statement:
            statements.append((statement, executemany))

    engine = api.client.application.extensions["talent.db"].engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        body = api.post("/search", {"query": "nurse", "page_size": 25}).json
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert len(body["results"]) == 25 and len(statements) == 1


def test_the_ui_logs_the_page_and_attributes_what_follows_to_the_search(ui, web_world):
    from talent.ranking import metrics as mt
    from talent.ranking.candidates import load_candidates

    html = ui.get("/search?q=nurse").text
    cards = re.findall(r'href="/members/(\d+)\?search_id=(\d+)"', html)
    assert len(cards) == 25
    search_id = int(cards[0][1])
    shown = [m for m, _, _ in _impressions(web_world, search_id)]
    assert shown == [int(m) for m, _ in cards]

    member = shown[1]
    profile = ui.get(f"/members/{member}?search_id={search_id}").text
    assert f'name="search_id" type="hidden" value="{search_id}"' in profile
    assert "Back to results" in profile
    ui.post(f"/members/{member}/save",
            data={"new_project": "From a search", "search_id": str(search_id)})
    ui.post(f"/members/{member}/inmail", data={"subject": "Hello", "search_id": str(search_id)})
    with web_world.database.session() as s:
        kinds = set(s.scalars(select(Feedback.kind).where(Feedback.search_id == search_id,
                                                          Feedback.member_id == member)))
        mail = s.scalars(select(InMail).where(InMail.search_id == search_id)).one()
    assert kinds == {"view", "save", "inmail"} and mail.member_id == member

    replay = load_candidates(web_world.database.engine, [search_id]).rows
    assert list(replay["member_id"]) == shown
    graded = dict(zip(replay["member_id"], replay["grade"], strict=True))
    assert graded[member] == mt.GAIN_INMAIL and graded[shown[0]] == 0


def test_a_foreign_search_id_on_a_ui_page_is_not_attributed(ui, api_b, web_world):
    foreign = api_b.post("/search", {"query": "nurse"}).json["search_id"]
    member = member_ids(web_world, 1)[0]
    assert ui.get(f"/members/{member}?search_id={foreign}").status_code == 200
    with web_world.database.session() as s:
        last_view = s.scalars(
            select(Feedback).where(Feedback.recruiter_id == web_world.alice.recruiter_id,
                                   Feedback.member_id == member, Feedback.kind == "view")
            .order_by(Feedback.id.desc())).first()
    assert last_view is not None and last_view.search_id is None


def test_api_views_and_saves_carry_the_search_id(api, api_b, web_world):
    body = api.post("/search", {"query": "nurse", "page_size": 5}).json
    member = body["results"][0]["member_id"]
    assert api.get(f"/members/{member}?search_id={body['search_id']}").status_code == 200
    pid = api.post("/projects", {"name": "attributed"}).json["id"]
    saved = api.post(f"/projects/{pid}/candidates",
                     {"member_id": member, "search_id": body["search_id"]})
    assert saved.status_code == 201
    with web_world.database.session() as s:
        kinds = set(s.scalars(select(Feedback.kind).where(Feedback.search_id == body["search_id"])))
    assert kinds == {"view", "save"}
    foreign = api_b.post("/search", {"query": "nurse"}).json["search_id"]
    assert api.get(f"/members/{member}?search_id={foreign}").status_code == 404
    assert api.post(f"/projects/{pid}/candidates", {"member_id": member_ids(web_world, 1)[0],
                                                    "search_id": foreign}).status_code == 404
