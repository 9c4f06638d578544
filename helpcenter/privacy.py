"""What the help center keeps about a buyer, for the data export and deletion."""

from django.contrib.contenttypes.models import ContentType

from accounts.privacy import anonymised_email
from core.models import OutboxMessage

from .models import SupportReply, SupportRequest


def export_support_requests(user) -> list[dict]:
    requests = (
        SupportRequest.objects.filter(user=user).prefetch_related("replies").order_by("created_at")
    )
    return [
        {
            "reference": request.reference,
            "topic": request.topic,
            "order_reference": request.order_reference,
            "message": request.message,
            "status": request.status,
            "created_at": request.created_at.isoformat(),
            "replies": [
                {"message": reply.body, "sent_at": reply.created_at.isoformat()}
                for reply in request.replies.all()
            ],
        }
        for request in requests
    ]


def anonymise_support_requests(user) -> None:
    # The conversation stays for the support history; the contact address goes,
    # from the requests and from the desk's emails about them (core.outbox).
    requests = SupportRequest.objects.filter(user=user)
    emails = OutboxMessage.objects.filter(
        about_type=ContentType.objects.get_for_model(SupportRequest),
        about_id__in=requests.values("pk"),
    ) | OutboxMessage.objects.filter(
        about_type=ContentType.objects.get_for_model(SupportReply),
        about_id__in=SupportReply.objects.filter(request__in=requests).values("pk"),
    )
    emails.filter(sent_at__isnull=True).delete()  # nobody to send them to any more
    emails.update(recipient=anonymised_email(user))
    requests.update(email=anonymised_email(user))
