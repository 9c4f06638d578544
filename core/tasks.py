from celery import shared_task
from django.core.management import call_command


@shared_task(name="core.tasks.publish_scheduled", ignore_result=True)
def publish_scheduled() -> None:
    """Run by Celery beat every minute: Wagtail's scheduled publishing."""
    call_command("publish_scheduled")


@shared_task(name="core.tasks.ping")
def ping(value: str) -> str:
    """A round trip through the broker, used to prove a worker is alive."""
    return f"pong:{value}"


@shared_task(name="core.tasks.relay_outbox", ignore_result=True)
def relay_outbox() -> int:
    """After a commit, and every minute from beat: send what the outbox holds."""
    from .outbox import relay

    return relay()
