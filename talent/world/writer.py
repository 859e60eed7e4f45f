"""Streaming a generated world into the product tables: wipe, bulk insert in chunks, content hash.

Rows go in through the fastest path each backend offers inside SQLAlchemy Core connections:
multi-row ``INSERT ... VALUES`` on SQLite (with ``synchronous=OFF``, no rollback journal, a
large page cache and foreign-key checks off while loading, rows written in FK-safe order,
secondary indexes rebuilt afterwards) and ``COPY ... FROM STDIN`` on PostgreSQL (serial
sequences are moved past the explicit ids afterwards). Row tuples are prepared in a worker
thread while the previous chunk is written. These Core writes bypass the profile-change outbox
on purpose: index builds snapshot the tables. Values are converted once to what both backends
accept: datetimes as ``YYYY-MM-DD HH:MM:SS.ffffff`` strings (SQLAlchemy's SQLite format), dates
as ``YYYY-MM-DD``, JSON as text.

The content hash is a SHA-256 over every written column (numbers by their bytes, text joined),
so the same seed and config give the same hash without reading the database back.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Self

import numpy as np
from sqlalchemy import text

from talent.storage import models as m
from talent.taxonomy.model import normalize
from talent.world.generator import DEGREE_YEARS, SIZE_BANDS
from talent.world.generator import DEGREES as DEGREE_NAMES
from talent.world.progress import Progress, null_progress

# Deleting in this order never violates a foreign key.
WORLD_TABLES: tuple[str, ...] = (
    "audit_log",
    "feedback",
    "impressions",
    "inmails",
    "project_candidates",
    "searches",
    "projects",
    "web_sessions",
    "profile_changes",
    "member_protected",
    "member_skills",
    "education",
    "positions",
    "members",
    "recruiters",
    "contracts",
    "companies",
    "metros",
    "world_info",
)
LOG_TABLES: tuple[str, ...] = ("feedback", "impressions", "inmails", "project_candidates",
                               "searches")
SERIAL_TABLES: tuple[str, ...] = (
    "metros",
    "companies",
    "members",
    "positions",
    "education",
    "contracts",
    "recruiters",
    "projects",
    "project_candidates",
    "inmails",
    "searches",
    "impressions",
    "feedback",
)

Column = np.ndarray | list[Any]


def datetime_strings(base: np.datetime64, seconds: np.ndarray) -> list[str]:
    """``base + seconds`` as SQLAlchemy's SQLite datetime text (also valid PostgreSQL input)."""
    stamps = base.astype("datetime64[us]") + np.round(
        np.asarray(seconds, dtype=np.float64) * 1e6).astype("timedelta64[us]")
    return [s[:10] + " " + s[11:] for s in np.datetime_as_string(stamps, unit="us").tolist()]


def date_strings(base: np.datetime64, days: np.ndarray) -> list[str]:
    stamps = base.astype("datetime64[D]") + np.floor(np.asarray(days, dtype=np.float64)).astype(
        "timedelta64[D]"
    )
    return np.datetime_as_string(stamps, unit="D").tolist()


def start_datetime(day: dt.date | str) -> np.datetime64:
    return np.datetime64(str(day), "us")


@dataclass
class Batch:
    """Rows ready to insert (flattened row-major), and the bytes they add to the content hash."""

    table: str
    names: list[str]
    n_rows: int
    flat: list[Any]
    digest: list[bytes]

    def rows(self) -> list[tuple[Any, ...]]:
        k = len(self.names)
        return [tuple(self.flat[i * k : (i + 1) * k]) for i in range(self.n_rows)]


def prepare(table: str, columns: dict[str, Column], *, hashed: bool = True) -> Batch:
    """Turn columns (numpy arrays or lists) into flat row-major values; CPU-only, safe in a worker
    thread."""
    names = list(columns)
    k = len(names)
    n = len(columns[names[0]]) if names else 0
    flat: list[Any] = [None] * (n * k)
    digest = []
    for j, name in enumerate(names):
        col = columns[name]
        values = col.tolist() if isinstance(col, np.ndarray) else list(col)
        if len(values) != n:
            raise ValueError(f"{table}.{name} has {len(values)} values, expected {n}")
        flat[j::k] = values
        if hashed:
            digest.append(f"{table}.{name}:".encode())
            if isinstance(col, np.ndarray) and col.dtype != object:
                digest.append(np.ascontiguousarray(col).tobytes())
            else:
                try:
                    joined = "\x1f".join(values)
                except TypeError:  # None or numbers among the strings
                    joined = "\x1f".join(map(str, values))
                digest.append(joined.encode("utf-8", "surrogatepass"))
    return Batch(table, names, n, flat, digest)


