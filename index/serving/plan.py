"""From a :class:`~talent.query.ParsedQuery` to what every partition runs: a :class:`QueryPlan`.

A plan holds the match tree over index fields (standardized ids as exact terms, text as BM25
clauses, filters as zero-score clauses) and the :class:`QueryFeatures` the L1 features need.
It is built once per request and compiled per partition by :meth:`QueryPlan.compile`, which
boosts every scored term by ``idf_corpus / idf_shard`` so BM25 is comparable across shards
(document frequencies summed over all partitions when the plan is built).

Match semantics of the query language:

- unfielded keyword: any of title, skills, headline, summary, past titles (BM25, title weighted)
- ``title:x``: the standardized occupation id OR the phrase in the current title
- ``skill:x``: the standardized skill id; the phrase in the skill names adds score (without an
  id: the phrase matches). Matching "id OR phrase" made every conjunction with a skill slow:
  Tantivy seeks a union of a term and a phrase window by window (12 ms vs 0.1 ms for a title
  and three skills over 250k documents), and the phrase rarely adds members the id lacks.
- ``company:x``: the phrase in the current company name
- ``location:x``: the metro id (a filter) when standardized, else the phrase in the location
- ``school:x``: the phrase in the education entries
- facets: ``must_have`` values of one facet are OR-ed (skills: each one required), ``can_have``
  only add score, ``doesnt_have`` exclude; seniority, industries, years and open-to-work filter.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import tantivy

from index.guard import engine_call
from index.schema import FIELD_BY_NAME, analyze, build_schema
from index.serving.expansion import ExpandedTitle, QueryExpansion, clause_key, expansion_codes
from index.serving.partition import Partition, bm25_idf
from index.serving.snapshot import IndexSnapshot
from index.vocab import occupation_family
from talent.errors import QueryError
from talent.query import And, Not, Or, ParsedQuery, Phrase, Term
from talent.query.ast import Node
from talent.query.parsed import Standardization
from talent.taxonomy.model import Taxonomy

#: Fields an unfielded keyword is matched in, with their BM25 weights.
KEYWORD_FIELDS: dict[str, float] = {"title": 2.0, "skills": 1.5, "headline": 1.0, "summary": 0.5,
                                    "past_titles": 0.5}
#: Fields the L1 text-match features cover (query tokens per field, weighted by corpus idf).
COVERAGE_FIELDS: tuple[str, ...] = ("title", "skills", "headline", "summary", "past_titles",
                                    "company")
ID_BOOST = 2.0  # a standardized id match weighs like this many phrase matches


# --- the match tree ----------------------------------------------------------------------------
@dataclass(frozen=True)
class TermLeaf:
    """An exact term: an id, an int/bool value, or one analyzed token."""

    field: str
    value: Any
    weight: float = 1.0


@dataclass(frozen=True)
class TextLeaf:
    """Analyzed tokens of one field: a phrase, or an OR of the tokens (BM25)."""

    field: str
    tokens: tuple[str, ...]
    phrase: bool
    weight: float = 1.0


@dataclass(frozen=True)
class RangeLeaf:
    field: str
    lower: Any = None
    upper: Any = None


@dataclass(frozen=True)
class BoolNode:
    """``must`` all, at least one of ``should`` when there is no ``must``, none of ``must_not``;
    ``filters`` restrict without scoring."""

    must: tuple[Clause, ...] = ()
    should: tuple[Clause, ...] = ()
    must_not: tuple[Clause, ...] = ()
    filters: tuple[Clause, ...] = ()


Clause = TermLeaf | TextLeaf | RangeLeaf | BoolNode


def _any(clauses: Iterable[Clause | None]) -> Clause | None:
    items = tuple(c for c in clauses if c is not None)
    if not items:
        return None
    return items[0] if len(items) == 1 else BoolNode(should=items)


def _text(field: str, text: str, *, phrase: bool, weight: float = 1.0) -> TextLeaf | None:
    tokens = tuple(analyze(field, text))
    if not tokens:
        return None
    if not phrase:
        tokens = tuple(dict.fromkeys(tokens))
    return TextLeaf(field, tokens, phrase and len(tokens) > 1, weight)


# --- features the query contributes -------------------------------------------------------------
@dataclass(frozen=True)
class QueryFeatures:
    """Query-side inputs of the L1 features (codes in the index version's vocabulary)."""

    title_codes: np.ndarray            # occupation codes the query asks for
    related_codes: np.ndarray          # related occupations (not asked for)
    title_families: np.ndarray         # SOC major groups of the asked occupations (int)
    skill_codes: np.ndarray            # skill codes the query asks for
    skill_weights: np.ndarray          # their importance for the asked occupations
    occupation_skill_codes: np.ndarray  # the asked occupations' most important skills
    occupation_skill_weights: np.ndarray
    metros: np.ndarray                 # metro ids
    seniority_levels: np.ndarray       # acceptable levels (empty: no preference)
    years_min: float | None
    years_max: float | None
    coverage: dict[str, tuple[tuple[str, float], ...]]  # field -> (token, corpus idf)
    reference_day: int                 # "today" for recency: the newest activity in the index
    #: occupations title expansion may add (codes) and their similarity to the asked title
    expansion_codes: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int32))
    expansion_similarity: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))

    @classmethod
    def empty(cls) -> QueryFeatures:
        """A query that asks for nothing the features look at."""
        e = np.zeros(0, dtype=np.int32)
        return cls(e, e, e, e, np.zeros(0, np.float32), e, np.zeros(0, np.float32), e, e, None,
                   None, {}, 0)


