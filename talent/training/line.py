"""Train the title embeddings: the entity graph of the profiles, LINE, the artifact.

The graph (:mod:`talent.embeddings.graph`) is read from the profiles as the serving index holds
them (the forward store of every partition, live updates included: current and past occupations,
skills, current and past companies, in the index's own vocabulary) plus the raw position titles
from the database (the index keeps no per-position titles). LINE
(:mod:`talent.embeddings.line`) trains first and second order; the artifact
(:mod:`talent.embeddings.artifact`) records the graph snapshot, the parameters, samples, time,
peak memory and the quality figures (:mod:`talent.embeddings.quality`) against both baselines.
"""

from __future__ import annotations

import resource
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd  # type: ignore[import-untyped]
from sqlalchemy import text

from index.forward import ForwardTable
from index.serving.snapshot import IndexSnapshot
from talent.embeddings.artifact import load_artifact, save_artifact, update_meta
from talent.embeddings.baselines import CooccurrenceCosine, TaxonomyRelated
from talent.embeddings.graph import EntityGraph, IncidenceBuilder, title_key
from talent.embeddings.line import LineConfig, Progress, train_line
from talent.embeddings.quality import link_prediction, nearest_title_quality, raw_title_quality
from talent.errors import InvalidInput
from talent.logging import get_logger
from talent.taxonomy.model import Taxonomy

log = get_logger(__name__)

