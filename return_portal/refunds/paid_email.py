"""The buyer's email once a refund is paid: by the gateway (refunds.payout) or
outside the hub (refunds.external), written to the outbox in the caller's
transaction, in the buyer's language, with each amount, where it went and, for
a refund paid late in France, its L242-4 increase and the days late.

A refund of a return is told through the return's notifications (its page's
link); a goodwill refund without a return, on the order (the orders page).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from core.outbox import queue_email
from core.public_url import public_url

from .. import notifications
from ..legal_calendar import market_timezone
from ..models import Refund, ReturnRequest
from .clock import days_late

EMAIL = "refund_paid"


def paid_rows(refunds: Sequence[Refund], return_request: ReturnRequest | None) -> list[dict]:
    """What the email says of each refund paid."""
    rows = []
    for refund in refunds:
        market = refund.order.market
        due_by = refund.due_by or (return_request.refund_due_by if return_request else None)
        rows.append(
            {
                "amount": refund.amount,
                "surcharge": refund.surcharge,
                "total": refund.amount + refund.surcharge,
                "currency": refund.currency,
                "resolution": refund.resolution,
                "method": refund.payment.method if refund.payment_id else "",
                "paid_at": refund.completed_at,
                "days_late": days_late(due_by, refund.completed_at, market=market),
            }
        )
    return rows


def queue_paid(refunds: Sequence[Refund], *, return_request: ReturnRequest | None) -> None:
    """Queue the "refund paid" email of `refunds` (one order's, paid together)."""
    if not refunds:
        return
    rows = paid_rows(refunds, return_request)
    if return_request is not None:
        notifications.queue(return_request, EMAIL, paid_refunds=rows)
        return
    order = refunds[0].order
    buyer = order.buyer
    recipient = (buyer.email if buyer else "") or order.buyer_email
    language = getattr(buyer, "preferred_language", "") or settings.LANGUAGE_CODE
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    with translation.override(language):
        context = {
            "return": None,
            "order": order,
            "paid_refunds": rows,
            "zone": market_timezone(order.market),
            "url": public_url(reverse("return_portal:orders")),
        }
        subject = render_to_string(f"return_portal/email/{EMAIL}_subject.txt", context)
        body = render_to_string(f"return_portal/email/{EMAIL}.txt", context)
    queue_email(
        kind=EMAIL,
        recipient=recipient,
        language=language,
        subject=subject,
        body=body,
        about=order,
    )
