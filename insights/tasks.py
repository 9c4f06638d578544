"""The roll-up tasks, for Celery's autodiscovery (defined beside what they run)."""

from .attention_views import send_attention_weekly
from .csat import remind_csat
from .rebuild import rebuild_recent
from .stale import refresh_stale

__all__ = ["rebuild_recent", "refresh_stale", "remind_csat", "send_attention_weekly"]
