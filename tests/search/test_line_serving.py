"""`talent train line` end to end on the test world: the artifact, serving it, and the L1 models
trained with or without it."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from federator.service import SearchService
from federator.types import SearchRequest
from index.l1.features import FEATURE_NAMES
from index.serving.serving_index import ServingIndex
from talent.embeddings.artifact import load_artifact, load_current_artifact, set_current
from talent.embeddings.line import LineConfig
from talent.errors import ModelUnavailable
from talent.settings import load_settings
from talent.training.line import build_entity_graph, train_line_embeddings

CONFIG = LineConfig(dim=16, samples=150_000, batch_size=500, seed=0)


def new_home(search_world, tmp_path, line_from=None):
    """A data home serving the test world's index and database, with its own models."""
    home = tmp_path / "home"
    home.mkdir()
    (home / "index").symlink_to(search_world.index_four)
    settings = load_settings(home=home, database_url=search_world.settings.resolved_database_url)
    if line_from is not None:
        shutil.copytree(line_from.parent, settings.models_dir / "line")
    return settings


@pytest.fixture(scope="module")
def line(search_world, tmp_path_factory):
    settings = new_home(search_world, tmp_path_factory.mktemp("line"))
    serving = ServingIndex(search_world.index_four)
    report = train_line_embeddings(serving.snapshot(), search_world.db.engine,
                                   search_world.taxonomy, settings.models_dir, CONFIG,
                                   world="test", min_title_members=3)
    serving.close()
    return report


def service_of(settings, search_world) -> SearchService:
    return SearchService.from_settings(settings, database=search_world.db)


def test_the_artifact_records_graph_parameters_samples_time_memory_and_quality(line):
    meta = json.loads((line.path / "meta.json").read_text())
    assert meta["version"] == line.version and meta["world"] == "test"
    assert meta["parameters"]["negatives"] == 5 and meta["parameters"]["learning_rate"] == 0.025
    assert meta["orders"] == [1, 2] and meta["dimensions"] == 32
    assert meta["samples_per_order"] == 150_000
    assert meta["seconds"]["line"] > 0 and meta["peak_rss_mb"] > 0
    kinds = meta["graph"]["nodes_by_kind"]
    assert all(kinds[k] > 0 for k in ("occupation", "title", "skill", "company"))
    quality = meta["quality"]
    assert {"line", "line-order1", "line-order2", "cooccurrence-cosine",
            "taxonomy-related"} <= set(quality["nearest_titles"]["occupations"])
    for lp in quality["link_prediction"]:
        assert set(lp["auc"]) == {
            "first order, cosine", "second order, cosine", "first + second, cosine",
            "first order, edge probability", "second order, edge probability",
            "first + second, edge probability", "first order, inner product",
                        "second order, inner product", "first + second, inner product",
                        "co-occurrence cosine", "degree product"}
        assert all(0.0 <= v <= 1.0 for v in lp["auc"].values())


def test_the_artifact_loads_with_unit_vectors_for_its_graph_nodes(line):
    artifact = load_artifact(line.path)
    norms = np.linalg.norm(artifact.vectors, axis=1)
    assert np.allclose(norms[norms > 0], 1.0, atol=1e-5)
    assert len(artifact.keys) == line.graph["nodes"]


def test_the_graph_of_the_same_index_and_database_is_the_same(search_world):
    serving = ServingIndex(search_world.index_four)
    try:
        a = build_entity_graph(serving.snapshot(), search_world.db.engine, search_world.taxonomy)
        b = build_entity_graph(serving.snapshot(), search_world.db.engine, search_world.taxonomy)
    finally:
        serving.close()
    assert a.keys == b.keys
    assert (a.adjacency != b.adjacency).nnz == 0


def test_the_search_service_serves_the_current_embeddings(search_world, tmp_path, line):
    settings = new_home(search_world, tmp_path, line.path)
    svc = service_of(settings, search_world)
    try:
        assert svc.broker.expander is not None and svc.broker.expander.version == line.version
        response = svc.search(SearchRequest(1, 1, "title:nurse", page_size=5))
        assert response.expansion is not None
        assert response.expansion.source == f"line@{line.version}"
    finally:
        svc.close()


