"""Eraser ``cache``: every cached value under the member's key prefix (:func:`member_key`)."""

from __future__ import annotations

from talent.cache.base import Cache, member_prefix, open_cache
from talent.erasure import ErasureContext, FunctionEraser, register_eraser


def erasure_cache(ctx: ErasureContext) -> Cache:
    """The settings' cache, opened once per erasure (shared by every eraser of cached data)."""
    cache = ctx.facts.get("cache")
    if cache is None:
        cache = ctx.facts["cache"] = open_cache(ctx.settings.cache_url)
    return cache


def erase_cached(ctx: ErasureContext) -> dict[str, int]:
    return {"keys": erasure_cache(ctx).delete_prefix(member_prefix(ctx.member_id))}


def remaining_cached(ctx: ErasureContext) -> list[str]:
    return [f"cache key {k}" for k in erasure_cache(ctx).keys(member_prefix(ctx.member_id))]


register_eraser(FunctionEraser("cache", erase_cached, remaining_cached))
