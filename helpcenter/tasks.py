from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation


def _account_url(support) -> str:
    if support.user_id is None:
        return ""
    with translation.override(support.language):
        path = reverse("helpcenter:request_detail", args=[support.reference])
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def _send(support, template: str, context: dict) -> None:
    with translation.override(support.language):
        context = {"support": support, "account_url": _account_url(support), **context}
        subject = render_to_string(f"helpcenter/email/{template}_subject.txt", context)
        body = render_to_string(f"helpcenter/email/{template}.txt", context)
    send_mail(" ".join(subject.split()), body, None, [support.email])


@shared_task(name="helpcenter.tasks.send_acknowledgement", ignore_result=True, acks_late=True)
def send_acknowledgement(request_id: int) -> None:
    """Tell the buyer we received their request, in their language."""
    from .models import SupportRequest

    support = SupportRequest.objects.filter(pk=request_id).first()
    if support is not None:
        _send(support, "acknowledgement", {})


@shared_task(name="helpcenter.tasks.send_reply", ignore_result=True, acks_late=True)
def send_reply(reply_id: int) -> None:
    """Email a staff reply to the buyer, once."""
    from .models import SupportReply

    reply = SupportReply.objects.select_related("request").filter(pk=reply_id).first()
    if reply is None or reply.emailed_at is not None:
        return
    _send(reply.request, "reply", {"reply": reply})
    SupportReply.objects.filter(pk=reply.pk).update(emailed_at=timezone.now())


@shared_task(name="helpcenter.tasks.flush_article_views", ignore_result=True)
def flush_article_views() -> int:
    """Celery beat: move buffered article views from the cache to the database."""
    from .services import flush_views

    return flush_views()
