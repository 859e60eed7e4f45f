"""The Flask secret key: from settings, else generated once and kept under the data home."""

from __future__ import annotations

import os
import secrets as _secrets

from talent.settings import Settings

SECRET_FILE = "flask_secret_key"


def secret_key(settings: Settings) -> str:
    """``settings.secret_key``, or the key stored in ``<home>/flask_secret_key`` (created 0600)."""
    if settings.secret_key:
        return settings.secret_key
    settings.ensure_home()
    path = settings.home / SECRET_FILE
    if path.exists():
        return path.read_text().strip()
    key = _secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key
