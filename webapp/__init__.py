"""The recruiter web UI and JSON API (Flask).

Entry point: :func:`create_app` builds an app from :class:`~talent.settings.Settings`; nothing is
read or opened at import time. The UI lives in :mod:`webapp.ui`, the JSON API under ``/api/v1``
in :mod:`webapp.api`. Every view acts as the signed-in recruiter through
:class:`~talent.storage.access.RecruiterScope`.
"""

from __future__ import annotations

from webapp.app import create_app

__all__ = ["create_app"]
