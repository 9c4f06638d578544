from celery import shared_task
from django.core.management import call_command

from .outbox import relay_outbox

__all__ = ["ping", "publish_scheduled", "relay_outbox"]


@shared_task(name="core.tasks.publish_scheduled", ignore_result=True)
def publish_scheduled() -> None:
    """Run by Celery beat every minute: Wagtail's scheduled publishing."""
    call_command("publish_scheduled")


@shared_task(name="core.tasks.ping")
def ping(value: str) -> str:
    """A round trip through the broker, used to prove a worker is alive."""
    return f"pong:{value}"
