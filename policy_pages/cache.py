"""One cache generation for everything rendered from policy versions.

Public policy pages, embeds and API answers are cached under keys that carry
the generation; publishing a version or a translation bumps it, so stale
copies are never served and nothing has to enumerate keys to delete them.
"""

import time

from django.core.cache import cache

GENERATION_KEY = "policy_pages:generation"


def policy_cache_generation() -> int:
    # Seeded from the clock: after a cache flush or eviction the generation
    # never restarts at a value that older entries were stored under.
    return cache.get_or_set(GENERATION_KEY, time.time_ns, None)


def bump_policy_cache() -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:
        cache.set(GENERATION_KEY, time.time_ns(), None)
