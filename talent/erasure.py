"""Erasing one member everywhere: a registry of erasers, one per place that holds member data.

Every module that keeps a member's data somewhere (database rows, the search index, caches,
cached training features, model or embedding artifacts, world files) registers an
:class:`Eraser` for it with :func:`register_eraser`, in the module that owns that data, and adds
that module to :data:`ERASER_MODULES` (imported, in order, before an erasure runs: the registry
then knows every surface without this module importing the layers above it). An erasure runs
every eraser in registration order, then asks each one what it still finds
(:meth:`Eraser.remaining`): the erasure is complete only when every surface answers nothing.

The audit log keeps the member's id (an id, no profile data): it is append-only, and the erasure
itself is recorded there.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from talent.errors import NotFound
from talent.logging import get_logger

log = get_logger(__name__)

ERASER_MODULES: list[str] = [
    "talent.storage.erasure",   # database rows of every contract (first: the outbox delete)
    "talent.protected",         # the protected store's file (gender codes; after the table)
    "index.erasure",            # the serving index and every retained version, the next build
    "talent.cache.erasure",     # cache keys under the member's prefix
    "talent.dynamic.erasure",   # L2's dynamic-feature counters of the member
    "federator.session_erasure",  # review sessions whose pool holds the member
    "talent.training.erasure",  # cached training features
    "talent.world.erasure",     # the synthetic world's files: public arrays and hidden truth
]
"""Modules that register erasers when imported (add yours; the order is the order they run)."""


@dataclass
class ErasureContext:
    """What an eraser gets: the member, the settings, the database and who asked."""

    member_id: int
    settings: Any
    database: Any
    actor: str  # "cli", "operator-api", ...
    started_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    facts: dict[str, Any] = field(default_factory=dict)  # what an eraser tells the ones after it


class Eraser(Protocol):
    """One surface that holds member data."""

    name: str

    def erase(self, ctx: ErasureContext) -> dict[str, int]:
        """Remove the member's data; returns what was removed (kind -> count)."""

    def remaining(self, ctx: ErasureContext) -> list[str]:
        """What of the member this surface still holds (empty: nothing)."""


@dataclass(frozen=True)
class FunctionEraser:
    """An eraser made of two functions (see :func:`register_eraser`)."""

    name: str
    erase_fn: Callable[[ErasureContext], dict[str, int]]
    remaining_fn: Callable[[ErasureContext], list[str]]

    def erase(self, ctx: ErasureContext) -> dict[str, int]:
        return self.erase_fn(ctx)

    def remaining(self, ctx: ErasureContext) -> list[str]:
        return self.remaining_fn(ctx)


_REGISTRY: dict[str, Eraser] = {}


def register_eraser(eraser: Eraser) -> Eraser:
    """Add (or replace, by name) the eraser of one surface."""
    _REGISTRY[eraser.name] = eraser
    return eraser


def registered_erasers() -> list[Eraser]:
    """Every eraser of :data:`ERASER_MODULES` (imported here) and any registered since."""
    for module in ERASER_MODULES:
        importlib.import_module(module)
    return list(_REGISTRY.values())


@dataclass
class ErasureReport:
    """What each surface removed, and what any of them still finds afterwards."""

    member_id: int
    removed: dict[str, dict[str, int]]
    remaining: dict[str, list[str]]
    failed: dict[str, str]

    @property
    def complete(self) -> bool:
        return not self.failed and not any(self.remaining.values())

    def to_dict(self) -> dict[str, Any]:
        return {"member_id": self.member_id, "complete": self.complete, "removed": self.removed,
                "remaining": self.remaining, "failed": self.failed}


def erase_member(ctx: ErasureContext, erasers: list[Eraser] | None = None) -> ErasureReport:
    """Run every eraser, then check every surface. Raises :class:`NotFound` when no surface
    holds the member at all. An eraser that fails is reported (and the others still run)."""
    erasers = registered_erasers() if erasers is None else erasers
    before = {e.name: e.remaining(ctx) for e in erasers}
    if not any(before.values()):
        raise NotFound(f"member {ctx.member_id} not found anywhere (already erased?)")
    removed: dict[str, dict[str, int]] = {}
    failed: dict[str, str] = {}
    for eraser in erasers:
        try:
            removed[eraser.name] = eraser.erase(ctx)
        except Exception as exc:  # noqa: BLE001 - reported; the other surfaces are still erased
            failed[eraser.name] = f"{type(exc).__name__}: {exc}"
            log.error("member.erase_failed", surface=eraser.name, member_id=ctx.member_id,
                      error=failed[eraser.name])
    remaining = {e.name: e.remaining(ctx) for e in erasers}
    report = ErasureReport(ctx.member_id, removed, remaining, failed)
    log.info("member.erased", member_id=ctx.member_id, actor=ctx.actor, complete=report.complete,
             surfaces=sorted(removed))
    return report
