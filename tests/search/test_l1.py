"""L1: features, the text-match fallback, training and serving the trained model."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import make_service

from federator.types import SearchRequest
from index.l1.coverage import PAIRS_PER_SUM, coverage_pairs
from index.l1.features import (
    FALLBACK_RANKER,
    FEATURE_NAMES,
    PROTECTED_ATTRIBUTES,
    features_for_members,
)
from index.l1.model import load_current_model
from talent.query import parse_query


def test_no_feature_is_a_protected_attribute():
    for name in FEATURE_NAMES:
        assert not set(name.split("_")) & set(PROTECTED_ATTRIBUTES), name
    assert "gender" in PROTECTED_ATTRIBUTES


def test_the_training_matrix_has_no_gender(trained):
    meta = json.loads((trained.path / "meta.json").read_text())
    assert meta["feature_names"] == list(FEATURE_NAMES)
    assert not any("gender" in n for n in meta["feature_names"])


def test_without_a_model_search_falls_back_to_text_match_and_says_so(four):
    response = four.search(SearchRequest(1, 1, "python"))
    assert response.ranker == FALLBACK_RANKER


def test_broker_features_equal_the_training_features(four):
    parsed = parse_query('title:"software developer" skill:python sql', four.taxonomy)
    result = four.broker.search(parsed)
    snapshot = four.serving.snapshot()
    again = features_for_members(snapshot, four.broker.plan(parsed, snapshot), result.member_ids)
    np.testing.assert_array_equal(result.features, again)


@pytest.mark.parametrize("depth", [5_000, 3])
@pytest.mark.parametrize("query", [
    'title:"software developer" skill:python sql',
    # more (field, token) pairs than one float64 sum takes (PAIRS_PER_SUM)
    ("python OR sql OR java OR developer OR engineer OR manager OR senior OR data OR analyst OR "
    "cloud OR security OR design OR marketing OR sales OR finance OR operations OR research OR "
    "product OR customer OR support OR network OR systems OR web OR mobile"),
])
def test_retrieval_features_equal_the_training_features(search_world, query, depth):
    """The broker's features of every retrieved candidate (all matches, or the top few of a
    partition that matched more) are the training path's, exactly."""
    service = make_service(search_world, search_world.index_four, deadline_ms=30_000,
                           retrieval_depth=depth, partition_top_k=depth)
    try:
        parsed = parse_query(query, service.taxonomy)
        snapshot = service.serving.snapshot()
        plan = service.broker.plan(parsed, snapshot)
        assert depth > 1000 or any(p.count(plan.compile(p)) > depth for p in snapshot.partitions)
        if " OR " in query:
            assert len(coverage_pairs(plan)) > PAIRS_PER_SUM
        result = service.broker.search(parsed)
        assert len(result.member_ids)
        again = features_for_members(snapshot, plan, result.member_ids)
        np.testing.assert_array_equal(result.features, again)
    finally:
        service.close()


def test_text_features_reflect_the_query(four):
    parsed = parse_query("python", four.taxonomy)
    result = four.broker.search(parsed)
    skills = result.features[:, FEATURE_NAMES.index("text_skills")]
    assert skills.max() == 1.0 and skills.min() >= 0.0


def test_training_saves_an_artifact_that_serving_loads(search_world, trained):
    assert (trained.path / "meta.json").exists()
    assert trained.winner in ("xgboost", "lightgbm")
    meta = json.loads((trained.path / "meta.json").read_text())
    assert {"lightgbm", "xgboost", "linear", "text-match"} <= set(meta["validation"])
    assert meta["world"] == "test" and meta["index_version"]
    model = load_current_model(search_world.settings.models_dir)
    assert model is not None and model.version == trained.version
    svc = make_service(search_world, search_world.index_four, model)
    try:
        response = svc.search(SearchRequest(1, 1, "python", page_size=5))
        assert response.ranker == model.name
        candidates = svc.broker.search(parse_query("python", svc.taxonomy))
        np.testing.assert_allclose(candidates.scores, model.predict(candidates.features), rtol=1e-6)
    finally:
        svc.close()
