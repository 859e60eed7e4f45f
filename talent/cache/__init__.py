"""A key-value cache with expiry, in-process (``memory://``) or in Redis (``redis://``).

L2's dynamic features live here (keys ``dyn:*``, :mod:`talent.dynamic.store`); the in-session
bandit will keep session state here. ``cache_url`` also serves the web app's rate limits, which
Flask-Limiter stores itself (in each worker's memory, or in that Redis; see
:mod:`webapp.extensions`), not through this package.
"""

from talent.cache.base import Cache, open_cache
from talent.cache.memory import MemoryCache

__all__ = ["Cache", "MemoryCache", "open_cache"]