_LOOKUPS: dict[int, tuple[Sequence[Any], np.ndarray]] = {}


def lookup(table: Sequence[Any], index: np.ndarray) -> list[Any]:
    """``[table[i] for i in index]`` at numpy speed (the object array of ``table`` is cached)."""
    cached = _LOOKUPS.get(id(table))
    if cached is None or cached[0] is not table:
        arr = np.empty(len(table), dtype=object)
        arr[:] = list(table)
        cached = _LOOKUPS[id(table)] = (table, arr)
    return cached[1][index].tolist()


SQLITE_MAX_VARIABLES = 32_000
ROWS_PER_STATEMENT = 500


class BulkWriter:
    """Writes column chunks to tables in one transaction each, hashing what it writes."""

    def __init__(self, db: Any):
        self.db = db
        self.is_sqlite = db.is_sqlite
        self.hash = hashlib.sha256()
        self.counts: dict[str, int] = {}
        self._dropped: list[Any] = []
        self._journal_off = False
        if self.is_sqlite:
            db.engine.dispose()  # pooled connections would keep the journal mode from changing
        self.conn = db.engine.connect()
        if self.is_sqlite:
            self.conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            self.conn.exec_driver_sql("PRAGMA synchronous=OFF")
            self.conn.exec_driver_sql("PRAGMA cache_size=-262144")  # 256 MiB while loading
            self.conn.commit()
            # No rollback journal while loading: pages are written once (a world is rebuilt from
            # scratch anyway). If another process has the file open the mode stays WAL.
            mode = self.conn.exec_driver_sql("PRAGMA journal_mode=OFF").scalar()
            self._journal_off = str(mode).lower() == "off"
        self.conn.commit()

    def close(self) -> None:
        self.restore_indexes()
        if self.is_sqlite:
            self.conn.exec_driver_sql("PRAGMA foreign_keys=ON")
            self.conn.exec_driver_sql("PRAGMA synchronous=NORMAL")
            self.conn.exec_driver_sql("PRAGMA cache_size=-2000")
            self.conn.commit()
            if self._journal_off:
                self.conn.exec_driver_sql("PRAGMA journal_mode=WAL")
        self.conn.commit()
        self.conn.close()

    def defer_indexes(self, tables: Sequence[str]) -> None:
        """Drop the secondary indexes of ``tables`` now and rebuild them (sorted, faster) on
        close."""
        from sqlalchemy import inspect

        existing = {ix["name"] for t in tables for ix in inspect(self.conn).get_indexes(t)}
        self.conn.commit()
        with self.conn.begin():
            for table in tables:
                for index in m.Base.metadata.tables[table].indexes:
                    if index.name in existing:
                        index.drop(self.conn)
                        self._dropped.append(index)

    def restore_indexes(self) -> None:
        if not self._dropped:
            return
        with self.conn.begin():
            for index in self._dropped:
                index.create(self.conn)
        self._dropped = []

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def wipe(self, tables: Sequence[str]) -> None:
        """Delete every row of ``tables`` (given in FK-safe order) in one transaction (the
        append-only audit log too when listed: the whole world is being replaced)."""
        from talent.storage.audit import lifted_append_only

        with self.conn.begin():
            if "audit_log" in tables:
                with lifted_append_only(self.conn):
                    self.conn.execute(text("DELETE FROM audit_log"))
            for table in tables:
                if table != "audit_log":
                    self.conn.execute(text(f"DELETE FROM {table}"))

    def write(self, table: str, columns: dict[str, Column], *, hashed: bool = True) -> int:
        """Insert the rows given column-wise (all columns the same length)."""
        return self.execute(prepare(table, columns, hashed=hashed))

    def execute(self, batch: Batch) -> int:
        """Insert a prepared batch in one transaction (and fold its digest into the content
        hash)."""
        for part in batch.digest:
            self.hash.update(part)
        if not batch.n_rows:
            return 0
        columns = ",".join(batch.names)
        with self.conn.begin():
            if self.is_sqlite:
                self._sqlite_insert(batch, columns)
            else:
                raw = self.conn.connection.driver_connection
                with raw.cursor() as cur, cur.copy(f"COPY {batch.table} ({columns}) FROM "
                                                   "STDIN") as copy:
                    for row in batch.rows():
                        copy.write_row(row)
        self.counts[batch.table] = self.counts.get(batch.table, 0) + batch.n_rows
        return batch.n_rows

    def _sqlite_insert(self, batch: Batch, columns: str) -> None:
        """Multi-row ``INSERT ... VALUES (...), (...)`` statements: about twice executemany's
        speed."""
        cursor = self.conn.connection.driver_connection.cursor()
        k = len(batch.names)
        per = max(1, min(ROWS_PER_STATEMENT, SQLITE_MAX_VARIABLES // k))
        row_marks = "(" + ",".join("?" * k) + ")"
        head = f"INSERT INTO {batch.table} ({columns}) VALUES "
        full = head + ",".join([row_marks] * per)
        n_full = batch.n_rows // per
        for i in range(n_full):
            cursor.execute(full, batch.flat[i * per * k : (i + 1) * per * k])
        rest = batch.n_rows - n_full * per
        if rest:
            cursor.execute(head + ",".join([row_marks] * rest), batch.flat[n_full * per * k :])
        cursor.close()

    def fix_sequences(self) -> None:
        """PostgreSQL: move serial sequences past the explicit ids we inserted."""
        if self.is_sqlite:
            return
        with self.conn.begin():
            for table in SERIAL_TABLES:
                self.conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
                    )
                )

    def hexdigest(self) -> str:
        return self.hash.hexdigest()


