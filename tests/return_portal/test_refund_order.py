"""The booking's split follows the policy's refund order of the means of payment
(PolicyRules.refund_order of the pinned version: the return's lines', or the
order's for a gesture without a return); without one, the checkout order. The
rule itself: tests/policy_pages/test_refund_order_rule.py."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from policy_pages.services import version_in_force
from return_portal import inspection, lifecycle, receiving
from return_portal.inspection_rules import CheckResult, UnitResult
from return_portal.models import InspectionCheck, ReturnStatus
from return_portal.refunds import booking
from return_portal.refunds.goodwill import goodwill_refund
from tests.marketplace.factories import OrderFactory, OrderLineFactory
from tests.policy_pages.test_refund_order_rule import version_with_refund_order
from tests.return_portal.factories import (
    ReturnLineFactory,
    ReturnRequestFactory,
    returns_staff_user,
)

D = Decimal
PASSED = {check.value: CheckResult(True) for check in InspectionCheck}
CHECKOUT = (("card", "40.00"), ("voucher", "34.80"), ("store_credit", "30.00"))


@pytest.fixture
def staff(db):
    return returns_staff_user()


def paid_order(buyer, version=None):
    """2 x 49.90 + 4.90 paid by card, then a voucher, then store credit (checkout order)."""
    order = OrderFactory(
        buyer=buyer,
        placed_at=timezone.now() - timedelta(days=6),
        payment_amount=D("104.80"),
        payments=list(CHECKOUT),
    )
    pinned = {"policy_version": version} if version else {}
    OrderLineFactory(order=order, reference="A", quantity=2, **pinned)
    return order


def resolved(order, staff):
    r = ReturnRequestFactory(order=order, status=ReturnStatus.APPROVED)
    line = ReturnLineFactory(return_request=r, order_line=order.lines.get(), quantity=2)
    receiving.receive_all(r, actor=staff)
    full = UnitResult("full_refund", PASSED)
    inspection.inspect_units(r, [(line.pk, 1, full), (line.pk, 2, full)], actor=staff)
    r.refresh_from_db()
    lifecycle.resolve(r, actor=staff)
    return [(x.payment.method, x.amount) for x in r.refunds.order_by("pk")]


# --- the split -----------------------------------------------------------------------


def test_a_settlement_is_split_in_the_policy_order(policies, buyer, staff):
    v4 = version_with_refund_order(policies, ["store_credit", "voucher", "card"])
    order = paid_order(buyer, v4)

    assert resolved(order, staff) == [
        ("store_credit", D("30.00")),
        ("voucher", D("34.80")),
        ("card", D("35.00")),
    ]


def test_means_the_policy_does_not_list_follow_in_checkout_order(policies, buyer, staff):
    v4 = version_with_refund_order(policies, ["voucher"])
    order = paid_order(buyer, v4)

    assert resolved(order, staff) == [
        ("voucher", D("34.80")),
        ("card", D("40.00")),
        ("store_credit", D("25.00")),
    ]


def test_without_a_refund_order_the_checkout_order_is_kept(policies, buyer, staff):
    order = paid_order(buyer)
    assert version_in_force(policies).rules.refund_order == ()

    assert resolved(order, staff) == [
        ("card", D("40.00")),
        ("voucher", D("34.80")),
        ("store_credit", D("25.00")),
    ]


def test_a_gesture_without_a_return_follows_the_order_s_pinned_policy(policies, buyer, staff):
    v4 = version_with_refund_order(policies, ["store_credit", "card"])
    order = paid_order(buyer, v4)

    refunds = goodwill_refund(order, "50.00", "Late delivery", actor=staff, key="g1")

    assert [(r.payment.method, r.amount) for r in refunds] == [
        ("store_credit", D("30.00")),
        ("card", D("20.00")),
    ]
    assert [p.method for p in booking.lock_order(order.pk, lock=False).payments] == [
        "store_credit",
        "card",
        "voucher",
    ]
