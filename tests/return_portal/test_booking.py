"""Booking: resolving stores the settlement and books it split across the order's
means of payment, in their order, with a line per order line; manual refunds of a
return; the caps per payment, per line and per order, held by the database too,
also under concurrent refunds (PostgreSQL)."""

import threading
import time
from datetime import timedelta
from decimal import Decimal
from unittest import mock

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.db.models import F
from django.utils import timezone
from wagtail.models import ModelLogEntry

from core.models import OutboxMessage
from marketplace.models import Order, OrderLine, OrderPayment
from return_portal import actors, inspection, lifecycle, receiving
from return_portal.inspection_rules import CheckResult, UnitResult
from return_portal.models import (
    BackOfficeSettings,
    InspectionCheck,
    Refund,
    RefundLine,
    ReturnRequest,
    ReturnStatus,
)
from return_portal.refunds import RefundTooLarge, booking, clock, manual
from return_portal.refunds.manual import refund_return
from tests.factories import UserFactory
from tests.marketplace.factories import OrderFactory, OrderLineFactory
from tests.return_portal.factories import (
    ReturnLineFactory,
    ReturnRequestFactory,
    returns_staff_user,
)

D = Decimal
S = ReturnStatus
PASSED = {check.value: CheckResult(True) for check in InspectionCheck}


def full(**words):
    return UnitResult("full_refund", PASSED, **words)


def partial(deduction, reason):
    return UnitResult("partial_refund", PASSED, deduction=D(deduction), deduction_reason=reason)


def refused(why="Worn for weeks"):
    return UnitResult("refused", PASSED, justification=why, disposition="return_to_buyer")


@pytest.fixture
def staff(db):
    return returns_staff_user()


def paid_order(buyer, payments=(("card", "40.00"), ("voucher", "64.70")), **fields):
    """A French order of 2 x 49.90 + 4.90 standard delivery, paid with `payments`."""
    total = sum((D(amount) for _m, amount in payments), D(0))
    order = OrderFactory(
        buyer=buyer,
        placed_at=timezone.now() - timedelta(days=6),
        payment_amount=total,
        payments=list(payments),
        **fields,
    )
    OrderLineFactory(order=order, reference="A", title="Oxford shirt", quantity=2)
    return order


def a_return(order, quantity=2, **fields):
    r = ReturnRequestFactory(order=order, status=S.APPROVED, **fields)
    ReturnLineFactory(
        return_request=r, order_line=order.lines.get(reference="A"), quantity=quantity
    )
    return r


def inspected(r, staff, *results):
    receiving.receive_all(r, actor=staff)
    line = r.lines.get()
    inspection.inspect_units(
        r, [(line.pk, n, result) for n, result in enumerate(results, start=1)], actor=staff
    )
    r.refresh_from_db()
    assert r.status == S.INSPECTED
    return r


def money_of(order):
    order.refresh_from_db()
    payments = [p.refunded_amount for p in order.payments.order_by("position")]
    lines = [line.refunded_amount for line in order.lines.all()]
    return order.refunded_amount, payments, lines


# --- the settlement, booked -----------------------------------------------------------


def test_resolving_stores_the_settlement_and_splits_it_over_the_payments_in_order(
    policies, buyer, staff, django_capture_on_commit_callbacks
):
    order = paid_order(buyer)
    r = inspected(a_return(order), staff, full(), partial("12.50", "Scratched collar"))

    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.resolve(r, actor=staff)

    r.refresh_from_db()
    assert r.status == S.RESOLVED and r.settled_total == D("87.30") and r.settled_at
    figures = r.settlement["figures"]
    assert [(f["code"], f["amount"]) for f in figures] == [
        ("items", "49.90"),
        ("items", "49.90"),
        ("deduction", "-12.50"),
    ]
    assert figures[2]["note"] == "Scratched collar" and r.settlement["total"] == "87.30"
    refunds = list(r.refunds.select_related("payment").order_by("pk"))
    assert [(x.payment.method, x.amount, x.kind) for x in refunds] == [
        ("card", D("40.00"), "settlement"),
        ("voucher", D("47.30"), "settlement"),
    ]
    assert [list(x.lines.values_list("amount", flat=True)) for x in refunds] == [
        [D("40.00")],
        [D("47.30")],
    ]
    assert money_of(order) == (D("87.30"), [D("40.00"), D("47.30")], [D("87.30")])
    assert all(x.status == "succeeded" for x in Refund.objects.all())  # paid after commit
    note = ModelLogEntry.objects.get(action="return_portal.resolve").data["note"]
    assert note.startswith("87.30 EUR") and "card" in note and "voucher" in note


