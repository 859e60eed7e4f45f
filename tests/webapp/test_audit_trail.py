"""Searches, profile views and exports leave audit entries saying who, when and which contract;
`talent audit export` writes one contract's entries of a period."""

from __future__ import annotations

import datetime as dt
import json

from click.testing import CliRunner
from conftest import member_ids
from sqlalchemy import select


def test_searches_views_and_exports_are_audited_with_who_and_which_contract(api, web_world):
    from talent.storage.models import AuditLog

    with web_world.database.session() as s:
        last = s.scalar(select(AuditLog.id).order_by(AuditLog.id.desc()).limit(1)) or 0
    search_id = api.post("/search", {"query": "nurse"}).json["search_id"]
    member = member_ids(web_world, 1)[0]
    api.get(f"/members/{member}?search_id={search_id}")
    project = api.post("/projects", {"name": "audited"}).json["id"]
    api.get(f"/projects/{project}/export")
    with web_world.database.session() as s:
        rows = s.scalars(select(AuditLog).where(AuditLog.id > last).order_by(AuditLog.id)).all()
        seen = {(r.action, r.entity_id) for r in rows}
        assert {("search", str(search_id)), ("member.view", str(member)),
                ("project.export", str(project))} <= seen
        assert {r.recruiter_id for r in rows} == {web_world.alice.recruiter_id}
        assert {r.contract_id for r in rows} == {rows[0].contract_id}
        assert all(r.at for r in rows)


def test_the_cli_exports_one_contracts_entries_of_a_period(api, web_world):
    from talent.cli import cli

    api.post("/search", {"query": "python"})
    contract = api.get("/me").json["contract_id"]
    today = dt.datetime.now(dt.UTC).date()
    result = CliRunner().invoke(cli, ["--home", str(web_world.settings.home), "audit", "export",
                                      "--contract", str(contract), "--since", str(today),
                                      "--action", "search"])
    assert result.exit_code == 0, result.output
    entries = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
    assert entries and {e["contract_id"] for e in entries} == {contract}
    assert {e["action"] for e in entries} == {"search"}
