"""What integrations record for a buyer (issue 12, point 8's actions): a withdrawal
received another way (`withdrawal.record_notice`), which starts the refund clock
at its `notified_at`, and a return created on the buyer's behalf
(`confirm.create_on_behalf`), judged like the portal's."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone

from return_portal.actors import ActionDenied
from return_portal.confirm import create_on_behalf
from return_portal.draft import Draft, StepError
from return_portal.models import ReturnKind, ReturnRequest, ReturnStatus
from return_portal.refunds import clock
from return_portal.withdrawal import record_notice
from tests.marketplace.factories import OrderFactory, OrderLineFactory, SellerFactory
from tests.return_portal.factories import returns_staff_user

S = ReturnStatus


def ago(days, hours=0):
    return timezone.now() - timedelta(days=days, hours=hours)


@pytest.fixture
def order(policies, reasons, buyer):
    """Delivered 20 days ago: the 14-day withdrawal period ended days ago."""
    order = OrderFactory(
        buyer=buyer, reference="F-NOTICE", placed_at=ago(23), payment_amount=Decimal("104.70")
    )
    OrderLineFactory(order=order, reference="A", title="Oxford shirt", delivered_at=ago(20))
    OrderLineFactory(order=order, reference="B", title="Derby shoes", delivered_at=ago(20))
    return order


@pytest.fixture
def guest_order(policies, reasons):
    order = OrderFactory(buyer=None, buyer_email="guest@example.com", placed_at=ago(6))
    OrderLineFactory(order=order, reference="A", title="Oxford shirt", delivered_at=ago(3))
    return order


# --- a withdrawal received another way --------------------------------------------------


def test_an_emailed_notice_inside_the_period_starts_the_clock_when_it_was_received(
    order, buyer, django_capture_on_commit_callbacks
):
    notified = ago(10)  # day 10 of 14: in time, recorded ten days later

    with django_capture_on_commit_callbacks(execute=True):
        [withdrawal], created = record_notice(
            order, ["A"], notified_at=notified, channel="email", key="mail-42"
        )

    assert created
    assert withdrawal.kind == ReturnKind.WITHDRAWAL
    assert (withdrawal.status, withdrawal.approved_by_rule) == (S.APPROVED, "withdrawal")
    assert withdrawal.buyer == buyer
    assert withdrawal.notice_at == notified
    assert withdrawal.refund_due_by == clock.statutory_due_by("FR", notified)
    assert [e.at for e in withdrawal.events.all()] == [notified, notified]
    assert withdrawal.events.first().actor_kind == "system"
    [email] = [m for m in mail.outbox if order.reference in m.subject]
    assert "which we received by email" in email.body
    assert "Oxford shirt" in email.body and "Derby shoes" not in email.body


def test_a_notice_given_after_the_period_is_refused(order):
    with pytest.raises(StepError) as error:
        record_notice(order, [], notified_at=ago(1), channel="phone", key="late")

    assert "lines" in error.value.errors
    assert not ReturnRequest.objects.exists()


@pytest.mark.parametrize(
    ("notified_at", "message"),
    [
        (lambda: timezone.now() + timedelta(hours=1), "in the future"),
        (lambda: ago(24), "before the order was placed"),
        (lambda: ago(2).replace(tzinfo=None), "time zone"),
    ],
)
def test_an_impossible_notice_time_is_refused(order, notified_at, message):
    with pytest.raises(StepError) as error:
        record_notice(order, [], notified_at=notified_at(), channel="email", key="bad-time")

    assert message in error.value.errors["notified_at"][0]
    assert not ReturnRequest.objects.exists()


def test_an_unknown_channel_is_refused(order):
    with pytest.raises(StepError) as error:
        record_notice(order, [], notified_at=ago(10), channel="button", key="k")

    assert "channel" in error.value.errors


def test_the_same_notice_twice_is_recorded_once(order):
    first, created = record_notice(order, [], notified_at=ago(10), channel="letter", key="k1")
    again, created_again = record_notice(order, [], notified_at=ago(10), channel="letter", key="k1")

    assert created and not created_again
    assert [r.pk for r in again] == [r.pk for r in first]
    assert ReturnRequest.objects.count() == 1


def test_a_notice_over_two_sellers_makes_a_return_for_each(order):
    other = SellerFactory(reference="atelier-roux")
    OrderLineFactory(
        order=order,
        reference="C",
        seller=other,
        delivered_at=ago(20),
        policy_version=order.lines.get(reference="A").pin.version,
    )

    parts, _created = record_notice(
        order, [], notified_at=ago(10), channel="storefront", key="shop-1"
    )

    assert sorted(p.seller.reference for p in parts) == ["atelier-roux", "maison-durand"]
    assert {p.notice_at for p in parts} == {parts[0].notice_at}


def test_a_guest_orders_notice_has_no_buyer_and_is_acknowledged_to_the_orders_address(
    guest_order, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        [withdrawal], _created = record_notice(
            guest_order, [], notified_at=ago(1), channel="phone", key="call-7"
        )

    assert withdrawal.buyer is None
    [email] = [m for m in mail.outbox if guest_order.reference in m.subject]
    assert email.to == ["guest@example.com"]
    assert "which you told us by phone" in email.body


def test_staff_record_notices_for_their_own_sellers_only(order):
    mine = returns_staff_user(operator=False, sellers=[order.lines.first().seller])
    theirs = returns_staff_user(operator=False, sellers=[SellerFactory(reference="another")])

    with pytest.raises(ActionDenied):
        record_notice(order, [], notified_at=ago(10), channel="email", key="k", actor=theirs)
    assert not ReturnRequest.objects.exists()
    [withdrawal], _ = record_notice(
        order, [], notified_at=ago(10), channel="email", key="k", actor=mine
    )
    assert withdrawal.events.first().actor == mine


# --- a return created on the buyer's behalf ---------------------------------------------


def draft_for(order, **changes):
    values = {
        "quantities": {"A": 1},
        "reason_code": "too-small",
        "condition": "like_new",
        "resolution": "refund",
        "shipping_method": "drop_off",
    }
    values.update(changes)
    return Draft(order_id=order.pk, **values)


@pytest.fixture
def recent(policies, reasons, buyer):
    order = OrderFactory(buyer=buyer, placed_at=ago(6), payment_amount=Decimal("104.70"))
    OrderLineFactory(order=order, reference="A", unit_price=Decimal("49.90"), quantity=2)
    return order


def test_a_return_on_the_buyers_behalf_is_judged_like_the_portals(recent, buyer):
    created, is_new = create_on_behalf(recent, draft_for(recent), key="erp-1")

    assert is_new
    assert created.buyer == buyer and created.kind == ReturnKind.RETURN
    assert created.status == S.REQUESTED and created.approval_due_by is not None
    event = created.events.get()
    assert (event.actor, event.actor_kind) == (None, "system")
    with pytest.raises(StepError) as error:
        create_on_behalf(recent, draft_for(recent, quantities={"A": 2}), key="erp-2")
    assert "items" in error.value.errors  # one of the two units is in a return already
    with pytest.raises(StepError):
        create_on_behalf(recent, draft_for(recent, reason_code="size-fit"), key="erp-3")
    assert ReturnRequest.objects.count() == 1


def test_the_same_key_creates_one_return(recent):
    first, _ = create_on_behalf(recent, draft_for(recent), key="erp-9")
    again, is_new = create_on_behalf(recent, draft_for(recent), key="erp-9")

    assert not is_new and again.pk == first.pk


def test_the_approval_rules_apply_on_the_buyers_behalf_too(recent):
    defect, _ = create_on_behalf(
        recent, draft_for(recent, reason_code="arrived-damaged", condition="damaged"), key="d"
    )

    assert (defect.status, defect.approved_by_rule) == (S.APPROVED, "defect")


def test_a_guest_order_gets_a_return_without_a_buyer(guest_order):
    created, _ = create_on_behalf(guest_order, draft_for(guest_order), key="guest-1")

    assert created.buyer is None
    assert created.order == guest_order


def test_the_time_reported_is_judged_and_checked(recent):
    with pytest.raises(StepError) as future:
        create_on_behalf(
            recent, draft_for(recent), key="t", at=timezone.now() + timedelta(minutes=5)
        )
    earlier, _ = create_on_behalf(recent, draft_for(recent), key="t2", at=ago(2))

    assert "occurred_at" in future.value.errors
    assert earlier.notice_at == earlier.events.get().at


def test_another_sellers_staff_cannot_create_a_return(recent):
    theirs = returns_staff_user(operator=False, sellers=[SellerFactory(reference="another")])

    with pytest.raises(ActionDenied):
        create_on_behalf(recent, draft_for(recent), key="x", actor=theirs)
    assert not ReturnRequest.objects.exists()