def test_a_refund_paid_late_in_france_adds_the_surcharge_to_the_settlement_shown(
    policies, buyer, staff, django_capture_on_commit_callbacks
):
    order = paid_order(buyer, payments=(("card", "104.70"),))
    notice = timezone.now() - timedelta(days=40)
    r = a_return(order, quantity=1, statutory=True, notice_at=notice)
    receiving.receive_all(r, actor=staff, at=notice + timedelta(days=5))
    inspection.inspect_units(r, [(r.lines.get().pk, 1, full())], actor=staff)

    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.resolve(r, actor=staff)

    refund = r.refunds.get()
    assert refund.status == "succeeded" and refund.surcharge > 0
    r.refresh_from_db()
    assert r.settlement["late_surcharge"] == format(refund.surcharge, "f")
    figure = r.settlement["figures"][-1]
    assert (figure["code"], figure["amount"]) == ("late_surcharge", format(refund.surcharge, "f"))
    days = clock.days_late(refund.due_by, refund.completed_at, market="FR")
    assert days > 20 and figure["quantity"] == days and figure["statute"] == "C. consom. L242-4"
    assert r.settlement["total"] == "49.90"  # the increase is on top of what was due


def test_store_credit_the_buyer_chose_is_booked_with_their_agreement_outside_the_payments(
    policies, buyer, staff
):
    order = paid_order(buyer)
    r = inspected(a_return(order, resolution="store_credit"), staff, full(), full())

    lifecycle.resolve(r, actor=staff)

    refund = r.refunds.get()
    assert (refund.resolution, refund.payment, refund.buyer_agreed_at) == (
        "store_credit",
        None,
        r.created_at,
    )
    # The pinned policy (v2) gives 10% on store credit.
    assert refund.amount == D("109.78") and r.settled_total == D("109.78")
    assert money_of(order) == (D("0.00"), [D("0.00"), D("0.00")], [D("99.80")])


def test_nothing_earned_settles_at_zero_and_books_nothing(policies, buyer, staff):
    order = paid_order(buyer)
    r = inspected(a_return(order, quantity=1), staff, refused())

    lifecycle.resolve(r, actor=staff)

    r.refresh_from_db()
    assert r.settled_total == 0 and not r.refunds.exists()
    assert [f["code"] for f in r.settlement["figures"]] == ["refused"]
    assert money_of(order)[0] == 0


def test_standard_delivery_is_refunded_once_by_the_return_that_completes_the_withdrawal(
    policies, buyer, staff
):
    order = paid_order(buyer, payments=(("card", "104.70"),))
    first = inspected(a_return(order, quantity=1, statutory=True), staff, full())
    second = inspected(a_return(order, quantity=1, statutory=True), staff, full())

    lifecycle.resolve(first, actor=staff)
    lifecycle.resolve(second, actor=staff)

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.settled_total == D("49.90")
    assert second.settled_total == D("54.80")
    assert "original_shipping" in [f["code"] for f in second.settlement["figures"]]
    shipping_refund = second.refunds.get()
    # The line's part, then the delivery (no order line).
    assert list(shipping_refund.lines.values_list("amount", flat=True)) == [D("49.90")]
    assert money_of(order) == (D("104.70"), [D("104.70")], [D("99.80")])


