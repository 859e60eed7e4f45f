"""The L2 rungs of the logged-replay ladder: GLMix variants over the served L1 model.

After ``pairwise_gbdt``: ``l2_global`` (logistic regression on the L1 features and score) ->
``l2_leaves`` (+ one-hot leaves of the L1 trees) -> ``l2_contract`` (+ per-contract effects) ->
``l2_glmix`` (+ per-recruiter effects) -> ``l2_dynamic`` (+ dynamic features, what `talent train
l2` serves). Every rung fits on the same training searches (the same negative sample) and scores
the same held-out rows; inputs (L1 score, leaves, dynamic features as of each search) are built
once per candidate set and shared.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from talent.dynamic.history import EventHistory
from talent.glmix.model import GLMixModel
from talent.ranking.candidates import Candidates
from talent.ranking.split import time_split
from talent.training.l2 import (
    DEFAULT_MAX_ROWS,
    L2_VARIANTS,
    L2Inputs,
    fit_variant,
    l2_inputs,
    predict_variant,
    sample_rows,
    search_context,
)

L2_LADDER: tuple[str, ...] = tuple(L2_VARIANTS)


class L2Context:
    """What the L2 rungs share: the L1 model, the event history, inputs per candidate set and
    the fitted models (for the archetype breakdown)."""

    def __init__(self, l1: Any, history: EventHistory, max_rows: int = DEFAULT_MAX_ROWS,
                 seed: int = 0):
        self.l1, self.history, self.max_rows, self.seed = l1, history, max_rows, seed
        self._inputs: dict[int, tuple[Candidates, L2Inputs, float]] = {}
        self.models: dict[str, GLMixModel] = {}

    def inputs(self, cands: Candidates, sample: bool) -> tuple[L2Inputs, float]:
        key = id(cands)
        if key not in self._inputs:
            labels = cands.rows["accepted"].to_numpy()
            rows, rate = (sample_rows(labels, self.max_rows, self.seed) if sample
                          else (np.arange(len(labels)), 1.0))
            sub = Candidates(cands.rows.iloc[rows].reset_index(drop=True), cands.searches,
                             None if cands.features is None else cands.features[rows],
                             cands.feature_names)
            self._inputs[key] = (cands, l2_inputs(sub, self.l1, self.history,
                                                  search_context(cands)), rate)
        _, inputs, rate = self._inputs[key]
        return inputs, rate


class GLMixRung:
    """One GLMix variant as a ladder rung (P(accept): gets AUC, log loss, ECE)."""

    probabilistic = True

    def __init__(self, name: str, context: L2Context):
        self.name, self.context = name, context
        self.model: GLMixModel | None = None

    def fit(self, train: Candidates) -> None:
        inputs, rate = self.context.inputs(train, sample=True)
        inner = time_split(train.searches.reset_index()[["id", "session_id", "created_at"]], 0.2)
        held_out = np.isin(inputs.search_ids, inner.test_search_ids)
        self.model = fit_variant(inputs, L2_VARIANTS[self.name], negative_rate=rate,
                                 held_out=held_out)
        self.context.models[self.name] = self.model

    def score(self, test: Candidates) -> np.ndarray:
        assert self.model is not None, "fit first"
        inputs, _ = self.context.inputs(test, sample=False)
        return predict_variant(self.model, inputs)


def l2_rung_factories(context: L2Context) -> dict[str, Callable[[], Any]]:
    """Factories of every L2 rung over one shared context."""
    return {name: (lambda name=name: GLMixRung(name, context)) for name in L2_LADDER}