#: Raw titles held by fewer members are not nodes (too rare to place).
MIN_TITLE_MEMBERS = 10
#: Titles a quality query needs at least this many members holding it.
QUALITY_MIN_MEMBERS = 20
Step = Callable[[str], None]


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (MB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


@dataclass
class _Profiles:
    member_ids: np.ndarray
    occupations: tuple[np.ndarray, np.ndarray]   # (member row, occupation code) pairs
    skills: tuple[np.ndarray, np.ndarray]
    companies: tuple[np.ndarray, np.ndarray]


def _pairs(rows: np.ndarray, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.asarray(rows, dtype=np.int64), np.asarray(values, dtype=np.int64)


def _indexed_profiles(snapshot: IndexSnapshot) -> _Profiles:
    """Every live member's coded entities from the forward store of every partition."""
    ids, occ, skills, comp = [], [], [], []
    offset = 0
    for partition in snapshot.partitions:
        store = partition.forward
        table = ForwardTable.newest_rows([store.base, store.overlay])
        alive = np.flatnonzero(~np.asarray(table.deleted, dtype=bool))
        if len(alive) != len(table):
            table = table.take(alive)
        n = len(table)
        rows = offset + np.arange(n, dtype=np.int64)
        ids.append(np.asarray(table.member_ids, dtype=np.int64))
        past = table.csr["past_occupations"]
        occ.append(_pairs(rows, table.columns["occupation"]))
        occ.append(_pairs(np.repeat(rows, np.diff(past.indptr)), past.indices))
        sk = table.csr["skills"]
        skills.append(_pairs(np.repeat(rows, np.diff(sk.indptr)), sk.indices))
        pc = table.csr["past_companies"]
        comp.append(_pairs(rows, table.columns["company"]))
        comp.append(_pairs(np.repeat(rows, np.diff(pc.indptr)), pc.indices))
        offset += n

    def cat(parts: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
        return (np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]))

    member_ids = np.concatenate(ids) if ids else np.zeros(0, np.int64)
    return _Profiles(member_ids, cat(occ), cat(skills), cat(comp))


def _position_titles(engine: Any) -> pd.DataFrame:
    with engine.connect() as conn:
        return pd.read_sql(text("SELECT member_id, title FROM positions"), conn)


def _company_names(engine: Any) -> dict[int, str]:
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT id, name FROM companies")).all()
    return {int(i): str(n) for i, n in rows}


def build_entity_graph(snapshot: IndexSnapshot, engine: Any, taxonomy: Taxonomy, *,
                       min_title_members: int = MIN_TITLE_MEMBERS,
                       min_edge_weight: float = 1.0) -> EntityGraph:
    """The entity graph of the indexed profiles (see the module docstring)."""
    t0 = time.perf_counter()
    profiles = _indexed_profiles(snapshot)
    n_members = len(profiles.member_ids)
    if n_members == 0:
        raise InvalidInput("the index holds no members: run `talent index build` first")
    order = np.argsort(profiles.member_ids, kind="stable")
    sorted_ids = profiles.member_ids[order]
    builder = IncidenceBuilder(n_members)
    occupations = snapshot.vocab.terms("occupation")
    builder.add_kind("occupation", occupations,
                     [taxonomy.occupations[o].title if o in taxonomy.occupations else o
                      for o in occupations], *profiles.occupations)
    positions = _position_titles(engine)
    pos = np.searchsorted(sorted_ids, positions["member_id"].to_numpy(dtype=np.int64))
    pos = np.minimum(pos, max(len(sorted_ids) - 1, 0))
    known = sorted_ids[pos] == positions["member_id"].to_numpy(dtype=np.int64)
    codes, raw = pd.factorize(positions["title"].fillna(""))
    keys = np.asarray([title_key(t) for t in raw], dtype=object)
    key_codes, key_names = pd.factorize(keys)
    title_of_position = key_codes[codes]
    blank = np.asarray([not k for k in key_names], dtype=bool)
    title_of_position = np.where(blank[title_of_position], -1, title_of_position)
    # label a raw title by its most common spelling
    spelled = pd.DataFrame({"key": key_codes[codes], "raw": codes}).value_counts()
    label_of: dict[int, str] = {}
    for (key, raw_code), _count in spelled.items():
        label_of.setdefault(int(key), str(raw[raw_code]))
    n_titles = builder.add_kind("title", list(key_names),
                                [label_of.get(i, str(k)) for i, k in enumerate(key_names)],
                                order[pos[known]], title_of_position[known],
                                min_members=min_title_members)
    skills = snapshot.vocab.terms("skill")
    builder.add_kind("skill", skills,
                     [taxonomy.skills[s].name if s in taxonomy.skills else s for s in skills],
                     *profiles.skills)
    names = _company_names(engine)
    company_ids = np.unique(profiles.companies[1][profiles.companies[1] >= 0])
    company_index = np.full(int(company_ids.max(initial=-1)) + 2, -1, dtype=np.int64)
    company_index[company_ids] = np.arange(len(company_ids))
    comp_rows, comp_ids = profiles.companies
    valid = comp_ids >= 0
    builder.add_kind("company", [str(c) for c in company_ids.tolist()],
                     [names.get(int(c), str(c)) for c in company_ids.tolist()],
                     comp_rows[valid], company_index[comp_ids[valid]])
    graph = builder.graph(min_weight=min_edge_weight,
                          meta={"index_version": snapshot.version,
                                "min_title_members": min_title_members,
                                "raw_titles": n_titles, "positions": int(len(positions)),
                                "seconds": round(time.perf_counter() - t0, 2)})
    log.info("train.line.graph", nodes=graph.n_nodes, edges=graph.n_edges,
             seconds=graph.meta["seconds"])
    return graph


@dataclass
class LineReport:
    version: str
    path: Path
    graph: dict[str, Any]
    seconds: dict[str, float]
    peak_rss_mb: float
    quality: dict[str, Any] = field(default_factory=dict)


def title_quality(artifact: Any, graph: EntityGraph, taxonomy: Taxonomy,
                  k: int = 10) -> dict[str, Any]:
    """Nearest-title quality of LINE (both orders and each alone) and the two baselines."""
    sources = [artifact, *(artifact.order_similarity(o) for o in sorted(artifact.orders)),
               CooccurrenceCosine(graph), TaxonomyRelated(graph, taxonomy)]
    occupations = {s.name: nearest_title_quality(s, graph, taxonomy, k=k,
                                                 min_members=QUALITY_MIN_MEMBERS).as_dict()
                   for s in sources}
    raw = {s.name: raw_title_quality(s, graph, taxonomy, k=k,
                                     min_members=QUALITY_MIN_MEMBERS).as_dict()
           for s in sources if s.name != "taxonomy-related"}
    return {"k": k, "min_members": QUALITY_MIN_MEMBERS, "occupations": occupations,
            "raw_titles": raw}


def train_line_embeddings(snapshot: IndexSnapshot, engine: Any, taxonomy: Taxonomy,
                          models_dir: Path, config: LineConfig, *, world: str = "",
                          min_title_members: int = MIN_TITLE_MEMBERS,
                          min_edge_weight: float = 1.0, evaluate: bool = True,
                          link_prediction_holdout: float | None = 0.1,
                          make_current: bool = True,
                          progress: Progress | None = None,
                          step: Step = lambda _: None) -> LineReport:
    """Build the graph, train LINE, save the artifact, then measure its nearest-title quality
    against both baselines (``evaluate``) and its link prediction on held-out edges (trains LINE
    once more without them; ``link_prediction_holdout=None`` skips it)."""
    t0, c0 = time.perf_counter(), time.process_time()
    graph = build_entity_graph(snapshot, engine, taxonomy, min_title_members=min_title_members,
                               min_edge_weight=min_edge_weight)
    t1, c1 = time.perf_counter(), time.process_time()
    step(f"entity graph: {graph.n_nodes:,} nodes, {graph.n_edges:,} edges "
         f"({t1 - t0:.1f} s)")
    src, dst, w = graph.edges()
    if len(src) == 0:
        raise InvalidInput("the entity graph has no edges: the profiles share no titles, skills "
                           "or companies")
    embeddings = train_line(src, dst, w, graph.n_nodes, config, progress,
                            edge_types=graph.edge_types(src, dst))
    t2, c2 = time.perf_counter(), time.process_time()
    step(f"LINE trained: {embeddings.samples:,} samples per order ({t2 - t1:.1f} s)")
    # wall time and the CPU time of this process (threads included): the latter does not count
    # the waits for cores other jobs hold
    seconds = {"graph": round(t1 - t0, 2), "line": round(t2 - t1, 2),
               "graph_cpu": round(c1 - c0, 2), "line_cpu": round(c2 - c1, 2)}
    # peak resident memory of the process up to the end of training (graph + LINE)
    meta = {"world": world, "index_version": snapshot.version, "taxonomy": taxonomy.source,
            "seconds": seconds, "peak_rss_mb": round(peak_rss_mb(), 1)}
    path = save_artifact(models_dir, graph, embeddings, meta, make_current=make_current)
    report = LineReport(path.name, path, graph.summary(), seconds, meta["peak_rss_mb"])
    if evaluate:
        t3 = time.perf_counter()
        artifact = load_artifact(path)
        report.quality["nearest_titles"] = title_quality(artifact, graph, taxonomy)
        # the expansion adds at most 5 titles a clause: how good are the first five
        report.quality["nearest_titles_at_5"] = title_quality(artifact, graph, taxonomy, k=5)
        seconds["nearest_titles"] = round(time.perf_counter() - t3, 2)
        step("nearest-title quality against both baselines")
    if link_prediction_holdout:
        t4 = time.perf_counter()
        report.quality["link_prediction"] = [
            r.as_dict() for r in link_prediction(graph, config, holdout=link_prediction_holdout,
                                                 seed=config.seed)]
        seconds["link_prediction"] = round(time.perf_counter() - t4, 2)
        step(f"link prediction on {link_prediction_holdout:.0%} held-out edges")
    if report.quality:
        update_meta(path, quality=report.quality, seconds=seconds,
                    peak_rss_mb_with_quality=round(peak_rss_mb(), 1))
    return report
