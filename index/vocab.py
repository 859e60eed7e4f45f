"""Integer codes for string taxonomy ids, per index version.

The forward store keeps occupation and skill ids as ``int32`` codes, and the analyzed tokens of
the text fields L1 reads as token codes (kind ``token``). A version's base
vocabulary (``vocab.json``, sorted terms, shared by all shards) is fixed at build time; ids
first seen by live updates are appended to ``vocab-extra.json`` (codes after the base ones),
so a code never changes meaning within a version. Company ids are integers already and are
stored as they are.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from talent.errors import IndexUnavailable

KINDS: tuple[str, ...] = ("occupation", "skill", "token")
BASE_FILE = "vocab.json"
EXTRA_FILE = "vocab-extra.json"


def occupation_family(occupation_id: str) -> int:
    """The SOC major group of an occupation id (``"15-1252.00"`` -> 15), -1 when it has none."""
    head = occupation_id.split("-", 1)[0]
    return int(head) if head.isdigit() else -1


def write_json_atomic(path: Path, payload: object) -> None:
    """Write ``payload`` as JSON to ``path`` via a temporary file and ``os.replace``."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        json.dump(payload, fh, ensure_ascii=False)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


class Vocabulary:
    """Bidirectional map between taxonomy ids and dense int codes, per kind."""

    def __init__(self, terms: dict[str, list[str]], base_sizes: dict[str, int] | None = None):
        self._terms = {k: list(terms.get(k, [])) for k in KINDS}
        self._codes = {k: {t: i for i, t in enumerate(v)} for k, v in self._terms.items()}
        self.base_sizes = base_sizes or {k: len(v) for k, v in self._terms.items()}

    def size(self, kind: str) -> int:
        return len(self._terms[kind])

    def code(self, kind: str, term: str | None) -> int:
        """The code of ``term`` (``-1`` when unknown or ``None``)."""
        if term is None:
            return -1
        return self._codes[kind].get(term, -1)

    def codes(self, kind: str, terms: Iterable[str]) -> np.ndarray:
        """Codes of ``terms`` as ``int32`` (``-1`` for unknown ones)."""
        lookup = self._codes[kind]
        return np.fromiter((lookup.get(t, -1) for t in terms), dtype=np.int32)

    def term(self, kind: str, code: int) -> str:
        return self._terms[kind][code]

    def terms(self, kind: str) -> list[str]:
        return list(self._terms[kind])

    def add(self, kind: str, term: str) -> int:
        """The code of ``term``, appending it when new (live updates only)."""
        code = self._codes[kind].get(term)
        if code is None:
            code = len(self._terms[kind])
            self._terms[kind].append(term)
            self._codes[kind][term] = code
        return code

    def adder(self, kind: str) -> Callable[[str], int]:
        """A fast ``add`` bound to one kind (used per document by the forward builder)."""
        codes, terms = self._codes[kind], self._terms[kind]

        def add(term: str) -> int:
            code = codes.get(term)
            if code is None:
                code = codes[term] = len(terms)
                terms.append(term)
            return code

        return add

    def encoder(self, kind: str) -> Callable[[list[str]], list[int]]:
        """Codes of many terms at once, appending new ones (see :func:`_encoder`)."""
        return _encoder(self._codes[kind], self.adder(kind))

    def extra_terms(self) -> dict[str, list[str]]:
        return {k: self._terms[k][self.base_sizes[k]:] for k in KINDS}

    # files -----------------------------------------------------------------------------
    def save_base(self, version_dir: Path) -> None:
        write_json_atomic(version_dir / BASE_FILE, {k: self._terms[k] for k in KINDS})

    def save_extra(self, version_dir: Path) -> None:
        write_json_atomic(version_dir / EXTRA_FILE, self.extra_terms())

    @classmethod
    def load(cls, version_dir: Path) -> Vocabulary:
        """The base vocabulary of a version plus its live-update extension."""
        path = version_dir / BASE_FILE
        try:
            base = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise IndexUnavailable(f"index vocabulary {path} is missing: rebuild with `talent "
                                   "index build`") from exc
        except (ValueError, UnicodeDecodeError) as exc:
            raise IndexUnavailable(f"index vocabulary {path} is corrupt ({exc}): rebuild with "
                                   "`talent index build`") from exc
        terms = {k: list(base.get(k, [])) for k in KINDS}
        sizes = {k: len(v) for k, v in terms.items()}
        extra_path = version_dir / EXTRA_FILE
        if extra_path.exists():
            extra = json.loads(extra_path.read_text(encoding="utf-8"))
            for k in KINDS:
                terms[k].extend(extra.get(k, []))
        return cls(terms, sizes)


class LocalVocabulary:
    """Codes in first-seen order, as one build worker meets them; merged by
    :func:`merge_vocabularies`."""

    def __init__(self) -> None:
        self.codes: dict[str, dict[str, int]] = {k: {} for k in KINDS}

    def add(self, kind: str, term: str | None) -> int:
        if term is None:
            return -1
        table = self.codes[kind]
        code = table.get(term)
        if code is None:
            code = table[term] = len(table)
        return code

    def adder(self, kind: str) -> Callable[[str], int]:
        table = self.codes[kind]

        def add(term: str) -> int:
            code = table.get(term)
            if code is None:
                code = table[term] = len(table)
            return code

        return add

    def encoder(self, kind: str) -> Callable[[list[str]], list[int]]:
        return _encoder(self.codes[kind], self.adder(kind))

    def terms(self) -> dict[str, list[str]]:
        return {k: list(v) for k, v in self.codes.items()}


def _encoder(table: dict[str, int], add: Callable[[str], int]) -> Callable[[list[str]], list[int]]:
    """``terms -> [code, ...]``: a C-speed lookup of every term; unknown terms are first added
    with ``add``, in sorted order."""
    lookup = table.__getitem__

    def encode(terms: list[str]) -> list[int]:
        try:
            return list(map(lookup, terms))
        except KeyError:
            for term in sorted(set(terms).difference(table)):
                add(term)
            return list(map(lookup, terms))

    return encode


def merge_vocabularies(
        local: list[dict[str, list[str]]]) -> tuple[Vocabulary, list[dict[str, np.ndarray]]]:
    """A sorted global vocabulary and, per local one, an array mapping its codes to global codes."""
    merged = {k: sorted({t for part in local for t in part.get(k, [])}) for k in KINDS}
    vocab = Vocabulary(merged)
    remaps = [{k: vocab.codes(k, part.get(k, [])) for k in KINDS} for part in local]
    return vocab, remaps
