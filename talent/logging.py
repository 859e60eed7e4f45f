"""Structured logging, configured once at the edge, with personal data and secrets scrubbed.

E-mail addresses, phone numbers and secrets (passwords, API tokens, bearer and basic
credentials, cookies, ``Authorization`` headers, ``access_token=``-style query parameters) are
replaced wherever they are in a log record: structlog events (values nested in dicts, lists and
tuples, exception text included) through the processor chain, and every stdlib record (gunicorn,
werkzeug, Flask's ``app.logger``, any ``logging.getLogger``) when it is created, so loggers with
their own handlers are covered too; a filter on the root handlers also scrubs ``extra=`` fields.
Values under secret-looking keys (``password``, ``*token*``, ``cookie``, ``authorization``, ...)
are redacted whole. Tracebacks are logged in both formats, as plain text without the frames'
local variables (structlog's default console renderer prints them, secrets included, and takes
about a second of CPU per traceback).
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Callable, MutableMapping
from typing import Any

import structlog

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_PHONE = re.compile(r"(?<![\w:-])(?:\+\d{1,3}[\s.-]?)?\(?\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}(?![\w:])")
_PII_KEYS = {"email", "phone"}
_SECRET_KEY = re.compile(r"passw|token|secret|cookie|authori[sz]ation|credential|api_?key|"
                         r"session_?key|csrf", re.IGNORECASE)
_SECRET_WORDS = (r"(?:access|refresh|id|api|auth|admin|session|csrf)?[_-]?token|password|passwd|"
                 r"pwd|secret|client_secret|api_?key|session|signature|sig|code")
_SECRET_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # an Authorization / Cookie header, as a header line, a repr'd dict item or key=value
    (re.compile(r"(?i)((?:proxy-)?authori[sz]ation)(['\"]?\s*[:=]\s*['\"]?)"
                r"(?:(?:bearer|basic|digest|token)\s+)?[^\s'\",]+"), r"\1\2[redacted]"),
    (re.compile(r"(?i)((?:set-)?cookie)(['\"]?\s*[:=]\s*['\"]?)[^\s'\";]+(?:;\s*[^\s'\";]+)*"),
     r"\1\2[redacted]"),
    (re.compile(r"(?i)\b(bearer|basic|digest)\s+[A-Za-z0-9._~+/=-]{6,}"), r"\1 [redacted]"),
    (re.compile(r"\btlnt_[A-Za-z0-9_-]+"), "[token]"),
    # query strings and form bodies: ?access_token=..., &password=...
    (re.compile(rf"(?i)([?&;]|\b)({_SECRET_WORDS})=([^&\s'\"#]*)"), r"\1\2=[redacted]"),
    # repr'd dicts and keyword arguments: 'password': 'x', password='x'
    (re.compile(rf"(?i)(['\"])([\w-]*(?:{_SECRET_WORDS})[\w-]*)\1(\s*:\s*)(['\"])(?:\\.|(?!\4).)*\4"),
     r"\1\2\1\3\4[redacted]\4"),
)
_REDACTED = "[redacted]"
_PLAIN = (int, float, bool, type(None), bytes)
_RECORD_ATTRIBUTES = {*vars(logging.LogRecord("", 0, "", 0, "", None, None)), "message", "asctime"}


def scrub(text: str) -> str:
    """Replace e-mail addresses, phone numbers and secrets in ``text``."""
    for pattern, replacement in _SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return _PHONE.sub("[phone]", _EMAIL.sub("[email]", text))


def is_sensitive_key(key: object) -> bool:
    """Whether a value under ``key`` is redacted whole (personal data or a secret)."""
    return isinstance(key, str) and (key.lower() in _PII_KEYS or bool(_SECRET_KEY.search(key)))


def scrub_value(value: Any) -> Any:
    """``value`` with e-mails and phone numbers replaced in every string it holds (dict values,
    list, tuple and set items, at any depth; values under personal keys such as ``email`` are
    redacted). Other objects are kept unless their ``repr`` holds personal data, in which case
    the scrubbed ``repr`` replaces them."""
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, _PLAIN):
        return value
    if isinstance(value, dict):
        return {key: _REDACTED if is_sensitive_key(key) else scrub_value(item)
                for key, item in value.items()}
    if isinstance(value, list):
        return [scrub_value(item) for item in value]
    if isinstance(value, tuple):
        items = [scrub_value(item) for item in value]
        named = hasattr(value, "_fields")
        return type(value)(*items) if named else tuple(items)
    if isinstance(value, set | frozenset):
        return type(value)(scrub_value(item) for item in value)
    text = repr(value)
    clean = scrub(text)
    return value if clean == text else clean


def scrub_record(record: logging.LogRecord) -> logging.LogRecord:
    """Scrub a stdlib record in place: its message (formatted with its arguments), exception and
    stack text, and any ``extra=`` field."""
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a bad format string: keep what was logged, scrubbed
        message = f"{record.msg} (arguments: {record.args!r})"
    record.msg, record.args = scrub(message), None
    if record.exc_info and not record.exc_text:
        record.exc_text = logging.Formatter().formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = scrub(record.exc_text)
    if record.stack_info:
        record.stack_info = scrub(record.stack_info)
    for key in set(vars(record)) - _RECORD_ATTRIBUTES:
        value = getattr(record, key)
        setattr(record, key, _REDACTED if is_sensitive_key(key) else scrub_value(value))
    return record


class ScrubFilter(logging.Filter):
    """A handler filter that scrubs every record the handler is about to emit."""

    def filter(self, record: logging.LogRecord) -> bool:
        scrub_record(record)
        return True


def _scrubbing_factory(
        make_record: Callable[..., logging.LogRecord]) -> Callable[..., logging.LogRecord]:
    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return scrub_record(make_record(*args, **kwargs))

    factory.scrubs = True  # type: ignore[attr-defined]
    return factory


def _install_record_factory() -> None:
    """Scrub each stdlib record as it is created (once per process)."""
    current = logging.getLogRecordFactory()
    if not getattr(current, "scrubs", False):
        logging.setLogRecordFactory(_scrubbing_factory(current))


def _scrub_event(_: Any, __: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key, value in list(event.items()):
        event[key] = _REDACTED if is_sensitive_key(key) else scrub_value(value)
    return event


def configure_logging(level: str = "INFO", fmt: str = "console") -> None:
    """Route stdlib and structlog output to stderr with PII scrubbing (``fmt``: console or json)."""
    renderer: Any = (structlog.processors.JSONRenderer() if fmt == "json"
                     else structlog.dev.ConsoleRenderer(
                         colors=False, exception_formatter=structlog.dev.plain_traceback))
    logging.basicConfig(stream=sys.stderr, level=getattr(logging, level), format="%(message)s",
                        force=True)
    for handler in logging.getLogger().handlers:
        handler.addFilter(ScrubFilter())
    _install_record_factory()
    for noisy in ("alembic", "alembic.runtime.migration", "alembic.runtime.plugins"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, getattr(logging, level)))
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            # both formats: the traceback as plain text (no frame locals), scrubbed next
            structlog.processors.format_exc_info,
            _scrub_event,
            structlog.processors.TimeStamper(fmt="iso"),
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(getattr(logging, level)),
        logger_factory=structlog.stdlib.LoggerFactory(),  # through the stdlib handlers
        cache_logger_on_first_use=False,
    )


def get_logger(name: str) -> Any:
    """A structlog logger bound to ``name``."""
    return structlog.get_logger(name)
