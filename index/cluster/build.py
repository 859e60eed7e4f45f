"""Index builds as Ray tasks: one task per shard, anywhere in the cluster.

:func:`ray_shard_runner` plugs into :func:`index.build.builder.build_index` in place of its
worker processes; everything around the shards (member ids, vocabulary merge, replay, manifest,
atomic swap of ``CURRENT``) is the builder's own. Each task reads its shard's members from the
database and writes the shard under the version directory, so the workers need the database
and the index directory (a shared filesystem over several machines). Unlike the process pool,
which deals several shards to a worker and reads their members in one pass, a task builds one
shard: every database page is read once per shard that has members on it.
"""

from __future__ import annotations

import ray
from ray.exceptions import RayActorError, RayTaskError, TaskCancelledError

from index.build.builder import ProgressFn, ShardResult, ShardTask, build_shards
from index.cluster.actors import last_line
from talent.errors import IndexUnavailable


def _build_shard(task: ShardTask) -> ShardResult:
    return build_shards([task])[0]


class RayShardRunner:
    """Builds each shard as a Ray task needing ``cpus_per_task`` CPUs."""

    name = "ray tasks"

    def __init__(self, cpus_per_task: float = 1.0):
        self._remote = ray.remote(num_cpus=cpus_per_task, max_retries=0)(_build_shard)

    def __call__(self, tasks: list[ShardTask],
                 progress: ProgressFn | None) -> list[ShardResult]:
        refs = {self._remote.remote(t): t for t in sorted(tasks, key=lambda t: -len(t.member_ids))}
        results: dict[int, ShardResult] = {}
        pending = list(refs)
        try:
            while pending:
                done, pending = ray.wait(pending, num_returns=1)
                for ref in done:
                    task = refs[ref]
                    try:
                        result = ray.get(ref)
                    except (RayTaskError, RayActorError, TaskCancelledError) as exc:
                        raise IndexUnavailable(f"building shard {task.shard} failed: "
                                               f"{last_line(exc)}") from exc
                    results[task.shard] = result
                    if progress:
                        progress(task.shard, result.members)
        except BaseException:
            for ref in pending:
                ray.cancel(ref, force=True)
            raise
        return [results[t.shard] for t in tasks]


def ray_shard_runner(cpus_per_task: float = 1.0) -> RayShardRunner:
    """The runner for ``build_index(..., runner=...)`` (Ray must be connected)."""
    return RayShardRunner(cpus_per_task)
