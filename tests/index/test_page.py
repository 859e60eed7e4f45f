"""Page records and highlights from the query's analyzed words (no Tantivy snippet generator)."""

from __future__ import annotations

from index.page import SNIPPET_CHARS, encode_record, highlight, page_fields
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
