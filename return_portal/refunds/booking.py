"""What resolving a return books: the amount due and its `Refund` row.

Called by `lifecycle.resolve` inside the transition's transaction. The order's
`refunded_amount` rises in that same transaction, under the order's lock, and
the database constraint `order_refunds_within_payment` refuses a refund beyond
what was paid. The payout itself runs later (`payout.schedule_refund`).
"""

from __future__ import annotations

from decimal import Decimal

from django.db.models import F

from marketplace.models import Order
from policy_pages.rules import Resolution

from ..models import Refund, RefundStatus, ReturnRequest
from . import payout
from .estimate import money


def final_amount(return_request: ReturnRequest) -> Decimal:
    """The confirmed estimate, pro rata of the units received, less deductions;
    never below zero."""
    total = Decimal(return_request.estimated_total)
    lines = list(return_request.lines.select_related("order_line"))
    value = sum((line.order_line.unit_price * line.quantity for line in lines), Decimal("0"))
    missing = sum(
        (
            line.order_line.unit_price * (line.quantity - (line.received_quantity or 0))
            for line in lines
            if line.received_quantity is not None
        ),
        Decimal("0"),
    )
    deductions = sum((line.deduction for line in lines), Decimal("0"))
    if value and missing:
        total -= min(total, missing)
    return max(Decimal("0.00"), money(total - deductions))


def payable_amount(return_request: ReturnRequest, order: Order | None = None) -> Decimal:
    """What resolving books now: the final amount, and for a refund to the means of
    payment no more than what remains of the order's payment. Another return of the
    order may have been refunded since this one's estimate was capped."""
    amount = final_amount(return_request)
    if return_request.resolution != Resolution.REFUND:
        return amount
    order = order or Order.objects.only("payment_amount", "refunded_amount").get(
        pk=return_request.order_id
    )
    return max(Decimal("0.00"), min(amount, order.payment_amount - order.refunded_amount))


def book(return_request: ReturnRequest) -> Refund | None:
    """Book the refund (or store credit) of a return being resolved and queue its
    payout after commit; None when nothing is owed (an exchange, nothing left).

    Runs in the caller's transaction. Idempotent by the return's RMA: a second
    call finds the refund already booked and books nothing more."""
    if return_request.resolution == Resolution.EXCHANGE:
        return None
    # Under the order's lock, so two returns of one order resolved at once
    # cannot both take what remains of the payment.
    order = (
        Order.objects.select_for_update()
        .only("payment_amount", "refunded_amount")
        .get(pk=return_request.order_id)
    )
    amount = payable_amount(return_request, order)
    if amount <= 0:
        return None
    refund, created = Refund.objects.get_or_create(
        idempotency_key=f"refund:{return_request.rma}",
        defaults={
            "return_request": return_request,
            "amount": amount,
            "currency": return_request.currency,
            "resolution": return_request.resolution,
            "status": RefundStatus.PENDING,
        },
    )
    if not created:
        return refund
    # Store credit is not paid back to the card: only a refund uses up the payment.
    if return_request.resolution == Resolution.REFUND:
        Order.objects.filter(pk=return_request.order_id).update(
            refunded_amount=F("refunded_amount") + amount
        )
    payout.schedule_refund(refund)
    return refund
