"""Erasing a member: every surface that held the member's data is read afterwards and holds
nothing (database rows of both contracts, the serving index and a retained version, the cache,
cached training features, the world's files), by the operator API route and by the CLI."""

from __future__ import annotations

import json
import shutil
import sqlite3
import uuid
from dataclasses import replace

import numpy as np
import pytest
from click.testing import CliRunner
from conftest import make_app
from sqlalchemy import func, select

ADMIN = "admin-" + uuid.uuid4().hex
PRIVATE = 2000  # the test world's last member (the copies erase it)


@pytest.fixture
def private_world(web_world, tmp_path, redis_url):
    """A copy of the test world's home (database, index, world files) this test may change."""
    from index.build.builder import build_index
    from talent.storage.db import Database

    home = tmp_path / "home"
    shutil.copytree(web_world.settings.home, home,
                    ignore=shutil.ignore_patterns("talent.db*", "ratelimits.sqlite*"))
    source = web_world.settings.resolved_database_url.removeprefix("sqlite:///")
    with sqlite3.connect(source) as a, sqlite3.connect(home / "talent.db") as b:
        a.backup(b)
    settings = web_world.settings.model_copy(update={"home": home, "admin_token": ADMIN,
                                                     "cache_url": redis_url})
    build_index(settings.index_dir, settings.resolved_database_url, shards=2, processes=0)
    # counters of a member with this id that other homes served from the same Redis left there
    from talent.cache.base import open_cache
    from talent.dynamic.erasure import member_counter_keys

    cache = open_cache(redis_url)
    for key in member_counter_keys(cache, PRIVATE):
        cache.delete(key)
    database = Database.from_settings(settings)
    yield settings, database
    database.dispose()
    from talent.cache.base import open_cache

    open_cache(redis_url).delete_prefix(f"member:{PRIVATE}:")


def _member_with_data(settings, database, web_world) -> int:
    """The last member, saved, mailed and marked by recruiters of both contracts, shown in a
    search, with a cached value and cached training features."""
    from talent.cache.base import member_key, open_cache
    from talent.storage.access import RecruiterScope
    from talent.storage.models import Impression, Member
    from talent.training.dataset import feature_cache_dir

    with database.session() as s:
        member = s.scalar(select(func.max(Member.id)))
        for account in (web_world.alice, web_world.bob):
            scope = RecruiterScope(s, account.recruiter_id)
            project = scope.create_project(f"erasure {uuid.uuid4().hex[:6]}")
            search = scope.log_search(session_id="s1", query_text="nurse")
            s.add(Impression(search_id=search.id, member_id=member, position=0))
            scope.save_candidate(project.id, member, notes="strong")
            scope.send_inmail(member, "Hello", "a role for you", project_id=project.id)
            scope.record_feedback(member, "good_fit", search_id=search.id)
    cache = open_cache(settings.cache_url)
    cache.set(member_key(member, "dyn"), b"1")
    from talent.dynamic.store import contract_key, recruiter_key
    from talent.dynamic.store import member_key as counters_key

    # L2's dynamic-feature counters (keys outside the member's prefix) and the protected store
    cache.set(recruiter_key(web_world.alice.recruiter_id, member), b"\0" * 8)
    cache.set(contract_key(1, member), b"\0" * 8)
    cache.set(counters_key(member), b"\0" * 8)
    # a review session whose pool holds the member (its keys mix members: not under the prefix)
    cache.set(f"session:erasure{member}:pool", json.dumps({"member_ids": [1, member]}).encode())
    cache.set(f"session:erasure{member}", b"{}")
    from talent.protected import load_gender_store, protected_dir

    assert load_gender_store(database, protected_dir(settings)).codes_of([member])[0] >= 0
    cache_dir = feature_cache_dir(settings)
    cache_dir.mkdir(parents=True, exist_ok=True)
    np.savez(cache_dir / "features.npz", member_id=np.array([1, member]), features=np.zeros((2, 3)))
    np.savez(cache_dir / "other.npz", member_id=np.array([1, 2]), features=np.zeros((2, 3)))
    return member


