"""The forward store: per-member ranking features as memory-mapped numpy arrays.

Rankers never read stored documents (``searcher.doc`` costs ~11 us a hit and does not scale
with threads); they gather features for hit ids from here.

A :class:`ForwardTable` is rows sorted by member id: one array per scalar column
(:data:`COLUMNS`), CSR triples for the multi-valued ones (:data:`CSR_FIELDS`: skills with
weights, past occupations, past companies) and, per text field L1 reads (:data:`TOKEN_FIELDS`),
the field's analyzed tokens as codes of the version's token vocabulary (CSR, in text order,
repeats kept): the terms Tantivy indexed for the document, so "does the field hold this query
token" is a numpy lookup over the candidates instead of a search. Lookup is
``np.searchsorted`` on the member ids.

Per shard, the *base* table (written by the build, ``shard-<i>/forward/*.npy``, opened with
``mmap_mode="r"``) never changes. Live updates append *delta* tables
(``shard-<i>/forward-delta/delta-<outbox id>.npz``; a row per upserted or deleted member,
deletions flagged) which shadow the base: the newest row for a member wins. The updater
compacts deltas into one ``compact-<outbox id>.npz`` from time to time; a reader loads the
newest compact file and the deltas after it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from talent.errors import IndexUnavailable

#: Scalar columns: name -> (dtype, value for members not found).
COLUMNS: dict[str, tuple[type, float]] = {
    "occupation": (np.int32, -1),            # vocab code of the current occupation id
    "seniority": (np.int8, -1),              # 0 intern .. 8 executive
    "years_experience": (np.float32, 0.0),
    "metro": (np.int32, -1),                 # metro id
    "industry": (np.int32, -1),              # industry id
    "company": (np.int32, -1),               # current company id
    "open_to_work": (np.bool_, False),
    "willing_to_relocate": (np.bool_, False),
    "last_active_day": (np.int32, -1),       # days since 1970-01-01 (UTC); -1 unknown
    "current_start_day": (np.int32, -1),     # start of the current position, days since 1970-01-01
    "completeness": (np.float32, 0.0),       # share of the 8 profile sections filled in
    "num_positions": (np.int16, 0),
    "num_companies": (np.int16, 0),          # distinct companies over the whole history
    "num_skills": (np.int16, 0),
    # 0 none/unknown, 1 high school .. 5 doctorate/professional
    "education_level": (np.int8, 0),
    "title_len": (np.int16, 0),              # words in the current title
    "headline_len": (np.int16, 0),           # words in the headline
    "summary_len": (np.int32, 0),            # words in the summary
}
#: Multi-valued fields as CSR: name -> whether it carries float32 weights.
CSR_FIELDS: dict[str, bool] = {
    "skills": True,             # skill vocab codes, weight = 1 + ln(1 + endorsements)
    "past_occupations": False,  # occupation vocab codes of earlier positions (distinct)
    "past_companies": False,    # company ids of earlier positions (distinct)
}
#: Text fields whose analyzed tokens the store keeps (token vocab codes, CSR, text order): the
#: fields of the L1 text-coverage features. A base table stores the codes as ``uint16`` when the
#: version's token vocabulary fits, else ``int32``; deltas always ``int32``.
TOKEN_FIELDS: tuple[str, ...] = ("title", "skills", "headline", "summary", "past_titles",
                                 "company")
#: The page row: what a results page shows of the member (name, title, company, location,
#: headline, summary, skill names, open to work), one msgpack record (``uint8`` bytes, see
#: :mod:`index.page`): pages are served from here, not from Tantivy's stored documents.
PAGE = "page"
#: Variable-length rows kept as CSR besides :data:`CSR_FIELDS`: name -> file prefix.
ROW_LISTS: dict[str, str] = {**{f: f"tokens_{f}" for f in TOKEN_FIELDS}, PAGE: PAGE}


@dataclass
class Csr:
    """Rows of variable-length integer lists (and optional float32 weights)."""

    indptr: np.ndarray          # int64, len n+1
    indices: np.ndarray         # int32
    data: np.ndarray | None     # float32 or None

    @property
    def rows(self) -> int:
        return len(self.indptr) - 1

    def take(self, rows: np.ndarray, *, keep_dtype: bool = False) -> Csr:
        """Rows ``rows`` (``-1`` gives an empty row); indices as ``int32`` unless
        ``keep_dtype``."""
        rows = np.asarray(rows, dtype=np.int64)
        valid = rows >= 0
        if valid.all():
            starts = self.indptr[rows]
            lengths = self.indptr[rows + 1] - starts
        else:
            safe = np.where(valid, rows, 0)
            starts = self.indptr[safe]
            lengths = np.where(valid, self.indptr[safe + 1] - starts, 0)
        indptr = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum(lengths, out=indptr[1:])
        pick = np.arange(indptr[-1], dtype=np.int64)
        pick += np.repeat(starts - indptr[:-1], lengths)
        data = None if self.data is None else np.asarray(self.data[pick], dtype=np.float32)
        indices = self.indices[pick]
        return Csr(indptr, indices if keep_dtype else np.asarray(indices, dtype=np.int32), data)

    @staticmethod
    def row_union(a: Csr, b: Csr) -> Csr:
        """Row i of the result = row i of ``a`` followed by row i of ``b`` (same row count)."""
        la, lb = np.diff(a.indptr), np.diff(b.indptr)
        n = len(la)
        owner = np.concatenate([np.repeat(np.arange(n), la), np.repeat(np.arange(n), lb)])
        order = np.argsort(owner, kind="stable")
        indptr = np.zeros(n + 1, dtype=np.int64)
        np.cumsum(la + lb, out=indptr[1:])
        indices = np.concatenate([a.indices, b.indices])[order]
        data = None
        if a.data is not None and b.data is not None:
            data = np.concatenate([a.data, b.data])[order]
        return Csr(indptr, indices, data)

    def to_scipy(self, n_cols: int) -> sp.csr_matrix:
        """A ``scipy.sparse.csr_matrix`` (weights, or ones when the field has none)."""
        data = self.data if self.data is not None else np.ones(len(self.indices), dtype=np.float32)
        width = max(n_cols, int(self.indices.max()) + 1 if len(self.indices) else 0)
        return sp.csr_matrix((data, self.indices, self.indptr), shape=(self.rows, width))


def _read_only(a: np.ndarray) -> np.ndarray:
    view = np.asarray(a).view()
    view.flags.writeable = False
    return view


class _Gathered(Mapping[str, Any]):
    """Fields of some rows of a table, each gathered on first access: a search reads a few of a
    member's fields (its features, its facets), not every one the store keeps."""

    def __init__(self, source: Mapping[str, Any], names: Sequence[str],
                 take: Callable[[Any], Any]):
        self._source, self._names, self._take = source, tuple(names), take
        self._gathered: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        found = self._gathered.get(name)
        if found is None:
            if name not in self._names:
                raise KeyError(name)
            found = self._gathered[name] = self._take(self._source[name])
        return found

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)

    def __reduce__(self) -> tuple[Any, ...]:  # pickled as the plain dict of every field
        return dict, (dict(self.items()),)


