"""Booking refunds: what resolving a return books (its settlement), and the
pieces every refund action shares (manual, goodwill).

Money goes back to the order's means of payment (marketplace.OrderPayment) in
the order the policy says (`PolicyRules.refund_order` of the pinned version:
the return's first line's, as the settlement reads it, or for the order alone
its first line's), the means it does not list after them in the order the
checkout listed them (their positions), each taking what remains of it before
the next; store credit, which the buyer agreed to, goes to none of them.
Each means gets one `Refund`, with a `RefundLine` per order line it pays
back (the rest of it is the shipping, or a gesture).

Every refund action locks, in this order: the return (when there is one, by
its action), then the order, its payments, its lines. The order's lock comes
first, so two refunds of one order queue behind each other whatever they book.
The payments', the lines' and the order's refunded totals rise in the same
transaction, and the database's constraints refuse any of them beyond what was
paid, so even a path round these functions cannot pay twice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from core.formatting import format_money
from marketplace.models import Order, OrderLine, OrderPayment
from policy_pages.rules import PolicyRules, Resolution

from .. import actors
from ..actors import Step
from ..models import (
    ActorKind,
    Refund,
    RefundKind,
    RefundLine,
    RefundStatus,
    ReturnRequest,
)
from ..settlement import Settlement, settle
from ..settlement_figures import CREDIT, REFUND
from ..settlement_reading import settlement_input
from . import RefundTooLarge, payout
from .governing import governing_rules

ZERO = Decimal("0.00")


@dataclass
class LockedOrder:
    order: Order
    payments: list[OrderPayment]  # in the order refunds go back to them
    lines: dict[int, OrderLine]

    @property
    def payments_left(self) -> Decimal:
        return sum((p.amount - p.refunded_amount for p in self.payments), ZERO)

    def too_large(self, remaining: Decimal) -> RefundTooLarge:
        remaining = max(remaining, ZERO)
        return RefundTooLarge(
            remaining,
            _("At most %(amount)s remains to be refunded.")
            % {"amount": format_money(remaining, self.order.currency)},
        )


def in_refund_order(
    payments: Sequence[OrderPayment], rules: PolicyRules | None
) -> list[OrderPayment]:
    """The payments in the order refunds go back to them: the policy's refund order
    first, then the rest in checkout order (`payments` come in checkout order)."""
    if rules is None or not rules.refund_order:
        return list(payments)
    return sorted(payments, key=lambda payment: rules.payment_rank(payment.method))


def lock_order(
    order_id: int, *, lock: bool = True, return_request: ReturnRequest | None = None
) -> LockedOrder:
    """The order, its payments (in refund order, see `in_refund_order`) and its
    lines, locked inside the caller's transaction (`lock=False`: only read, for a
    page's hint). The rows are locked in checkout order whatever the policy says,
    so two refunds never lock them crosswise."""

    def rows(queryset):
        return queryset.select_for_update() if lock else queryset

    order = rows(Order.objects).get(pk=order_id)
    payments = list(rows(OrderPayment.objects.filter(order=order)).order_by("position", "pk"))
    lines = rows(OrderLine.objects.filter(order=order)).order_by("position", "pk")
    payments = in_refund_order(payments, governing_rules(order_id, return_request))
    return LockedOrder(order, payments, {line.pk: line for line in lines})


@dataclass(frozen=True)
class Share:
    """One refund to book: to `payment` (None: store credit), with its lines."""

    payment: OrderPayment | None
    amount: Decimal
    lines: Mapping[int, Decimal]


def within(total: Decimal, wanted: Mapping[int, Decimal]) -> dict[int, Decimal]:
    """The lines' parts of `total`: as wanted, less what does not fit, taken off
    the last lines first (a fee of the whole return, a cap)."""
    parts = {line: amount for line, amount in wanted.items() if amount > 0}
    excess = sum(parts.values(), ZERO) - total
    for line in reversed(list(parts)):
        if excess <= 0:
            break
        cut = min(parts[line], excess)
        parts[line] -= cut
        excess -= cut
    return {line: amount for line, amount in parts.items() if amount > 0}


def split(
    total: Decimal, lines: Mapping[int, Decimal], payments: Sequence[OrderPayment]
) -> list[Share]:
    """`total` over the payments in order, each taking what remains of it; the
    lines' parts (then the rest) are paid by the first payments. Raises
    RefundTooLarge when the payments have less left."""
    parts: list[list] = [[line, amount] for line, amount in within(total, lines).items()]
    rest = total - sum((amount for _line, amount in parts), ZERO)
    if rest > 0:
        parts.append([None, rest])
    shares, left_to_pay = [], total
    for payment in payments:
        take = min(payment.amount - payment.refunded_amount, left_to_pay)
        if take <= 0:
            continue
        share_lines: dict[int, Decimal] = {}
        owed = take
        while owed > 0:
            line, amount = parts[0]
            part = min(amount, owed)
            if line is not None:
                share_lines[line] = share_lines.get(line, ZERO) + part
            parts[0][1] -= part
            owed -= part
            if parts[0][1] <= 0:
                parts.pop(0)
        shares.append(Share(payment, take, share_lines))
        left_to_pay -= take
    if left_to_pay > 0:
        remaining = sum((p.amount - p.refunded_amount for p in payments), ZERO)
        raise RefundTooLarge(max(remaining, ZERO))
    return shares


def book_shares(
    locked: LockedOrder,
    shares: Sequence[Share],
    *,
    key: str,
    kind: str,
    return_request: ReturnRequest | None,
    actor=None,
    reason: str = "",
    buyer_agreed_at: datetime | None = None,
    at: datetime | None = None,
) -> list[Refund]:
    """Write one Refund per share (idempotency key `key:<n>`), its lines, and raise
    the refunded totals; queue each payout after commit. Money to a means of
    payment counts against it and the order; store credit against the lines only.
    `at`: when it was decided, if earlier than now (an integration's
    `occurred_at`, checked by the caller): the refunds' created_at."""
    refunds = []
    to_payments = ZERO
    for number, share in enumerate(shares, start=1):
        credit = share.payment is None
        refund = Refund.objects.create(
            order=locked.order,
            return_request=return_request,
            payment=share.payment,
            kind=kind,
            reason=reason[:500],
            amount=share.amount,
            currency=locked.order.currency,
            resolution=Resolution.STORE_CREDIT if credit else Resolution.REFUND,
            status=RefundStatus.PENDING,
            idempotency_key=f"{key}:{number}",
            due_by=return_request.refund_due_by if return_request else None,
            buyer_agreed_at=buyer_agreed_at if credit else None,
            created_by=actor,
        )
        if at is not None:  # auto_now_add: set once written
            # Its payout is queued now, whenever it was decided: due now, so beat's
            # sweep (payout.orphaned) does not take a backdated refund for a lost task.
            queued_at = timezone.now()
            Refund.objects.filter(pk=refund.pk).update(created_at=at, next_attempt_at=queued_at)
            refund.created_at, refund.next_attempt_at = at, queued_at
        RefundLine.objects.bulk_create(
            RefundLine(refund=refund, order_line_id=line, amount=amount)
            for line, amount in share.lines.items()
        )
        for line, amount in share.lines.items():
            OrderLine.objects.filter(pk=line).update(refunded_amount=F("refunded_amount") + amount)
            locked.lines[line].refunded_amount += amount
        if not credit:
            OrderPayment.objects.filter(pk=share.payment.pk).update(
                refunded_amount=F("refunded_amount") + share.amount
            )
            share.payment.refunded_amount += share.amount
            to_payments += share.amount
        payout.schedule_refund(refund)
        refunds.append(refund)
    if to_payments:
        Order.objects.filter(pk=locked.order.pk).update(
            refunded_amount=F("refunded_amount") + to_payments
        )
        locked.order.refunded_amount += to_payments
    return refunds


