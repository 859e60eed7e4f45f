"""Behaviour simulator: recruiter search sessions, the logging policy, views, saves, InMails,
replies.

For every job (hiring project), its recruiter runs search sessions spread over the simulated
period; each session issues 1..``max_queries_per_session`` queries drawn by
:class:`~talent.world.queries.QueryMaker`. The logging policy
(:mod:`talent.world.logging_policy`) ranks and partially shuffles the results; the recruiter
examines positions with the hidden examination curve, views what looks relevant, saves and
sends InMails following their hidden preferences; members accept, decline or never answer
following theirs (:mod:`talent.world.truth`). Everything is written to the product tables
(``searches``, ``impressions``, ``feedback``, ``inmails``, ``project_candidates``) in time order:
searches, feedback and InMails are numbered by time once all sessions ran (sessions overlap),
and every action comes after its search.

Entry point: :func:`simulate`.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import select, update

from talent.errors import ConfigError
from talent.storage import models as m
from talent.world.config import SimulationConfig, WorldConfig
from talent.world.logging_policy import TextMatchIndex, randomize
from talent.world.progress import Progress, null_progress
from talent.world.queries import QueryMaker
from talent.world.truth import Truth, load_truth
from talent.world.writer import LOG_TABLES, BulkWriter, datetime_strings, lookup, start_datetime

RANKER = "logging_policy"
QUERIES_P = (0.5, 0.3, 0.2)


@dataclass
class SimulationResult:
    world: str
    seed: int
    sessions: int
    searches: int
    impressions: int
    views: int
    saves: int
    inmails: int
    accepted: int
    declined: int
    pending: int
    log_hash: str
    seconds: float
    workers: int = 1
    timings: dict[str, float] = field(default_factory=dict)


def current_world(db: Any) -> m.WorldInfo:
    """The world the database holds (raises :class:`ConfigError` when there is none)."""
    with db.session() as s:
        info = s.scalars(select(m.WorldInfo).order_by(m.WorldInfo.generated_at.desc())).first()
        if info is None:
            raise ConfigError(f"database {db.display_url} holds no world: run `talent world "
                              "generate` first")
        s.expunge(info)
        return info


class _Buffers:
    """What the sessions logged, held until the end (search ids are provisional: list positions +
    1)."""

    SEARCH_FIELDS = (
        "contract_id",
        "recruiter_id",
        "project_id",
        "session_id",
        "query_text",
        "query_json",
        "query_type",
        "result_count",
        "created_at",
        "job_seq",
    )

    def __init__(self) -> None:
        self.searches: dict[str, list[Any]] = {k: [] for k in self.SEARCH_FIELDS}
        self.impressions: list[tuple[np.ndarray, ...]] = []  # (search id, member, position, score)
        self.feedback: list[tuple[np.ndarray, ...]] = []  # (search id, member, kind code, time)
        # (search id, member, status code, sent, responded)
        self.inmails: list[tuple[np.ndarray, ...]] = []

    def extend(self, other: _Buffers) -> None:
        """Append another buffer's records, shifting its provisional search ids past ours."""
        offset = len(self.searches["created_at"])
        for key in self.SEARCH_FIELDS:
            self.searches[key].extend(other.searches[key])
        self.impressions.extend((sid + offset, *rest) for sid, *rest in other.impressions)
        self.feedback.extend((sid + offset, *rest) for sid, *rest in other.feedback)
        self.inmails.extend((sid + offset, *rest) for sid, *rest in other.inmails)


FEEDBACK_KINDS = ("view", "save", "inmail")
STATUSES = ("accepted", "declined", "pending")


