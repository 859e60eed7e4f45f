"""Page assembly: the ranked candidates of one page turned into result cards.

The page's members' shown fields come from the forward store's page records (never used for
ranking), with highlights of the query's keywords, and each card says which of the query's
skills and words the member matched.
"""

from __future__ import annotations

import functools

from federator.types import CandidateList, ResultCard
from index.page import text_tokens
from index.schema import analyze
from index.serving.serving_index import ServingIndex
from talent.query import ParsedQuery
from talent.taxonomy.model import normalize


@functools.lru_cache(maxsize=65536)
def _skill_forms(name: str) -> tuple[str, frozenset[str]]:
    """A skill name as the taxonomy normalizes it and its analyzed tokens (skill names repeat
    across members: cached)."""
    return normalize(name), frozenset(analyze("skills", name))


class PageAssembler:
    """Builds the result cards of ``candidates[offset:offset + size]`` from the serving index."""

    def __init__(self, serving: ServingIndex):
        self.serving = serving

    def cards(self, parsed: ParsedQuery, candidates: CandidateList, offset: int,
              size: int) -> list[ResultCard]:
        page = candidates.candidates(offset, offset + size)
        words = list(dict.fromkeys(w for leaf in parsed.keywords()
                                   for w in analyze("headline", leaf.text)))
        docs = {int(d["member_id"]): d
                for d in self.serving.documents([c.member_id for c in page], words or None)}
        wanted_skills = {normalize(s.label or s.raw) for s in parsed.records("skill")}
        wanted_tokens = set(words)
        cards = []
        for rank, cand in enumerate(page, start=offset + 1):
            d = docs.get(cand.member_id, {})
            skills = [str(s) for s in d.get("skills", [])]
            matched = [s for s, (key, tokens) in zip(skills, map(_skill_forms, skills))
                       if key in wanted_skills or not wanted_tokens.isdisjoint(tokens)]
            title = str(d.get("title") or "")
            headline = str(d.get("headline") or "")
            terms = sorted(wanted_tokens.intersection(text_tokens("title", title),
                                                      text_tokens("headline", headline)))
            cards.append(ResultCard(member_id=cand.member_id, rank=rank,
                                    name=str(d.get("name") or ""), title=title,
                                    company=d.get("company"), location=d.get("location"),
                                    headline=headline,
                                    open_to_work=bool(d.get("open_to_work", False)),
                                    score=round(cand.score, 6), skills=skills,
                                    matched_skills=matched, matched_terms=terms,
                                    highlights=dict(d.get("highlights", {}))))
        return cards
