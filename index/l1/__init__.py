"""L1, the first-pass ranker each partition runs: features, the text-coverage retrieval, the model, scoring."""
