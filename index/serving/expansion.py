"""Title expansion: the broker's query rewrite before the fan-out, and query suggestions.

For every title clause of a query (``title:x`` in the text, a must-have or can-have title facet;
never a negated one), the nearest occupations by the title embeddings (LINE, see
:mod:`talent.embeddings`) above ``threshold`` (at most ``max_titles``) are the clause's
*expansions*: the plan ORs each into the clause as its occupation id, scored ``weight x
similarity`` of the clause's own id (:func:`index.serving.plan.build_root`). The broker adds
them when the query matches fewer than ``min_matches`` members (mode ``auto``: decided from the
document frequencies when they bound the matches below it, else after a first fan-out), on every
search (``always``) or never (``off``, or the request's ``expansion`` switch off). Members whose
occupation is an expansion carry its similarity in the L1 feature ``title_expansion`` whether or
not the clauses were added, so training and serving compute the same features.

Suggestions are offered on every search: the titles and skills nearest to the query's titles
and skills (the expansions among them marked), each one click from being added as a must-have
or can-have value or, for an expansion, refused (``noexpand:``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

import numpy as np

from talent.embeddings.graph import title_key
from talent.query import ParsedQuery, standardizer_for
from talent.taxonomy.model import Taxonomy


class Similarity(Protocol):
    """Nearest entities of a kind (LINE embeddings, or a baseline for comparisons)."""

    name: str
    version: str
    keys: list[str]
    labels: list[str]

    def node(self, kind: str, key: str) -> int | None: ...

    def nearest(self, nodes: list[int], kind: str, k: int,
                exclude: set[int] | frozenset[int] = frozenset()) -> list[tuple[int, float]]: ...


@dataclass(frozen=True)
class ExpansionConfig:
    """Settings of title expansion (``TALENT_EXPANSION_*``)."""

    enabled: bool = True          # the default of the broker's ``expansion`` switch
    min_matches: int = 100        # auto mode: expand when the query matches fewer members
    threshold: float = 0.6        # least similarity of an expanded title
    max_titles: int = 5           # expansions per title clause
    weight: float = 0.5           # an expansion scores weight x similarity of the clause's own id
    suggestions: int = 8          # related titles, and related skills, offered

    @classmethod
    def from_settings(cls, settings: Any) -> ExpansionConfig:
        return cls(settings.expansion_enabled, settings.expansion_min_matches,
                   settings.expansion_threshold, settings.expansion_max_titles,
                   settings.expansion_weight, settings.expansion_suggestions)


@dataclass(frozen=True)
class ExpandedTitle:
    """One title an expansion may add to a clause."""

    source: str           # the clause's key: its occupation id, or "text:<title key>"
    source_label: str     # what the clause asked for, as a recruiter reads it
    title_id: str         # the occupation added
    label: str
    similarity: float
    boost: float          # relative to the clause's own id (weight x similarity)


@dataclass(frozen=True)
class Suggestion:
    """A related title or skill offered next to the query."""

    kind: Literal["title", "skill"]
    id: str
    label: str
    similarity: float
    expanded: bool = False    # the engine added it to this search


@dataclass(frozen=True)
class QueryExpansion:
    """What expansion offers one query: candidate titles per clause and suggestions."""

    mode: str                              # auto | always | off
    titles: tuple[ExpandedTitle, ...]
    suggestions: tuple[Suggestion, ...]
    excluded: tuple[str, ...]              # occupation ids the query refused
    source: str                            # embedding name@version

    def by_source(self) -> dict[str, list[ExpandedTitle]]:
        out: dict[str, list[ExpandedTitle]] = {}
        for t in self.titles:
            out.setdefault(t.source, []).append(t)
        return out

    def similarities(self) -> dict[str, float]:
        """Occupation id -> its best similarity among the expansions (the L1 feature)."""
        best: dict[str, float] = {}
        for t in self.titles:
            best[t.title_id] = max(best.get(t.title_id, 0.0), t.similarity)
        return best


@dataclass(frozen=True)
class ExpansionReport:
    """What a search did with expansion (the response lists it)."""

    applied: bool
    reason: str
    mode: str
    titles: tuple[ExpandedTitle, ...] = ()        # the expansions used (or available)
    suggestions: tuple[Suggestion, ...] = ()
    excluded: tuple[str, ...] = ()
    source: str = ""
    matches_before: int | None = None           # matches of the query without its expansions

    def as_dict(self) -> dict[str, Any]:
        from dataclasses import asdict

        return asdict(self)


@dataclass
class TitleExpander:
    """Plans each query's expansions and suggestions from a similarity source."""

    similarity: Similarity
    taxonomy: Taxonomy
    config: ExpansionConfig = field(default_factory=ExpansionConfig)

    @classmethod
    def from_settings(cls, settings: Any, taxonomy: Taxonomy) -> TitleExpander | None:
        """The expander of the current embedding artifact (``<models_dir>/line/CURRENT``), or
        None when none was trained."""
        from talent.embeddings.artifact import load_current_artifact

        artifact = load_current_artifact(settings.models_dir)
        if artifact is None:
            return None
        return cls(artifact, taxonomy, ExpansionConfig.from_settings(settings))

    @property
    def version(self) -> str:
        return self.similarity.version

    @property
    def source(self) -> str:
        return f"{self.similarity.name}@{self.version}" if self.version else self.similarity.name

    def plan(self, parsed: ParsedQuery, *, switched_on: bool = True) -> QueryExpansion:
        """Expansions of ``parsed``'s title clauses (none when the request or the query turns
        expansion off) and its suggestions."""
        cfg = self.config
        mode = parsed.expansion.mode if switched_on else "off"
        excluded = self._excluded(parsed.expansion.exclude)
        asked = set(parsed.title_ids())
        refused = asked | set(parsed.title_ids(roles=("exclude", "doesnt_have"))) | excluded
        refused_nodes = self._nodes("occupation", refused)
        titles: list[ExpandedTitle] = []
        if mode != "off":
            for key, label, node in self._title_clauses(parsed):
                for other, sim in self.similarity.nearest([node], "occupation", cfg.max_titles,
                                                          refused_nodes):
                    if sim < cfg.threshold:
                        break
                    titles.append(ExpandedTitle(key, label, self.similarity.keys[other],
                                                self.similarity.labels[other], round(sim, 4),
                                                round(cfg.weight * sim, 4)))
        suggestions = self._suggestions(parsed, refused_nodes, {t.title_id for t in titles})
        return QueryExpansion(mode, tuple(titles), suggestions, tuple(sorted(excluded)),
                              self.source)

    # ------------------------------------------------------------------------------------------
    def _nodes(self, kind: str, keys: Iterable[str]) -> set[int]:
        found = (self.similarity.node(kind, k) for k in keys)
        return {n for n in found if n is not None}

    def _excluded(self, raw: Iterable[str]) -> set[str]:
        out: set[str] = set()
        standardizer = standardizer_for(self.taxonomy)
        for value in raw:
            if value in self.taxonomy.occupations:
                out.add(value)
                continue
            match = standardizer.title(value)
            if match is not None:
                out.add(str(match.id))
        return out

    def _title_clauses(self, parsed: ParsedQuery) -> list[tuple[str, str, int]]:
        """(clause key, label, graph node) of every positive fielded title clause."""
        out: dict[str, tuple[str, str, int]] = {}
        for rec in parsed.records("title", sources=("text", "facet")):
            key = clause_key(rec.id, rec.raw)
            if key in out:
                continue
            node = None
            if rec.id is not None:
                node = self.similarity.node("occupation", str(rec.id))
            if node is None:
                node = self.similarity.node("title", title_key(rec.raw))
            if node is not None:
                out[key] = (key, rec.label or rec.raw, node)
        return list(out.values())

    def _suggestions(self, parsed: ParsedQuery, refused: set[int],
                     expanded: set[str]) -> tuple[Suggestion, ...]:
        k = self.config.suggestions
        if k <= 0:
            return ()
        titles = [node for _, _, node in self._title_clauses(parsed)]
        titles += list(self._nodes("occupation", parsed.title_ids(sources=("tagged",))))
        skills = list(self._nodes("skill", parsed.skill_ids()))
        out: list[Suggestion] = []
        around = titles or skills
        for node, sim in self.similarity.nearest(around, "occupation", k, refused):
            key = self.similarity.keys[node]
            out.append(Suggestion("title", key, self.similarity.labels[node], round(sim, 4),
                                  key in expanded))
        for node, sim in self.similarity.nearest(titles + skills, "skill", k, set(skills)):
            out.append(Suggestion("skill", self.similarity.keys[node],
                                  self.similarity.labels[node], round(sim, 4)))
        return tuple(out)


def clause_key(title_id: Any, raw: str) -> str:
    """The key an expanded title is filed under: the clause's occupation id, else its text."""
    return str(title_id) if title_id is not None else f"text:{title_key(raw)}"


def expansion_codes(expansion: QueryExpansion | None, vocab: Any) -> tuple[np.ndarray, np.ndarray]:
    """(occupation codes, similarities) of an expansion's titles in an index vocabulary."""
    if expansion is None or not expansion.titles:
        return np.zeros(0, np.int32), np.zeros(0, np.float32)
    best = expansion.similarities()
    codes = vocab.codes("occupation", list(best))
    sims = np.asarray(list(best.values()), dtype=np.float32)
    keep = codes >= 0
    return codes[keep], sims[keep]