@dataclass
class QueryPlan:
    """The match tree, corpus statistics and feature inputs of one request."""

    root: Clause
    features: QueryFeatures
    num_docs: int
    doc_freqs: dict[tuple[str, str], int]
    highlight_terms: tuple[str, ...] = ()
    #: per shard: the partition, its document count and the frequencies of the plan's text terms
    #: as read when the plan was built (compiling and bounding reuse them for that partition)
    shard_stats: dict[int, tuple[Partition, int, dict[tuple[str, str], int]]] = field(
        default_factory=dict, repr=False)
    _compilers: dict[int, _Compiler] = field(default_factory=dict, repr=False, compare=False)
    _idfs: dict[tuple[str, str], float] = field(default_factory=dict, repr=False, compare=False)
    #: what the request's partitions derive from the plan once and share (e.g. the text-coverage
    #: lookups, :func:`index.l1.coverage.coverage_query`)
    memo: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)
    #: the match tree with the query's title expansions OR-ed in (None: nothing to expand)
    expanded_root: Clause | None = None
    #: what title expansion offered this query (titles, suggestions), when it ran
    expansion: QueryExpansion | None = None

    def with_expansion(self) -> QueryPlan:
        """The same plan matching the expanded titles too (statistics shared)."""
        if self.expanded_root is None:
            return self
        return QueryPlan(self.expanded_root, self.features, self.num_docs, self.doc_freqs,
                         self.highlight_terms, self.shard_stats, expanded_root=None,
                         expansion=self.expansion)

    def idf(self, field: str, token: str) -> float:
        key = (field, token)
        found = self._idfs.get(key)
        if found is None:
            found = self._idfs[key] = bm25_idf(self.doc_freqs.get(key, 0), self.num_docs)
        return found

    def _compiler(self, partition: Partition) -> _Compiler:
        # one per partition and plan (a partition is compiled by one thread at a time)
        found = self._compilers.get(partition.shard)
        if found is None or found.partition is not partition:
            found = self._compilers[partition.shard] = _Compiler(self, partition)
        return found

    def compile(self, partition: Partition) -> tantivy.Query:
        """The tantivy query of this plan for ``partition`` (BM25 boosted to corpus idf)."""
        return self._compiler(partition).compile(self.root)

    def match_bound(self, partition: Partition) -> int:
        """An upper bound on how many documents of ``partition`` the plan matches, from its
        document frequencies alone (no search): a conjunction matches at most its rarest
        part, a disjunction at most the sum of its parts."""
        return self._compiler(partition).bound(self.root)

    def match_estimate(self, partition: Partition) -> float:
        """How many documents of ``partition`` the plan would match if its parts were
        independent, from document frequencies alone (a guess: :meth:`match_bound` bounds)."""
        return self._compiler(partition).estimate(self.root)


