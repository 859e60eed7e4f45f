"""The logging policy: a simple text-match ranker with partial randomization of positions.

It needs no search index: an in-memory inverted structure over the world's public profile
arrays (numpy/scipy sparse). Matching semantics, on :func:`normalize`-d tokens:

- **title score** (0..1): for each title alternative of the query, the idf-weighted share of its
  tokens found in the member's current title; the best alternative counts. Titles scoring at
  least 0.5 retrieve their members, best titles first and, within a title, the most complete
  profiles first, until ``retrieval_cap`` members pass the filters (the result count beyond is
  estimated, as search engines do); when they fill less than a page, any title sharing a token
  does (OR semantics backfill, ranked below).
- **skill matches**: how many of the query's ``skill:`` terms (and keywords that name a skill)
  the member lists. Members holding the query's two most selective skills (each held by at
  most 5% of members) are retrieved too.
- **keyword hits**: free-text keywords found among the member's title tokens.
- hard filters: ``location:`` (same metro) and the structured seniority filter.

``score = 3 x title + skill matches + 0.5 x keyword hits + 0.1 x completeness``. The top
``page_size`` are shown; then each window of ``randomize_window`` consecutive positions is
shuffled with probability ``randomize_prob`` so that position effects can be told apart from
relevance (the policy score is logged in ``impressions.logged_score``).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from talent.taxonomy.model import normalize
from talent.world.queries import SimQuery
from talent.world.state import WorldState, row_dot

STOPWORDS = frozenset(["of", "and", "the", "a", "an", "for", "in", "to", "at", "with", "on", "or"])
SKILL_DF_CAP = 0.05


@functools.lru_cache(maxsize=200_000)
def tokens(text: str) -> tuple[str, ...]:
    return tuple(t for t in normalize(text).split() if t not in STOPWORDS)


@dataclass
class Ranked:
    members: np.ndarray  # member ids in display order
    scores: np.ndarray  # policy score of each (before randomization)
    result_count: int


class TextMatchIndex:
    """Inverted structure over current titles and skills of all members."""

    def __init__(self, state: WorldState, retrieval_cap: int = 500):
        self.state = state
        self.cap = retrieval_cap
        n = state.n_members
        vocab: dict[str, int] = {}
        rows, cols = [], []
        for t, title in enumerate(state.titles):
            for tok in set(tokens(title)):
                rows.append(t)
                cols.append(vocab.setdefault(tok, len(vocab)))
        self.vocab = vocab
        n_titles = len(state.titles)
        self.title_tokens = sp.csc_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)),
                                          shape=(n_titles, max(len(vocab), 1)))
        title_count = np.bincount(state.m_title, minlength=n_titles)
        df = np.asarray(self.title_tokens.T @ title_count).ravel()
        self.idf = np.log1p(n / np.maximum(df, 1.0))
        order = np.argsort(state.m_title, kind="stable")
        n_skills = np.diff(state.m_skill_ptr)
        rng = np.random.default_rng(state.seed + 17)
        self.static = (np.minimum(n_skills, 40) / 40.0 + 0.2 * rng.random(n)).astype(np.float64)
        # within a title, most complete profiles first
        order = order[np.lexsort((-self.static[order], state.m_title[order]))]
        self.by_title = order.astype(np.int64)
        self.title_ptr = np.concatenate([[0], np.cumsum(title_count)]).astype(np.int64)
        self.skill_postings = sp.csr_matrix(
            (np.ones(len(state.m_skill_idx), dtype=np.float32), state.m_skill_idx,
             state.m_skill_ptr),
            shape=(n, len(state.skills)),
        ).tocsc()
        self.skill_df = np.diff(self.skill_postings.indptr)
        self.skill_by_name = {normalize(name): k for k, name in enumerate(state.skill_names)}

    # ---------------------------------------------------------------------------------------------
    def _title_scores(self, alternatives: list[str]) -> np.ndarray:
        best: np.ndarray | None = None
        for alt in alternatives:
            toks = [self.vocab[t] for t in set(tokens(alt)) if t in self.vocab]
            missing = len(set(tokens(alt))) - len(toks)
            if not toks:
                continue
            w = self.idf[toks]
            total = w.sum() + missing * self.idf.max()
            ip, ix = self.title_tokens.indptr, self.title_tokens.indices
            postings = [ix[ip[t] : ip[t + 1]] for t in toks]
            weights = np.repeat(w / total, [len(p) for p in postings])
            scores = np.bincount(np.concatenate(postings), weights,
                                 minlength=self.title_tokens.shape[0])
            best = scores if best is None else np.maximum(best, scores)
        return best if best is not None else np.zeros(self.title_tokens.shape[0])

    def _keyword_hits(self, keywords: list[str]) -> np.ndarray | None:
        toks = [self.vocab[t] for kw in keywords for t in tokens(kw) if t in self.vocab]
        if not toks:
            return None
        ip, ix = self.title_tokens.indptr, self.title_tokens.indices
        return np.bincount(np.concatenate([ix[ip[t] : ip[t + 1]] for t in toks]),
                           minlength=self.title_tokens.shape[0]).astype(np.float64)

    def _expand(self, titles: np.ndarray) -> np.ndarray:
        lengths = self.title_ptr[titles + 1] - self.title_ptr[titles]
        total = int(lengths.sum())
        if total == 0:
            return np.zeros(0, dtype=np.int64)
        shift = np.repeat(self.title_ptr[titles] - np.concatenate([[0], np.cumsum(lengths)[:-1]]),
                          lengths)
        return self.by_title[shift + np.arange(total)]

    def _passes(self, query: SimQuery, cand: np.ndarray) -> np.ndarray:
        s = self.state
        if query.metro is not None:
            cand = cand[s.m_metro[cand] == query.metro]
        if query.seniority is not None:
            lo, hi = query.seniority
            cand = cand[(s.m_sen[cand] >= lo) & (s.m_sen[cand] <= hi)]
        return cand

    def search(self, query: SimQuery, page_size: int) -> Ranked:
        s = self.state
        title_score_t = self._title_scores(query.titles)
        kw_hits_t = self._keyword_hits(query.keywords)
        skill_ids = list(
            dict.fromkeys(
                query.skills
                + [self.skill_by_name[k] for k in query.keywords if k in self.skill_by_name]
            )
        )
        # retrieval: title matches, best titles first, expanded block by block up to the cap ...
        hit_mask = title_score_t >= 0.5
        if kw_hits_t is not None:
            hit_mask |= kw_hits_t > 0
        hit = np.flatnonzero(hit_mask)
        if (self.title_ptr[hit + 1] - self.title_ptr[hit]).sum() < page_size:
            hit = np.flatnonzero(hit_mask | (title_score_t > 0))  # OR semantics backfill
        hit = hit[np.argsort(-title_score_t[hit], kind="stable")]
        cum = np.cumsum(self.title_ptr[hit + 1] - self.title_ptr[hit])
        total = int(cum[-1]) if cum.size else 0
        parts, passed, examined, start = [], 0, 0, 0
        while start < hit.shape[0] and passed < self.cap:
            before = int(cum[start - 1]) if start else 0
            end = max(int(np.searchsorted(cum, before + 4 * self.cap, side="right")), start + 1)
            block = self._expand(hit[start:end])
            examined += block.shape[0]
            block = self._passes(query, block)
            parts.append(block)
            passed += block.shape[0]
            start = end
        cand = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
        result_count = passed + round((total - examined) * (passed / examined)) if examined else 0
        # ... plus members holding the query's two most selective skills
        selective = sorted(
            (k for k in skill_ids if self.skill_df[k] <= SKILL_DF_CAP * s.n_members),
            key=lambda k: (self.skill_df[k], k),
        )[:2]
        if len(selective) == 2:
            ip, ix = self.skill_postings.indptr, self.skill_postings.indices
            a, b = selective
            extra = np.intersect1d(ix[ip[a] : ip[a + 1]], ix[ip[b] : ip[b + 1]], assume_unique=True)
            expanded = np.zeros(self.title_tokens.shape[0], dtype=bool)
            expanded[hit[:start]] = True
            extra = self._passes(query, extra[~expanded[s.m_title[extra]]])
            result_count += int(extra.shape[0])
            cand = np.concatenate([cand, extra[: self.cap]])
        if cand.shape[0] == 0:
            return Ranked(np.zeros(0, dtype=np.int64), np.zeros(0), 0)
        title_part = title_score_t[s.m_title[cand]]
        if cand.shape[0] > self.cap:
            keep = np.argpartition(-(title_part + 0.01 * self.static[cand]), self.cap)[: self.cap]
            cand, title_part = cand[keep], title_part[keep]
        score = 3.0 * title_part + 0.1 * self.static[cand]
        if kw_hits_t is not None:
            score += 0.5 * kw_hits_t[s.m_title[cand]]
        if skill_ids:
            q = np.zeros(len(s.skills), dtype=np.float64)
            q[skill_ids] = 1.0
            score += row_dot(s.m_skill_ptr, s.m_skill_idx, cand, q)
        k = min(page_size, cand.shape[0])
        top = np.argpartition(-score, k - 1)[:k] if k < cand.shape[0] else np.arange(cand.shape[0])
        top = top[np.lexsort((cand[top], -score[top]))]
        return Ranked(cand[top] + 1, score[top], result_count)


def randomize(rng: np.random.Generator, n: int, window: int, prob: float) -> np.ndarray:
    """A display order: identity, with each window of ``window`` positions shuffled w.p.
    ``prob``."""
    order = np.arange(n)
    if window <= 1 or prob <= 0 or n < 2:
        return order
    win = order // window
    shuffled = rng.random((n + window - 1) // window) < prob
    key = np.where(shuffled[win], rng.random(n), order / n)
    return np.lexsort((key, win))
