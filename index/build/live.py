"""Live updates: apply the profile change log (outbox) to the owning shards.

For each batch of changes (``profile_changes`` rows after the version's applied position) the
updater re-reads the changed members' current profiles from the database — so the operation
recorded in the log does not matter and applying a change twice is harmless — and per shard:

1. appends any new taxonomy ids to the version's ``vocab-extra.json``,
2. writes a forward delta (new rows and tombstones) to ``forward-delta/``,
3. deletes each changed member by its ``member_id`` term and adds the new document, then
   commits once (delete + add in one commit: readers never see a member twice or missing),

and finally records the batch's last outbox id in ``applied_position``. Readers reload in the
reverse order (Tantivy, then deltas, then vocabulary), so the features they read are never
older than the documents they match. One writer per shard: a second updater gets a clear error.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, Self

from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from index.build.documents import ProfileReader, ReferenceData, tantivy_json
from index.build.forward_rows import ForwardTableBuilder
from index.build.tokens import TokenEncoder
from index.forward import DeltaLog, ForwardTable
from index.guard import engine_call
from index.schema import open_tantivy_index, schema_hash
from index.sharding import shard_of
from index.versions import VersionStore
from index.vocab import KINDS, Vocabulary
from talent.errors import DatabaseUnavailable, IndexUnavailable
from talent.logging import get_logger
from talent.storage.db import Database
from talent.storage.models import ProfileChange

log = get_logger(__name__)

LIVE_WRITER_HEAP = 32_000_000
COMPACT_AFTER = 32  # delta files per shard before they are folded into one
#: PostgreSQL: how long a missing outbox id below the applied position is re-checked (a
#: transaction that took a lower id from the sequence can commit after a higher one was read).
GAP_TIMEOUT = 600.0
MAX_GAPS = 10_000        # open gaps kept per version (the newest ids win)
GAP_LOOKBACK = 10_000    # ids below a build's high-water mark checked for gaps
GAP_RECHECK = 0.2        # seconds between re-checks of open gaps while no new change arrives


@dataclass(frozen=True)
class BatchReport:
    """One applied batch: outbox positions, members upserted and deleted, time taken."""

    version: str
    first_position: int
    last_position: int
    upserted: int
    deleted: int
    seconds: float
    changes: int = 0  # outbox rows read (new ones plus late ones)
    late: int = 0     # of which rows that filled a gap below the applied position


class ShardWriter:
    """The single writer of one shard: Tantivy upserts/deletes plus forward deltas."""

    def __init__(self, shard: int, shard_dir: Path, heap_bytes: int = LIVE_WRITER_HEAP):
        self.shard = shard
        self.path = shard_dir
        with engine_call(f"opening shard {shard} for writing"):
            self.index = open_tantivy_index(shard_dir / "tantivy")
            try:
                self.writer = self.index.writer(heap_size=heap_bytes, num_threads=1)
            except ValueError as exc:
                if "lock" in str(exc).lower():
                    raise IndexUnavailable(
                        f"shard {shard} at {shard_dir} is locked by another writer (a running "
                        "`talent index update --follow` or build); stop it first") from exc
                raise
        self.deltas = DeltaLog(shard_dir / "forward-delta")

    def apply(self, builder: ForwardTableBuilder, docs: dict[int, str | None], seq: int) -> None:
        """Write the forward delta, then replace every member of ``docs`` in one commit
        (``None`` = delete)."""
        self.apply_table(builder.build(), docs, seq)

    def apply_table(self, table: ForwardTable, docs: dict[int, str | None], seq: int) -> None:
        """:meth:`apply` with the forward delta already built (where a routed update lands)."""
        self.deltas.append(table, seq)
        with engine_call(f"updating shard {self.shard}"):
            for member_id, doc in docs.items():
                self.writer.delete_documents_by_term("member_id", member_id)
                if doc is not None:
                    self.writer.add_json(doc)
            self.writer.commit()
        if self.deltas.count() > COMPACT_AFTER:
            self.deltas.compact()

    def close(self) -> None:
        with engine_call(f"closing shard {self.shard}"):
            self.writer.wait_merging_threads()


class ShardWriterLike(Protocol):
    """What the updater writes a shard's batch through: its own :class:`ShardWriter`, or the
    shard's partition actor (``TALENT_BACKEND=ray``, :mod:`index.cluster.live`)."""

    def apply(self, builder: ForwardTableBuilder, docs: dict[int, str | None],
              seq: int) -> None: ...

    def close(self) -> None: ...


#: Opens the writer of one shard: (version, shard, shard directory, writer heap bytes).
WriterOpener = Callable[[str, int, Path, int], ShardWriterLike]


def open_local_writer(version: str, shard: int, shard_dir: Path,
                      heap_bytes: int) -> ShardWriterLike:
    """This process becomes the shard's single writer."""
    return ShardWriter(shard, shard_dir, heap_bytes)