def pipelined(
    w: BulkWriter, batches: Iterator[list[Batch]], on_chunk: Callable[[], None] | None = None
) -> None:
    """Prepare batches in a worker thread while this thread writes them (SQLite steps release the
    GIL)."""
    q: queue.Queue[Any] = queue.Queue(maxsize=2)
    failure: list[BaseException] = []
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in batches:
                while not stop.is_set():
                    try:
                        q.put(item, timeout=0.5)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
        except BaseException as exc:  # noqa: BLE001 - re-raised in the writing thread
            failure.append(exc)
        finally:
            q.put(None)

    worker = threading.Thread(target=produce, name="world-rows", daemon=True)
    worker.start()
    try:
        while (item := q.get()) is not None:
            for batch in item:
                w.execute(batch)
            if on_chunk:
                on_chunk()
    finally:
        stop.set()
        while worker.is_alive():
            try:
                q.get(timeout=0.1)
            except queue.Empty:
                pass
        worker.join()
    if failure:
        raise failure[0]


def write_world(
    plan: Any, db: Any, *, progress: Progress = null_progress, chunk_size: int = 25_000
) -> tuple[str, dict[str, int], dict[str, float]]:
    """Wipe previous world data and write ``plan`` (a generator Plan); returns (hash, counts,
    timings)."""
    t0 = time.perf_counter()
    timings: dict[str, float] = {}
    v = plan.vocab
    cfg = plan.config
    now = start_datetime(plan.start)
    n = plan.n_members
    with BulkWriter(db) as w:
        w.wipe(WORLD_TABLES)
        w.defer_indexes(("members", "positions", "education", "companies"))
        timings["write.wipe"] = time.perf_counter() - t0
        metro_id = v.metro_ids
        w.write("metros", _metro_columns(plan))
        comp_metro = np.where(plan.company_metro >= 0, metro_id[np.maximum(plan.company_metro, 0)],
                              -1)
        w.write(
            "companies",
            {
                "id": np.arange(1, len(plan.company_names) + 1),
                "name": plan.company_names,
                "industry_id": plan.company_industry_id,
                "industry": plan.company_industry,
                "size_band": [SIZE_BANDS[s] for s in plan.company_size.tolist()],
                "hq_metro_id": [None if x < 0 else x for x in comp_metro.tolist()],
            },
        )
        task = progress.task(f"writing {n:,} members", (n + chunk_size - 1) // chunk_size)
        chunks = (_member_chunk(plan, a, min(n, a + chunk_size), now)
                  for a in range(0, n, chunk_size))
        pipelined(w, chunks, on_chunk=task.advance)
        task.done()
        timings["write.members"] = time.perf_counter() - t0
        _write_hiring(w, plan, now)
        w.restore_indexes()
        w.fix_sequences()
        digest = w.hexdigest()
        with w.conn.begin():
            w.conn.execute(
                m.WorldInfo.__table__.insert().values(
                    name=cfg.name,
                    seed=cfg.seed,
                    config=cfg.as_dict(),
                    taxonomy_source=plan.taxonomy_source,
                    members=n,
                    generated_at=dt.datetime.now(dt.UTC).replace(tzinfo=None),
                    simulated_at=None,
                    content_hash=digest,
                )
            )
        counts = dict(w.counts)
    timings["write.total"] = time.perf_counter() - t0
    return digest, counts, timings


def _metro_columns(plan: Any) -> dict[str, Column]:
    metros = plan.metros
    return {
        "id": [x.id for x in metros],
        "name": [x.name for x in metros],
        "region": [x.region for x in metros],
        "country": [x.country for x in metros],
        "latitude": [x.latitude for x in metros],
        "longitude": [x.longitude for x in metros],
        "population": [x.population for x in metros],
    }


def _member_chunk(plan: Any, a: int, b: int, now: np.datetime64) -> list[Batch]:
    """Rows of members [a, b) and of their protected attributes, skills, positions and education."""
    from talent.world import text as tx

    out: list[Batch] = []

    v = plan.vocab
    ids = np.arange(a + 1, b + 1)
    occ = plan.occ[a:b]
    company = plan.company[a:b]
    metro = plan.metro[a:b]
    titles = lookup(plan.titles, plan.title_id[a:b])
    company_names = plan.company_names
    first, last = plan.first_name[a:b], plan.last_name[a:b]
    emails = [
        f"{tx_ascii(fn)}.{tx_ascii(ln)}{i}@example.{('com', 'net', 'org')[i % 3]}"
        for fn, ln, i in zip(first, last, ids.tolist())
    ]
    sp = plan.skill_ptr
    # every member has >= 5 skills
    top_idx = plan.skill_idx[sp[a:b][:, None] + np.arange(5)[None, :]]
    skill_names = v.skill_names
    top_names = np.array(skill_names, dtype=object)[top_idx]
    pp = plan.pos_ptr
    has_prev = (pp[a + 1 : b + 1] - pp[a:b]) > 1
    prev_idx = plan.pos_company[np.where(has_prev, pp[a:b] + 1, pp[a:b])]
    prev_company = [c if h else ""
                    for c, h in zip(lookup(company_names, prev_idx), has_prev.tolist())]
    headlines, summaries = tx.profile_texts(
        plan.text_u[a:b],
        titles,
        lookup(company_names, company),
        prev_company,
        lookup(v.occ_titles, occ),
        lookup(v.occ_singular, occ),
        lookup(v.metro_names, metro),
        plan.years[a:b],
        top_names,
        plan.otw[a:b],
        plan.reloc[a:b],
    )
    inactive = plan.inactive_days[a:b].astype(np.float64)
    last_active = datetime_strings(now, -inactive * 86400.0)
    created = datetime_strings(now, -plan.created_days[a:b].astype(np.float64) * 86400.0)
    industry_ids = lookup(plan.company_industry_id, company)
    out.append(
        prepare(
            "members",
            {
                "id": ids,
                "first_name": first,
                "last_name": last,
                "email": emails,
                "headline": headlines,
                "summary": summaries,
                "current_title": titles,
                "occupation_id": lookup(v.occ_ids, occ),
                "seniority": plan.sen[a:b],
                "years_experience": plan.years[a:b].astype(np.float64),
                "current_company_id": company + 1,
                "metro_id": v.metro_ids[metro],
                "industry_id": industry_ids,
                "open_to_work": plan.otw[a:b],
                "willing_to_relocate": plan.reloc[a:b],
                "last_active_at": last_active,
                "created_at": created,
                "updated_at": last_active,
            },
        )
    )
    out.append(prepare("member_protected",
                       {"member_id": ids, "gender": lookup(GENDER_NAMES, plan.gender[a:b])}))
    s0, s1 = int(sp[a]), int(sp[b])
    sk = plan.skill_idx[s0:s1]
    out.append(
        prepare(
            "member_skills",
            {
                "member_id": np.repeat(ids, np.diff(sp[a : b + 1])),
                "skill_id": lookup(v.skill_ids, sk),
                "name": lookup(skill_names, sk),
                "endorsements": plan.skill_endorse[s0:s1],
            },
        )
    )
    # positions (rank 0 is the current one and carries the member's own title)
    p0, p1 = int(pp[a]), int(pp[b])
    counts = np.diff(pp[a : b + 1])
    member_of = np.repeat(ids, counts)
    rank = np.arange(p0, p1) - np.repeat(pp[a:b], counts)
    current = rank == 0
    pos_titles = plan.pos_title[p0:p1]
    pos_titles = [
        titles[mi - a - 1] if c else t
        for t, c, mi in zip(pos_titles, current.tolist(), member_of.tolist())
    ]
    p_occ = plan.pos_occ[p0:p1]
    skills3 = (top_names[:, 0] + ", " + top_names[:, 1] + " and " + top_names[:, 2]).tolist()
    descriptions = [
        f"{t}: day-to-day work with {skills3[mi - a - 1]}." if c else ""
        for t, c, mi in zip(pos_titles, current.tolist(), member_of.tolist())
    ]
    start = date_strings(now, -plan.pos_start_days[p0:p1])
    end = date_strings(now, -plan.pos_end_days[p0:p1])
    out.append(
        prepare(
            "positions",
            {
                "id": np.arange(p0 + 1, p1 + 1),
                "member_id": member_of,
                "title": pos_titles,
                "occupation_id": lookup(v.occ_ids, p_occ),
                "company_id": plan.pos_company[p0:p1] + 1,
                "seniority": plan.pos_sen[p0:p1],
                "start_date": start,
                "end_date": [None if c else e for e, c in zip(end, current.tolist())],
                "is_current": current,
                "description": descriptions,
            },
        )
    )
    ep = plan.edu_ptr
    e0, e1 = int(ep[a]), int(ep[b])
    if e1 > e0:
        degree = plan.edu_degree[e0:e1]
        end_year = plan.edu_end_year[e0:e1]
        out.append(
            prepare(
                "education",
                {
                    "id": np.arange(e0 + 1, e1 + 1),
                    "member_id": np.repeat(ids, np.diff(ep[a : b + 1])),
                    "school": plan.edu_school[e0:e1],
                    "degree": lookup(DEGREE_NAMES, degree),
                    "field": plan.edu_field[e0:e1],
                    "start_year": end_year - DEGREE_YEARS[degree],
                    "end_year": end_year,
                },
            )
        )
    return out


def _write_hiring(w: BulkWriter, plan: Any, now: np.datetime64) -> None:
    from talent.world import text as tx

    v = plan.vocab
    n_c = len(plan.contract_names)
    created = datetime_strings(now, np.full(n_c, -400.0 * 86400.0))
    w.write(
        "contracts",
        {
            "id": np.arange(1, n_c + 1),
            "name": plan.contract_names,
            "kind": ["agency" if a else "in_house" for a in plan.contract_agency.tolist()],
            "company_id": [None if c < 0 else c + 1 for c in plan.contract_company.tolist()],
            "created_at": created,
        },
    )
    n_r = len(plan.recruiter_names)
    w.write(
        "recruiters",
        {
            "id": np.arange(1, n_r + 1),
            "contract_id": plan.recruiter_contract + 1,
            "name": plan.recruiter_names,
            "email": plan.recruiter_emails,
            "families": [json.dumps(f) for f in plan.recruiter_families],
            "created_at": datetime_strings(now, np.full(n_r, -300.0 * 86400.0)),
        },
    )
    n_j = len(plan.job_title)
    ptr = plan.job_skill_ptr
    req, nice, descriptions, names = [], [], [], []
    for j in range(n_j):
        sl = slice(ptr[j], ptr[j + 1])
        skills = plan.job_skill_idx[sl].tolist()
        flags = plan.job_skill_required[sl].tolist()
        r = [v.skill_ids[s] for s, f in zip(skills, flags) if f]
        n_ = [v.skill_ids[s] for s, f in zip(skills, flags) if not f]
        req.append(json.dumps(r))
        nice.append(json.dumps(n_))
        where = "Remote" if plan.job_remote[j] else v.metro_names[plan.job_metro[j]]
        names.append(f"{plan.job_title[j]} \u2013 {where}")
        rn = [v.skill_names[s] for s, f in zip(skills, flags) if f]
        nn = [v.skill_names[s] for s, f in zip(skills, flags) if not f]
        descriptions.append(
            f"We are hiring {tx.article(plan.job_title[j])} {plan.job_title[j]} ({where}). Must "
            f"have: {', '.join(rn)}."
            + (f" Nice to have: {', '.join(nn)}." if nn else "")
        )
    w.write(
        "projects",
        {
            "id": np.arange(1, n_j + 1),
            "contract_id": plan.recruiter_contract[plan.job_recruiter] + 1,
            "recruiter_id": plan.job_recruiter + 1,
            "name": names,
            "title": plan.job_title,
            "occupation_id": [v.occ_ids[o] for o in plan.job_occ.tolist()],
            "description": descriptions,
            "required_skills": req,
            "nice_skills": nice,
            "metro_id": v.metro_ids[plan.job_metro],
            "remote": plan.job_remote,
            "seniority_min": plan.job_sen_min,
            "seniority_max": plan.job_sen_max,
            "status": ["open"] * n_j,
            "created_at": datetime_strings(now, plan.job_created_day.astype(np.float64) * 86400.0),
        },
    )


GENDER_NAMES = ("female", "male", "unknown")


@functools.lru_cache(maxsize=200_000)
def tx_ascii(name: str) -> str:
    """An e-mail-safe lower-case form of a name."""
    return ("".join(normalize(name).split()).replace(".", "").replace("+", "").replace("#", "")
            or "member")