# --- the settlement at resolution ----------------------------------------------------


def preview(return_request: ReturnRequest, at: datetime | None = None) -> Settlement:
    """What resolving would settle now (nothing locked: the staff page's preview)."""
    return settle(settlement_input(return_request, at or timezone.now()))


def settlement_key(return_request: ReturnRequest) -> str:
    return f"settle:{return_request.rma}"


def book(
    return_request: ReturnRequest,
    actor=None,
    *,
    actor_kind: str | None = None,
    at: datetime | None = None,
) -> list[Refund]:
    """Settle a return being resolved and book its refunds; `return_request` is the
    row the transition holds locked, and the settlement is stored on it (the
    transition saves it). A seller's staff may not settle above the marketplace's
    limit (actors.check with the amount): ActionDenied, nothing booked.

    Idempotent by the return: a second call finds its refunds booked."""
    booked = list(Refund.objects.filter(return_request=return_request, kind=RefundKind.SETTLEMENT))
    if booked:
        return booked
    at = at or timezone.now()
    locked = lock_order(return_request.order_id, return_request=return_request)
    # Read under the locks: what other refunds of the order took is counted.
    settlement = settle(settlement_input(return_request, at))
    if actor is not None:
        actors.check(
            return_request,
            actor,
            actor_kind or ActorKind.STAFF,
            (ActorKind.STAFF,),
            step=Step.SETTLE,
            amount=settlement.total,
        )
    return_request.settlement = settlement.to_dict(at)
    return_request.settled_total = settlement.total
    return_request.settled_at = at
    key = settlement_key(return_request)
    refunds = []
    if settlement.refund > 0:
        shares = split(settlement.refund, settlement.line_amounts(REFUND), locked.payments)
        refunds += book_shares(
            locked,
            shares,
            key=key,
            kind=RefundKind.SETTLEMENT,
            return_request=return_request,
            actor=actor,
        )
    if settlement.store_credit > 0:
        credit = Share(
            None,
            settlement.store_credit,
            within(settlement.store_credit, settlement.line_amounts(CREDIT)),
        )
        refunds += book_shares(
            locked,
            [credit],
            key=f"{key}:credit",
            kind=RefundKind.SETTLEMENT,
            return_request=return_request,
            actor=actor,
            # The buyer chose store credit in the portal: their agreement (Art. 13(1)).
            buyer_agreed_at=return_request.created_at,
        )
    return refunds


def summary(return_request: ReturnRequest, refunds: Sequence[Refund]) -> str:
    """The audit note of a resolution: the total, and where each part goes."""
    currency = return_request.currency
    parts = [
        f"{refund.amount} {refund.payment.method if refund.payment else 'store credit'}"
        for refund in refunds
    ]
    total = return_request.settled_total or ZERO
    return f"{total} {currency}" + (f" ({', '.join(parts)})" if parts else "")