class _Compiler:
    def __init__(self, plan: QueryPlan, partition: Partition):
        self.plan = plan
        self.partition = partition
        self.schema = build_schema()
        stats = plan.shard_stats.get(partition.shard)
        # another index's shard: its own statistics
        if stats is not None and stats[0] is not partition:
            stats = None
        self.local_n = max(stats[1] if stats is not None else partition.num_docs, 1)
        self._freqs: dict[tuple[str, str], int] = dict(stats[2]) if stats is not None else {}
        self._local: dict[tuple[str, str], float] = {}
        self._bounds: dict[int, int] = {}       # by clause id
        self._estimates: dict[int, float] = {}  # by clause id

    def _ratio(self, field: str, tokens: Sequence[str]) -> float:
        local = sum(self._local_idf(field, t) for t in tokens)
        corpus = sum(self.plan.idf(field, t) for t in tokens)
        return corpus / local if local > 0 else 1.0

    def _local_idf(self, field: str, token: str) -> float:
        key = (field, token)
        if key not in self._local:
            self._local[key] = bm25_idf(self._df(field, token), self.local_n)
        return self._local[key]

    def compile(self, clause: Clause) -> tantivy.Query:
        with engine_call("compiling the query", query=True):
            return self._compile(clause)

    def bound(self, clause: Clause) -> int:
        key = id(clause)
        if key not in self._bounds:
            with engine_call("estimating the match count", query=True):
                self._bounds[key] = min(self._bound(clause), self.local_n)
        return self._bounds[key]

    def estimate(self, clause: Clause) -> float:
        """Expected matches if the parts of ``clause`` were independent (a guess, not a bound)."""
        key = id(clause)
        if key not in self._estimates:
            with engine_call("estimating the match count", query=True):
                self._estimates[key] = self._share(clause) * self.local_n
        return self._estimates[key]

    def _share(self, c: Clause) -> float:
        n = float(self.local_n)
        if isinstance(c, TermLeaf):
            return min(self._df(c.field, c.value) / n, 1.0)
        if isinstance(c, TextLeaf):
            shares = [min(self._df(c.field, t) / n, 1.0) for t in c.tokens]
            return min(shares) if c.phrase else _union(shares)
        if isinstance(c, RangeLeaf):
            return 1.0
        required = (*c.must, *c.filters)
        if required:
            share = math.prod(self._share(x) for x in required)
        else:
            share = _union([self._share(x) for x in c.should]) if c.should else 1.0
        for x in c.must_not:
            share *= 1.0 - self._share(x)
        return share

    def _df(self, field: str, value: Any) -> int:
        key = (field, value)
        found = self._freqs.get(key)
        if found is None:
            try:
                found = self.partition.doc_freq(field, value)
            except (QueryError, TypeError, ValueError):  # a value doc_freq cannot look up: no bound
                found = self.local_n
            self._freqs[key] = found
        return found

    def _bound(self, c: Clause) -> int:
        if isinstance(c, TermLeaf):
            return self._df(c.field, c.value)
        if isinstance(c, TextLeaf):
            dfs = [self._df(c.field, t) for t in c.tokens]
            return min(dfs) if c.phrase else sum(dfs)
        if isinstance(c, RangeLeaf):
            return self.local_n
        required = [self._bound(x) for x in (*c.must, *c.filters)]
        if required:
            return min(required)
        if c.should:
            return sum(self._bound(x) for x in c.should)
        return self.local_n  # only must_not: everything else

    def _compile(self, c: Clause) -> tantivy.Query:
        Q, Occur = tantivy.Query, tantivy.Occur
        if isinstance(c, TermLeaf):
            q = Q.term_query(self.schema, c.field, c.value)
            if FIELD_BY_NAME[c.field].kind == "text":
                q = Q.boost_query(q, c.weight * self._ratio(c.field, [c.value]))
            return q
        if isinstance(c, TextLeaf):
            if c.phrase:
                q = Q.phrase_query(self.schema, c.field, list(c.tokens))
                return Q.boost_query(q, c.weight * self._ratio(c.field, c.tokens))
            parts = [Q.boost_query(Q.term_query(self.schema, c.field, t),
                                   c.weight * self._ratio(c.field, [t]))
                     for t in c.tokens]
            return (parts[0] if len(parts) == 1
                    else Q.boolean_query([(Occur.Should, p) for p in parts]))
        if isinstance(c, RangeLeaf):
            from index.serving.queries import value_range

            return value_range(c.field, c.lower, c.upper)
        clauses: list[tuple[tantivy.Occur, tantivy.Query]] = []
        clauses += [(Occur.Must, self._compile(x)) for x in c.must]
        clauses += [(Occur.Should, self._compile(x)) for x in c.should]
        clauses += [(Occur.Must, Q.const_score_query(self._compile(x), 0.0)) for x in c.filters]
        if c.must_not and not c.must and not c.should and not c.filters:
            clauses.append((Occur.Must, Q.const_score_query(Q.all_query(), 0.0)))
        clauses += [(Occur.MustNot, self._compile(x)) for x in c.must_not]
        if not clauses:
            return Q.empty_query()
        # with must/filter clauses present, should-clauses only add score
        return Q.boolean_query(clauses)


