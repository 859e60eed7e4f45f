"""Personal data never reaches a log handler: e-mails and phone numbers are scrubbed from
structlog events (nested values and exceptions included) and from every stdlib logger (gunicorn,
werkzeug, Flask), in the console and the JSON format."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Iterator

import pytest
import structlog

from talent.logging import configure_logging, get_logger

EMAIL, PHONE = "alice@example.com", "+1 (555) 123-4567"
FORMATS = ["console", "json"]


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    """Put the process's logging back as it was (handlers, levels, record factory, structlog)."""
    root = logging.getLogger()
    handlers, level, factory = root.handlers[:], root.level, logging.getLogRecordFactory()
    structlog_config = structlog.get_config()
    gunicorn = {name: logging.getLogger(name).handlers[:] for name in ("gunicorn.error",
                                                                       "gunicorn.access")}
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    logging.setLogRecordFactory(factory)
    structlog.configure(**structlog_config)
    for name, saved in gunicorn.items():
        logging.getLogger(name).handlers[:] = saved


def assert_clean(text: str) -> None:
    assert text.strip(), "nothing was logged"
    # not "555" alone: a timestamp's microseconds can hold it
    assert "alice" not in text and "example.com" not in text and "123-4567" not in text, text


def last_json_line(text: str) -> dict:
    return json.loads(text.strip().splitlines()[-1])


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_brokers_failure_dict_is_scrubbed(capsys, fmt):
    configure_logging("INFO", fmt)
    get_logger("index.broker").warning("search.partial",
                                       failures={0: f"partition 0 failed for {EMAIL}"})
    err = capsys.readouterr().err
    assert_clean(err)
    if fmt == "json":
        assert last_json_line(err)["failures"] == {"0": "partition 0 failed for [email]"}


@pytest.mark.parametrize("fmt", FORMATS)
def test_lists_tuples_and_nested_dicts_are_scrubbed(capsys, fmt):
    configure_logging("INFO", fmt)
    get_logger("talent").info("event", members=[EMAIL, ("call", PHONE)],
                              detail={"inner": {"contact": [EMAIL]}, "email": "x", "count": 3})
    err = capsys.readouterr().err
    assert_clean(err)
    if fmt == "json":
        line = last_json_line(err)
        assert line["members"] == ["[email]", ["call", "[phone]"]]
        assert line["detail"] == {"inner": {"contact": ["[email]"]}, "email": "[redacted]",
                                  "count": 3}


@pytest.mark.parametrize("fmt", FORMATS)
def test_exception_text_of_a_structlog_event_is_scrubbed(capsys, fmt):
    configure_logging("INFO", fmt)
    try:
        raise ValueError(f"no recruiter {EMAIL}")
    except ValueError:
        get_logger("webapp.errors").exception("request.failed", path="/api/v1/me")
    err = capsys.readouterr().err
    assert_clean(err)
    assert "ValueError: no recruiter [email]" in err.replace("\\n", "\n")


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_stdlib_logger_is_scrubbed_in_its_message_arguments_exception_and_extras(capsys, fmt):
    configure_logging("INFO", fmt)
    log = logging.getLogger("some.library")
    log.warning("member %s called from %s", EMAIL, PHONE)
    log.info("failures %s", {0: [f"timeout {EMAIL}"]})
    try:
        raise RuntimeError(f"mail to {EMAIL} bounced")
    except RuntimeError:
        log.exception("send failed")
    logging.getLogger().handlers[0].setFormatter(logging.Formatter("%(message)s %(contact)s"))
    log.info("with extra", extra={"contact": {"email": EMAIL, "phone": [PHONE]}})
    err = capsys.readouterr().err
    assert_clean(err)
    assert "member [email] called from [phone]" in err
    assert "RuntimeError: mail to [email] bounced" in err


@pytest.mark.parametrize("fmt", FORMATS)
def test_werkzeug_and_flask_loggers_are_scrubbed(capsys, fmt):
    from flask import Flask
    from werkzeug._internal import _log

    configure_logging("INFO", fmt)
    _log("info", '127.0.0.1 - - "GET /search?q=%s HTTP/1.1" 200 -', EMAIL)
    Flask("webapp").logger.warning("search service not ready: %s", f"owner {PHONE}")
    err = capsys.readouterr().err
    assert_clean(err)
    assert "q=[email]" in err and "owner [phone]" in err


@pytest.mark.parametrize("fmt", FORMATS)
def test_gunicorns_own_error_and_access_loggers_are_scrubbed(capsys, fmt):
    from gunicorn.config import Config
    from gunicorn.glogging import Logger

    configure_logging("INFO", fmt)
    cfg = Config()
    cfg.set("accesslog", "-")
    logger = Logger(cfg)  # its own handlers on gunicorn.error / gunicorn.access, not propagating
    logger.error("worker failed for %s", EMAIL)
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": f"/api/v1/members/1?email={EMAIL}",
               "QUERY_STRING": f"email={EMAIL}", "PATH_INFO": "/api/v1/members/1",
               "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1"}

    class Response:
        status, sent, headers = "200 OK", 12, (("Content-Type", "application/json"),)

    class Request:
        headers = (("USER-AGENT", f"bot {PHONE}"),)

    logger.access(Response(), Request(), environ, dt.timedelta(milliseconds=5))
    captured = capsys.readouterr()
    assert_clean(captured.err)
    assert_clean(captured.out)  # the access log goes to stdout
    assert "worker failed for [email]" in captured.err and "email=[email]" in captured.out