def simulate(
    db: Any,
    worlds_dir: Path,
    *,
    seed: int | None = None,
    simulation: SimulationConfig | None = None,
    progress: Progress = null_progress,
    chunk_rows: int = 200_000,
) -> SimulationResult:
    """Simulate recruiter behaviour on the database's world and log it (previous logs are wiped)."""
    t0 = time.perf_counter()
    info = current_world(db)
    config = WorldConfig.model_validate(info.config)
    sim = simulation or config.simulation
    truth = load_truth(worlds_dir, info.name)
    if truth.content_hash and truth.content_hash != info.content_hash:
        raise ConfigError(
            f"the world files under {worlds_dir / info.name} belong to another generation of world "
            f"{info.name!r} than the database holds: run `talent world generate` again"
        )
    state = truth.state
    sim_seed = config.seed if seed is None else int(seed)
    rng = np.random.default_rng(np.random.SeedSequence([sim_seed, 0x5E55]))
    timings: dict[str, float] = {}
    sessions = _plan_sessions(rng, state, sim)
    now = start_datetime(state.start_date)
    chunks = _job_chunks(sessions, state.n_jobs)
    workers = _workers(sim, len(sessions))
    # in-process simulation needs the logging policy's index here; worker processes build their own
    local = ((truth, TextMatchIndex(state, sim.retrieval_cap), QueryMaker(state)) if workers <= 1
             else ())
    timings["index"] = time.perf_counter() - t0
    buf = _Buffers()
    counters = dict.fromkeys(COUNTERS, 0)
    candidates: dict[tuple[int, int], list[Any]] = {}
    task = progress.task(
        f"simulating {len(sessions):,} sessions ({workers} worker{'s' * (workers > 1)})",
        len(chunks)
    )
    for part in _run_chunks(chunks, workers, (worlds_dir, info.name, sim, sim_seed), local):
        part_buf, part_counters, part_candidates = part
        buf.extend(part_buf)
        for key, value in part_counters.items():
            counters[key] += value
        candidates.update(part_candidates)
        task.advance()
    task.done()
    timings["sessions"] = time.perf_counter() - t0
    with BulkWriter(db) as w:
        w.wipe(LOG_TABLES)
        w.defer_indexes(("impressions", "feedback", "inmails", "searches"))
        _write_logs(w, buf, now, state.j_titles, chunk=chunk_rows)
        _write_candidates(w, candidates, now)
        w.fix_sequences()
        log_hash = w.hexdigest()
    with db.session() as s:
        s.execute(
            update(m.WorldInfo)
            .where(m.WorldInfo.name == info.name)
            .values(simulated_at=dt.datetime.now(dt.UTC).replace(tzinfo=None))
        )
    timings["total"] = time.perf_counter() - t0
    return SimulationResult(
        world=info.name,
        seed=sim_seed,
        sessions=len(sessions),
        workers=workers,
        log_hash=log_hash,
        seconds=time.perf_counter() - t0,
        timings=timings,
        **counters,
    )


COUNTERS = ("searches", "impressions", "views", "saves", "inmails", "accepted", "declined",
            "pending")
PARALLEL_MIN_SESSIONS = 2000  # below this, starting worker processes costs more than it saves
_WORKER: dict[str, Any] = {}


def _workers(sim: SimulationConfig, n_sessions: int) -> int:
    if sim.workers:
        return sim.workers
    if n_sessions < PARALLEL_MIN_SESSIONS:
        return 1
    return max(1, min(2, os.cpu_count() or 1))


def _job_chunks(sessions: np.ndarray, n_jobs: int,
                n_chunks: int = 16) -> list[list[tuple[int, list[float]]]]:
    """Jobs (with their session start times, in order) dealt round-robin into chunks of similar
    work."""
    by_job: dict[int, list[float]] = {}
    for t, j in sessions.tolist():
        by_job.setdefault(int(j), []).append(float(t))
    jobs = sorted(by_job)
    n_chunks = max(1, min(n_chunks, len(jobs)))
    return [[(j, by_job[j]) for j in jobs[c::n_chunks]] for c in range(n_chunks)]


def _run_chunks(
    chunks: list[Any], workers: int, spec: tuple[Any, ...], local: tuple[Any, ...]
) -> Iterator[Any]:
    """Simulate chunks in this process or in ``workers`` spawned processes (same results either
    way)."""
    if workers <= 1:
        for chunk in chunks:
            yield _simulate_jobs(*local, spec[2], spec[3], chunk)
        return
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(workers, initializer=_init_worker, initargs=spec) as pool:
        yield from pool.imap(_work, chunks)


def _init_worker(worlds_dir: Path, name: str, sim: SimulationConfig, sim_seed: int) -> None:
    truth = load_truth(worlds_dir, name)
    _WORKER.update(
        truth=truth,
        index=TextMatchIndex(truth.state, sim.retrieval_cap),
        maker=QueryMaker(truth.state),
        sim=sim,
        seed=sim_seed,
    )


def _work(chunk: list[tuple[int, list[float]]]) -> Any:
    w = _WORKER
    return _simulate_jobs(w["truth"], w["index"], w["maker"], w["sim"], w["seed"], chunk)