def _union(shares: Sequence[float]) -> float:
    """Share of documents holding any of independent parts of the given shares."""
    return 1.0 - math.prod(1.0 - x for x in shares) if shares else 0.0


# --- building a plan -----------------------------------------------------------------------------
class _Builder:
    def __init__(self, parsed: ParsedQuery,
                 expansions: dict[str, list[ExpandedTitle]] | None = None):
        self.parsed = parsed
        self.highlight: list[str] = []
        self.expansions = expansions or {}
        self.negated = False  # building the inside of a NOT: no expansion there

    def record(self, leaf: Term | Phrase) -> Standardization | None:
        return self.parsed.by_leaf.get(leaf)

    def leaf(self, leaf: Term | Phrase) -> Clause | None:
        phrase = isinstance(leaf, Phrase)
        if leaf.field is None:
            self.highlight.extend(analyze("headline", leaf.text))
            return _any(_text(f, leaf.text, phrase=phrase, weight=w)
                        for f, w in KEYWORD_FIELDS.items())
        rec = self.record(leaf)
        return self.value(leaf.field, leaf.text, rec.id if rec is not None else None, phrase=True)

    def value(self, field: str, text: str, std_id: Any, *, phrase: bool = True) -> Clause | None:
        """One fielded value: its standardized id and/or its text."""
        if field == "title":
            expanded = ([] if self.negated
                        else self.expansions.get(clause_key(std_id, text), []))
            return _any([TermLeaf("title_id", str(std_id), ID_BOOST) if std_id is not None
                         else None,
                         _text("title", text, phrase=phrase),
                         *(TermLeaf("title_id", t.title_id, ID_BOOST * t.boost)
                           for t in expanded)])
        if field == "skill":
            words = _text("skills", text, phrase=phrase)
            if std_id is None:
                return words
            exact = TermLeaf("skill_ids", str(std_id), ID_BOOST)
            return BoolNode(must=(exact,), should=(words,)) if words is not None else exact
        if field == "company":
            return _text("company", str(std_id) if std_id is not None else text, phrase=phrase)
        if field == "location":
            if std_id is not None:
                return BoolNode(filters=(TermLeaf("metro_id", int(std_id)),))
            return _text("location", text, phrase=phrase)
        if field == "school":
            return _text("education", str(std_id) if std_id is not None else text, phrase=phrase)
        if field == "industry":
            return (BoolNode(filters=(TermLeaf("industry_id", int(std_id)),)) if std_id is not None
                    else None)
        if field == "seniority":
            return (BoolNode(filters=(TermLeaf("seniority", int(std_id)),)) if std_id is not None
                    else None)
        return None

    def node(self, node: Node) -> Clause | None:
        if isinstance(node, (Term, Phrase)):
            return self.leaf(node)
        if isinstance(node, Not):
            self.negated = not self.negated
            inner = self.node(node.item)
            self.negated = not self.negated
            return None if inner is None else BoolNode(must_not=(inner,))
        items = [self.node(i) for i in node.items]
        if isinstance(node, Or):
            return _any(items)
        assert isinstance(node, And)
        return _and(items)

    def facets(self) -> tuple[list[Clause], list[Clause], list[Clause], list[Clause]]:
        """(must, should, must_not, filters) from the structured form."""
        must: list[Clause] = []
        should: list[Clause] = []
        must_not: list[Clause] = []
        filters: list[Clause] = []
        by_field: dict[tuple[str, str], list[Clause]] = {}
        for rec in self.parsed.standardizations:
            if rec.source != "facet":
                continue
            self.negated = rec.role == "doesnt_have"
            clause = self.value(rec.field, rec.raw, rec.id)
            self.negated = False
            if clause is None:
                continue
            by_field.setdefault((rec.field, rec.role), []).append(clause)
        for (fld, role), clauses in by_field.items():
            if role == "must_have":
                if fld == "skill":
                    must.extend(clauses)
                else:
                    combined = _any(clauses)
                    assert combined is not None
                    must.append(combined)
            elif role == "can_have":
                should.extend(clauses)
            else:
                must_not.extend(clauses)
        s = self.parsed.structured
        if s.years_experience is not None and (s.years_experience.min is not None
                                               or s.years_experience.max is not None):
            filters.append(RangeLeaf("years_experience", s.years_experience.min,
                                     s.years_experience.max))
        if s.open_to_work is not None:
            filters.append(TermLeaf("open_to_work", bool(s.open_to_work)))
        return must, should, must_not, filters


