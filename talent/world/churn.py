"""A stream of realistic profile changes for demos and benchmarks (`talent world churn`).

Each change is one member editing their profile the way members do: a job change (a new position
at another company, a promotion, or a move to a related occupation, often with a skill or two of
the new role), a new skill, an open-to-work flip, a headline edit or just signing in (last-active
bump). Every change is written through the ORM in its own transaction, so the outbox hook records
it in ``profile_changes`` and a running ``talent index update --follow`` applies it.

The stream is a pure function of the seed and the database's profiles (which member, what
change, which title, company or skill); only the timestamps come from the clock. It reads the
database and the taxonomy, never the world's hidden truth.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from talent.errors import InvalidInput
from talent.storage.db import Database
from talent.storage.models import Company, Member, MemberSkill, Position, utcnow
from talent.taxonomy.model import Taxonomy
from talent.world.text import apply_form, form_weights, years_text

CHANGE_KINDS: tuple[str, ...] = ("last_active", "new_skill", "headline", "job_change",
                                 "open_to_work")
DEFAULT_MIX: dict[str, float] = {"last_active": 0.35, "new_skill": 0.2, "headline": 0.15,
                                 "job_change": 0.2, "open_to_work": 0.1}
"""Share of each kind of change (signing in is the most common edit, a job change the richest)."""

ACTIVITY_EXPONENT = 0.8
"""Members are picked with weight 1 / (rank + 10) ** this over a seeded ranking: a few change
often."""

_HEADLINES = ("{title} at {company}", "{title} | {s1} | {s2}", "{title} with {years} of experience",
              "{title} at {company} | {s1}", "{occupation} \u2022 {s1} & {s2}")
_OPEN_HEADLINES = ("Open to work: {title}", "{title} | Seeking new opportunities",
                   "{title} \u2013 open to new roles")


@dataclass(frozen=True)
class ProfileEdit:
    """One committed change: the member, the kind of change and what changed (for display)."""

    member_id: int
    kind: str
    detail: str


@dataclass(frozen=True)
class ChurnReport:
    edits: int
    seconds: float
    by_kind: dict[str, int]

    @property
    def rate(self) -> float:
        return self.edits / self.seconds if self.seconds > 0 else 0.0


def parse_mix(items: Mapping[str, float] | None) -> dict[str, float]:
    """Normalized change shares: the defaults, overridden by ``items`` (kind -> weight >= 0)."""
    mix = dict(DEFAULT_MIX)
    for kind, weight in (items or {}).items():
        if kind not in CHANGE_KINDS:
            raise InvalidInput(f"unknown change kind {kind!r}; kinds: {', '.join(CHANGE_KINDS)}")
        if not weight >= 0:
            raise InvalidInput(f"the weight of {kind!r} must be >= 0, got {weight}")
        mix[kind] = float(weight)
    total = sum(mix.values())
    if total <= 0:
        raise InvalidInput("at least one change kind needs a positive weight")
    return {k: v / total for k, v in mix.items()}


class ProfileChurn:
    """Draws and applies profile edits (deterministic for a seed and a database state)."""

    def __init__(self, taxonomy: Taxonomy, member_ids: list[int],
                 companies: dict[int, tuple[str, int | None]], *,
                 seed: int = 0, mix: Mapping[str, float] | None = None,
                 clock: Callable[[], dt.datetime] = utcnow):
        if not member_ids:
            raise InvalidInput("the database holds no members: run `talent world generate` first")
        self.taxonomy = taxonomy
        self.rng = np.random.default_rng(seed)
        self.member_ids = np.asarray(sorted(member_ids), dtype=np.int64)
        ranked = self.rng.permutation(len(self.member_ids))
        weights = 1.0 / (np.arange(len(ranked)) + 10.0) ** ACTIVITY_EXPONENT
        self._member_p = np.empty(len(ranked))
        self._member_p[ranked] = weights / weights.sum()
        self.companies = companies
        self._company_ids = np.asarray(sorted(companies), dtype=np.int64)
        shares = parse_mix(mix)
        self._kinds = list(shares)
        self._kind_p = np.asarray([shares[k] for k in self._kinds])
        self.clock = clock

    @classmethod
    def from_database(cls, database: Database, taxonomy: Taxonomy,
                      **options: object) -> ProfileChurn:
        with database.session() as s:
            member_ids = list(s.scalars(select(Member.id)))
            companies = {int(i): (str(n), ind) for i, n, ind in s.execute(
                select(Company.id, Company.name, Company.industry_id))}
        return cls(taxonomy, member_ids, companies, **options)  # type: ignore[arg-type]

    # drawing
    # ---------------------------------------------------------------------------------------
    def _pick(self, options: list[str], weights: list[float] | None = None) -> str:
        if weights is None:
            return options[int(self.rng.integers(len(options)))]
        p = np.asarray(weights, dtype=float)
        return options[int(self.rng.choice(len(options), p=p / p.sum()))]

    def _other_company(self, current: int | None) -> int | None:
        if len(self._company_ids) == 0:
            return None
        for _ in range(8):
            company = int(self._company_ids[int(self.rng.integers(len(self._company_ids)))])
            if company != current:
                return company
        return current

    def _title(self, occupation_id: str | None, level: int) -> str:
        variants = self.taxonomy.title_variants.get(occupation_id or "") or []
        occupation = self.taxonomy.occupations.get(occupation_id or "")
        if not variants:
            return occupation.title if occupation else "Specialist"
        head = variants[: min(len(variants), 8)]
        variant = self._pick(head, [1.0 / (i + 1) for i in range(len(head))])
        form = int(self.rng.choice(len(form_weights(level)), p=form_weights(level)))
        return apply_form(variant, level, form, occupation.job_zone if occupation else 4)

    def _new_skills(self, member: Member, occupation_id: str | None, n: int) -> list[MemberSkill]:
        have = {s.skill_id for s in member.skills}
        options = [(sid, w)
                   for sid, w in self.taxonomy.occupation_skills.get(occupation_id or "", [])
                   if sid not in have and sid in self.taxonomy.skills]
        if not options:
            pool = [sid for sid in self.taxonomy.skills if sid not in have]
            options = [(sid, 1.0) for sid in pool[:500]]
        chosen: list[MemberSkill] = []
        for _ in range(min(n, len(options))):
            sid = self._pick([s for s, _ in options], [w for _, w in options])
            options = [(s, w) for s, w in options if s != sid]
            chosen.append(MemberSkill(skill_id=sid, name=self.taxonomy.skills[sid].name,
                                      endorsements=0))
        return chosen

    def _headline(self, member: Member, open_to_work: bool) -> str:
        occupation = self.taxonomy.occupations.get(member.occupation_id or "")
        skills = [s.name for s in sorted(member.skills,
                                         key=lambda s: (-s.endorsements, s.skill_id))][:2]
        skills += ["teamwork", "communication"][len(skills):]
        company = self.companies.get(member.current_company_id or -1,
                                     ("a growing company", None))[0]
        fields = {"title": member.current_title
                  or (occupation.title if occupation else "Professional"),
                  "company": company, "s1": skills[0], "s2": skills[1],
                  "years": years_text(member.years_experience),
                  "occupation": occupation.title if occupation else member.current_title}
        templates = _OPEN_HEADLINES if open_to_work else _HEADLINES
        options = [t.format(**fields)[:300] for t in templates]
        fresh = [h for h in options if h != member.headline] or options
        return self._pick(fresh)

    # applying
    # ----------------------------------------------------------------------------------------
    def apply_next(self, session: Session) -> ProfileEdit:
        """Draw the next edit and apply it in ``session`` (the caller commits)."""
        member_id = int(self.member_ids[int(self.rng.choice(len(self.member_ids),
                                                            p=self._member_p))])
        kind = self._kinds[int(self.rng.choice(len(self._kinds), p=self._kind_p))]
        member = session.scalars(select(Member).where(Member.id == member_id)
                                 .options(selectinload(Member.skills),
                                          selectinload(Member.positions))).one()
        now = self.clock()
        detail = getattr(self, f"_edit_{kind}")(member, now)
        member.last_active_at = now
        return ProfileEdit(member_id, kind, detail)

    def _edit_last_active(self, member: Member, now: dt.datetime) -> str:
        return f"active at {now:%Y-%m-%d %H:%M:%S}"

    def _edit_new_skill(self, member: Member, now: dt.datetime) -> str:
        added = self._new_skills(member, member.occupation_id, 1)
        member.skills.extend(added)
        return f"added skill {added[0].name!r}" if added else "no skill left to add"

    def _edit_open_to_work(self, member: Member, now: dt.datetime) -> str:
        member.open_to_work = not member.open_to_work
        if member.open_to_work and self.rng.random() < 0.4:
            member.headline = self._headline(member, open_to_work=True)
        return "now open to work" if member.open_to_work else "no longer looking"

    def _edit_headline(self, member: Member, now: dt.datetime) -> str:
        member.headline = self._headline(member,
                                         open_to_work=member.open_to_work
                                         and self.rng.random() < 0.5)
        return f"headline {member.headline!r}"

    def _edit_job_change(self, member: Member, now: dt.datetime) -> str:
        move = self._pick(["new company", "promotion", "related occupation"], [0.6, 0.25, 0.15])
        occupation_id = member.occupation_id
        level = int(member.seniority)
        company = member.current_company_id
        if move == "promotion":
            level = min(level + 1, 8)
        else:
            company = self._other_company(company)
            if move == "related occupation" and self.taxonomy.related.get(occupation_id or ""):
                related = self.taxonomy.related[occupation_id or ""][:5]
                occupation_id = self._pick(related)
            elif self.rng.random() < 0.3:
                level = min(level + 1, 8)
        title = self._title(occupation_id, level)
        today = now.date()
        for position in member.positions:
            if position.is_current:
                position.is_current = False
                position.end_date = today
        member.positions.append(Position(title=title, occupation_id=occupation_id,
                                         company_id=company, seniority=level, start_date=today,
                                         is_current=True))
        member.current_title = title
        member.occupation_id = occupation_id
        member.seniority = level
        member.current_company_id = company
        if company is not None and company in self.companies:
            member.industry_id = self.companies[company][1]
        member.skills.extend(self._new_skills(member, occupation_id, int(self.rng.integers(0, 3))))
        if self.rng.random() < 0.5:
            member.headline = self._headline(member, open_to_work=False)
        where = self.companies.get(company or -1, ("",))[0]
        return f"{move}: {title!r}" + (f" at {where}" if where else "")


def world_taxonomy(database: Database, settings: object) -> Taxonomy:
    """The taxonomy the database's world was generated with."""
    from talent.storage.models import WorldInfo
    from talent.world.config import WorldConfig, resolve_taxonomy

    with database.session() as s:
        config = s.scalars(select(WorldInfo.config).order_by(WorldInfo.generated_at.desc())).first()
    if config is None:
        raise InvalidInput("the database holds no world: run `talent world generate` first")
    return resolve_taxonomy(WorldConfig.model_validate(config), settings)


def run_churn(database: Database, churn: ProfileChurn, *, rate: float, count: int | None = None,
              duration: float | None = None, stop: threading.Event | None = None,
              on_edit: Callable[[ProfileEdit], None] | None = None) -> ChurnReport:
    """Commit edits at ``rate`` per second (each in its own transaction) until ``count`` edits,
    ``duration`` seconds or ``stop``; returns how many were made."""
    if not rate > 0:
        raise InvalidInput(f"rate must be > 0 changes per second, got {rate}")
    stop = stop or threading.Event()
    start = time.monotonic()
    made = 0
    by_kind: dict[str, int] = {}
    while not stop.is_set():
        if count is not None and made >= count:
            break
        if duration is not None and made / rate >= duration:
            break
        due = start + made / rate
        wait = due - time.monotonic()
        if wait > 0 and stop.wait(wait):
            break
        with database.session() as s:
            edit = churn.apply_next(s)
        made += 1
        by_kind[edit.kind] = by_kind.get(edit.kind, 0) + 1
        if on_edit:
            on_edit(edit)
    return ChurnReport(made, time.monotonic() - start, by_kind)
