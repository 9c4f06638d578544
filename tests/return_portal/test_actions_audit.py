"""Every change of a return is one action that checks its actor and writes Wagtail's
audit log, whoever calls it: the buyer's cancel, a withdrawal and the system's
expiry reach the return's history in the admin as a staff approval does."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone
from wagtail.log_actions import registry as log_registry
from wagtail.models import ModelLogEntry

from return_portal import audit, lifecycle, receiving, support
from return_portal.actors import ActionDenied
from return_portal.buyer_messages import post_buyer_message
from return_portal.confirm import confirm_return
from return_portal.draft import Draft
from return_portal.models import BackOfficeSettings, ReturnEvent, ReturnRequest, ReturnStatus
from return_portal.seeding import seed_staff_permissions
from return_portal.tasks import sweep_returns
from return_portal.withdrawal import withdraw
from tests.factories import StaffUserFactory, UserFactory
from tests.marketplace.factories import OrderFactory, OrderLineFactory
from tests.return_portal.factories import (
    ReturnLineFactory,
    ReturnRequestFactory,
    returns_staff_user,
)

S = ReturnStatus


@pytest.fixture
def order(policies, reasons, buyer):  # rejection reasons too (seed_reasons)
    order = OrderFactory(
        buyer=buyer,
        placed_at=timezone.now() - timedelta(days=6),
        payment_amount=Decimal("104.70"),
    )
    OrderLineFactory(order=order, reference="A", unit_price=Decimal("49.90"), quantity=2)
    return order


@pytest.fixture
def returns_staff(policies):
    seed_staff_permissions()
    user = StaffUserFactory(with_totp=True)
    user.groups.add(Group.objects.get(name="Returns staff"))
    return user


@pytest.fixture
def confirmed(order, buyer, reasons):
    """Approved at once by the system: the marketplace approves returns below €100."""
    settings = BackOfficeSettings.load()
    settings.auto_approve_below = Decimal("100")
    settings.save()
    draft = Draft(
        order_id=order.pk,
        quantities={"A": 1},
        reason_code="too-small",
        condition="like_new",
        resolution="refund",
        shipping_method="drop_off",
    )
    return_request, _created = confirm_return(buyer, order, draft)
    return return_request


def bare_return(order, status, **fields):
    return_request = ReturnRequestFactory(
        order=order, status=status, estimated_total=Decimal("49.90"), **fields
    )
    ReturnLineFactory(return_request=return_request, order_line=order.lines.get(), quantity=1)
    return return_request


def entries(return_request):
    """(action, user) of the return's audit log, oldest first."""
    return [
        (entry.action, entry.user)
        for entry in ModelLogEntry.objects.for_instance(return_request).order_by("timestamp", "id")
    ]


def history_html(client, staff, return_request) -> str:
    client.force_login(staff)
    response = client.get(reverse("returns:history", args=[return_request.pk]))
    assert response.status_code == 200
    return response.content.decode()


# --- whoever acts, the log has it ------------------------------------------------------


def test_a_buyers_cancel_in_the_portal_is_in_the_returns_history(
    client, confirmed, buyer, returns_staff
):
    client.force_login(buyer)
    response = client.post(
        reverse("return_portal:cancel", args=[confirmed.public_id]), {"confirm": "yes"}
    )

    assert response.status_code == 302
    assert entries(confirmed) == [
        ("return_portal.confirm", buyer),
        ("return_portal.approve", None),  # the confirm's own approval, by its rule
        ("return_portal.cancel", buyer),
    ]
    cancel = ModelLogEntry.objects.get(action="return_portal.cancel")
    assert (cancel.data["from"], cancel.data["to"]) == ("approved", "cancelled")
    html = history_html(client, returns_staff, confirmed)
    assert "Cancelled the return" in html
    assert "Requested the return" in html


def test_a_withdrawal_is_in_the_returns_history(client, order, buyer, reasons, returns_staff):
    [withdrawal], created = withdraw(buyer, order, [], key="withdraw-1")

    assert created
    assert entries(withdrawal) == [
        ("return_portal.withdraw", buyer),
        ("return_portal.approve", None),
    ]
    notice = ModelLogEntry.objects.get(action="return_portal.withdraw")
    assert notice.timestamp == withdrawal.notice_at
    assert "Withdrew from the contract" in history_html(client, returns_staff, withdrawal)


