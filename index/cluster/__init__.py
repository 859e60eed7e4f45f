"""The partitions on a Ray cluster: an actor per partition, builds as tasks (TALENT_BACKEND=ray).

It sits above both sides of the index (it serves shards and writes their live updates), so
neither side imports it; the edge (``federator.service``, the CLI) picks it by settings. Only
:mod:`index.cluster.shard_server` runs without Ray installed.
"""