@dataclass
class ForwardBatch:
    """Features of a list of members, in the order asked for.

    ``found[i]`` is False for ids the shard does not hold (their columns hold the defaults
    of :data:`COLUMNS` and their CSR rows are empty).
    """

    member_ids: np.ndarray
    found: np.ndarray
    columns: Mapping[str, np.ndarray]
    csr: Mapping[str, Csr]
    #: where each member's row is in the store's base table and live overlay (``-1``: not
    #: there): text tokens are read on demand, for the fields a query asks about
    base_rows: np.ndarray | None = None
    overlay_rows: np.ndarray | None = None
    store: ForwardStore | None = field(default=None, repr=False)
    _tokens: dict[str, Csr] = field(default_factory=dict, repr=False)
    _storage_order: np.ndarray | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self.member_ids)

    def __getitem__(self, name: str) -> np.ndarray:
        return self.columns[name]

    def tokens(self, name: str) -> Csr:
        """The members' analyzed tokens of text field ``name`` (:data:`TOKEN_FIELDS`; token
        vocabulary codes, rows in batch order, empty for members not found). Read from the
        store once per field and batch."""
        found = self._tokens.get(name)
        if found is None:
            if self.store is None or self.base_rows is None:
                raise ValueError("this batch was not gathered from a forward store: no tokens")
            found = self._tokens[name] = self.store.tokens(name, self.base_rows,
                                                           self.overlay_rows)
        return found

    def storage_order(self) -> np.ndarray:
        """Batch rows by ascending base-table row (members not in the base table first):
        reading scattered rows of a cold memory map in that order faults fewer pages (2,000
        random rows' summary tokens: 0.5-0.7 ms against 0.9-4.6)."""
        if self._storage_order is None:
            rows = self.base_rows if self.base_rows is not None else np.zeros(len(self), np.int64)
            self._storage_order = np.argsort(rows, kind="stable")
        return self._storage_order

    def in_place(self) -> tuple[Mapping[str, np.ndarray], Mapping[str, Csr], np.ndarray,
                                np.ndarray]:
        """(columns, csr, rows, order): member ``i``'s fields are at row ``rows[i]`` of
        ``columns`` and ``csr``, best read in ``order``. A batch of the store's base table alone
        (the common case) points into the store's own arrays, in storage order (nothing is
        gathered); any other batch into its gathered fields, in batch order."""
        if (self.store is not None and self.base_rows is not None and self.overlay_rows is None
                and isinstance(self.columns, _Gathered) and bool(self.found.all())):
            base = self.store.base
            return base.columns, base.csr, self.base_rows, self.storage_order()
        rows = np.arange(len(self), dtype=np.int64)
        # read-only views, typed as the store's memory-mapped arrays are: one compiled version
        # of each loop serves both kinds of batch
        columns = {name: _read_only(a) for name, a in self.columns.items()}
        csr = {name: Csr(_read_only(c.indptr), _read_only(c.indices),
                         None if c.data is None else _read_only(c.data))
               for name, c in self.csr.items()}
        return columns, csr, rows, rows

    def skills(self, vocab_size: int) -> sp.csr_matrix:
        """Skill weights as a sparse ``(n, vocab_size)`` matrix (columns are skill codes)."""
        return self.csr["skills"].to_scipy(vocab_size)

    @staticmethod
    def concat(batches: Sequence[ForwardBatch]) -> ForwardBatch:
        """Batches one after another (e.g. the partitions' top hits)."""
        csr = {}
        for name, weighted in CSR_FIELDS.items():
            parts = [b.csr[name] for b in batches]
            offsets = np.cumsum([0] + [p.indptr[-1] for p in parts[:-1]])
            indptr = np.concatenate([[0]] + [p.indptr[1:] + o
                                             for p, o in zip(parts, offsets)]).astype(np.int64)
            data = np.concatenate([p.data for p in parts]) if weighted else None
            csr[name] = Csr(indptr, np.concatenate([p.indices for p in parts]).astype(np.int32),
                            data)
        return ForwardBatch(
            member_ids=np.concatenate([b.member_ids for b in batches]),
            found=np.concatenate([b.found for b in batches]),
            columns={c: np.concatenate([b.columns[c] for b in batches]) for c in COLUMNS},
            csr=csr,
        )


