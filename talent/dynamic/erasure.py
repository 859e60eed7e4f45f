"""Eraser ``dynamic``: L2's dynamic-feature counters of one member (``dyn:m:<member>`` and every
recruiter's and contract's ``dyn:r:*:<member>``, ``dyn:c:*:<member>``). Their keys end with the
member's id, so they sit outside the member's cache prefix (:mod:`talent.cache.erasure`); the
events they count are database rows, erased by :mod:`talent.storage.erasure`, so a later
`talent cache warm` does not bring them back."""

from __future__ import annotations

from talent.cache.base import Cache
from talent.cache.erasure import erasure_cache
from talent.dynamic.store import member_key
from talent.erasure import ErasureContext, FunctionEraser, register_eraser


def member_counter_keys(cache: Cache, member_id: int) -> list[str]:
    """Every dynamic-feature key holding ``member_id``'s counters."""
    suffix = f":{int(member_id)}"
    keys = [k for prefix in ("dyn:r:", "dyn:c:") for k in cache.keys(prefix)
            if k.endswith(suffix)]
    own = member_key(member_id)
    return keys + ([own] if cache.get(own) is not None else [])


def erase_counters(ctx: ErasureContext) -> dict[str, int]:
    cache = erasure_cache(ctx)
    return {"keys": sum(cache.delete(k) for k in member_counter_keys(cache, ctx.member_id))}


def remaining_counters(ctx: ErasureContext) -> list[str]:
    return [f"cache key {k}" for k in member_counter_keys(erasure_cache(ctx), ctx.member_id)]


register_eraser(FunctionEraser("dynamic", erase_counters, remaining_counters))
