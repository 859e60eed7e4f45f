"""The reading side of the index: the serving version's snapshots, partitions, plans, the broker.

Modules: :mod:`serving_index` (the ``CURRENT`` version, followed), :mod:`snapshot` (one
consistent view of a version), :mod:`partition` (one shard's reads), :mod:`queries` (Tantivy
queries built without the query parser), :mod:`plan` (a parsed query against a snapshot),
:mod:`facets` (facet counts from forward rows), :mod:`broker` (fan-out and merge) and
:mod:`candidates` (what the broker returns).
"""
