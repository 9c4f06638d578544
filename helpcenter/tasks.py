"""Help center background work. The desk's emails are outbox rows
(core.outbox), relayed by core.tasks.relay_outbox."""

from celery import shared_task

from .desk import queue_email_of_the_previous_release
from .feedback import flush_sessions, flush_views


@shared_task(name="helpcenter.tasks.flush_article_views", ignore_result=True)
def flush_article_views() -> int:
    """Celery beat: move buffered article views (and help sessions) from the
    cache to the database. Returns the views moved."""
    flush_sessions()
    return flush_views()


# Queued by the previous release, which sent these emails outside the outbox: still
# accepted, so one waiting in the broker at upgrade goes out (through the outbox).
@shared_task(name="helpcenter.tasks.send_acknowledgement", ignore_result=True)
def send_acknowledgement(request_id: int) -> None:
    queue_email_of_the_previous_release(request_id=request_id)


@shared_task(name="helpcenter.tasks.send_reply", ignore_result=True)
def send_reply(reply_id: int) -> None:
    queue_email_of_the_previous_release(reply_id=reply_id)