@dataclass
class ForwardTable:
    """Rows sorted by member id; ``deleted`` marks tombstones (delta tables only)."""

    member_ids: np.ndarray
    columns: dict[str, np.ndarray]
    csr: dict[str, Csr]
    deleted: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    #: :data:`ROW_LISTS`: text field -> analyzed tokens, and the page records (a table made
    #: without them has empty rows)
    lists: dict[str, Csr] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if len(self.deleted) != len(self.member_ids):
            self.deleted = np.zeros(len(self.member_ids), dtype=bool)
        for name in ROW_LISTS:
            if name not in self.lists:
                self.lists[name] = Csr(np.zeros(len(self.member_ids) + 1, dtype=np.int64),
                                       np.zeros(0, dtype=np.int32), None)

    def __len__(self) -> int:
        return len(self.member_ids)

    def lookup(self, member_ids: np.ndarray) -> np.ndarray:
        """Row of each id, ``-1`` when absent."""
        if len(self.member_ids) == 0:
            return np.full(len(member_ids), -1, dtype=np.int64)
        pos = np.searchsorted(self.member_ids, member_ids)
        pos = np.minimum(pos, len(self.member_ids) - 1)
        return np.where(self.member_ids[pos] == member_ids, pos, -1).astype(np.int64)

    def take(self, rows: np.ndarray) -> ForwardTable:
        """A table of the given rows (all must be valid)."""
        return ForwardTable(
            member_ids=np.asarray(self.member_ids[rows]),
            columns={c: np.asarray(self.columns[c][rows]) for c in COLUMNS},
            csr={n: self.csr[n].take(rows) for n in CSR_FIELDS},
            deleted=np.asarray(self.deleted[rows]),
            lists={n: self.lists[n].take(rows, keep_dtype=True) for n in ROW_LISTS},
        )

    @staticmethod
    def empty() -> ForwardTable:
        return ForwardTable(
            member_ids=np.zeros(0, dtype=np.int64),
            columns={c: np.zeros(0, dtype=dtype) for c, (dtype, _) in COLUMNS.items()},
            csr={n: Csr(np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.int32),
                        np.zeros(0, dtype=np.float32) if weighted else None)
                 for n, weighted in CSR_FIELDS.items()},
            deleted=np.zeros(0, dtype=bool),
        )

    @staticmethod
    def newest_rows(tables: Sequence[ForwardTable]) -> ForwardTable:
        """One table holding, per member, the row of the last table that has it."""
        tables = [t for t in tables if len(t)]
        if not tables:
            return ForwardTable.empty()
        if len(tables) == 1:
            return tables[0].latest_per_member()
        stacked = ForwardTable(
            member_ids=np.concatenate([t.member_ids for t in tables]),
            columns={c: np.concatenate([t.columns[c] for t in tables]) for c in COLUMNS},
            csr={n: _concat_csr([t.csr[n] for t in tables], CSR_FIELDS[n]) for n in CSR_FIELDS},
            deleted=np.concatenate([t.deleted for t in tables]),
            lists={n: _concat_csr([t.lists[n] for t in tables], False) for n in ROW_LISTS},
        )
        return stacked.latest_per_member()

    def latest_per_member(self) -> ForwardTable:
        """Sorted by member id, keeping each member's last row (itself when already so)."""
        ids = np.asarray(self.member_ids)
        if len(ids) < 2 or bool(np.all(ids[1:] > ids[:-1])):
            return self
        order = np.lexsort((np.arange(len(ids)), ids))  # by id, then by row
        sorted_ids = ids[order]
        last = np.ones(len(order), dtype=bool)
        last[:-1] = sorted_ids[1:] != sorted_ids[:-1]
        return self.take(order[last])

    # files -----------------------------------------------------------------------------
    def save_dir(self, path: Path) -> None:
        """Write as ``.npy`` files (the base layout, memory-mappable)."""
        path.mkdir(parents=True, exist_ok=True)
        np.save(path / "member_ids.npy", self.member_ids.astype(np.int64))
        for c, (dtype, _) in COLUMNS.items():
            np.save(path / f"col_{c}.npy", self.columns[c].astype(dtype))
        for n, weighted in CSR_FIELDS.items():
            np.save(path / f"{n}_indptr.npy", self.csr[n].indptr.astype(np.int64))
            np.save(path / f"{n}_indices.npy", self.csr[n].indices.astype(np.int32))
            if weighted:
                np.save(path / f"{n}_data.npy", np.asarray(self.csr[n].data, dtype=np.float32))
        for n, prefix in ROW_LISTS.items():  # token codes keep their dtype (uint16 if it fits)
            indptr = self.lists[n].indptr
            small = len(indptr) == 0 or int(indptr[-1]) < 1 << 32
            np.save(path / f"{prefix}_indptr.npy", indptr.astype(np.uint32 if small else np.int64))
            np.save(path / f"{prefix}_indices.npy", self.lists[n].indices)

    @classmethod
    def load_dir(cls, path: Path, *, mmap: bool = True) -> ForwardTable:
        """Open a base table (memory-mapped by default); a missing or corrupt file raises
        ``IndexUnavailable`` naming it."""
        def load(name: str) -> np.ndarray:
            file = path / name
            try:
                array = np.load(file, mmap_mode="r" if mmap else None)
                # a plain ndarray view of the mapping: indexing a np.memmap goes through Python
                # (__getitem__, __array_finalize__), ~30 us a gather column; the view keeps the map
                return array.view(np.ndarray) if isinstance(array, np.memmap) else array
            except FileNotFoundError as exc:
                raise IndexUnavailable(f"forward store file {file} is missing: rebuild with "
                                       "`talent index build`") from exc
            except (ValueError, OSError) as exc:
                raise IndexUnavailable(f"forward store file {file} is corrupt ({exc}): rebuild "
                                       "with `talent index build`") from exc

        ids = load("member_ids.npy")
        columns = {c: load(f"col_{c}.npy") for c in COLUMNS}
        csr = {
            n: Csr(load(f"{n}_indptr.npy"), load(f"{n}_indices.npy"),
                   load(f"{n}_data.npy") if w else None)
            for n, w in CSR_FIELDS.items()
        }
        lists = {n: Csr(load(f"{prefix}_indptr.npy"), load(f"{prefix}_indices.npy"), None)
                 for n, prefix in ROW_LISTS.items()}
        bad = [c for c, a in columns.items() if len(a) != len(ids)] + [
            n for n, c in (*csr.items(), *lists.items()) if c.rows != len(ids)
            or (len(ids) and c.indptr[-1] != len(c.indices))
        ]
        if bad:
            raise IndexUnavailable(f"forward store {path} is corrupt (length mismatch in "
                                   f"{', '.join(bad)}): rebuild with `talent index build`")
        return cls(ids, columns, csr, lists=lists)

    def save_npz(self, path: Path) -> None:
        """Write as one ``.npz`` (the delta layout), atomically."""
        arrays: dict[str, np.ndarray] = {"member_ids": self.member_ids, "deleted": self.deleted}
        arrays.update({f"col_{c}": a for c, a in self.columns.items()})
        for n, c in self.csr.items():
            arrays[f"{n}_indptr"], arrays[f"{n}_indices"] = c.indptr, c.indices
            if c.data is not None:
                arrays[f"{n}_data"] = c.data
        for n, c in self.lists.items():
            prefix = ROW_LISTS[n]
            arrays[f"{prefix}_indptr"], arrays[f"{prefix}_indices"] = c.indptr, c.indices
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        with tmp.open("wb") as fh:
            np.savez(fh, **arrays)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)

    @classmethod
    def load_npz(cls, path: Path) -> ForwardTable:
        with np.load(path) as z:
            return cls(
                member_ids=z["member_ids"],
                columns={c: z[f"col_{c}"] for c in COLUMNS},
                csr={n: Csr(z[f"{n}_indptr"], z[f"{n}_indices"], z[f"{n}_data"] if w else None)
                     for n, w in CSR_FIELDS.items()},
                deleted=z["deleted"],
                lists={n: Csr(z[f"{prefix}_indptr"], z[f"{prefix}_indices"], None)
                       for n, prefix in ROW_LISTS.items() if f"{prefix}_indptr" in z},
            )


