"""parse_query raises nothing but QueryError, whatever text or JSON it is given."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from talent.errors import QueryError
from talent.query import Standardizer, parse_query

fragments = st.sampled_from(
    ["sr", "swe", "javascrpit", "Seattle, WA", "acme inc", "title:", "skill:", "location:",
     "company:", "school:", '"', "(", ")", "OR", "NOT", "-", " ", "10", "²", "日本", "c++", "."]
)  # fmt: skip
texts = st.one_of(st.lists(fragments, max_size=20).map("".join), st.text(max_size=120))
values = st.one_of(texts, st.integers(-5, 12), st.none(), st.booleans(), st.floats(allow_nan=True))
facets = st.dictionaries(
    st.sampled_from(["must_have", "can_have", "doesnt_have", "must"]), st.lists(values, max_size=3)
)
forms = st.dictionaries(
    st.sampled_from(["text", "titles", "skills", "companies", "locations", "industries",
                     "seniority", "years_experience", "open_to_work", "salary"]),
    st.one_of(texts, facets, values, st.fixed_dictionaries({"min": values, "max": values})),
)  # fmt: skip


@settings(max_examples=200, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(texts, forms))
def test_parse_query_raises_nothing_but_query_error(standardizer: Standardizer, query: Any) -> None:
    try:
        parsed = parse_query(query, standardizer)
    except QueryError:
        return
    parsed.to_json()
