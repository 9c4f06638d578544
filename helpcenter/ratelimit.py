"""Help center rate limits, on the shared limiter of core.ratelimit."""

from __future__ import annotations

from core.ratelimit import client_key, consume

__all__ = ["CONTACT", "SEARCH", "SUGGEST", "VOTE", "client_key", "consume"]

# Limits (actions, seconds) per client.
SEARCH = (120, 60)
VOTE = (10, 60)
CONTACT = (5, 60 * 60)
SUGGEST = (60, 60)
