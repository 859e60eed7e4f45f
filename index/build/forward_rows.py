"""Forward-store rows computed from profiles: what the build and the live updater write.

:class:`ForwardTableBuilder` turns a chunk of :class:`~index.build.documents.Profile` into the
columns of :data:`index.forward.COLUMNS` and :data:`index.forward.CSR_FIELDS` and the token rows
of :data:`index.forward.TOKEN_FIELDS`; the build and the live updater share it, so a built row
and a live-updated row are computed identically.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from index.build.documents import Profile, ReferenceData
from index.build.tokens import TokenEncoder
from index.forward import COLUMNS, CSR_FIELDS, PAGE, ROW_LISTS, TOKEN_FIELDS, Csr, ForwardTable
from index.page import encode_record
from index.vocab import LocalVocabulary, Vocabulary

_ROW = ("occupation", "seniority", "years_experience", "metro", "industry", "company",
        "open_to_work", "willing_to_relocate", "last_active_day", "current_start_day",
        "completeness", "num_positions", "num_companies", "num_skills", "education_level",
        "title_len", "headline_len", "summary_len")
assert tuple(COLUMNS) == _ROW, "ForwardTableBuilder.add_many builds its row tuples in this order"
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
_DEGREE_LEVELS = (("doctor", 5), ("phd", 5), ("professional", 5), ("master", 4), ("mba", 4),
                  ("bachelor", 3), ("associate", 2), ("high school", 1), ("diploma", 1))


def _day(value: dt.date | dt.datetime | None) -> int:
    """Days since 1970-01-01 (-1 for None); a datetime counts by its date."""
    return -1 if value is None else value.toordinal() - _EPOCH_ORDINAL


@lru_cache(maxsize=4096)
def education_level(degree: str) -> int:
    """0..5 from a degree name (``"Master's Degree"`` -> 4); 0 when unrecognized."""
    text = degree.lower()
    for word, level in _DEGREE_LEVELS:
        if word in text:
            return level
    return 0


def completeness(p: Profile) -> float:
    """Share of 8 sections present: headline, summary, title, company, location, 5+ skills,
    education, position history."""
    parts = (bool(p.headline), bool(p.summary), bool(p.current_title), p.company_id is not None,
             p.metro_id is not None, len(p.skill_ids) >= 5, bool(p.education), p.num_positions > 0)
    return sum(parts) / len(parts)


class ForwardTableBuilder:
    """Accumulates forward rows of profiles; codes come from a (local or global) vocabulary.

    :meth:`add_many` works column by column on a chunk of profiles (one list comprehension per
    column, one numpy call per CSR field) rather than row by row; :meth:`add` is the same code
    on a chunk of one, so a built row and a live-updated row are computed identically.
    """

    def __init__(self, vocab: Vocabulary | LocalVocabulary,
                 reference: ReferenceData | None = None,
                 tokens: TokenEncoder | None = None):
        """``reference``: company and metro names, as the documents hold them (the ``company``
        tokens, the page's company and location); ``tokens``: a token encoder over ``vocab``
        to share (its caches) with other builders."""
        self.vocab = vocab
        self.companies = reference.companies if reference is not None else {}
        self.metros = reference.metros if reference is not None else {}
        self.token_encoder = tokens if tokens is not None else TokenEncoder(vocab.adder("token"))
        self._lists: dict[str, tuple[list[np.ndarray], list[np.ndarray]]] = {
            n: ([], []) for n in ROW_LISTS}  # row lengths, values per chunk
        self._occupation = vocab.adder("occupation")
        self._occupations = vocab.encoder("occupation")
        self._skills = vocab.encoder("skill")
        self._ids: list[np.ndarray] = []
        self._deleted: list[np.ndarray] = []
        self._columns: dict[str, list[np.ndarray]] = {c: [] for c in COLUMNS}
        self._csr: dict[str, tuple[list[np.ndarray], list[np.ndarray], list[np.ndarray]]] = {
            n: ([], [], []) for n in CSR_FIELDS}  # row lengths, indices, weights per chunk
        self._count = 0

    def add(self, p: Profile) -> None:
        self.add_many([p])

    def add_many(self, profiles: Sequence[Profile]) -> None:
        """Rows for ``profiles`` (one chunk)."""
        n = len(profiles)
        if n == 0:
            return
        occupation = self._occupation
        # one tuple per profile in COLUMNS order (_ROW), transposed in C: a single pass over the
        # chunk
        rows = [(
            -1 if p.occupation_id is None else occupation(p.occupation_id),
            p.seniority,
            p.years_experience,
            -1 if p.metro_id is None else p.metro_id,
            -1 if p.industry_id is None else p.industry_id,
            -1 if p.company_id is None else p.company_id,
            p.open_to_work,
            p.willing_to_relocate,
            _day(p.last_active_at),
            _day(p.current_start),
            completeness(p),
            p.num_positions,
            p.num_companies,
            len(p.skill_ids),
            max([education_level(e[1]) for e in p.education]) if p.education else 0,
            len(p.current_title.split()),
            len(p.headline.split()),
            len(p.summary.split()),
        ) for p in profiles]
        for (c, (dtype, _)), values in zip(COLUMNS.items(), zip(*rows)):
            self._columns[c].append(np.fromiter(values, dtype=dtype, count=n))
        self._ids.append(np.fromiter((p.member_id for p in profiles), dtype=np.int64, count=n))
        self._deleted.append(np.zeros(n, dtype=bool))
        lengths, indices, weights = self._csr["skills"]
        lengths.append(np.fromiter((len(p.skill_ids) for p in profiles), dtype=np.int64, count=n))
        indices.append(np.asarray(self._skills([sid for p in profiles for sid in p.skill_ids]),
                                  dtype=np.int32))
        endorsements = np.asarray([e for p in profiles for e in p.endorsements], dtype=np.float64)
        weights.append(np.where(endorsements > 0, 1.0 + np.log1p(np.maximum(endorsements, 0.0)),
                                1.0)
                       .astype(np.float32))
        lengths, indices, _ = self._csr["past_occupations"]
        lengths.append(np.fromiter((len(p.past_occupation_ids) for p in profiles), dtype=np.int64,
                                   count=n))
        # past_occupation_ids are sorted strings: in the (sorted) global vocabulary their codes
        # ascend
        indices.append(np.asarray(self._occupations([o for p in profiles
                                                     for o in p.past_occupation_ids]),
                                  dtype=np.int32))
        lengths, indices, _ = self._csr["past_companies"]
        lengths.append(np.fromiter((len(p.past_company_ids) for p in profiles), dtype=np.int64,
                                   count=n))
        indices.append(np.asarray([c for p in profiles for c in p.past_company_ids],
                                  dtype=np.int32))
        self._add_tokens(profiles)
        self._add_pages(profiles)
        self._count += n

    def _add_pages(self, profiles: Sequence[Profile]) -> None:
        """One page record per profile (:class:`index.page.PageRecord` as a msgpack array)."""
        company, metro = self.companies.get, self.metros.get
        records = [encode_record((p.name, p.current_title,
                                  None if p.company_id is None else company(p.company_id),
                                  None if p.metro_id is None else metro(p.metro_id),
                                  p.headline, p.summary, p.skill_names, p.open_to_work))
                   for p in profiles]
        lengths, data = self._lists[PAGE]
        lengths.append(np.fromiter(map(len, records), dtype=np.int64, count=len(records)))
        data.append(np.frombuffer(b"".join(records), dtype=np.uint8))

    def _add_tokens(self, profiles: Sequence[Profile]) -> None:
        """The analyzed tokens of each text field, as the profile's Tantivy document holds it
        (:func:`index.build.documents.tantivy_json`)."""
        enc = self.token_encoder
        company = self.companies.get
        rows = {
            "title": enc.values("title", [p.current_title for p in profiles]),
            "skills": enc.lists("skills", [p.skill_names for p in profiles]),
            "headline": enc.text("headline", [p.headline for p in profiles]),
            "summary": enc.text("summary", [p.summary for p in profiles]),
            "past_titles": enc.lists("past_titles", [p.past_titles for p in profiles]),
            "company": enc.values("company", [(company(p.company_id) or "")
                                              if p.company_id is not None else ""
                                              for p in profiles]),
        }
        for name, (lengths, codes) in rows.items():
            self._lists[name][0].append(lengths)
            self._lists[name][1].append(codes)

    def add_deleted(self, member_id: int) -> None:
        """A tombstone row (delta tables): the member is gone."""
        self._ids.append(np.asarray([member_id], dtype=np.int64))
        self._deleted.append(np.ones(1, dtype=bool))
        for c, (dtype, default) in COLUMNS.items():
            self._columns[c].append(np.asarray([default], dtype=dtype))
        for lengths, indices, weights in self._csr.values():
            lengths.append(np.zeros(1, dtype=np.int64))
            indices.append(np.zeros(0, dtype=np.int32))
            weights.append(np.zeros(0, dtype=np.float32))
        for name, (lengths, values) in self._lists.items():
            lengths.append(np.zeros(1, dtype=np.int64))
            values.append(np.zeros(0, dtype=np.uint8 if name == PAGE else np.int32))
        self._count += 1

    def __len__(self) -> int:
        return self._count

    def build(self) -> ForwardTable:
        """The rows added so far, sorted by member id."""
        def cat(parts: list[np.ndarray], dtype: type) -> np.ndarray:
            return (np.concatenate(parts).astype(dtype, copy=False) if parts
                    else np.zeros(0, dtype=dtype))

        csr = {}
        for name, (lengths, indices, weights) in self._csr.items():
            indptr = np.zeros(self._count + 1, dtype=np.int64)
            np.cumsum(cat(lengths, np.int64), out=indptr[1:])
            csr[name] = Csr(indptr, cat(indices, np.int32),
                            cat(weights, np.float32) if CSR_FIELDS[name] else None)
        lists = {}
        for name, (lengths, values) in self._lists.items():
            indptr = np.zeros(self._count + 1, dtype=np.int64)
            np.cumsum(cat(lengths, np.int64), out=indptr[1:])
            lists[name] = Csr(indptr, cat(values, np.uint8 if name == PAGE else np.int32), None)
        table = ForwardTable(
            member_ids=cat(self._ids, np.int64),
            columns={c: cat(parts, COLUMNS[c][0]) for c, parts in self._columns.items()},
            csr=csr,
            deleted=cat(self._deleted, bool),
            lists=lists,
        )
        return table.latest_per_member()


def remap_saved_codes(path: Path, occupation_map: np.ndarray, skill_map: np.ndarray,
                      token_map: np.ndarray, token_count: int) -> None:
    """Rewrite the local vocabulary codes of a table saved in ``path`` (:meth:`ForwardTable.
    save_dir`) to global ones, file by file: only the files holding codes are read and written.
    Token codes become ``uint16`` when ``token_count`` (the global token vocabulary's size)
    fits."""
    def rewrite(name: str, mapping: np.ndarray, dtype: type, keep_none: bool = False) -> None:
        file = path / f"{name}.npy"
        codes = np.load(file)
        if len(codes) and len(mapping):
            mapped = mapping[np.maximum(codes, 0)]
            codes = np.where(codes >= 0, mapped, -1) if keep_none else mapped
        np.save(file, np.asarray(codes).astype(dtype))

    rewrite("col_occupation", occupation_map, np.int32, keep_none=True)
    rewrite("past_occupations_indices", occupation_map, np.int32)
    rewrite("skills_indices", skill_map, np.int32)
    token_dtype = np.uint16 if token_count <= 1 << 16 else np.int32
    for name in TOKEN_FIELDS:
        rewrite(f"{ROW_LISTS[name]}_indices", token_map, token_dtype)