def _simulate_jobs(
    truth: Truth,
    index: TextMatchIndex,
    maker: QueryMaker,
    sim: SimulationConfig,
    sim_seed: int,
    jobs: list[tuple[int, list[float]]],
) -> tuple[_Buffers, dict[str, int], dict[Any, list[Any]]]:
    """Every session of the given jobs; each job draws from its own random stream."""
    buf = _Buffers()
    counters = dict.fromkeys(COUNTERS, 0)
    candidates: dict[tuple[int, int], list[Any]] = {}
    end = sim.days * 86400.0
    for j, starts in jobs:
        rng = np.random.default_rng(np.random.SeedSequence([sim_seed, 0x5E55, j]))
        contacted: set[int] = set()
        seq = [0]
        for n_session, t_start in enumerate(starts):
            _run_session(
                rng,
                truth,
                index,
                maker,
                sim,
                j,
                t_start,
                end,
                n_session,
                buf,
                counters,
                contacted,
                candidates,
                seq,
            )
    return buf, counters, candidates


def _plan_sessions(rng: np.random.Generator, state: Any, sim: SimulationConfig) -> np.ndarray:
    """(start second, job index) of every session, sorted by time, within the simulated period."""
    n_j = state.n_jobs
    extra = max(sim.sessions_per_job - 1.0, 0.0)
    counts = (
        1 + rng.poisson(extra, n_j) if sim.sessions_per_job >= 1
        else (rng.random(n_j) < sim.sessions_per_job)
    )
    counts = counts.astype(np.int64)
    job = np.repeat(np.arange(n_j), counts)
    gaps = rng.exponential(6.0, job.shape[0])
    ptr = np.concatenate([[0], np.cumsum(counts)])
    first = ptr[:-1][counts > 0]
    gaps[first] = rng.uniform(0.0, 2.0, first.shape[0])
    cum = np.cumsum(gaps)
    offsets = np.repeat(np.concatenate([[0.0], cum])[ptr[:-1]], counts)
    day = state.j_created_day[job] + (cum - offsets)
    day = np.floor(day)
    weekday = (
        np.datetime64(state.start_date, "D").astype(np.int64) + day.astype(np.int64) + 3
    ) % 7  # 0 = Monday
    day = day + np.where(weekday == 5, 2, np.where(weekday == 6, 1, 0))
    seconds = day * 86400.0 + rng.uniform(8 * 3600, 18 * 3600, job.shape[0])
    keep = seconds < sim.days * 86400.0
    seconds, job = seconds[keep], job[keep]
    order = np.lexsort((job, seconds))
    return np.column_stack([seconds[order], job[order]])


def _run_session(
    rng: np.random.Generator,
    truth: Truth,
    index: TextMatchIndex,
    maker: QueryMaker,
    sim: SimulationConfig,
    j: int,
    t: float,
    end: float,
    n_session: int,
    buf: _Buffers,
    counters: dict[str, int],
    done: set[int],
    candidates: dict[tuple[int, int], list[Any]],
    seq: list[int],
) -> None:
    job = truth.job(j + 1)
    recruiter, contract, project = job.recruiter + 1, job.contract + 1, j + 1
    session_id = f"sim-{project:07d}-{n_session:03d}-{int(rng.integers(1 << 62)):016x}"
    n_queries = 1 + int(
        rng.choice(min(sim.max_queries_per_session, 3), p=_queries_p(sim.max_queries_per_session))
    )
    few = False
    b = buf.searches
    for _ in range(n_queries):
        if t >= end:
            break
        # after a query with few results, the recruiter drops the filters
        query = maker.make(
            rng,
            j,
            location_filter=0.0 if few else sim.location_filter,
            seniority_filter=0.0 if few else sim.seniority_filter,
        )
        ranked = index.search(query, sim.page_size)
        for key, value in (
            ("contract_id", contract),
            ("recruiter_id", recruiter),
            ("project_id", project),
            ("session_id", session_id),
            ("query_text", query.text),
            ("query_json", json.dumps(query.json)),
            ("query_type", query.type),
            ("result_count", ranked.result_count),
            ("created_at", t),
            ("job_seq", seq[0]),
        ):
            b[key].append(value)
        seq[0] += 1
        sid = len(b["created_at"])
        counters["searches"] += 1
        k = ranked.members.shape[0]
        few = ranked.result_count < 10
        if k == 0:
            t += rng.uniform(30, 240)
            continue
        order = randomize(rng, k, sim.randomize_window, sim.randomize_prob)
        shown, scores = ranked.members[order], ranked.scores[order]
        positions = np.arange(k)
        buf.impressions.append((np.full(k, sid), shown, positions, scores))
        counters["impressions"] += k
        f = truth.features(job, shown)
        examined = rng.random(k) < truth.examination(positions)
        viewed = examined & (rng.random(k) < truth.p_view(job, shown, f))
        if viewed.any():
            _act(
                rng,
                truth,
                job,
                f,
                shown,
                positions,
                viewed,
                t,
                end,
                sid,
                buf,
                counters,
                done,
                candidates,
                (contract, project, recruiter),
            )
        t += 60.0 + 6.0 * k + rng.exponential(180.0)