class VersionUpdater:
    """Applies pending outbox changes to one index version (holds its shard writers)."""

    def __init__(self, store: VersionStore, version: str, database: Database, *,
                 heap_bytes: int = LIVE_WRITER_HEAP, gap_timeout: float = GAP_TIMEOUT,
                 open_writer: WriterOpener = open_local_writer):
        self.store = store
        self.version = version
        self.database = database
        self.path = store.path(version)
        manifest_shards = self._shard_count()
        self.vocab = Vocabulary.load(self.path)
        self.writers: list[ShardWriterLike] = []
        try:
            for i in range(manifest_shards):
                self.writers.append(open_writer(version, i, VersionStore.shard_dir(self.path, i),
                                                heap_bytes))
        except BaseException:
            self.close()
            raise
        self._reference: ReferenceData | None = None
        self._tokens: TokenEncoder | None = None
        # SQLite serializes writers, so outbox ids commit in id order there: no gaps to track
        self.track_gaps = not database.is_sqlite
        self.gap_timeout = gap_timeout
        self._gaps = store.outbox_gaps(version) if self.track_gaps else {}
        self._next_gap_check = 0.0

    def _token_encoder(self) -> TokenEncoder:
        """The encoder of token codes over this version's vocabulary (its word cache lives as
        long as the updater)."""
        if self._tokens is None:
            self._tokens = TokenEncoder(self.vocab.adder("token"))
        return self._tokens

    def _shard_count(self) -> int:
        """Shards of the version (from its manifest; a build in progress counts its folders)."""
        if (self.path / "manifest.json").exists():
            manifest = self.store.read_manifest(self.version)
            if manifest.schema_hash != schema_hash():
                raise IndexUnavailable(f"index version {self.version} was built with schema "
                                       f"{manifest.schema_hash}, this code writes {schema_hash()}: "
                                       "run `talent index build`")
            return manifest.shard_count
        return len([p for p in self.path.glob("shard-*") if p.is_dir()])

    @property
    def position(self) -> int:
        return self.store.applied_position(self.version)

    @property
    def gaps(self) -> dict[int, float]:
        """Open outbox gaps: id -> wall-clock time it was first found missing."""
        return dict(self._gaps)

    def apply_pending(self, batch_size: int = 1000, max_batches: int | None = None,
                      on_batch: Callable[[BatchReport], None] | None = None) -> int:
        """Apply changes after the applied position (and late ones that filled a gap),
        ``batch_size`` at a time; returns how many outbox rows were consumed."""
        consumed = 0
        batches = 0
        self._next_gap_check = 0.0
        while max_batches is None or batches < max_batches:
            report = self.apply_batch(batch_size)
            if report is None:
                break
            consumed += report.changes
            batches += 1
            if on_batch:
                on_batch(report)
        return consumed

    def _read_changes(self, conn: Any, position: int,
                      batch_size: int) -> tuple[list[Any], list[Any]]:
        """(new rows after ``position``, late rows filling open gaps), each as (id, member_id)."""
        rows = conn.execute(
            select(ProfileChange.id, ProfileChange.member_id)
            .where(ProfileChange.id > position).order_by(ProfileChange.id).limit(batch_size)
        ).all()
        late: list[Any] = []
        now = time.monotonic()
        if self._gaps and (rows or now >= self._next_gap_check):
            self._next_gap_check = now + GAP_RECHECK
            late = conn.execute(
                select(ProfileChange.id, ProfileChange.member_id)
                .where(ProfileChange.id.in_(sorted(self._gaps))).order_by(ProfileChange.id)
            ).all()
        return list(rows), list(late)

    def _update_gaps(self, position: int, rows: list[Any],
                     late: list[Any]) -> tuple[dict[int, float], bool]:
        """The open gaps after this batch, and whether they changed."""
        if not self.track_gaps:
            return {}, False
        gaps = dict(self._gaps)
        changed = False
        for change_id, _ in late:
            changed |= gaps.pop(int(change_id), None) is not None
        if rows:
            seen = {int(i) for i, _ in rows}
            last = int(rows[-1][0])
            low = max(position + 1, last - MAX_GAPS)
            now = time.time()
            for missing in range(low, last):
                if missing not in seen:
                    gaps[missing] = now
                    changed = True
        expired = [i for i, first_seen in gaps.items()
                   if time.time() - first_seen > self.gap_timeout]
        for i in expired:
            del gaps[i]
        if expired:
            changed = True
            log.warning("index.live.gaps_expired", version=self.version, ids=expired[:20],
                        count=len(expired))
        if len(gaps) > MAX_GAPS:
            gaps = dict(sorted(gaps.items())[-MAX_GAPS:])
        return gaps, changed

    def apply_batch(self, batch_size: int = 1000) -> BatchReport | None:
        """Apply the next batch of changes, or return None when there is none."""
        start = time.perf_counter()
        position = self.position
        try:
            with self.database.engine.connect() as conn:
                rows, late = self._read_changes(conn, position, batch_size)
                if not rows and not late:
                    gaps, changed = self._update_gaps(position, rows, late)  # expiry only
                    if changed:
                        self.store.set_outbox_gaps(self.version, gaps)
                        self._gaps = gaps
                    return None
                member_ids = sorted({int(m) for _, m in rows} | {int(m) for _, m in late})
                if self._reference is None:
                    self._reference = ReferenceData.load(conn)
                reader = ProfileReader(conn, self._reference)
                profiles = {p.member_id: p for p in reader.read(member_ids)}
                ref = self._reference
                if any((p.company_id is not None and p.company_id not in ref.companies)
                       or (p.metro_id is not None and p.metro_id not in ref.metros)
                       for p in profiles.values()):
                    self._reference = ReferenceData.load(conn)  # a company or metro created since
        except OperationalError as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            raise DatabaseUnavailable(f"database {self.database.display_url} failed: "
                                      f"{reason}") from exc
        reference = self._reference
        assert reference is not None  # loaded above
        last = int(rows[-1][0]) if rows else position
        first = int(rows[0][0]) if rows else int(late[0][0])
        n = len(self.writers)
        per_shard: dict[int, tuple[ForwardTableBuilder, dict[int, str | None]]] = {}
        vocab_before = {k: self.vocab.size(k) for k in KINDS}
        upserts: dict[int, list] = {}
        tokens = self._token_encoder()
        for mid in member_ids:
            shard = shard_of(mid, n)
            builder, docs = per_shard.setdefault(
                shard, (ForwardTableBuilder(self.vocab, reference, tokens), {}))
            profile = profiles.get(mid)
            if profile is None:
                builder.add_deleted(mid)
                docs[mid] = None
            else:
                upserts.setdefault(shard, []).append(profile)
                docs[mid] = tantivy_json(profile, reference)
        for shard, group in upserts.items():  # forward rows as the build makes them: per chunk
            per_shard[shard][0].add_many(group)
        if any(self.vocab.size(k) != v for k, v in vocab_before.items()):
            self.vocab.save_extra(self.path)
        for shard, (builder, docs) in sorted(per_shard.items()):
            self.writers[shard].apply(builder, docs, last)
        gaps, changed = self._update_gaps(position, rows, late)
        if changed:  # gaps first: a crash between the two writes re-reads, never skips
            self.store.set_outbox_gaps(self.version, gaps)
            self._gaps = gaps
        if last != position:
            self.store.set_applied_position(self.version, last)
        deleted = sum(1 for m in member_ids if m not in profiles)
        report = BatchReport(self.version, first, last, len(member_ids) - deleted, deleted,
                             time.perf_counter() - start, changes=len(rows) + len(late),
                             late=len(late))
        if late:
            log.info("index.live.late_changes", version=self.version,
                     ids=[int(i) for i, _ in late][:20], count=len(late))
        log.debug("index.live.batch", version=self.version, first=report.first_position, last=last,
                  upserted=report.upserted, deleted=deleted, late=len(late))
        return report

    def close(self) -> None:
        for w in self.writers:
            w.close()
        self.writers = []


