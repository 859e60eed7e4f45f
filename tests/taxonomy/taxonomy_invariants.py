"""Invariants every taxonomy (fixture or bundle) must satisfy; shared by the fixture and bundle
tests."""

from __future__ import annotations

from talent.taxonomy import Taxonomy

KIND_BY_PREFIX = {"tech": "technology", "skill": "skill", "knowledge": "knowledge"}


def dangling_skill_refs(taxonomy: Taxonomy) -> list[tuple[str, str]]:
    return [
        (occ, sid)
        for occ, pairs in taxonomy.occupation_skills.items()
        for sid, _ in pairs
        if sid not in taxonomy.skills
    ]


def dangling_related_refs(taxonomy: Taxonomy) -> list[tuple[str, str]]:
    return [
        (occ, rel)
        for occ, rels in taxonomy.related.items()
        for rel in rels
        if rel not in taxonomy.occupations
    ]


def bad_importances(taxonomy: Taxonomy) -> list[tuple[str, str, float]]:
    return [
        (occ, sid, imp)
        for occ, pairs in taxonomy.occupation_skills.items()
        for sid, imp in pairs
        if not 0 < imp <= 1
    ]


def unsorted_skill_lists(taxonomy: Taxonomy) -> list[str]:
    return [
        occ
        for occ, pairs in taxonomy.occupation_skills.items()
        if [imp for _, imp in pairs] != sorted((imp for _, imp in pairs), reverse=True)
    ]