def _act(
    rng: np.random.Generator,
    truth: Truth,
    job: Any,
    f: Any,
    shown: np.ndarray,
    positions: np.ndarray,
    viewed: np.ndarray,
    t: float,
    end: float,
    sid: int,
    buf: _Buffers,
    counters: dict[str, int],
    done: set[int],
    candidates: dict[tuple[int, int], list[Any]],
    owner: tuple[int, int, int],
) -> None:
    """Views, saves, InMails and the members' answers for one result page."""
    k = shown.shape[0]
    q = truth.p_inmail_given_view(None, job, shown, f)
    fresh = np.fromiter((mid not in done for mid in shown.tolist()), dtype=bool, count=k)
    inmail = viewed & fresh & (rng.random(k) < q)
    saved = viewed & (rng.random(k) < np.minimum(1.0, 0.05 + 0.6 * q))
    view_t = t + 20.0 + 4.0 * positions + rng.exponential(25.0, k)
    save_t = view_t + 1.0 + rng.exponential(30.0, k)
    inmail_t = view_t + 5.0 + rng.exponential(90.0, k)
    vi, si, ii = np.flatnonzero(viewed), np.flatnonzero(saved), np.flatnonzero(inmail)
    buf.feedback.append(
        (
            np.full(vi.size + si.size + ii.size, sid),
            np.concatenate([shown[vi], shown[si], shown[ii]]),
            np.repeat(np.arange(3, dtype=np.int8), [vi.size, si.size, ii.size]),
            np.concatenate([view_t[vi], save_t[si], inmail_t[ii]]),
        )
    )
    counters["views"] += int(vi.size)
    counters["saves"] += int(si.size)
    status = np.zeros(0, dtype=np.int8)
    responded = np.zeros(0)
    if ii.size:
        members = shown[ii]
        accept = rng.random(ii.size) < truth.p_accept(None, job, shown, f)[ii]
        decline = ~accept & (rng.random(ii.size) < truth.p_decline(members))
        responded = inmail_t[ii] + truth.response_hours(rng, members) * 3600.0
        answered = (accept | decline) & (responded < end)
        status = np.where(answered & accept, 0, np.where(answered, 1, 2)).astype(np.int8)
        responded = np.where(status == 2, np.nan, responded)
        buf.inmails.append((np.full(ii.size, sid), members, status, inmail_t[ii], responded))
        done.update(members.tolist())
        counters["inmails"] += int(ii.size)
        for code, name in enumerate(STATUSES):
            counters[name] += int((status == code).sum())
    # project pipelines: saved or contacted members (stage, first and last event time)
    contract, project, recruiter = owner
    state_of = dict(zip(ii.tolist(), zip(status.tolist(), responded.tolist())))
    for i in np.flatnonzero(saved | inmail).tolist():
        mid = int(shown[i])
        first = min(save_t[i] if saved[i] else np.inf, inmail_t[i] if inmail[i] else np.inf)
        last = max(save_t[i] if saved[i] else 0.0, inmail_t[i] if inmail[i] else 0.0)
        entry = candidates.get((project, mid))
        if entry is None:
            candidates[(project, mid)] = entry = [
                contract,
                project,
                mid,
                recruiter,
                "sourced",
                float(first),
                0.0,
            ]
        entry[6] = max(entry[6], float(last))
        if i in state_of:
            code, answered_at = state_of[i]
            entry[4] = "screening" if code == 0 else ("contacted" if entry[4] == "sourced"
                                                      else entry[4])
            if code != 2:
                entry[6] = max(entry[6], float(answered_at))


def _queries_p(max_q: int) -> np.ndarray:
    p = np.array(QUERIES_P[:max_q] if max_q <= 3 else QUERIES_P)
    return p / p.sum()


