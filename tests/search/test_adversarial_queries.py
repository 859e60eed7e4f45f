"""Adversarial queries through the parser and the broker: deep nesting, huge OR lists, NUL and
control characters, text decoded from invalid UTF-8. Each raises nothing but QueryError and
finishes within a generous time bound (a guard against blow-ups, not a latency figure)."""

from __future__ import annotations

import time
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from talent.errors import QueryError
from talent.query import parse_query

BOUND_S = 5.0
WORDS = ["python", "nurse", "sql", "manager", "title:nurse", "skill:python", '"data scientist"',
         "location:Seattle", "company:acme", "NOT", "OR", "AND", "-", "(", ")", "*", ":"]

nested = st.builds(lambda depth, word, op: f"{op}(" * depth + word + ")" * depth,
                   st.integers(1, 1200), st.sampled_from(WORDS), st.sampled_from(["", "NOT "]))
or_lists = st.lists(st.sampled_from(WORDS), min_size=1, max_size=600).map(" OR ".join)
raw_bytes = st.binary(max_size=300).map(lambda b: b.decode("utf-8", errors="surrogateescape"))
controls = st.text(alphabet=st.characters(codec=None, categories=["Cc", "Cf", "Co", "Zs", "L"]),
                   max_size=300)
with_nul = st.lists(st.sampled_from([*WORDS, "\x00", "\x00python", "py\x00thon", "\u202e"]),
                    max_size=60).map(" ".join)
huge_forms = st.fixed_dictionaries({
    facet: st.fixed_dictionaries({role: st.lists(st.sampled_from(WORDS + ["\x00", "x" * 200]),
                                                 max_size=60)
                                  for role in ("must_have", "can_have", "doesnt_have")})
    for facet in ("titles", "skills", "companies", "locations")
}, optional={"text": st.one_of(nested, or_lists, with_nul)})

adversarial = st.one_of(nested, or_lists, raw_bytes, controls, with_nul, huge_forms)


def _run(service: Any, query: Any) -> None:
    started = time.perf_counter()
    try:
        parsed = parse_query(query, service.taxonomy)
    except QueryError:
        parsed = None
    if parsed is not None:
        try:
            result = service.broker.search(parsed, limit=25)
        except QueryError:
            result = None
        if result is not None:
            assert len(result.member_ids) <= 25
    assert time.perf_counter() - started < BOUND_S, repr(query)[:200]


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(adversarial)
def test_adversarial_queries_raise_nothing_but_query_error_within_a_bound(four, query):
    _run(four, query)


def test_the_deepest_nesting_and_the_longest_or_list_in_the_limits(four):
    _run(four, "(" * 499 + "python" + ")" * 499)
    _run(four, " OR ".join(["python"] * 199))
    _run(four, "NOT (" * 200 + "nurse" + ")" * 200)