def test_a_second_return_is_capped_by_what_remains_of_the_payment(policies, buyer, staff):
    order = paid_order(buyer, payments=(("card", "60.00"),))  # a discounted order
    first = inspected(a_return(order, quantity=1), staff, full())
    second = inspected(a_return(order, quantity=1), staff, full())

    lifecycle.resolve(first, actor=staff)
    lifecycle.resolve(second, actor=staff)

    second.refresh_from_db()
    assert second.settled_total == D("10.10")
    assert second.settlement["figures"][-1]["reason"] == "payment_cap"
    assert money_of(order)[0] == D("60.00")


def test_a_seller_may_not_settle_above_the_marketplaces_limit(policies, buyer):
    order = paid_order(buyer)
    r = a_return(order)
    seller_staff = returns_staff_user(operator=False, sellers=[r.seller])
    r = inspected(r, seller_staff, full(), full())
    settings = BackOfficeSettings.load()
    settings.operator_settles_above = D("50.00")
    settings.save()

    with pytest.raises(actors.ActionDenied):
        lifecycle.resolve(r, actor=seller_staff)

    r.refresh_from_db()
    assert r.status == S.INSPECTED and not r.settlement and not Refund.objects.exists()
    lifecycle.resolve(r, actor=returns_staff_user())  # the operator's
    assert Refund.objects.count() == 2


# --- the database's own caps --------------------------------------------------------------


def test_the_database_refuses_refunds_beyond_a_payment_a_line_or_the_order(policies, buyer):
    order = paid_order(buyer)
    payment = order.payments.get(position=0)
    line = order.lines.get()
    for model, pk, beyond in (
        (OrderPayment, payment.pk, D("40.01")),
        (OrderLine, line.pk, D("99.81")),
        (Order, order.pk, D("104.71")),
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            model.objects.filter(pk=pk).update(refunded_amount=F("refunded_amount") + beyond)


def test_split_takes_each_payment_in_turn_and_refuses_beyond_them(policies, buyer):
    order = paid_order(buyer)
    payments = list(order.payments.order_by("position"))
    shares = booking.split(D("50.00"), {order.lines.get().pk: D("45.10")}, payments)
    assert [(s.payment.method, s.amount, dict(s.lines)) for s in shares] == [
        ("card", D("40.00"), {order.lines.get().pk: D("40.00")}),
        ("voucher", D("10.00"), {order.lines.get().pk: D("5.10")}),
    ]
    with pytest.raises(RefundTooLarge) as refused_:
        booking.split(D("104.71"), {}, payments)
    assert refused_.value.remaining == D("104.70")


# --- refunding an amount by hand ------------------------------------------------------------


@pytest.fixture
def settled(policies, buyer, staff):
    """A return of 2 shirts settled at 87.30 (card 40.00, voucher 47.30)."""
    r = inspected(a_return(paid_order(buyer)), staff, full(), partial("12.50", "Scratched"))
    lifecycle.resolve(r, actor=staff)
    return r


def test_an_amount_refunded_by_hand_goes_to_the_payments_left_and_the_buyer_is_told(settled, staff):
    refunds = refund_return(settled, "12.50", "Deduction given back", actor=staff, key="k1")

    assert [(x.payment.method, x.amount, x.kind, x.reason) for x in refunds] == [
        ("voucher", D("12.50"), "manual", "Deduction given back")
    ]
    assert money_of(settled.order) == (D("99.80"), [D("40.00"), D("59.80")], [D("99.80")])
    email = OutboxMessage.objects.filter(kind="refund").get()
    assert "Deduction given back" in email.body and settled.rma in email.subject
    assert settled.events.filter(code="refund_manual").count() == 1
    assert ModelLogEntry.objects.filter(action="return_portal.refund_manual").count() == 1


def test_the_same_key_twice_books_once(settled, staff):
    first = refund_return(settled, "5.00", "Sorry", actor=staff, key="same")
    again = refund_return(settled, "5.00", "Sorry", actor=staff, key="same")

    assert [x.pk for x in again] == [x.pk for x in first]
    assert Refund.objects.filter(kind="manual").count() == 1
    assert settled.events.filter(code="refund_manual").count() == 1


def test_beyond_what_the_returned_items_have_left_is_refused_with_what_remains(settled, staff):
    # 2 x 49.90 returned, 87.30 refunded: 12.50 remains on these items.
    with pytest.raises(RefundTooLarge) as refused_:
        refund_return(settled, "12.51", "Too much", actor=staff, key="k2")

    assert refused_.value.remaining == D("12.50")
    assert not Refund.objects.filter(kind="manual").exists()
    assert manual.remaining_for(settled) == D("12.50")


@pytest.mark.parametrize(
    ("amount", "reason", "field"),
    [
        ("0", "Why", "amount"),
        ("1.234", "Why", "amount"),
        ("abc", "Why", "amount"),
        ("1", " ", "reason"),
    ],
)
def test_bad_input_is_a_field_error(settled, staff, amount, reason, field):
    with pytest.raises(manual.RefundInputError) as refused_:
        refund_return(settled, amount, reason, actor=staff, key="k3")
    assert refused_.value.field == field


def test_a_buyer_or_another_sellers_staff_may_not_refund(settled, buyer, policies):
    other = returns_staff_user(operator=False, sellers=[])
    for actor in (buyer, other, UserFactory()):
        with pytest.raises(actors.ActionDenied):
            refund_return(settled, "1.00", "No", actor=actor, key=f"k-{actor.pk}")
    assert not Refund.objects.filter(kind="manual").exists()


# --- concurrency (PostgreSQL) -----------------------------------------------------------------

needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite has no row locks (select_for_update is a no-op there): run with DATABASE_URL",
)