def _and(items: Iterable[Clause | None]) -> Clause | None:
    present = [c for c in items if c is not None]
    if not present:
        return None
    must = tuple(c for c in present if not _is_pure(c, "must_not") and not _is_pure(c, "filters"))
    must_not = tuple(x for c in present if _is_pure(c, "must_not")
                     for x in c.must_not)  # type: ignore[union-attr]
    filters = tuple(x for c in present if _is_pure(c, "filters")
                    for x in c.filters)  # type: ignore[union-attr]
    if len(must) == 1 and not must_not and not filters:
        return must[0]
    return BoolNode(must=must, must_not=must_not, filters=filters)


def _is_pure(c: Clause, kind: str) -> bool:
    """A BoolNode holding only ``kind`` clauses (``must_not`` or ``filters``)."""
    if not isinstance(c, BoolNode):
        return False
    others = {"must", "should", "must_not", "filters"} - {kind}
    return bool(getattr(c, kind)) and not any(getattr(c, o) for o in others)


def build_root(parsed: ParsedQuery, expansion: QueryExpansion | None = None
               ) -> tuple[Clause, tuple[str, ...]]:
    """The match tree of ``parsed`` (with ``expansion``'s titles OR-ed into the title clauses
    they belong to) and the words to highlight."""
    b = _Builder(parsed, expansion.by_source() if expansion is not None else None)
    text = b.node(parsed.ast) if parsed.ast is not None else None
    must, should, must_not, filters = b.facets()
    parts = ([text] if text is not None else []) + must
    if not parts and not should and not filters:
        root: Clause = BoolNode()  # matches nothing
    else:
        root = BoolNode(must=tuple(parts), should=tuple(should), must_not=tuple(must_not),
                        filters=tuple(filters))
        if not parts and not filters:
            root = BoolNode(should=tuple(should), must_not=tuple(must_not))
    words = tuple(dict.fromkeys(b.highlight))
    return root, words


def _scored_terms(c: Clause, out: set[tuple[str, str]]) -> None:
    if isinstance(c, TermLeaf):
        if FIELD_BY_NAME[c.field].kind == "text":
            out.add((c.field, str(c.value)))
    elif isinstance(c, TextLeaf):
        out.update((c.field, t) for t in c.tokens)
    elif isinstance(c, BoolNode):
        for group in (c.must, c.should, c.must_not, c.filters):
            for x in group:
                _scored_terms(x, out)


# --- query features -------------------------------------------------------------------------------
def _coverage_tokens(parsed: ParsedQuery) -> dict[str, list[str]]:
    tokens: dict[str, list[str]] = {f: [] for f in COVERAGE_FIELDS}
    for leaf in parsed.keywords():
        for f in ("title", "skills", "headline", "summary", "past_titles"):
            tokens[f].extend(analyze(f, leaf.text))
    for rec in parsed.standardizations:
        if not rec.positive or rec.source == "tagged":
            continue
        if rec.field == "title":
            tokens["title"].extend(analyze("title", rec.raw))
            tokens["past_titles"].extend(analyze("past_titles", rec.raw))
        elif rec.field == "skill":
            tokens["skills"].extend(analyze("skills", rec.raw))
        elif rec.field == "company":
            tokens["company"].extend(analyze("company",
                                             str(rec.id) if rec.id is not None else rec.raw))
    return {f: list(dict.fromkeys(ts)) for f, ts in tokens.items()}


#: Reads every partition's (partition, document count, term frequencies) for the given terms
#: (field -> terms): in this process, or from remote partitions in parallel.
StatisticsReader = Callable[[IndexSnapshot, dict[str, list[str]]],
                            Iterable[tuple[Any, int, dict[tuple[str, str], int]]]]


