"""What a return's page shows its buyer: the next step, the timeline, the
message thread, the confirmed estimate and how to send the parcel. Every lookup
goes through the signed-in buyer (`buyer_return`): another buyer's return is a 404.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from policy_pages.rules import ShippingMethod

from ..buyer_messages import MAX_LENGTH
from ..citations import PolicyLinks
from ..exchanges.events import EVENT_LABELS as EXCHANGE_EVENTS
from ..labels import address_lines
from ..legal_calendar import market_timezone
from ..models import FINAL_STATUSES, Exchange, ReturnRequest, ReturnStatus
from ..notes import INTERNAL_EVENTS
from ..refunds.estimate import stored_figures
from ..scan_events import EVENT_LABELS as SCAN_EVENTS

S = ReturnStatus
POLL_SECONDS = 20
# What the buyer's timeline calls an event without a change of status.
EVENT_LABELS = {**SCAN_EVENTS, **EXCHANGE_EVENTS}
# The label and the QR code are for sending the parcel: useless (and misleading)
# before approval or once the return is over.
SHIPPABLE_STATUSES = (S.APPROVED, S.IN_TRANSIT)
# A finished return shows only what still applies: no date to send by, no refund
# deadline or "the final amount is set once received" (settled, or nothing to pay).
FINISHED_STATUSES = (*FINAL_STATUSES, S.RESOLVED)
# While the parcel (or the rest of it) is still to be sent: "Send by" applies.
SENDING_STATUSES = (S.REQUESTED, S.APPROVED, S.PARTIALLY_RECEIVED)
# Nothing is refunded for a return that ended this way: its estimate no longer applies.
UNREFUNDED_STATUSES = (S.CANCELLED, S.REJECTED, S.EXPIRED)


def buyer_return(request, return_id) -> ReturnRequest:
    return get_object_or_404(
        ReturnRequest.objects.select_related("order", "reason"),
        buyer=request.user,
        public_id=return_id,
    )


def next_step(return_request: ReturnRequest) -> str:
    """What the buyer should do (or wait for) now."""
    status, method = return_request.status, return_request.shipping_method
    if return_request.kept and status == S.REQUESTED:
        return _(
            "The policy lets you keep the items: there is nothing to send back. Your "
            "refund follows once the seller approves the request."
        )
    if return_request.kept and status in (S.RESOLVED, S.CLOSED):
        return _("You keep the items: your refund is settled without a return, as below.")
    if status == S.REQUESTED:
        if return_request.approval_due_by:
            due = timezone.localtime(
                return_request.approval_due_by, market_timezone(return_request.order.market)
            )
            return _(
                "Your request is waiting for the seller's decision, which you will have "
                "by %(date)s. The label or QR code comes with the approval."
            ) % {"date": date_format(due, "DATETIME_FORMAT")}
        return _("We are checking your request and will answer by email.")
    if status == S.APPROVED:
        if method == ShippingMethod.DROP_OFF:
            return _("Take the parcel to a drop-off point and show the QR code on this page.")
        if method == ShippingMethod.PREPAID_LABEL:
            return _("Print the label, stick it on the parcel and hand it to the carrier.")
        return _("Send the parcel to the address below with the carrier of your choice.")
    return {
        S.IN_TRANSIT: _("Your parcel is on its way. We will tell you when it arrives."),
        S.PARTIALLY_RECEIVED: _(
            "Part of your return has arrived; we are waiting for the rest. The list of "
            "items says what arrived."
        ),
        S.RECEIVED: _("Your parcel has arrived; the items are being checked."),
        S.INSPECTED: _("The items have been checked; the settlement is being prepared."),
        S.RESOLVED: _("Your return is settled: each amount and its reason are below."),
        S.CLOSED: _("This return is closed."),
        S.REJECTED: _("This return was not accepted, for the reason below."),
        S.CANCELLED: _("You cancelled this return."),
        S.EXPIRED: _("Nothing was sent by the date given, so this return has expired."),
    }.get(status, "")


def _events(return_request: ReturnRequest) -> list:
    """The buyer's timeline; a carrier's scan says what it was (scan_events)."""
    events = list(return_request.events.exclude(code__in=INTERNAL_EVENTS))
    for event in events:
        event.scan_label = EVENT_LABELS.get(event.code, "")
    return events


def timeline_context(request, return_request: ReturnRequest) -> dict:
    final = return_request.status in FINAL_STATUSES
    return {
        "return": return_request,
        "zone": market_timezone(return_request.order.market),
        # Notes and assignments stay in the back office (notes.INTERNAL_EVENTS).
        "events": _events(return_request),
        "exchange": _exchange(return_request),
        "next_step": next_step(return_request),
        "polling": not final,
        "poll_seconds": POLL_SECONDS,
        # The status the page shows: once it changes, the whole page reloads (the
        # label or QR code appears with the approval, the reason with a rejection).
        "status_url": reverse("return_portal:status", args=[return_request.public_id])
        + f"?shown={return_request.status}",
    }


def _exchange(return_request: ReturnRequest) -> dict | None:
    """The exchange as the buyer follows it: from what to what, the difference,
    and the replacement order once the shop has answered."""
    if return_request.resolution != "exchange":
        return None
    exchange = Exchange.objects.filter(return_request=return_request).first()
    if exchange is None:
        return None
    lines = [
        line for line in return_request.lines.select_related("order_line") if line.exchange_sku
    ]
    return {"exchange": exchange, "lines": lines}


def _figures(return_request: ReturnRequest, version, links: PolicyLinks) -> list[dict]:
    """The confirmed estimate's figures with their labels and citations."""
    return [
        {
            "label": figure.label,
            "amount": figure.amount,
            "citation": links.cite(version, figure.clause, figure.statute),
        }
        for figure in stored_figures(return_request.estimate or {})
    ]


