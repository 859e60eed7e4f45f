"""Fixtures: one small generated world with a built index per session, apps, clients, signed-in
users."""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:  # tests/ is on sys.path, where tests/webapp would shadow the package
    sys.path.insert(0, str(REPO))


@dataclass(frozen=True)
class WebWorld:
    settings: Any
    database: Any
    service: Any
    alice: Any  # DemoAccount of contract A
    bob: Any  # DemoAccount of contract B (another contract)


@pytest.fixture(scope="session")
def web_world(tmp_path_factory) -> Iterator[WebWorld]:
    """The test world (2,000 members, fixture taxonomy), indexed in 2 shards, with demo accounts."""
    from federator.service import SearchService
    from index.build.builder import build_index
    from talent.settings import Settings
    from talent.storage.db import Database
    from talent.world.config import load_world_config, resolve_taxonomy
    from talent.world.generator import generate_world
    from webapp.accounts import ensure_demo_accounts

    saved = {k: os.environ.pop(k) for k in list(os.environ)
             if k.startswith("TALENT_") and not k.startswith("TALENT_TEST_")}
    home = tmp_path_factory.mktemp("webhome")
    settings = Settings(home=home, shards=2, secret_key="test-secret")
    settings.ensure_home()
    database = Database.from_settings(settings)
    database.upgrade()
    config = load_world_config(REPO / "fixtures" / "worlds" / "test.toml")
    generate_world(config, database, settings.worlds_dir, resolve_taxonomy(config, settings))
    build_index(settings.index_dir, settings.resolved_database_url, shards=2, processes=0)
    alice, bob = ensure_demo_accounts(database, count=2, echo=None)
    service = SearchService.from_settings(settings, database=database)
    yield WebWorld(settings, database, service, alice, bob)
    service.close()
    database.engine.dispose()
    os.environ.update(saved)


def make_app(world: WebWorld, **config: Any) -> Any:
    from webapp import create_app

    # each app its own counters (the apps of a test session share one home and its limits file)
    base = {"TESTING": True, "RATELIMIT_ENABLED": False, "SEARCH_SERVICE": world.service,
            "RATELIMIT_KEY_PREFIX": uuid.uuid4().hex}
    base.update(config)
    return create_app(world.settings, base)


@pytest.fixture(scope="session")
def app(web_world):
    return make_app(web_world)


@pytest.fixture
def client(app):
    return app.test_client()


class Api:
    """A test client speaking JSON with one recruiter's bearer token."""

    def __init__(self, client: Any, token: str):
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, path: str, **kw: Any) -> Any:
        return self.client.get("/api/v1" + path, headers=self.headers, **kw)

    def post(self, path: str, body: Any = None, **kw: Any) -> Any:
        return self.client.post("/api/v1" + path, json=body, headers=self.headers, **kw)

    def patch(self, path: str, body: Any = None, **kw: Any) -> Any:
        return self.client.patch("/api/v1" + path, json=body, headers=self.headers, **kw)

    def delete(self, path: str, **kw: Any) -> Any:
        return self.client.delete("/api/v1" + path, headers=self.headers, **kw)


@pytest.fixture
def api(client, web_world) -> Api:
    """The API as recruiter A (contract A)."""
    return Api(client, web_world.alice.token)


@pytest.fixture
def api_b(client, web_world) -> Api:
    """The API as recruiter B (another contract)."""
    return Api(client, web_world.bob.token)


@pytest.fixture
def csrf_app(web_world):
    """An app with CSRF on, as in production."""
    return make_app(web_world, WTF_CSRF_ENABLED=True)


@pytest.fixture
def ui(web_world):
    """A UI test client signed in as recruiter A (CSRF off for brevity; csrf_app has it on)."""
    app = make_app(web_world, WTF_CSRF_ENABLED=False)
    client = app.test_client()
    response = client.post("/login", data={"email": web_world.alice.email,
                                           "password": web_world.alice.password})
    assert response.status_code == 302, response.text
    return client


def member_ids(world: WebWorld, n: int = 3) -> list[int]:
    from sqlalchemy import select

    from talent.storage.models import Member

    with world.database.session() as s:
        return list(s.scalars(select(Member.id).order_by(Member.id).limit(n)))


def sign_in_as(client: Any, world: WebWorld, recruiter_id: int) -> Any:
    """Give ``client`` a server-side session of ``recruiter_id``, as signing in does (for tests
    that cannot post the sign-in form, e.g. a recruiter without a known password)."""
    import datetime as dt
    import hashlib
    import secrets

    from talent.storage.models import WebSession, utcnow
    from webapp.sessions import SESSION_KEY

    key = secrets.token_urlsafe(16)
    with world.database.session() as s:
        s.add(WebSession(id=hashlib.sha256(key.encode()).hexdigest(), recruiter_id=recruiter_id,
                         created_at=utcnow(), expires_at=utcnow() + dt.timedelta(hours=1)))
    with client.session_transaction() as sess:
        sess[SESSION_KEY] = key
    return client
