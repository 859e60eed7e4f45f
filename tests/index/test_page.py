"""Page records and highlights from the query's analyzed words (no Tantivy snippet generator)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from index.page import SNIPPET_CHARS, encode_record, highlight, page_fields, text_tokens
from index.schema import analyze


def test_a_page_record_decodes_to_the_shown_fields_without_missing_ones():
    record = encode_record(("Ada L", "Nurse", None, "Austin, TX", "ICU nurse", "Ten years.",
                            ["Triage"], True))
    page = page_fields(7, record)
    assert page == {"member_id": 7, "name": "Ada L", "title": "Nurse", "location": "Austin, TX",
                    "headline": "ICU nurse", "summary": "Ten years.", "skills": ["Triage"],
                    "open_to_work": True}


def test_highlight_marks_every_word_whose_stem_the_query_holds_and_escapes_the_rest():
    words = set(analyze("headline", "engineering"))
    html = highlight("headline", "Engineer <Lead> & engineers' mentor", words)
    assert html == "<b>Engineer</b> &lt;Lead&gt; &amp; <b>engineers</b>' mentor"
    assert highlight("headline", "Nurse manager", words) is None


def test_a_long_text_is_cut_to_the_window_holding_the_most_query_words():
    text = ("Filler words about nothing in particular. " * 6 + "Python and SQL developer. "
            + "More filler text follows here. " * 6)
    html = highlight("summary", text, set(analyze("summary", "python sql")))
    assert html is not None and "<b>Python</b>" in html and "<b>SQL</b>" in html
    assert len(html.replace("<b>", "").replace("</b>", "")) <= SNIPPET_CHARS


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("abcdeÉéßøñ1209 _-.,'/&+#\tA")), max_size=80),
       st.sampled_from(["title", "headline", "summary", "skills"]))
def test_tokens_word_by_word_equal_the_analyzers_on_the_whole_text(text, field):
    assert text_tokens(field, text) == analyze(field, text)


def test_tokens_of_profile_texts_equal_the_analyzers():
    texts = ["Senior Software Engineer (Python/Go) @ Acme", "RN, BSN -- ICU; travel-nurse",
             "Data-driven über-analyst: SQL & dbt, 10+ years", "C++ / C# developer_in_residence",
             "Über straße naïve café 2nd-line support's lead"]
    for text in texts:
        for field in ("title", "headline", "summary"):
            assert text_tokens(field, text) == analyze(field, text)