def test_the_sweeps_expiry_is_in_the_returns_history_without_a_user(client, order, returns_staff):
    overdue = bare_return(order, S.APPROVED, ship_by=timezone.now() - timedelta(hours=1))

    assert sweep_returns()["expired"] == 1

    assert entries(overdue) == [("return_portal.expire", None)]
    entry = ModelLogEntry.objects.get(action="return_portal.expire")
    assert (entry.data["from"], entry.data["to"]) == ("approved", "expired")
    assert "The return expired" in history_html(client, returns_staff, overdue)


def test_a_staff_approval_in_the_admin_is_logged_as_that_staff_member(client, order, returns_staff):
    requested = bare_return(order, S.REQUESTED)
    client.force_login(returns_staff)

    response = client.post(reverse("returns:inspect", args=[requested.pk]), {"action": "approve"})

    assert response.status_code == 302
    assert entries(requested) == [("return_portal.approve", returns_staff)]
    assert "Approved the return" in history_html(client, returns_staff, requested)


def test_a_staff_reply_and_a_buyer_message_are_logged_without_their_text(
    confirmed, buyer, returns_staff
):
    support.reply(confirmed, returns_staff, "We will check the collar.", key="reply-1")
    post_buyer_message(confirmed, buyer, "Thank you.", key="message-1")

    assert entries(confirmed)[-2:] == [
        ("return_portal.reply", returns_staff),
        ("return_portal.message", buyer),
    ]
    for action in ("return_portal.reply", "return_portal.message"):
        data = ModelLogEntry.objects.get(action=action).data
        assert "collar" not in str(data) and "Thank you" not in str(data)


def test_every_transition_has_a_registered_action_with_a_label():
    for verb in lifecycle.VERBS.values():
        assert log_registry.action_exists(audit.LOG_PREFIX + verb)
    for verb in ("confirm", "withdraw", "reply", "message"):
        assert log_registry.action_exists(audit.LOG_PREFIX + verb)
    assert log_registry.get_action_label("return_portal.expire") == "Return: expire"
    assert set(lifecycle.VERBS) == set(S) - {S.REQUESTED}


# --- the actions check who acts --------------------------------------------------------


def test_another_buyer_cannot_cancel_and_nothing_is_written(order, confirmed):
    stranger = UserFactory()
    before = entries(confirmed)

    with pytest.raises(ActionDenied):
        lifecycle.cancel(confirmed, actor=stranger)

    assert ReturnRequest.objects.get(pk=confirmed.pk).status == S.APPROVED
    assert entries(confirmed) == before
    assert not ReturnEvent.objects.filter(return_request=confirmed, to_status=S.CANCELLED)


def test_staff_without_the_change_permission_cannot_act_even_outside_the_admin(order):
    requested = bare_return(order, S.REQUESTED)

    with pytest.raises(ActionDenied):
        lifecycle.approve(requested, actor=StaffUserFactory())
    with pytest.raises(ActionDenied):
        lifecycle.reject(requested, actor=requested.buyer, code="other", note="Not mine to reject.")

    assert ReturnRequest.objects.get(pk=requested.pk).status == S.REQUESTED
    assert entries(requested) == []


def test_nobody_may_pass_for_the_system_and_the_system_may_not_do_staff_work(order):
    approved = bare_return(order, S.APPROVED)

    with pytest.raises(ActionDenied):
        lifecycle.mark_in_transit(approved, actor=approved.buyer, actor_kind="system")
    with pytest.raises(ActionDenied):
        receiving.receive_all(approved, actor=None)
    with pytest.raises(ActionDenied):
        support.reply(approved, approved.buyer, "I am support, honestly.")

    assert entries(approved) == []


def test_the_buyer_gives_the_tracking_number_as_the_buyer(order):
    approved = bare_return(order, S.APPROVED)
    staff = returns_staff_user()

    lifecycle.mark_in_transit(
        approved, actor=approved.buyer, actor_kind="buyer", tracking=" 1Z999AA1 "
    )

    entry = ModelLogEntry.objects.get(action="return_portal.in_transit")
    assert (entry.user, entry.data["note"]) == (approved.buyer, "1Z999AA1")
    receiving.receive_all(approved, actor=staff)
    assert entries(approved)[-1] == ("return_portal.receive", staff)