def _train_l1(search_world, settings):
    from index.serving.expansion import TitleExpander
    from talent.training.l1 import train_l1

    serving = ServingIndex(search_world.index_four)
    try:
        expander = TitleExpander.from_settings(settings, search_world.taxonomy)
        return train_l1(search_world.db.engine, serving.snapshot(), search_world.taxonomy,
                        settings.models_dir, world="test", rounds=5, expander=expander)
    finally:
        serving.close()


@pytest.fixture(scope="module")
def with_l1(search_world, tmp_path_factory, line):
    """A home serving the embeddings and an L1 model trained with them."""
    settings = new_home(search_world, tmp_path_factory.mktemp("l1"), line.path)
    return settings, _train_l1(search_world, settings)


def test_an_l1_model_records_the_embeddings_it_was_trained_with_and_serves(search_world, with_l1,
                                                                          line):
    settings, report = with_l1
    assert report.meta["embedding_version"] == line.version
    assert report.meta["feature_names"][-1] == "title_expansion"
    assert report.meta["title_expansion_rows"] >= 0
    assert sum(report.meta["feature_gain_share"].values()) == pytest.approx(1.0, abs=1e-3)
    svc = service_of(settings, search_world)
    svc.close()


def test_serving_refuses_an_l1_model_trained_with_other_embeddings(search_world, tmp_path, line,
                                                                   with_l1):
    settings = new_home(search_world, tmp_path)
    shutil.copytree(with_l1[0].models_dir, settings.models_dir)
    other = settings.models_dir / "line" / "20990101-000000-000000"
    shutil.copytree(line.path, other)
    meta = json.loads((other / "meta.json").read_text())
    (other / "meta.json").write_text(json.dumps({**meta, "version": other.name}))
    set_current(settings.models_dir, other.name)
    assert load_current_artifact(settings.models_dir).version == other.name
    with pytest.raises(ModelUnavailable, match="trained with embedding version"):
        service_of(settings, search_world)
    shutil.rmtree(settings.models_dir / "line")
    with pytest.raises(ModelUnavailable, match="embeddings served are none"):
        service_of(settings, search_world)


def test_a_model_trained_before_the_feature_existed_keeps_serving(search_world, tmp_path, line):
    import xgboost as xgb

    from index.l1.model import load_current_model

    settings = new_home(search_world, tmp_path, line.path)
    old_names = list(FEATURE_NAMES[:-1])
    rng = np.random.default_rng(0)
    X = rng.random((400, len(old_names))).astype(np.float32)
    booster = xgb.train({"objective": "rank:pairwise", "max_depth": 3},
                        xgb.DMatrix(X, label=(X[:, 6] > 0.5).astype(int),
                                    qid=np.repeat(np.arange(40), 10)), num_boost_round=5)
    path = settings.models_dir / "l1" / "old"
    path.mkdir(parents=True)
    booster.save_model(str(path / "model.ubj"))
    (path / "meta.json").write_text(json.dumps({"kind": "xgboost", "version": "old",
                                                "feature_names": old_names}))
    (settings.models_dir / "l1" / "CURRENT").write_text("old\n")
    model = load_current_model(settings.models_dir)
    full = np.hstack([X, rng.random((400, 1)).astype(np.float32)])
    np.testing.assert_allclose(model.predict(full), booster.inplace_predict(X), rtol=1e-6)
    svc = service_of(settings, search_world)  # embeddings served, the old model does not use them
    try:
        response = svc.search(SearchRequest(1, 1, "title:nurse", page_size=5))
        assert response.ranker == "l1-xgboost@old" and response.expansion is not None
    finally:
        svc.close()


def test_a_model_using_a_feature_the_code_lacks_is_refused(tmp_path):
    from index.l1.model import load_model

    (tmp_path / "meta.json").write_text(json.dumps({"kind": "xgboost",
                                                    "feature_names": ["no_such_feature"]}))
    with pytest.raises(ModelUnavailable, match="no_such_feature"):
        load_model(tmp_path)
