"""The synthetic talent marketplace: world generator, hidden truth, behaviour simulator, stats.

Public entry points (imported lazily so that importing this package never loads the hidden truth):

- :func:`talent.world.config.load_world_config` (a path or a world name such as ``"demo"``),
- :func:`talent.world.generator.generate_world`,
- :func:`talent.world.simulator.simulate`,
- :func:`talent.world.stats.world_stats`.

:mod:`talent.world.truth` holds the hidden truth; ranking, index and training code must not import
it.
"""

from __future__ import annotations

from typing import Any

__all__ = ["generate_world", "load_world_config", "simulate", "world_stats"]

_LAZY = {
    "generate_world": "talent.world.generator",
    "load_world_config": "talent.world.config",
    "simulate": "talent.world.simulator",
    "world_stats": "talent.world.stats",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'talent.world' has no attribute {name!r}")