def build_plan(parsed: ParsedQuery, snapshot: IndexSnapshot, taxonomy: Taxonomy,
               expansion: QueryExpansion | None = None, *,
               statistics: StatisticsReader | None = None) -> QueryPlan:
    """The plan of ``parsed`` against ``snapshot``: match tree, corpus statistics and feature
    inputs. With ``expansion`` (its titles), the expanded match tree is ready too
    (:meth:`QueryPlan.with_expansion`) and the features know the expanded titles.
    ``statistics`` reads the partitions' term statistics (default: one after another in this
    process)."""
    root, words = build_root(parsed)
    expanded_root = (build_root(parsed, expansion)[0]
                     if expansion is not None and expansion.titles else None)
    coverage_tokens = _coverage_tokens(parsed)
    terms: set[tuple[str, str]] = set()
    _scored_terms(root, terms)
    if expanded_root is not None:
        _scored_terms(expanded_root, terms)
    terms.update((f, t) for f, ts in coverage_tokens.items() for t in ts)
    by_field: dict[str, list[str]] = {}
    for f, t in sorted(terms):
        by_field.setdefault(f, []).append(t)
    freqs: dict[tuple[str, str], int] = {}
    shard_stats: dict[int, tuple[Partition, int, dict[tuple[str, str], int]]] = {}
    num_docs = 0
    if statistics is None:
        read = ((p, *p.term_statistics(by_field)) for p in snapshot.partitions)
    else:
        read = statistics(snapshot, by_field)
    for p, local_n, local in read:
        shard_stats[p.shard] = (p, local_n, local)
        num_docs += local_n
        for key, n in local.items():
            freqs[key] = freqs.get(key, 0) + n
    plan = QueryPlan(root, QueryFeatures.empty(), num_docs, freqs, words, shard_stats,
                     expanded_root=expanded_root, expansion=expansion)
    coverage = {f: tuple((t, plan.idf(f, t)) for t in ts) for f, ts in coverage_tokens.items()
                if ts}
    plan.features = query_features(parsed, snapshot, taxonomy, coverage, expansion)
    return plan


def query_features(parsed: ParsedQuery, snapshot: IndexSnapshot, taxonomy: Taxonomy,
                   coverage: dict[str, tuple[tuple[str, float], ...]],
                   expansion: QueryExpansion | None = None) -> QueryFeatures:
    vocab = snapshot.vocab
    exp_codes, exp_sims = expansion_codes(expansion, vocab)
    titles = [t for t in parsed.title_ids() if t]
    title_codes = vocab.codes("occupation", titles)
    related = [r for t in titles for r in taxonomy.related.get(t, ())[:10] if r not in titles]
    related_codes = vocab.codes("occupation", list(dict.fromkeys(related)))
    families = np.asarray(sorted({occupation_family(t) for t in titles}), dtype=np.int32)
    importance: dict[str, float] = {}
    for t in titles:
        for sid, w in taxonomy.occupation_skills.get(t, ())[:20]:
            importance[sid] = max(importance.get(sid, 0.0), float(w))
    skills = parsed.skill_ids()
    skill_codes = vocab.codes("skill", skills)
    skill_weights = np.asarray([importance.get(s, 0.5) for s in skills], dtype=np.float32)
    occ_skills = list(importance)
    occ_codes = vocab.codes("skill", occ_skills)
    occ_weights = np.asarray([importance[s] for s in occ_skills], dtype=np.float32)
    years = parsed.structured.years_experience
    return QueryFeatures(
        title_codes=title_codes[title_codes >= 0],
        related_codes=related_codes[related_codes >= 0],
        title_families=families,
        skill_codes=skill_codes,
        skill_weights=skill_weights,
        occupation_skill_codes=occ_codes[occ_codes >= 0],
        occupation_skill_weights=occ_weights[occ_codes >= 0],
        metros=np.asarray([int(m) for m in parsed.metro_ids()], dtype=np.int32),
        seniority_levels=np.asarray(parsed.seniority_levels(), dtype=np.int32),
        years_min=None if years is None else years.min,
        years_max=None if years is None else years.max,
        coverage=coverage,
        reference_day=snapshot.reference_day,
        expansion_codes=exp_codes,
        expansion_similarity=exp_sims,
    )
