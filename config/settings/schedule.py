"""Beat's schedule: every periodic task, with why it runs when it does.

Imported by base.py; kept apart because it grows with every app's sweeps.
"""

from celery.schedules import crontab

CELERY_BEAT_SCHEDULE = {
    "publish-scheduled-pages": {
        "task": "core.tasks.publish_scheduled",
        "schedule": 60.0,
    },
    # Emails left in the outbox (the broker was down at commit, or sending failed).
    "relay-outbox": {
        "task": "core.tasks.relay_outbox",
        "schedule": 60.0,
    },
    # Webhook deliveries due (the broker was down at commit, or a retry's time came).
    "relay-webhooks": {
        "task": "webhooks.tasks.relay_webhooks",
        "schedule": 60.0,
        "options": {"queue": "webhooks"},
    },
    # Store credit past its validity: an expiry entry for what is left of it.
    "store-credit-expiry": {
        "task": "store_credit.tasks.expire_credit",
        "schedule": 3600.0,
    },
    # Help article views are buffered in the cache; this writes them to the database.
    "helpcenter-flush-article-views": {
        "task": "helpcenter.tasks.flush_article_views",
        "schedule": 300.0,
    },
    # Expired returns, refunds still pending, photos of abandoned drafts.
    "return-portal-sweep": {
        "task": "return_portal.tasks.sweep_returns",
        "schedule": 60.0,
    },
    # Product images not fetched yet (the broker was down at intake, or the fetch failed).
    "marketplace-line-images": {
        "task": "marketplace.tasks.sweep_line_images",
        "schedule": 300.0,
    },
    # KPI roll-ups: slices a change left stale (the broker was down), then nightly
    # every recent day from the source.
    "insights-refresh-stale": {
        "task": "insights.refresh_stale",
        "schedule": 120.0,
    },
    "insights-rebuild-recent": {
        "task": "insights.rebuild_recent",
        "schedule": crontab(hour=3, minute=30),
    },
    # Monday morning: each seller's staff and the operator get their "needs attention" flags.
    "insights-attention-weekly": {
        "task": "insights.send_attention_weekly",
        "schedule": crontab(hour=7, minute=0, day_of_week=1),
    },
    # Satisfaction surveys still unanswered after three days: one reminder.
    "insights-remind-csat": {
        "task": "insights.remind_csat",
        "schedule": crontab(hour=10, minute=0),
    },
    # Deleted or altered policy versions: alerts staff, refuses them on read.
    "policy-verify-chain": {
        "task": "policy_pages.tasks.verify_chain",
        "schedule": 3600.0,
    },
}
