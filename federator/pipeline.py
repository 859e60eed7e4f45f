"""The federator's stage runner: an ordered list of stages with one call signature.

Every stage is ``stage(request, candidates) -> candidates``: it takes the
:class:`RankingRequest` (the recruiter's request and its parsed query) and the candidate list
the stage before it produced, and returns a candidate list (re-scored, re-ordered, cut, never
with members the stage before did not hand it, except the first stage, the broker, which
retrieves them). The runner, :class:`Pipeline`, is the only place that times stages, honours
per-request switches (``SearchRequest.stages``, e.g. ``{"l2": False}`` for an evaluation run
with L2 off) and contains failures: an optional stage that raises is skipped, logged and
reported (``StageReport.status == "failed"``), and the candidates it was given go on unchanged.

A stage declares:

- ``name``: the key of its switch and of its timing (``"broker"``, ``"l2"``, ``"rerank"``);
- ``config``: a typed, frozen settings object with at least ``enabled`` (the default when a
  request does not say);
- ``required``: a stage that cannot be switched off (the broker: nothing to rank without it);
- ``switches``: names of finer switches the stage reads itself (the broker's ``"l1"``);
- optionally ``notice``: a stage that runs degraded says how (e.g. its model fell back to an
  older one); it goes into the stage's report.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Protocol

from talent.errors import InvalidInput, QueryError, TalentError
from talent.logging import get_logger

if TYPE_CHECKING:
    from federator.types import CandidateList, SearchRequest
    from talent.query import ParsedQuery

log = get_logger(__name__)

StageStatus = Literal["ran", "off", "failed"]


@dataclass(frozen=True)
class StageConfig:
    """Settings every stage has: whether it runs when a request does not say."""

    enabled: bool = True


@dataclass(frozen=True)
class RankingRequest:
    """What every stage sees: the recruiter's request and its parsed, standardized query."""

    search: SearchRequest
    query: ParsedQuery

    @property
    def recruiter_id(self) -> int | None:
        return self.search.recruiter_id

    @property
    def contract_id(self) -> int | None:
        return self.search.contract_id

    @property
    def session_id(self) -> str | None:
        return self.search.session_id

    def switch(self, name: str, default: bool) -> bool:
        """The request's value of switch ``name``, else ``default``."""
        return bool(self.search.stages.get(name, default))


class Stage(Protocol):
    """One step of the ranking path (see the module docstring)."""

    name: str
    required: bool
    switches: tuple[str, ...]

    @property
    def config(self) -> StageConfig: ...

    def __call__(self, request: RankingRequest, candidates: CandidateList) -> CandidateList: ...


@dataclass(frozen=True)
class StageReport:
    """How one stage went for one request: ran (with its time), off, or failed (and why)."""

    name: str
    status: StageStatus
    ms: float = 0.0
    detail: str = ""


@dataclass
class PipelineRun:
    """The candidates the last stage returned, one report per stage and the timings."""

    candidates: CandidateList
    reports: list[StageReport]
    timings: dict[str, float] = field(default_factory=dict)
    #: stage -> the aggregate figures it reported (``CandidateList.debug`` of the list it made)
    debug: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def failed(self) -> list[str]:
        return [r.name for r in self.reports if r.status == "failed"]


class Pipeline:
    """Runs its stages in order; see the module docstring for the contract."""

    def __init__(self, stages: Sequence[Stage]):
        names = [s.name for s in stages]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"stage names must be unique, repeated: {', '.join(duplicates)}")
        self.stages: tuple[Stage, ...] = tuple(stages)

    @property
    def switches(self) -> tuple[str, ...]:
        """Every name a request may switch: the stages' and their finer switches."""
        return tuple(dict.fromkeys(n for s in self.stages for n in (s.name, *s.switches)))

    def check_switches(self, switches: Mapping[str, bool]) -> None:
        """Refuse unknown switch names and switching off a required stage (``InvalidInput``)."""
        known = self.switches
        unknown = sorted(set(switches) - set(known))
        if unknown:
            raise InvalidInput(f"unknown stage switch {', '.join(map(repr, unknown))}: "
                               f"this service knows {', '.join(known)}")
        for stage in self.stages:
            if stage.required and switches.get(stage.name) is False:
                raise InvalidInput(f"stage {stage.name!r} cannot be switched off")

    def run(self, request: RankingRequest, candidates: CandidateList) -> PipelineRun:
        """Run every stage the request leaves on, timing each one."""
        self.check_switches(request.search.stages)
        reports: list[StageReport] = []
        timings: dict[str, float] = {}
        debug: dict[str, dict[str, Any]] = {}
        for stage in self.stages:
            if not request.switch(stage.name, stage.config.enabled) and not stage.required:
                reports.append(StageReport(stage.name, "off"))
                continue
            t0 = time.perf_counter()
            try:
                out = stage(request, candidates)
            except QueryError:
                raise
            except Exception as exc:
                if stage.required:
                    raise
                ms = (time.perf_counter() - t0) * 1e3
                # our own errors say what happened (a missing model ...): no traceback for them
                log.warning("federator.stage_failed", stage=stage.name,
                            error=f"{type(exc).__name__}: {exc}",
                            exc_info=not isinstance(exc, TalentError))
                # what a user may read: our own errors say what to do; anything else is a bug
                detail = (str(exc) if isinstance(exc, TalentError)
                          else f"{type(exc).__name__} (see the server log)")
                reports.append(StageReport(stage.name, "failed", ms, detail))
                timings[stage.name] = ms
                continue
            ms = (time.perf_counter() - t0) * 1e3
            timings[stage.name] = ms
            # a new list carries the sub-timings of the stage that made it
            if out is not candidates:
                timings.update({f"{stage.name}.{k}": v for k, v in out.timings.items()})
                if out.debug:
                    debug[stage.name] = dict(out.debug)
            # a stage that ran degraded says how: a caveat on its list (e.g. L2 without its
            # cache), else its optional ``notice`` (e.g. a model fallback)
            note = out.notes.get(stage.name, "") if out is not candidates else ""
            reports.append(StageReport(stage.name, "ran", ms,
                                       note or getattr(stage, "notice", "") or ""))
            candidates = out
        return PipelineRun(candidates, reports, timings, debug)

