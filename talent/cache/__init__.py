"""Cache for dynamic features and session state: in-process by default, Redis in production."""

from talent.cache.base import Cache, open_cache
from talent.cache.memory import MemoryCache

__all__ = ["Cache", "MemoryCache", "open_cache"]
