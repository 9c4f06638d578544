"""What the help center keeps about a buyer, for the data export and deletion."""

from accounts.privacy import anonymised_email

from .models import SupportRequest


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
    # The conversation stays for the support history; the contact address goes.
    SupportRequest.objects.filter(user=user).update(email=anonymised_email(user))