def test_scrub_value_keeps_the_shape_and_the_plain_values():
    from talent.logging import scrub_value

    value = {"ids": (1, 2.5, None, True), "who": {EMAIL}, "when": dt.date(2026, 1, 2), "token": "t"}
    assert scrub_value(value) == {"ids": (1, 2.5, None, True), "who": {"[email]"},
                                  "when": dt.date(2026, 1, 2), "token": "[redacted]"}


# --- secrets ------------------------------------------------------------------------------------
PASSWORD, TOKEN = "hunter2-Secret!", "tlnt_Zx9Yq8Wv7Ut6Sr5Qp4"


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_exception_logs_its_traceback_without_the_frames_local_variables(capsys, fmt):
    configure_logging("INFO", fmt)

    def sign_in(email: str, password: str, headers: dict[str, str]) -> None:
        token = headers["Authorization"].split()[-1]
        raise RuntimeError(f"lookup failed ({len(token)} chars)")

    try:
        sign_in(EMAIL, PASSWORD, {"Authorization": f"Bearer {TOKEN}"})
    except RuntimeError:
        get_logger("webapp.errors").exception("request.failed", path="/login")
    err = capsys.readouterr().err
    assert PASSWORD not in err and TOKEN not in err and "hunter2" not in err, err
    text = err.replace("\\n", "\n")
    assert "Traceback (most recent call last)" in text and "RuntimeError: lookup failed" in text
    if fmt == "json":
        assert "Traceback" in last_json_line(err)["exception"]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("leak", [
    f"Authorization: Bearer {TOKEN}",
    "Authorization: Basic dXNlcjpodW50ZXIyLVNlY3JldCE=",
    f"GET /api/v1/me?access_token={TOKEN}&page=2",
    f"email=a&password={PASSWORD}&csrf_token=IjM2YmE",
    "Cookie: session=eyJyZWNydWl0ZXJfaWQiOjF9.Zx9Yq8; theme=dark",
    f"{{'password': '{PASSWORD}', 'api_token': '{TOKEN}'}}",
    f"sent {TOKEN} as a plain word",
])
def test_secrets_in_message_text_are_redacted(capsys, fmt, leak):
    configure_logging("INFO", fmt)
    logging.getLogger("some.library").warning("request: %s", leak)
    get_logger("talent").warning("request", detail=leak)
    err = capsys.readouterr().err
    assert TOKEN not in err and "hunter2" not in err and "eyJyZWNydWl0ZXJfaWQiOjF9" not in err
    assert "dXNlcjpodW50ZXIyLVNlY3JldCE" not in err, err
    assert "[redacted]" in err or "[token]" in err


@pytest.mark.parametrize("fmt", FORMATS)
def test_values_under_secret_keys_are_redacted_at_any_depth(capsys, fmt):
    configure_logging("INFO", fmt)
    get_logger("talent").info("login", password=PASSWORD,
                              request={"headers": {"Authorization": "x", "Cookie": "y"},
                                       "form": {"new_password": PASSWORD, "admin_token": TOKEN}})
    err = capsys.readouterr().err
    assert PASSWORD not in err and TOKEN not in err, err
    if fmt == "json":
        line = last_json_line(err)
        assert line["password"] == "[redacted]"
        assert line["request"]["headers"] == {"Authorization": "[redacted]", "Cookie": "[redacted]"}


def test_words_that_only_look_like_secret_names_are_kept():
    from talent.logging import scrub

    for text in ("title:python developer skill:sql", "qrcode=5 page=2", "token bucket limiter",
                 "GET /api/v1/search?page=2"):
        assert scrub(text) == text


@pytest.mark.parametrize("fmt", FORMATS)
def test_gunicorns_access_log_as_served_records_no_basic_auth_user_or_token(capsys, fmt):
    from gunicorn.config import Config
    from gunicorn.glogging import Logger

    from talent.cli.serve import ACCESS_LOG_FORMAT

    configure_logging("INFO", fmt)
    cfg = Config()
    cfg.set("accesslog", "-")
    cfg.set("access_log_format", ACCESS_LOG_FORMAT)
    logger = Logger(cfg)
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": f"/api/v1/me?access_token={TOKEN}",
               "QUERY_STRING": f"access_token={TOKEN}", "PATH_INFO": "/api/v1/me",
               "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
               "HTTP_AUTHORIZATION": "Basic dGxudF9aeDlZcTg6"}  # user tlnt_Zx9Yq8, no password

    class Response:
        status, sent, headers = "200 OK", 12, (("Content-Type", "application/json"),)

    class Request:
        headers = (("AUTHORIZATION", "Basic dGxudF9aeDlZcTg6"),)

    logger.access(Response(), Request(), environ, dt.timedelta(milliseconds=5))
    out = capsys.readouterr().out
    assert "/api/v1/me" in out and " 200 " in out
    assert TOKEN not in out and "tlnt_Zx9Yq8" not in out and "dGxudF9aeDlZcTg6" not in out, out
