"""A partition actor with faults a test switches on and off through a file (Ray backend tests).

The test writes ``<index dir>/faults.json``: ``{"sleep": {"<shard>": seconds}, "raise":
{"<shard>": "message"}}``; the actor reads it on every scoring call, and touches
``<index dir>/scoring-<shard>`` when it starts one, so a test knows a call is in flight.
Registered to be pickled by value: Ray's workers do not have the tests on their path.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from index.cluster.actors import PartitionActor


def set_faults(index_dir: Path, *, sleep: dict[int, float] | None = None,
               raise_: dict[int, str] | None = None) -> None:
    payload = {"sleep": {str(k): v for k, v in (sleep or {}).items()},
               "raise": {str(k): v for k, v in (raise_ or {}).items()}}
    # atomically: an actor reading it while it is being rewritten would see an empty file
    tmp = index_dir / "faults.json.tmp"
    tmp.write_text(json.dumps(payload), encoding="utf-8")
    os.replace(tmp, index_dir / "faults.json")


class FaultyPartitionActor(PartitionActor):
    def score_remote(self, message, scorer_key, scorer_box, work):
        root = Path(self.store.root)
        (root / f"scoring-{self.shard}").touch()
        try:
            faults = json.loads((root / "faults.json").read_text(encoding="utf-8"))
        except FileNotFoundError:
            faults = {}
        key = str(self.shard)
        if key in faults.get("raise", {}):
            raise OSError(faults["raise"][key])
        if key in faults.get("sleep", {}):
            time.sleep(float(faults["sleep"][key]))
        return super().score_remote(message, scorer_key, scorer_box, work)


def register() -> None:
    import ray.cloudpickle

    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
