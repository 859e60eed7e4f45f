"""Shared fixtures: real PostgreSQL and Redis when available (required under CI=true).

URLs come from TALENT_TEST_POSTGRES_URL / TALENT_TEST_REDIS_URL, else the local defaults.
Without a reachable server the tests that need it skip with the reason, except under CI=true
where they fail: CI must exercise the real services.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"
IN_CI = os.environ.get("CI", "").lower() == "true"


def _unavailable(what: str, url: str, why: object) -> None:
    message = f"{what} not reachable at {url}: {why}"
    if IN_CI:
        pytest.fail(f"{message} (CI=true requires it)")
    pytest.skip(message)


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """URL of a fresh, empty PostgreSQL schema for this test session (dropped afterwards)."""
    import sqlalchemy as sa

    base = os.environ.get("TALENT_TEST_POSTGRES_URL", DEFAULT_PG)
    if base.startswith("postgresql://"):
        base = "postgresql+psycopg://" + base[len("postgresql://"):]
    schema = f"talent_test_{uuid.uuid4().hex[:10]}"
    try:
        engine = sa.create_engine(base, connect_args={"connect_timeout": 3})
        with engine.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # noqa: BLE001 - any failure means "not available"
        _unavailable("PostgreSQL", base, str(exc).splitlines()[0])
    sep = "&" if "?" in base else "?"
    yield f"{base}{sep}options=-csearch_path%3D{schema}"
    with engine.begin() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
    engine.dispose()


@pytest.fixture(scope="session")
def redis_url() -> str:
    url = os.environ.get("TALENT_TEST_REDIS_URL", DEFAULT_REDIS)
    try:
        import redis

        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except Exception as exc:  # noqa: BLE001
        _unavailable("Redis", url, exc)
    return url


@pytest.fixture
def settings(tmp_path, monkeypatch):
    """Settings with a temporary data home and no TALENT_* leakage from the environment."""
    from talent.settings import load_settings

    for key in list(os.environ):
        if key.startswith("TALENT_") and not key.startswith("TALENT_TEST_"):
            monkeypatch.delenv(key, raising=False)
    return load_settings(home=tmp_path / "home")


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Tests marked ``ray`` need the ``ray`` extra: they fail without it under CI=true."""
    if item.get_closest_marker("ray") is None:
        return
    import importlib.util

    if importlib.util.find_spec("ray") is None:
        message = "Ray is not installed (pip install -e '.[ray]')"
        if IN_CI:
            pytest.fail(f"{message} (CI=true runs the ray tests)")
        pytest.skip(message)


@pytest.fixture(scope="session")
def ray_local() -> Iterator[None]:
    """A local Ray instance (2 CPUs, as on this machine) for the whole session."""
    import ray

    from index.cluster.connect import connect

    started = connect(num_cpus=2)
    yield
    if started:
        ray.shutdown()