def _write_logs(
    w: BulkWriter, buf: _Buffers, now: np.datetime64, titles: list[str], chunk: int = 200_000
) -> None:
    """Renumber searches, feedback and InMails in time order, then write everything in chunks."""
    s = buf.searches
    if not s["created_at"]:
        return
    times = np.array(s["created_at"], dtype=np.float64)
    # time order; ties (never in practice) by project and the search's place in its job's sequence
    order = np.lexsort((np.array(s["job_seq"]), np.array(s["project_id"]), times))
    final = np.zeros(len(order) + 1, dtype=np.int64)
    # provisional id (list position + 1) -> final id
    final[order + 1] = np.arange(1, len(order) + 1)
    cols = {k: lookup(v, order) for k, v in s.items() if k not in ("created_at", "job_seq")}
    stamps = datetime_strings(now, times[order])
    _write_chunked(w, "searches", {"id": np.arange(1, len(order) + 1), **cols,
                                   "ranker": [RANKER] * len(order), "created_at": stamps}, chunk)
    stamp_of = np.array([""] + stamps, dtype=object)  # by final search id
    by_final = {
        k: np.array([None] + cols[k], dtype=object)
        for k in ("contract_id", "recruiter_id", "project_id", "session_id")
    }
    if buf.impressions:
        sid, member, position, score = (np.concatenate(parts) for parts in zip(*buf.impressions))
        search_id = final[sid]
        o = np.lexsort((position, search_id))
        _write_chunked(
            w,
            "impressions",
            {
                "id": np.arange(1, len(o) + 1),
                "search_id": search_id[o],
                "member_id": member[o],
                "position": position[o],
                "logged_score": np.round(score[o], 6),
                "created_at": stamp_of[search_id[o]].tolist(),
            },
            chunk,
        )
    if buf.feedback:
        sid, member, kind, at = (np.concatenate(parts) for parts in zip(*buf.feedback))
        search_id = final[sid]
        o = np.lexsort((kind, search_id, at))
        search_id = search_id[o]
        _write_chunked(
            w,
            "feedback",
            {
                "id": np.arange(1, len(o) + 1),
                "contract_id": by_final["contract_id"][search_id].tolist(),
                "recruiter_id": by_final["recruiter_id"][search_id].tolist(),
                "search_id": search_id,
                "session_id": by_final["session_id"][search_id].tolist(),
                "member_id": member[o],
                "kind": lookup(FEEDBACK_KINDS, kind[o]),
                "created_at": datetime_strings(now, at[o]),
            },
            chunk,
        )
    if buf.inmails:
        sid, member, status, sent, responded = (np.concatenate(parts)
                                                for parts in zip(*buf.inmails))
        search_id = final[sid]
        o = np.lexsort((search_id, sent))
        search_id, responded = search_id[o], responded[o]
        project = by_final["project_id"][search_id].tolist()
        pending = np.isnan(responded)
        answered = datetime_strings(now, np.where(pending, 0.0, responded))
        _write_chunked(
            w,
            "inmails",
            {
                "id": np.arange(1, len(o) + 1),
                "contract_id": by_final["contract_id"][search_id].tolist(),
                "recruiter_id": by_final["recruiter_id"][search_id].tolist(),
                "project_id": project,
                "member_id": member[o],
                "search_id": search_id,
                "subject": [f"Opportunity: {titles[p - 1]}" for p in project],
                "body": [
                    f"Hi, your profile caught my eye for our {titles[p - 1]} role. Open to a chat?"
                    for p in project
                ],
                "status": lookup(STATUSES, status[o]),
                "sent_at": datetime_strings(now, sent[o]),
                "responded_at": [None if p else a for a, p in zip(answered, pending.tolist())],
            },
            chunk,
        )


def _write_chunked(w: BulkWriter, table: str, columns: dict[str, Any], chunk: int) -> None:
    n = len(next(iter(columns.values())))
    for a in range(0, n, chunk):
        w.write(table, {k: v[a : a + chunk] for k, v in columns.items()})


def _write_candidates(
    w: BulkWriter, candidates: dict[tuple[int, int], list[Any]], now: np.datetime64
) -> None:
    if not candidates:
        return
    rows = sorted(candidates.values(), key=lambda e: (e[5], e[1], e[2]))
    created = datetime_strings(now, np.array([e[5] for e in rows]))
    updated = datetime_strings(now, np.array([max(e[5], e[6]) for e in rows]))
    w.write(
        "project_candidates",
        {
            "id": np.arange(1, len(rows) + 1),
            "contract_id": [e[0] for e in rows],
            "project_id": [e[1] for e in rows],
            "member_id": [e[2] for e in rows],
            "saved_by": [e[3] for e in rows],
            "stage": [e[4] for e in rows],
            "notes": [""] * len(rows),
            "created_at": created,
            "updated_at": updated,
        },
    )
