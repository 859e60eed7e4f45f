"""Errors a user can cause, each with a message that says what to do.

Every error the CLI, the API or the UI reports to a person derives from :class:`TalentError`;
anything else is a bug.
"""

from __future__ import annotations


class TalentError(Exception):
    """Base class for errors a user (or operator) can cause and fix."""

    http_status = 400


class ConfigError(TalentError):
    """Settings, a world config or a taxonomy bundle is invalid or missing."""


class DatabaseUnavailable(TalentError):
    """The database cannot be reached or has no schema yet."""

    http_status = 503


class NotFound(TalentError):
    """An entity does not exist, or belongs to another contract (we do not say which)."""

    http_status = 404


class InvalidInput(TalentError):
    """A request carries a value the domain refuses (bad stage, empty subject, ...)."""

    http_status = 422


class QueryError(TalentError):
    """A recruiter query could not be parsed; ``position`` is a 0-based character offset."""

    def __init__(self, message: str, position: int | None = None, expected: str | None = None):
        self.position = position
        self.expected = expected
        detail = message
        if position is not None:
            detail = f"{message} at position {position}"
        if expected:
            detail = f"{detail}; expected {expected}"
        super().__init__(detail)
        self.message = message


class IndexUnavailable(TalentError):
    """No serving index version, or a manifest or shard is missing or corrupt."""

    http_status = 503


class ModelUnavailable(TalentError):
    """A model artifact is missing, corrupt or mismatched with its embedding/feature schema."""

    http_status = 503
