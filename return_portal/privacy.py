"""What the return portal keeps about a buyer, for the data export and account
deletion (registered with accounts.privacy in ReturnPortalConfig.ready).

Returns, their lines, events and refunds are financial and compliance records
(a withdrawal notice and its acknowledgement must be kept): deletion keeps them.
What the buyer wrote (comments, messages) and their photos are personal: the
text is replaced and the photos are deleted, files included. Emails already sent
keep their content but no longer name the recipient.
"""

from __future__ import annotations

from django.db import transaction

from accounts.privacy import anonymised_email
from core.models import OutboxMessage

from .models import ReturnDraft, ReturnMessage, ReturnPhoto, ReturnRequest
from .notes import INTERNAL_EVENTS

REMOVED = "[removed]"


def _iso(instant):
    return instant.isoformat() if instant else None


def export_returns(user) -> list[dict]:
    returns = (
        ReturnRequest.objects.filter(buyer=user)
        .select_related("order", "reason")
        .prefetch_related(
            "lines__order_line",
            "lines__unit_inspections",
            "events",
            "messages",
            "photos",
            "refunds",
        )
        .order_by("created_at", "pk")
    )
    return [
        {
            "rma": item.rma,
            "kind": item.kind,
            "status": item.status,
            "order": item.order.reference,
            "created_at": _iso(item.created_at),
            "notice_at": _iso(item.notice_at),
            "reason": item.reason.code if item.reason else None,
            "condition": item.condition,
            "comment": item.comment,
            "resolution": item.resolution,
            "exchange_variant": item.exchange_variant,
            "shipping_method": item.shipping_method,
            "carrier_tracking": item.carrier_tracking,
            "ship_by": _iso(item.ship_by),
            "refund_due_by": _iso(item.refund_due_by),
            "estimate": item.estimate,
            "lines": [
                {
                    "order_line": line.order_line.reference,
                    "title": line.order_line.title,
                    "quantity": line.quantity,
                    "received_quantity": line.received_quantity,
                    # The replacement asked for, as offered (an exchange).
                    "exchange_to": (
                        {
                            "sku": line.exchange_sku,
                            "title": line.exchange_title,
                            "attributes": line.exchange_attributes,
                            "unit_price": str(line.exchange_unit_price),
                        }
                        if line.exchange_sku
                        else None
                    ),
                    # Per-unit results only: the checklist notes and who inspected
                    # are staff records, not the buyer's data.
                    "units": [
                        {
                            "unit": unit.unit,
                            "outcome": unit.outcome,
                            "deduction": str(unit.deduction),
                            "deduction_reason": unit.deduction_reason,
                        }
                        for unit in line.unit_inspections.all()
                    ],
                }
                for line in item.lines.all()
            ],
            "events": [
                {
                    "from": event.from_status,
                    "to": event.to_status,
                    "at": _iso(event.at),
                    "by": event.actor_kind,
                }
                for event in item.events.all()
                if event.code not in INTERNAL_EVENTS
            ],
            "messages": [
                {
                    "from": "support" if message.from_staff else "you",
                    "at": _iso(message.created_at),
                    "body": message.body,
                }
                for message in item.messages.all()
            ],
            "photos": [photo.original_name for photo in item.photos.all()],
            "refunds": [
                {
                    "amount": str(refund.amount),
                    "currency": refund.currency,
                    "status": refund.status,
                    "created_at": _iso(refund.created_at),
                }
                for refund in item.refunds.all()
            ],
        }
        for item in returns
    ]


def anonymise_returns(user) -> None:
    returns = ReturnRequest.objects.filter(buyer=user)
    photos = ReturnPhoto.objects.filter(buyer=user)
    files = [(photo.file.storage, photo.file.name) for photo in photos if photo.file]
    photos.delete()
    # Returns never confirmed hold only what the buyer typed: nothing to keep.
    ReturnDraft.objects.filter(buyer=user).delete()
    # Files go once the deletion is committed: a rollback keeps rows and files together.
    transaction.on_commit(lambda: _delete_files(files))
    ReturnMessage.objects.filter(return_request__in=returns).update(body=REMOVED)
    returns.exclude(comment="").update(comment=REMOVED)
    OutboxMessage.objects.filter(return_request__in=returns, sent_at__isnull=True).delete()
    OutboxMessage.objects.filter(return_request__in=returns).update(
        recipient=anonymised_email(user)
    )


def _delete_files(files) -> None:
    for storage, name in files:
        storage.delete(name)
