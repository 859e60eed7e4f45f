"""The database down (an unreachable PostgreSQL, a corrupt SQLite file) is a 503 with Retry-After
and a message without server paths, on the API and the UI, and the app recovers by itself when
the database is back."""

from __future__ import annotations

import os
import sqlite3
import uuid
from dataclasses import replace
from urllib.parse import urlsplit

import pytest
from conftest import make_app

from benchmarks.tcp_proxy import TcpProxy


def _assert_unavailable(response, *, api: bool) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"] == "5"  # the outage's, not the rate window's
    text = response.get_data(as_text=True)
    assert "/tmp" not in text and "sqlite" not in text.lower() and "127.0.0.1" not in text
    if api:
        assert response.json["error"]["message"].startswith("the database is not available")
    else:
        assert "database is not available" in text


@pytest.fixture
def sqlite_copy(web_world, tmp_path):
    """Settings over a private copy of the test world's SQLite file."""
    target = tmp_path / "copy.db"
    with sqlite3.connect(web_world.settings.resolved_database_url.removeprefix("sqlite:///")) as a:
        with sqlite3.connect(target) as b:
            a.backup(b)
    return web_world.settings.model_copy(update={"database_url": f"sqlite:///{target}"}), target


def test_a_corrupt_sqlite_file_is_a_503_and_a_restored_one_serves_again(web_world, sqlite_copy):
    settings, path = sqlite_copy
    good = path.read_bytes()
    path.write_bytes(bytes(b ^ 0x5A for b in good))  # every page scrambled, before the app opens it
    app = make_app(replace(web_world, settings=settings), WTF_CSRF_ENABLED=False,
                   RATELIMIT_ENABLED=True)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {web_world.alice.token}"}
    _assert_unavailable(client.get("/api/v1/me", headers=headers), api=True)
    _assert_unavailable(client.post("/login", data={"email": web_world.alice.email,
                                                    "password": web_world.alice.password}),
                        api=False)
    path.write_bytes(good)  # restored from a backup: served without a restart
    assert client.get("/api/v1/me", headers=headers).status_code == 200


@pytest.fixture
def postgres_through_a_proxy():
    """A PostgreSQL schema with a recruiter and its token, reached through a proxy we can cut."""
    import sqlalchemy as sa

    from talent.storage.db import Database
    from talent.storage.models import Contract, Recruiter
    from webapp.auth import set_token

    base = os.environ.get("TALENT_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
    base = base.replace("postgresql://", "postgresql+psycopg://", 1)
    parts = urlsplit(base)
    schema = f"outage_{uuid.uuid4().hex[:8]}"
    try:
        admin = sa.create_engine(base, connect_args={"connect_timeout": 3})
        with admin.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # noqa: BLE001
        if os.environ.get("CI") == "true":
            pytest.fail(f"PostgreSQL not reachable: {exc}")
        pytest.skip(f"PostgreSQL not reachable: {exc}")
    proxy = TcpProxy(parts.hostname or "127.0.0.1", parts.port or 5432)
    proxy.restore()
    netloc = parts.netloc.replace(f"{parts.hostname}:{parts.port}" if parts.port
                                  else str(parts.hostname), f"127.0.0.1:{proxy.port}")
    url = parts._replace(netloc=netloc).geturl() + f"?options=-csearch_path%3D{schema}"
    db = Database(url)
    db.upgrade()
    with db.session() as s:
        contract = Contract(name="Outage Inc")
        s.add(contract)
        s.flush()
        recruiter = Recruiter(contract_id=contract.id, name="Ops", email="ops@outage.example")
        s.add(recruiter)
        token = set_token(recruiter)
    db.dispose()
    yield url, proxy, token
    proxy.cut()
    with admin.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.mark.postgres
def test_an_unreachable_postgresql_is_a_503_and_the_app_recovers_by_itself(
        web_world, postgres_through_a_proxy, tmp_path):
    from webapp import create_app

    url, proxy, token = postgres_through_a_proxy
    settings = web_world.settings.model_copy(update={"database_url": url,
                                                     "home": tmp_path / "home"})
    app = create_app(settings, {"TESTING": True, "RATELIMIT_ENABLED": False,
                                "WTF_CSRF_ENABLED": False, "SEARCH_SERVICE": web_world.service})
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    proxy.cut()
    _assert_unavailable(client.get("/api/v1/me", headers=headers), api=True)
    _assert_unavailable(client.post("/login", data={"email": "ops@outage.example",
                                                    "password": "x"}), api=False)
    proxy.restore()
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    app.extensions["talent.db"].dispose()
