"""L1, the first-pass ranker every partition runs over its own matches.

Modules: :mod:`features` (the feature schema and the one feature function), :mod:`coverage`
(text-coverage features from bit-coded searches), :mod:`model` (what scores features, and
loading a trained model), :mod:`scoring` (one partition's retrieve-features-score-top-k).
"""