def thread_context(request, return_request: ReturnRequest, **extra) -> dict:
    context = {
        "return": return_request,
        "zone": market_timezone(return_request.order.market),
        "thread": list(return_request.messages.select_related("as_seller")),
        "message_key": uuid.uuid4().hex,
        "messages_url": reverse("return_portal:messages", args=[return_request.public_id]),
        "max_length": MAX_LENGTH,
        "body": "",
        "error": "",
        "sent": False,
    }
    context.update(extra)
    return context


def detail_context(request, return_request: ReturnRequest, **extra) -> dict:
    lines = list(
        return_request.lines.select_related(
            "order_line__seller", "order_line__pin__version__policy"
        )
    )
    seller = lines[0].order_line.seller if lines else None
    version = lines[0].order_line.pin.version if lines else None
    method = return_request.shipping_method
    shippable = return_request.status in SHIPPABLE_STATUSES
    estimate = return_request.estimate or {}
    links = PolicyLinks(request)
    finished = return_request.status in FINISHED_STATUSES
    refunds = list(return_request.refunds.select_related("payment"))
    context = {
        **timeline_context(request, return_request),
        **thread_context(request, return_request),
        "lines": lines,
        "seller": seller,
        # The returns address under the seller's name, the name said once.
        "return_address": (
            address_lines(seller.name, seller.returns_address, split_commas=False) if seller else []
        ),
        "figures": _figures(return_request, version, links),
        # The keep-it rule's clause, cited where the shipping would be (keep_it.py).
        "keep_it_citation": (
            links.cite(version, return_request.keep_it_clause)
            if return_request.kept and version
            else None
        ),
        "currency": estimate.get("currency") or return_request.currency,
        "total": return_request.estimated_total,
        "express_kept": Decimal(estimate.get("express_surcharge_kept") or "0"),
        "show_qr": shippable and method == ShippingMethod.DROP_OFF and return_request.drop_off_code,
        "show_label": shippable and method == ShippingMethod.PREPAID_LABEL,
        "show_address": shippable and method == ShippingMethod.OWN_CARRIER,
        "photos": list(return_request.photos.all()),
        # Every refund of the return (the settlement's, by hand, goodwill), with its means.
        "refunds": refunds,
        "finished": finished,
        "show_estimate": return_request.status not in UNREFUNDED_STATUSES,
        "show_ship_by": bool(return_request.ship_by) and return_request.status in SENDING_STATUSES,
        # Once finished, the refund deadline matters only while a refund is unpaid.
        "show_refund_due": bool(return_request.refund_due_by)
        and (not finished or any(refund.completed_at is None for refund in refunds)),
        "cancel_error": "",
        "cancel_refused": False,
        # Own carrier: the buyer tells us the parcel left, with its tracking number.
        "ask_tracking": return_request.status == S.APPROVED
        and method == ShippingMethod.OWN_CARRIER,
        "tracking_error": "",
        "tracking_value": "",
    }
    context.update(extra)
    return context
