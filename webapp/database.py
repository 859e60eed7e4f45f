"""One database per app, one session per request (closed, and rolled back unless committed)."""

from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy.orm import Session, sessionmaker

from talent.settings import Settings
from talent.storage.db import Database


def init_app(app: Flask, settings: Settings) -> None:
    database = Database.from_settings(settings)
    app.extensions["talent.db"] = database
    app.extensions["talent.sessions"] = sessionmaker(database.engine, expire_on_commit=False)
    app.teardown_appcontext(_close_session)


def db_session() -> Session:
    """The request's session (opened on first use)."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["talent.sessions"]()
    return g.db_session


def _close_session(_: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.rollback()
        session.close()