def _concat_csr(parts: Sequence[Csr], weighted: bool) -> Csr:
    offsets = np.cumsum([0] + [int(p.indptr[-1]) for p in parts[:-1]])
    indptr = np.concatenate([np.zeros(1, dtype=np.int64)] + [np.asarray(p.indptr[1:]) + o
                                                              for p, o in zip(parts, offsets)])
    data = np.concatenate([p.data for p in parts]) if weighted else None
    return Csr(indptr.astype(np.int64), np.concatenate([p.indices for p in parts]), data)


class ForwardStore:
    """A shard's base table shadowed by its live-update overlay; :meth:`gather` is read-only."""

    def __init__(self, base: ForwardTable, overlay: ForwardTable | None = None):
        self.base = base
        self.overlay = overlay if overlay is not None else ForwardTable.empty()

    def gather(self, member_ids: Sequence[int] | np.ndarray) -> ForwardBatch:
        """Features of ``member_ids`` (any order, any shard; unknown ids come back not found)."""
        ids = np.asarray(member_ids, dtype=np.int64)
        over = self.overlay.lookup(ids)
        in_overlay = over >= 0
        tomb = np.zeros(len(ids), dtype=bool)
        tomb[in_overlay] = self.overlay.deleted[over[in_overlay]]
        base_rows = np.where(in_overlay, -1, self.base.lookup(ids))
        over_rows = np.where(in_overlay & ~tomb, over, -1)
        from_base, from_over = base_rows >= 0, over_rows >= 0
        if from_base.all():  # the common case: every id in the base table, none shadowed
            return ForwardBatch(ids, from_base,
                                _Gathered(self.base.columns, list(COLUMNS),
                                          lambda column: column[base_rows]),
                                _Gathered(self.base.csr, list(CSR_FIELDS),
                                          lambda rows: rows.take(base_rows)),
                                base_rows, None, self)
        columns = {}
        for c, (dtype, default) in COLUMNS.items():
            out = np.full(len(ids), default, dtype=dtype)
            if from_base.any():
                out[from_base] = self.base.columns[c][base_rows[from_base]]
            if from_over.any():
                out[from_over] = self.overlay.columns[c][over_rows[from_over]]
            columns[c] = out
        csr = {}
        for n in CSR_FIELDS:
            b = self.base.csr[n].take(base_rows)
            csr[n] = Csr.row_union(b, self.overlay.csr[n].take(over_rows)) if from_over.any() else b
        return ForwardBatch(ids, from_base | from_over, columns, csr, base_rows,
                            over_rows if from_over.any() else None, self)

    def tokens(self, name: str, base_rows: np.ndarray,
               overlay_rows: np.ndarray | None = None) -> Csr:
        """Analyzed tokens of text field ``name`` for rows of the base table and the overlay
        (``-1``: none), one row each, as :meth:`gather` located them."""
        taken = self.base.lists[name].take(base_rows, keep_dtype=True)
        if overlay_rows is None:
            return taken
        return Csr.row_union(taken, self.overlay.lists[name].take(overlay_rows, keep_dtype=True))

    def pages(self, member_ids: Sequence[int] | np.ndarray) -> list[bytes | None]:
        """The page record of each member (None for members the shard does not hold)."""
        ids = np.asarray(member_ids, dtype=np.int64)
        over = self.overlay.lookup(ids)
        base = self.base.lookup(ids)
        out: list[bytes | None] = []
        for i in range(len(ids)):
            o = int(over[i])
            if o >= 0:
                table, row = (None, -1) if self.overlay.deleted[o] else (self.overlay, o)
            else:
                table, row = self.base, int(base[i])
            if table is None or row < 0:
                out.append(None)
                continue
            rows = table.lists[PAGE]
            out.append(rows.indices[rows.indptr[row]:rows.indptr[row + 1]].tobytes())
        return out


