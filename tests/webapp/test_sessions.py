"""Sessions end: signing out and a password change revoke cookies copied before; a sign-in lasts a
working day. Signing in costs the same for known and unknown e-mails. Rate limits hold across
workers without Redis, and with Redis down each worker keeps counting, with one warning."""

from __future__ import annotations

import datetime as dt
import logging
import uuid

import pytest
from conftest import make_app


def _signed_in(app, account):
    client = app.test_client()
    r = client.post("/login", data={"email": account.email, "password": account.password})
    assert r.status_code == 302, r.text
    return client


def _with_cookie_of(app, client):
    copy = app.test_client()
    copy.set_cookie("session", client.get_cookie("session").value)
    return copy


@pytest.fixture
def ui_app(web_world):
    return make_app(web_world, WTF_CSRF_ENABLED=False)


def test_a_cookie_captured_before_logout_opens_nothing_after_it(ui_app, web_world):
    client = _signed_in(ui_app, web_world.alice)
    stolen = _with_cookie_of(ui_app, client)
    assert stolen.get("/projects").status_code == 200
    assert client.post("/logout").status_code == 302
    after = stolen.get("/projects")
    assert after.status_code == 302 and "/login" in after.headers["Location"]


def test_a_password_change_signs_out_every_other_browser(ui_app, web_world):
    from webapp.auth import set_password

    here = _signed_in(ui_app, web_world.bob)
    elsewhere = _signed_in(ui_app, web_world.bob)
    new = "a-new-password-" + uuid.uuid4().hex[:6]
    try:
        r = here.post("/account/password", data={"current": web_world.bob.password, "new": new})
        assert r.status_code == 302
        assert here.get("/projects").status_code == 200
        assert elsewhere.get("/projects").status_code == 302
        wrong = here.post("/account/password", data={"current": "not-it", "new": new + "x"})
        assert wrong.status_code == 422
    finally:
        with web_world.database.session() as s:
            from talent.storage.models import Recruiter

            set_password(s.get(Recruiter, web_world.bob.recruiter_id), web_world.bob.password)


def test_a_sign_in_ends_after_its_lifetime(web_world):
    app = make_app(web_world, WTF_CSRF_ENABLED=False, SESSION_LIFETIME=dt.timedelta(seconds=-1))
    client = _signed_in(app, web_world.alice)
    r = client.get("/projects")
    assert r.status_code == 302 and "/login" in r.headers["Location"]


def test_signing_in_costs_one_scrypt_for_known_and_unknown_e_mails(web_world, monkeypatch):
    import hashlib

    from webapp.auth import _stand_in_hash, verify_password

    _stand_in_hash()  # made once per process, before any attempt is timed
    calls = []
    real = hashlib.scrypt
    monkeypatch.setattr(hashlib, "scrypt", lambda *a, **k: calls.append(1) or real(*a, **k))
    with web_world.database.session() as s:
        for email in (web_world.alice.email, "nobody@unknown.example"):
            calls.clear()
            assert verify_password(s, email, "wrong password") is None
            assert len(calls) == 1, email


def _login_attempts(apps, n):
    codes = []
    for i in range(n):
        client = apps[i % len(apps)].test_client()
        codes.append(client.post("/login", data={"email": "x@y.example", "password": "p"},
                                 environ_base={"REMOTE_ADDR": "10.9.8.7"}).status_code)
    return codes


def test_sign_in_limits_hold_across_workers_without_redis(web_world):
    prefix = uuid.uuid4().hex  # two apps on one home: two gunicorn workers of one server
    workers = [make_app(web_world, WTF_CSRF_ENABLED=False, RATELIMIT_ENABLED=True,
                        RATELIMIT_KEY_PREFIX=prefix) for _ in range(2)]
    codes = _login_attempts(workers, 12)
    assert codes[:10] == [401] * 10 and codes[10:] == [429, 429]


def test_with_redis_down_each_worker_still_limits_and_warns_once(web_world, caplog):
    settings = web_world.settings.model_copy(update={"cache_url": "redis://127.0.0.1:9/0"})
    from webapp import create_app

    app = create_app(settings, {"TESTING": True, "WTF_CSRF_ENABLED": False,
                                "SEARCH_SERVICE": web_world.service})
    with caplog.at_level(logging.DEBUG):
        codes = _login_attempts([app], 12)
    assert codes[:10] == [401] * 10 and codes[10:] == [429, 429]
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING
                and "limit" in r.getMessage().lower()]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]
    assert not any(r.exc_info for r in caplog.records)
