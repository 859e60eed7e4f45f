"""Recruiter queries derived from a job, with the variety real recruiters show.

Query types (``searches.query_type``, the values of :data:`talent.query.parsed.QueryType`):

- ``title-only``: ``title:"registered nurse"``
- ``title+skills``: ``title:"software developer" skill:python skill:sql``, sometimes with a
  free-text keyword (``"machine learning"``)
- ``boolean-or``: ``(title:"data scientist" OR title:"machine learning engineer") python``
- ``free-text``: ``senior data scientist python sql`` (no field prefixes)

Titles are the job's own title or another variant of the occupation (so it may differ from the
members' wording); OR-queries add a variant of the same or a related occupation. A location
filter (``location:"Seattle"``) appears on some non-remote jobs; a seniority filter appears in the
structured form (``query_json["seniority"]["must_have"]``). ``query_json`` is always a valid
:class:`talent.query.structured.StructuredQuery` whose ``text`` is ``query_text``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from talent.taxonomy.model import normalize
from talent.world import text as tx
from talent.world.state import WorldState

QUERY_TYPES = ("title-only", "title+skills", "boolean-or", "free-text")
QUERY_TYPE_P = np.array([0.25, 0.4, 0.15, 0.2])
_TYPE_CDF = np.cumsum(QUERY_TYPE_P)
_BARE = re.compile(r"^[a-z0-9][a-z0-9+#.]*$")


@dataclass
class SimQuery:
    """One generated query: its text and JSON as logged, and the intent the logging policy
    matches."""

    text: str
    json: dict[str, Any]
    type: str
    titles: list[str] = field(default_factory=list)  # OR-ed title alternatives (normalized)
    skills: list[int] = field(default_factory=list)  # skill indexes (skill: terms)
    keywords: list[str] = field(default_factory=list)  # free words/phrases (normalized)
    metro: int | None = None  # location filter (metro index)
    seniority: tuple[int, int] | None = None  # seniority filter (levels, inclusive)


def term(value: str) -> str:
    """``value`` as a query term: bare when it is one simple word, else a quoted phrase."""
    value = normalize(value)
    return value if _BARE.match(value) else f'"{value}"'


class QueryMaker:
    """Draws queries for jobs of one world."""

    def __init__(self, state: WorldState):
        self.state = state
        self.skill_terms = [normalize(n) for n in state.skill_names]
        self._form_cdf = [np.cumsum(tx.form_weights(level))
                          for level in range(len(tx.SENIORITY_FORMS))]
        self._norm_cache: dict[str, str] = {}
        rel_ptr, rel_idx = state.o_related_ptr, state.o_related_idx
        self.related = [rel_idx[rel_ptr[o] : rel_ptr[o + 1]] for o in range(len(state.occupations))]

    def _variant(self, rng: np.random.Generator, occ: int, level: int | None) -> str:
        variants = self.state.variants[occ]
        k = len(variants)
        i = min(int(np.floor((k ** rng.random() - 1) / max(k - 1, 1) * k)), k - 1)
        title = variants[i]
        if level is not None and rng.random() < 0.4:
            form = int(np.searchsorted(self._form_cdf[level], rng.random(), side="right"))
            title = tx.apply_form(title, level, min(form, tx.N_FORMS - 1),
                                  int(self.state.o_zone[occ]))
        return self._normalize(title)

    def _normalize(self, value: str) -> str:
        out = self._norm_cache.get(value)
        if out is None:
            out = self._norm_cache[value] = normalize(value)
        return out

    def make(
        self,
        rng: np.random.Generator,
        j: int,
        *,
        location_filter: float = 0.25,
        seniority_filter: float = 0.15,
    ) -> SimQuery:
        """A query for job ``j``; filters appear with the given probabilities (0 to drop them)."""
        s = self.state
        occ = int(s.j_occ[j])
        lo, hi = int(s.j_sen_min[j]), int(s.j_sen_max[j])
        level = (lo + hi) // 2
        skills, required = s.job_skills(j)
        qtype = QUERY_TYPES[
            min(int(np.searchsorted(_TYPE_CDF, rng.random(), side="right")), len(QUERY_TYPES) - 1)
        ]
        own = self._normalize(s.j_titles[j])
        first = own if rng.random() < 0.5 else self._variant(rng, occ, level)
        # 2-5 skills, required ones first
        order = np.concatenate(
            [rng.permutation(np.flatnonzero(required)), rng.permutation(np.flatnonzero(~required))]
        )
        n_sk = int(rng.integers(2, 6))
        chosen = [int(x) for x in skills[order[:n_sk]]]
        titles: list[str] = [first]
        keywords: list[str] = []
        q_skills: list[int] = []
        parts: list[str] = []
        if qtype == "title-only":
            parts.append(f"title:{term(first)}")
        elif qtype == "title+skills":
            parts.append(f"title:{term(first)}")
            q_skills = chosen
            parts.extend(f"skill:{term(self.skill_terms[k])}" for k in q_skills)
            if rng.random() < 0.25 and len(skills) > len(chosen):
                extra = int(skills[order[len(chosen)]])
                keywords.append(self.skill_terms[extra])
                parts.append(term(self.skill_terms[extra]))
        elif qtype == "boolean-or":
            n_alt = 1 + int(rng.random() < 0.3)
            for _ in range(n_alt):
                rel = self.related[occ]
                src = (
                    int(rel[int(rng.integers(min(len(rel), 4)))]) if len(rel)
                    and rng.random() < 0.3 else occ
                )
                alt = self._variant(rng, src, None)
                if alt not in titles:
                    titles.append(alt)
            parts.append(
                "(" + " OR ".join(f"title:{term(t)}" for t in titles) + ")"
                if len(titles) > 1
                else f"title:{term(first)}"
            )
            if rng.random() < 0.6:
                keywords = [self.skill_terms[k] for k in chosen[:2]]
                parts.extend(term(k) for k in keywords)
        else:  # free-text
            keywords = [self.skill_terms[k] for k in chosen[: int(rng.integers(1, 3))]]
            parts.append(" ".join([first, *keywords]))
        metro = None
        if not s.j_remote[j] and rng.random() < location_filter:
            metro = int(s.j_metro[j])
            parts.append(f'location:"{s.metro_names[metro]}"')
        seniority = (lo, hi) if rng.random() < seniority_filter else None
        text = " ".join(parts)
        qjson: dict[str, Any] = {"text": text}
        if seniority is not None:
            qjson["seniority"] = {"must_have": list(range(lo, hi + 1))}
        return SimQuery(
            text=text,
            json=qjson,
            type=qtype,
            titles=titles,
            skills=q_skills,
            keywords=keywords,
            metro=metro,
            seniority=seniority,
        )
