"""A small fixed-window rate limiter on Django's cache (shared by every
process when the cache is Redis or the file cache)."""

from __future__ import annotations

import hashlib
import time

from django.core.cache import cache


def client_key(request) -> str:
    """The signed-in user, else the client address."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return f"ip:{request.META.get('REMOTE_ADDR', '')}"


def consume(scope: str, key: str, *, limit: int, period: int) -> bool:
    """Count one action; False once `limit` actions happened in the window."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    window = int(time.time() // period)
    cache_key = f"ratelimit:{scope}:{digest}:{window}"
    if cache.add(cache_key, 1, period):
        return True
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, period)
        count = 1
    return count <= limit