def at_once(*calls):
    """Run each call at the same moment on its own connection; their outcomes."""
    barrier = threading.Barrier(len(calls))
    outcomes = []
    original = booking.book_shares

    def slow_book(*args, **kwargs):  # holds the locks a while: without them both would pass
        result = original(*args, **kwargs)
        time.sleep(0.3)
        return result

    def attempt(call):
        try:
            barrier.wait(timeout=10)
            call()
            outcomes.append("ok")
        except RefundTooLarge:
            outcomes.append("too large")
        finally:
            connections.close_all()

    with mock.patch.object(booking, "book_shares", slow_book):
        threads = [threading.Thread(target=attempt, args=(call,)) for call in calls]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    return sorted(outcomes)


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_refunds_never_exceed_what_remains(policies, buyer):
    staff = returns_staff_user()
    r = inspected(a_return(paid_order(buyer)), staff, full(), partial("12.50", "Scratched"))
    lifecycle.resolve(r, actor=staff)

    def refund(key):
        return lambda: refund_return(
            ReturnRequest.objects.get(pk=r.pk), "10.00", "Gesture", actor=staff, key=key
        )

    assert at_once(refund("a"), refund("b")) == ["ok", "too large"]
    assert money_of(r.order)[0] == D("97.30")
    assert RefundLine.objects.filter(refund__kind="manual").count() == 1


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_resolutions_of_two_returns_at_once_share_the_payment(policies, buyer):
    staff = returns_staff_user()
    order = paid_order(buyer, payments=(("card", "60.00"),))
    first = inspected(a_return(order, quantity=1), staff, full())
    second = inspected(a_return(order, quantity=1), staff, full())

    def resolve(r):
        return lambda: lifecycle.resolve(ReturnRequest.objects.get(pk=r.pk), actor=staff)

    assert at_once(resolve(first), resolve(second)) == ["ok", "ok"]
    totals = sorted(ReturnRequest.objects.values_list("settled_total", flat=True))
    assert totals == [D("10.10"), D("49.90")]
    assert money_of(order) == (D("60.00"), [D("60.00")], [D("60.00")])
