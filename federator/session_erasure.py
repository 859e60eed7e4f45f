"""Eraser ``review-sessions``: review sessions whose candidate pool holds the member.

A session's state and pool (``session:<id>``, ``session:<id>:pool``, :mod:`federator.sessions`)
mix many members, so they are not under the member's cache prefix. A session that presented or
could present the erased member ends: its keys are deleted, and the recruiter's next step gets
the expired-session message and starts a new one (whose pool no longer holds the member). A
results-page feedback session (no pool) keeps only skill counts, no member ids."""

from __future__ import annotations

import json

from talent.cache.base import Cache
from talent.cache.erasure import erasure_cache
from talent.erasure import ErasureContext, FunctionEraser, register_eraser

POOL_SUFFIX = ":pool"


def sessions_holding(cache: Cache, member_id: int) -> list[str]:
    """Ids of the sessions whose pool lists ``member_id``."""
    found = []
    for key in cache.keys("session:"):
        if not key.endswith(POOL_SUFFIX):
            continue
        raw = cache.get(key)
        if raw is None:
            continue
        try:
            members = json.loads(raw).get("member_ids", [])
        except (ValueError, AttributeError):
            continue
        if int(member_id) in members:
            found.append(key.removeprefix("session:").removesuffix(POOL_SUFFIX))
    return found


def erase_sessions(ctx: ErasureContext) -> dict[str, int]:
    cache = erasure_cache(ctx)
    ended = sessions_holding(cache, ctx.member_id)
    for session_id in ended:
        cache.delete(f"session:{session_id}")
        cache.delete(f"session:{session_id}{POOL_SUFFIX}")
    return {"sessions": len(ended)}


def remaining_sessions(ctx: ErasureContext) -> list[str]:
    return [f"review session {s}" for s in sessions_holding(erasure_cache(ctx), ctx.member_id)]


register_eraser(FunctionEraser("review-sessions", erase_sessions, remaining_sessions))
