"""Help center background work. The desk's emails are outbox rows
(core.outbox), relayed by core.tasks.relay_outbox."""

from celery import shared_task

from .feedback import flush_views


@shared_task(name="helpcenter.tasks.flush_article_views", ignore_result=True)
def flush_article_views() -> int:
    """Celery beat: move buffered article views from the cache to the database."""
    return flush_views()
