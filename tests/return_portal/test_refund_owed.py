"""One rule of "a refund is still owed" (refunds.clock.owed), read alike by the
queue's flags (support.with_deadlines), its countdown (admin.countdown) and the
beat sweep (refunds.alerts): a goodwill refund never discharges the settlement,
and a settlement paid on one means of payment but failed on another is owed."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from return_portal import support
from return_portal.admin.countdown import next_deadline, refund_open
from return_portal.models import Refund, RefundKind, RefundStatus, ReturnRequest, ReturnStatus
from return_portal.refunds import alerts, clock
from tests.marketplace.factories import OrderFactory, OrderLineFactory
from tests.return_portal.factories import ReturnLineFactory, ReturnRequestFactory

S = ReturnStatus


def overdue_return(buyer, **fields):
    order = OrderFactory(buyer=buyer)
    line = OrderLineFactory(order=order)
    now = timezone.now()
    values = {
        "status": S.RECEIVED,
        "statutory": True,
        "notice_at": now - timedelta(days=20),
        "goods_or_proof_at": now - timedelta(days=10),
        "refund_due_by": now - timedelta(days=3),
        **fields,
    }
    return_request = ReturnRequestFactory(order=order, **values)
    ReturnLineFactory(return_request=return_request, order_line=line)
    return return_request


def refund(return_request, key, kind=RefundKind.SETTLEMENT, status=RefundStatus.SUCCEEDED):
    return Refund.objects.create(
        order=return_request.order,
        return_request=return_request,
        kind=kind,
        amount=Decimal("5.00"),
        currency="EUR",
        resolution="refund",
        idempotency_key=key,
        status=status,
    )


def readings(return_request, now):
    """What the queue's flag, the countdown and the sweep say of one return."""
    row = support.with_deadlines(ReturnRequest.objects.filter(pk=return_request.pk), now).get()
    countdown = next_deadline(row, now, inspection_days=3)
    return {
        "queue": row.refund_overdue,
        "countdown": countdown is not None and countdown.kind == "refund",
        "countdown_without_annotation": refund_open(
            ReturnRequest.objects.get(pk=return_request.pk), now
        ),
        "sweep": alerts.owed(ReturnRequest.objects.filter(pk=return_request.pk), now).exists(),
    }


def test_a_paid_goodwill_refund_leaves_an_unsettled_overdue_return_overdue(policies, buyer):
    late = overdue_return(buyer)
    refund(late, "goodwill:5", kind=RefundKind.GOODWILL)
    refund(late, "manual:5", kind=RefundKind.MANUAL)
    now = timezone.now()

    assert readings(late, now) == dict.fromkeys(readings(late, now), True)
    assert alerts.sweep_refund_clock(now) == {"due_soon": 0, "overdue": 1}


def test_a_settlement_paid_on_one_means_and_failed_on_the_other_is_overdue(policies, buyer):
    late = overdue_return(buyer, status=S.RESOLVED)
    refund(late, "settle:card")
    refund(late, "settle:voucher", status=RefundStatus.FAILED)
    now = timezone.now()

    assert readings(late, now) == dict.fromkeys(readings(late, now), True)
    assert alerts.sweep_refund_clock(now)["overdue"] == 1


@pytest.mark.parametrize(
    ("status", "refunds"),
    [
        (S.RESOLVED, [(RefundKind.SETTLEMENT, RefundStatus.SUCCEEDED)] * 2),
        # A pending gesture is not the settlement: it is paid.
        (
            S.RESOLVED,
            [
                (RefundKind.SETTLEMENT, RefundStatus.SUCCEEDED),
                (RefundKind.GOODWILL, RefundStatus.PENDING),
            ],
        ),
        (S.CLOSED, []),  # settled with nothing to pay
        (S.REJECTED, []),
    ],
    ids=["settlement paid", "gesture pending", "nothing to pay", "released"],
)
def test_nothing_is_owed_once_the_settlement_is_paid(policies, buyer, status, refunds):
    paid = overdue_return(buyer, status=status)
    for number, (kind, refund_status) in enumerate(refunds):
        refund(paid, f"k:{number}", kind=kind, status=refund_status)
    now = timezone.now()

    assert readings(paid, now) == dict.fromkeys(readings(paid, now), False)
    assert not ReturnRequest.objects.filter(clock.owed(), pk=paid.pk).exists()
    assert alerts.sweep_refund_clock(now) == {"due_soon": 0, "overdue": 0}


def test_an_exchange_owes_no_refund(policies, buyer):
    exchange = overdue_return(buyer, resolution="exchange")
    assert readings(exchange, timezone.now()) == dict.fromkeys(
        readings(exchange, timezone.now()), False
    )
