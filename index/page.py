"""Page records: what a results page shows of a member, kept in the forward store.

A record is one msgpack array (``msgspec``, ~1-2 us to decode) per member, written by the build
and by live updates next to the member's forward row (:data:`index.forward.PAGE`), so a page
reads 25 small slices of a memory map instead of 25 of Tantivy's stored documents (a compressed
block each, 20-35 us cold). Highlights are made here from the text and the query's analyzed
words: the words whose tokens are among them are marked, in the best window of the text.
"""

from __future__ import annotations

import functools
import html
import re
from collections.abc import Collection, Mapping
from typing import Any

import msgspec

from index.schema import FIELD_BY_NAME, TEXT_ANALYZER, analyzer


class PageRecord(msgspec.Struct, array_like=True):
    """The shown fields of one member (``None``: the profile has no such value)."""

    name: str
    title: str
    company: str | None
    location: str | None
    headline: str
    summary: str
    skills: list[str]
    open_to_work: bool


encode_record = msgspec.msgpack.Encoder().encode
_decode = msgspec.msgpack.Decoder(PageRecord).decode

#: Fields a page highlights, and the longest snippet shown (characters, as Tantivy's default).
HIGHLIGHT_FIELDS: tuple[str, ...] = ("headline", "summary")
SNIPPET_CHARS = 150
#: Runs of letters and digits: the words Tantivy's simple tokenizer splits text into.
_WORD = re.compile(r"[^\W_]+")


def page_fields(member_id: int, record: bytes) -> dict[str, Any]:
    """The page dict of a record: ``member_id`` and every shown field that has a value."""
    r = _decode(record)
    page: dict[str, Any] = {"member_id": member_id, "name": r.name, "title": r.title,
                            "headline": r.headline, "summary": r.summary, "skills": r.skills,
                            "open_to_work": r.open_to_work}
    if r.company is not None:
        page["company"] = r.company
    if r.location is not None:
        page["location"] = r.location
    return page


@functools.lru_cache(maxsize=65536)
def _word_tokens(analyzer_name: str, word: str) -> tuple[str, ...]:
    return tuple(analyzer(analyzer_name).analyze(word))


def text_tokens(field: str, text: str) -> list[str]:
    """The tokens :func:`index.schema.analyze` makes of ``text`` for ``field``, word by word
    through a cache (every filter of the analyzers acts on one token: the tokens of a text are
    its words' tokens one after another; profile texts are unique, their words repeat)."""
    name = FIELD_BY_NAME[field].analyzer or TEXT_ANALYZER
    return [t for m in _WORD.finditer(text) for t in _word_tokens(name, m.group())]


def highlight(field: str, text: str, words: Collection[str]) -> str | None:
    """``text`` (HTML-escaped) with ``<b>`` around each word whose analyzed tokens are among
    ``words`` (tokens as :func:`index.schema.analyze` makes them for ``field``), cut to the
    window of at most :data:`SNIPPET_CHARS` characters holding the most distinct marked words
    (the earliest such); None when no word is marked."""
    if not text or not words:
        return None
    name = FIELD_BY_NAME[field].analyzer or TEXT_ANALYZER
    wanted = words if isinstance(words, (set, frozenset)) else frozenset(words)
    marks = [(m.start(), m.end(), tokens) for m in _WORD.finditer(text)
             for tokens in (_word_tokens(name, m.group()),) if not wanted.isdisjoint(tokens)]
    if not marks:
        return None
    start, end = _window(text, marks)
    out, at = [], start
    for a, b, _ in marks:
        if a < start or b > end:
            continue
        out += [html.escape(text[at:a], quote=False), "<b>", html.escape(text[a:b], quote=False),
                "</b>"]
        at = b
    out.append(html.escape(text[at:end], quote=False))
    return "".join(out).strip()


def _window(text: str, marks: list[tuple[int, int, tuple[str, ...]]]) -> tuple[int, int]:
    """The span of at most :data:`SNIPPET_CHARS` characters, starting at a marked word (or the
    text's start) and ending at a word boundary, with the most distinct marked tokens."""
    if len(text) <= SNIPPET_CHARS:
        return 0, len(text)
    best = (-1, 0, 0)
    for i, (a, _, _) in enumerate(marks):
        held: set[str] = set()
        last = a
        for a2, b2, tokens in marks[i:]:
            if b2 - a > SNIPPET_CHARS:
                break
            held.update(tokens)
            last = b2
        if len(held) > best[0]:
            best = (len(held), a, last)
    _, a, last = best
    # extend to the window's length, cut at the last space inside it
    stop = min(len(text), a + SNIPPET_CHARS)
    if stop < len(text):
        space = text.rfind(" ", last, stop + 1)
        stop = space if space > last else stop
    return a, stop


def page_highlights(page: Mapping[str, Any], words: Collection[str]) -> dict[str, str]:
    """Field -> snippet for the page's highlighted fields that hold one of ``words``."""
    found = {}
    for f in HIGHLIGHT_FIELDS:
        snippet = highlight(f, str(page.get(f) or ""), words)
        if snippet is not None:
            found[f] = snippet
    return found