# --- the delta log of one shard ------------------------------------------------------------------
_DELTA = re.compile(r"^(delta|compact)-(\d{12})\.npz$")


@dataclass(frozen=True)
class DeltaState:
    """What a reader has loaded: the compact file's sequence and the last delta's."""

    compact_seq: int = -1
    last_seq: int = -1


class DeltaLog:
    """Append-only forward deltas of one shard (``forward-delta/``)."""

    def __init__(self, path: Path):
        self.path = path

    def _files(self) -> list[tuple[str, int, Path]]:
        if not self.path.is_dir():
            return []
        found = []
        for entry in os.scandir(self.path):
            m = _DELTA.match(entry.name)
            if m:
                found.append((m.group(1), int(m.group(2)), Path(entry.path)))
        return found

    def append(self, table: ForwardTable, seq: int) -> Path:
        """Write a delta tagged with ``seq`` (the last outbox id it covers), or with the next free
        sequence number when that one is taken: tags only order the files, and a batch of late
        outbox changes (ids below the applied position) must not overwrite an earlier delta."""
        self.path.mkdir(parents=True, exist_ok=True)
        seq = max([seq] + [s + 1 for _, s, _ in self._files()])
        target = self.path / f"delta-{seq:012d}.npz"
        table.save_npz(target)
        return target

    def count(self) -> int:
        return len(self._files())

    def _plan(self) -> tuple[int, list[tuple[int, Path]]]:
        files = self._files()
        compacts = [(s, p) for kind, s, p in files if kind == "compact"]
        compact_seq, compact_path = max(compacts) if compacts else (-1, None)
        deltas = sorted((s, p) for kind, s, p in files if kind == "delta" and s > compact_seq)
        chain = ([(compact_seq, compact_path)] if compact_path is not None else []) + deltas
        return compact_seq, chain

    def load(self, previous: ForwardTable | None = None, state: DeltaState = DeltaState()
             ) -> tuple[ForwardTable, DeltaState]:
        """The overlay (newest row per member) and the state to pass next time.

        Only files newer than ``state`` are read when the compact file has not changed.
        """
        for attempt in range(5):  # a compaction may remove files between listing and reading
            compact_seq, chain = self._plan()
            try:
                if previous is not None and compact_seq == state.compact_seq:
                    new = [(s, p) for s, p in chain if s > state.last_seq and s != compact_seq]
                    if not new:
                        return previous, state
                    tables = [previous] + [ForwardTable.load_npz(p) for _, p in new]
                else:
                    tables = [ForwardTable.load_npz(p) for _, p in chain]
            except FileNotFoundError:
                if attempt == 4:
                    raise
                continue
            last = max([s for s, _ in chain], default=-1)
            return ForwardTable.newest_rows(tables), DeltaState(compact_seq, last)
        raise AssertionError("unreachable")  # pragma: no cover

    def compact(self) -> None:
        """Fold every file into one ``compact-<seq>.npz`` and remove the folded files."""
        _, chain = self._plan()
        if len(chain) <= 1:
            return
        merged = ForwardTable.newest_rows([ForwardTable.load_npz(p) for _, p in chain])
        seq = max(s for s, _ in chain)
        merged.save_npz(self.path / f"compact-{seq:012d}.npz")
        for kind, s, p in self._files():
            if s < seq or (kind == "delta" and s == seq):
                p.unlink(missing_ok=True)