class LiveUpdater:
    """Keeps the serving version up to date with the outbox; follows ``CURRENT`` when it moves."""

    def __init__(self, index_dir: Path, database: Database, *, batch_size: int = 1000,
                 gap_timeout: float = GAP_TIMEOUT, open_writer: WriterOpener = open_local_writer):
        self.store = VersionStore(index_dir)
        self.database = database
        self.batch_size = batch_size
        self.gap_timeout = gap_timeout
        self.open_writer = open_writer
        self._updater: VersionUpdater | None = None

    def _current_updater(self) -> VersionUpdater:
        version, _ = self.store.require_current()
        if self._updater is None or self._updater.version != version:
            if self._updater is not None:
                log.info("index.live.switch", old=self._updater.version, new=version)
                self._updater.close()
                self._updater = None
            self._updater = VersionUpdater(self.store, version, self.database,
                                           gap_timeout=self.gap_timeout,
                                           open_writer=self.open_writer)
        return self._updater

    def run_once(self, on_batch: Callable[[BatchReport], None] | None = None) -> int:
        """Apply every pending change to the serving version; returns outbox rows consumed."""
        return self._current_updater().apply_pending(self.batch_size, on_batch=on_batch)

    def follow(self, poll_interval: float = 0.05, stop: threading.Event | None = None,
               on_batch: Callable[[BatchReport], None] | None = None) -> None:
        """Apply changes as they arrive until ``stop`` is set (or forever)."""
        stop = stop or threading.Event()
        while not stop.is_set():
            updater = self._current_updater()
            try:
                report = updater.apply_batch(self.batch_size)
            except DatabaseUnavailable as exc:  # a database restart should not end the follower
                log.warning("index.live.database_unavailable", error=str(exc))
                stop.wait(max(1.0, poll_interval))
                continue
            if report is None:
                stop.wait(poll_interval)
            elif on_batch:
                on_batch(report)

    @property
    def version(self) -> str | None:
        return self._updater.version if self._updater else None

    def close(self) -> None:
        if self._updater is not None:
            self._updater.close()
            self._updater = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