def _assert_gone_everywhere(settings, database, member: int) -> None:
    """Read every surface directly (not through the erasers)."""
    from index.serving.serving_index import ServingIndex
    from talent.erasure import ErasureContext, registered_erasers
    from talent.storage import models as m
    from talent.world.state import WorldState

    with database.session() as s:
        for model in (m.Impression, m.Feedback, m.ProjectCandidate, m.InMail, m.MemberProtected,
                      m.MemberSkill, m.Position, m.Education):
            assert s.scalar(select(func.count()).select_from(model)
                            .where(model.member_id == member)) == 0, model.__tablename__
        assert s.get(m.Member, member) is None
        erasure = s.scalars(select(m.AuditLog).where(m.AuditLog.action == "member.erase")).all()
        assert [e.entity_id for e in erasure] == [str(member)]
    serving = ServingIndex.from_settings(settings)
    assert serving.documents([member]) == []
    assert not serving.features([member]).found.any()
    serving.close()
    from talent.training.dataset import feature_cache_dir

    assert sorted(p.name for p in feature_cache_dir(settings).glob("*.npz")) == ["other.npz"]
    for world in settings.worlds_dir.iterdir():
        state = WorldState.load(world)
        row = member - 1
        assert state.m_skill_ptr[row + 1] == state.m_skill_ptr[row]
        with np.load(world / "truth" / "members.npz") as z:
            assert np.isnan(z["responsiveness"][row]) and np.isnan(z["seeking"][row])
    from talent.cache.base import open_cache

    cache = open_cache(settings.cache_url)
    assert [k for p in ("dyn:r:", "dyn:c:", "dyn:m:") for k in cache.keys(p)
            if k.endswith(f":{member}")] == []
    assert np.load(settings.home / "protected" / "gender.npy")[member] == -1
    assert cache.get(f"session:erasure{member}") is None
    ctx = ErasureContext(member, settings, database, actor="test")
    assert {e.name: e.remaining(ctx) for e in registered_erasers()} == {
        e.name: [] for e in registered_erasers()}


def test_the_operator_route_erases_a_member_from_every_surface(private_world, web_world):
    from federator.service import SearchService
    from index.versions import VersionStore

    settings, database = private_world
    assert len([v for v in VersionStore(settings.index_dir).names()]) >= 2  # a rollback target
    member = _member_with_data(settings, database, web_world)
    service = SearchService.from_settings(settings, database=database)
    try:
        app = make_app(replace(web_world, settings=settings, database=database, service=service))
        client = app.test_client()
        alice = {"Authorization": f"Bearer {web_world.alice.token}"}
        assert client.get(f"/api/v1/members/{member}", headers=alice).status_code == 200
        refused = client.post(f"/api/v1/admin/members/{member}/erase", headers=alice)
        assert refused.status_code == 401 and refused.headers["WWW-Authenticate"]
        r = client.post(f"/api/v1/admin/members/{member}/erase",
                        headers={"Authorization": f"Bearer {ADMIN}"})
        assert r.status_code == 200, r.text
        report = r.json
        assert report["complete"] and report["failed"] == {}
        assert report["removed"]["database"]["inmails"] == 2
        assert report["removed"]["database"]["feedback"] >= 2
        assert report["removed"]["cache"] == {"keys": 1}
        assert report["removed"]["dynamic"] == {"keys": 3}
        assert report["removed"]["protected-store"] == {"codes": 1}
        assert report["removed"]["review-sessions"] == {"sessions": 1}
        service.serving.refresh()  # what a serving worker's refresher does within 0.25 s
        assert client.get(f"/api/v1/members/{member}", headers=alice).status_code == 404
        again = client.post(f"/api/v1/admin/members/{member}/erase",
                            headers={"Authorization": f"Bearer {ADMIN}"})
        assert again.status_code == 404
        _assert_gone_everywhere(settings, database, member)
    finally:
        service.close()


def test_the_cli_erases_a_member_and_says_so(private_world, web_world):
    from talent.cli import cli

    settings, database = private_world
    member = _member_with_data(settings, database, web_world)
    result = CliRunner().invoke(cli, ["--home", str(settings.home), "member", "erase", str(member),
                                      "--yes"], env={"TALENT_CACHE_URL": settings.cache_url})
    assert result.exit_code == 0, result.output
    assert f"member {member}: erased from every surface" in result.output
    _assert_gone_everywhere(settings, database, member)
    from index.build.builder import build_index
    from index.serving.serving_index import ServingIndex

    build_index(settings.index_dir, settings.resolved_database_url, shards=2, processes=0)
    serving = ServingIndex.from_settings(settings)  # the next build: it reads the database
    assert serving.documents([member]) == [] and not serving.features([member]).found.any()
    serving.close()


def test_without_an_admin_token_the_operator_route_does_not_exist(web_world):
    app = make_app(replace(web_world, settings=web_world.settings.model_copy(
        update={"admin_token": None})))
    r = app.test_client().post("/api/v1/admin/members/1/erase",
                               headers={"Authorization": "Bearer anything"})
    assert r.status_code == 404
