"""A key-value cache with expiry, in-process (``memory://``) or in Redis (``redis://``).

L2's dynamic features live here (keys ``dyn:*``, :mod:`talent.dynamic.store`). The in-session
bandit keeps its review sessions here (keys ``session:*``, see :mod:`federator.sessions`):
written with :meth:`Cache.compare_and_set`, so that two web workers serving one session never
lose an update. ``cache_url`` also names the store of the web app's rate limits, which
Flask-Limiter keeps itself (in each worker's memory, or in that Redis; see
:mod:`webapp.extensions`), not through this package.
"""

from talent.cache.base import Cache, open_cache
from talent.cache.memory import MemoryCache

__all__ = ["Cache", "MemoryCache", "open_cache"]
