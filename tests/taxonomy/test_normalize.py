"""normalize(): the key of every alias table."""

from __future__ import annotations

import pytest

from talent.taxonomy import normalize


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Sr. Software Engineer!", "sr software engineer"),
        ("  Data   Scientist ", "data scientist"),
        ("Café Résumé", "cafe resume"),
        ("C++/C# developer", "c++ c# developer"),
        ("Node.js", "node.js"),
        ("Jr. Dev (Remote)", "jr dev remote"),
        ("R&D Manager", "r d manager"),
        ("", ""),
    ],
)
def test_normalize_examples(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_normalize_is_idempotent() -> None:
    for text in ["Sr. Software Engineer!", "C++/C# developer", "Node.js", "Café"]:
        assert normalize(normalize(text)) == normalize(text)
