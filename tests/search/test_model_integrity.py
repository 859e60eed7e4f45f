"""A corrupt model file never takes the service down: models carry a checksum in their metadata,
verified before loading; a bad one falls back to the previous model or to text match, flagged in
the search response's stage report and in the log."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from federator.types import SearchRequest
from index.l1.features import FEATURE_NAMES
from index.l1.model import load_model, load_serving_model
from talent.errors import ModelUnavailable


def _models(tmp_path, trained, *names: str):
    """A models dir holding copies of the trained artifact under ``names`` (the last CURRENT)."""
    root = tmp_path / "home" / "models" / "l1"
    root.mkdir(parents=True)
    for name in names:
        shutil.copytree(trained.path, root / name)
    (root / "CURRENT").write_text(names[-1] + "\n")
    return root


def _model_file(directory):
    return next(p for p in directory.iterdir() if p.name.startswith("model."))


def test_training_records_the_model_files_checksum(trained):
    meta = json.loads((trained.path / "meta.json").read_text())
    assert meta["checksum"]["bytes"] == _model_file(trained.path).stat().st_size
    assert len(meta["checksum"]["sha256"]) == 64


@pytest.mark.parametrize("damage", ["truncated", "empty", "one byte changed"])
def test_a_damaged_model_file_is_refused_before_it_is_loaded(tmp_path, trained, damage):
    root = _models(tmp_path, trained, "v2")
    path = _model_file(root / "v2")
    data = path.read_bytes()
    path.write_bytes({"truncated": data[: len(data) // 2], "empty": b"",
                      "one byte changed": data[:-10] + bytes([data[-10] ^ 1]) + data[-9:]}[damage])
    with pytest.raises(ModelUnavailable, match="failed its checksum"):
        load_model(root / "v2")


def test_a_bad_current_model_falls_back_to_the_previous_one(tmp_path, trained):
    root = _models(tmp_path, trained, "v1", "v2")
    _model_file(root / "v2").write_bytes(b"")
    chosen = load_serving_model(root.parent)
    assert chosen.model is not None and chosen.model.version == "v1"
    assert "v2 failed its checksum" in chosen.notice and "previous L1 model v1" in chosen.notice


def test_with_no_good_model_left_the_service_ranks_by_text_match(tmp_path, trained):
    root = _models(tmp_path, trained, "v2")
    _model_file(root / "v2").write_bytes(b"garbage")
    chosen = load_serving_model(root.parent)
    assert chosen.model is None and chosen.notice.endswith("ranking by text match")


def test_a_truncated_lightgbm_file_without_a_checksum_does_not_crash_the_process(tmp_path):
    import lightgbm as lgb

    rng = np.random.default_rng(0)
    X = rng.random((60, len(FEATURE_NAMES)))
    booster = lgb.train({"objective": "regression", "verbose": -1, "num_leaves": 4},
                        lgb.Dataset(X, rng.random(60)), num_boost_round=5)
    legacy = tmp_path / "legacy"
    legacy.mkdir()
    booster.save_model(str(legacy / "model.txt"))
    (legacy / "meta.json").write_text(json.dumps({"kind": "lightgbm",
                                                  "feature_names": list(FEATURE_NAMES)}))
    assert load_model(legacy).kind == "lightgbm"  # an intact legacy model still loads
    text = (legacy / "model.txt").read_bytes()
    (legacy / "model.txt").write_bytes(text[: len(text) // 3])
    with pytest.raises(ModelUnavailable, match="no checksum"):
        load_model(legacy)


def test_the_search_response_flags_the_fallback(tmp_path, trained, search_world, capsys, caplog):
    from federator.service import SearchService

    root = _models(tmp_path, trained, "v1", "v2")
    _model_file(root / "v2").write_bytes(b"")
    home = tmp_path / "home"
    (home / "index").symlink_to(search_world.settings.index_dir)
    settings = search_world.settings.model_copy(update={
        "home": home, "database_url": search_world.settings.resolved_database_url})
    service = SearchService.from_settings(settings, database=search_world.db)
    try:
        response = service.search(SearchRequest(1, 1, "python"))
    finally:
        service.close()
    broker = response.stages[0]
    assert broker.name == "broker" and broker.status == "ran"
    assert "v2 failed its checksum" in broker.detail and "v1" in broker.detail
    assert response.ranker.endswith("@v1") and response.results
    captured = capsys.readouterr()
    logged = captured.out + captured.err + caplog.text
    assert "l1.model_fallback" in logged and "v2" in logged
