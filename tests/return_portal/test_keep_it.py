"""Keep-it rules: the pinned policy refunds without a return, below a value or for
given reasons. The demo seller (Atelier Lumière) lets a buyer keep an item that
arrived damaged and is worth €250 or less (its clause 5.1)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse

from core.models import OutboxMessage
from policy_pages.rules import KeepItRule, PolicyRules, WindowStart
from return_portal import lifecycle
from return_portal.approval import Rule
from return_portal.models import ActorKind, Refund, ReturnRequest, ReturnStatus
from return_portal.refunds.estimate import FigureCode
from screening.models import BlockedEntry, BlockKind
from tests.marketplace.factories import OrderFactory, OrderLineFactory, SellerFactory
from tests.return_portal.factories import returns_staff_user
from tests.return_portal.test_wizard import (  # noqa: F401 (fixtures)
    draft_id,
    english,
    start,
    step_url,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, buyer):
    client.force_login(buyer)
    return client


DAMAGED = {"reason": "arrived-damaged", "condition": "damaged", "comment": "Cracked glass."}


def _order(buyer, price="49.90", seller="atelier-lumiere", **fields):
    order = OrderFactory(buyer=buyer, payment_amount=Decimal(price) + Decimal("4.90"), **fields)
    OrderLineFactory(
        order=order,
        reference="A",
        title="Glass vase",
        unit_price=Decimal(price),
        seller=SellerFactory(reference=seller),
    )
    return order


@pytest.fixture
def order(policies, reasons, buyer):
    return _order(buyer)


def _walk(client, order, reason=DAMAGED, resolution="refund"):
    items_url = start(client, order)
    for step, data in (
        ("items", {"qty-0": "1"}),
        ("reason", reason),
        ("resolution", {"resolution": resolution}),
    ):
        response = client.post(step_url(items_url, step), data)
        assert response.status_code == 302, (step, response.content.decode()[:1500])
    return items_url


def _confirm(client, items_url) -> ReturnRequest:
    response = client.post(reverse("return_portal:confirm", args=[draft_id(items_url)]))
    assert response.status_code == 302, response.content.decode()[:1500]
    return ReturnRequest.objects.get(idempotency_key=draft_id(items_url).hex)


# --- the rule itself -------------------------------------------------------------------


def test_a_rule_applies_below_its_value_and_for_its_reasons_only():
    by_value = KeepItRule(clause="5", max_value=Decimal("15"))
    by_reason = KeepItRule(clause="5", max_value=Decimal("250"), reasons=("arrived-damaged",))
    assert by_value.applies(Decimal("15.00"), "too-small")
    assert not by_value.applies(Decimal("15.01"), "too-small")
    assert by_reason.applies(Decimal("249"), "arrived-damaged")
    assert not by_reason.applies(Decimal("249"), "too-small")
    assert not by_reason.applies(Decimal("251"), "arrived-damaged")
    assert not KeepItRule(clause="5").applies(Decimal("1"), "too-small")


def test_versions_without_keep_it_rules_hash_as_before_and_the_rules_round_trip():
    base = PolicyRules(
        currency="EUR",
        markets=("FR",),
        window_days=30,
        window_start=WindowStart.DELIVERY,
        window_clause="2",
    )
    assert "keep_it" not in base.to_dict()
    assert "store_credit_validity_months" not in base.to_dict()
    rules = PolicyRules.from_dict(
        {
            **base.to_dict(),
            "keep_it": [{"clause": "5.1", "max_value": "250.00", "reasons": ["arrived-damaged"]}],
            "store_credit_validity_months": 24,
        }
    )
    assert rules.keep_it == (
        KeepItRule(clause="5.1", max_value=Decimal("250.00"), reasons=("arrived-damaged",)),
    )
    assert PolicyRules.from_json(rules.to_canonical_json()) == rules
    assert "5.1" in rules.cited_clauses()


def test_the_demo_sellers_policy_has_the_rule(order):
    rules = order.lines.get().pin.version.rules
    assert rules.keep_it_rule(Decimal("240"), "arrived-damaged").clause == "5.1"
    assert rules.store_credit_validity_months == 24


# --- the buyer's walk ------------------------------------------------------------------


def test_the_buyer_keeps_a_damaged_vase_refunded_in_full_without_a_label(
    signed_in, order, django_capture_on_commit_callbacks
):
    items_url = _walk(signed_in, order)
    shipping = signed_in.get(step_url(items_url, "shipping")).content.decode()
    assert "Keep the items: there is nothing to send back." in shipping
    assert 'name="shipping_method"' not in shipping
    assert "§5.1" in shipping  # the clause, cited
    assert signed_in.post(step_url(items_url, "shipping"), {}).status_code == 302

    review = signed_in.get(step_url(items_url, "review")).content.decode()
    assert "Nothing to send back: you keep the items." in review
    assert "Items you keep, refunded without a return" in review
    assert "Return shipping" not in review

    with django_capture_on_commit_callbacks(execute=True):
        kept = _confirm(signed_in, items_url)

    assert kept.kept and kept.keep_it_clause == "5.1"
    assert kept.shipping_method == "" and not kept.drop_off_code and kept.ship_by is None
    assert kept.approved_by_rule == Rule.KEEP_IT
    assert kept.status == ReturnStatus.RESOLVED
    # In full, with no fee and no return shipping; within the statutory period the
    # whole order's standard delivery (4.90) is refunded too (Art. 13(1)).
    figures = kept.settlement["figures"]
    assert [f["code"] for f in figures] == [FigureCode.KEPT_ITEMS, FigureCode.ORIGINAL_SHIPPING]
    assert figures[0]["clause"] == "5.1" and figures[0]["amount"] == "49.90"
    assert kept.settled_total == Decimal("54.80")
    refund = Refund.objects.get(return_request=kept)
    assert refund.amount == Decimal("54.80")
    moves = [(e.from_status, e.to_status) for e in kept.events.order_by("pk")]
    assert [to for before, to in moves if before != to] == [
        ReturnStatus.REQUESTED,
        ReturnStatus.APPROVED,
        ReturnStatus.RESOLVED,
    ]

    # No label, no QR code, no packing slip: nothing to send.
    for name in ("label", "qr", "packing_slip"):
        url = reverse(f"return_portal:{name}", args=[kept.public_id])
        assert signed_in.get(url).status_code == 404, name
    detail = signed_in.get(reverse("return_portal:detail", args=[kept.public_id])).content.decode()
    assert "You keep the items: your refund is settled without a return" in detail
    assert "Nothing to send back: you keep the items." in detail
    # The emails: the acknowledgement says so; no "your label is ready".
    bodies = list(OutboxMessage.objects.values_list("body", flat=True)) + [
        m.body for m in mail.outbox
    ]
    assert any("The policy lets you keep the items" in body for body in bodies)
    assert not any("prepaid return label is ready" in body for body in bodies)


def test_the_resolution_step_says_the_items_are_kept(signed_in, order):
    items_url = start(signed_in, order)
    signed_in.post(step_url(items_url, "items"), {"qty-0": "1"})
    signed_in.post(step_url(items_url, "reason"), DAMAGED)
    page = signed_in.get(step_url(items_url, "resolution")).content.decode()
    assert "With a refund or store credit, you keep the items" in page
    assert "Store credit is valid for 24 months." not in page  # a defect: credit never expires


@pytest.mark.parametrize(
    "reason, price, resolution",
    [
        ({"reason": "too-small", "condition": "like_new"}, "49.90", "refund"),  # another reason
        (DAMAGED, "300.00", "refund"),  # above the cap
    ],
)
def test_otherwise_the_items_are_sent_back(signed_in, policies, reasons, buyer, reason, price,
                                           resolution):  # fmt: skip
    order = _order(buyer, price=price)
    items_url = _walk(signed_in, order, reason=reason, resolution=resolution)
    shipping = signed_in.get(step_url(items_url, "shipping")).content.decode()
    assert 'name="shipping_method"' in shipping
    assert "nothing to send back" not in shipping
    signed_in.post(step_url(items_url, "shipping"), {"shipping_method": "drop_off"})
    created = _confirm(signed_in, items_url)
    assert not created.kept and created.shipping_method == "drop_off"


def test_a_marketplace_policy_without_rules_keeps_nothing(signed_in, policies, reasons, buyer):
    order = _order(buyer, seller="maison-durand")
    items_url = _walk(signed_in, order)
    assert (
        "nothing to send back"
        not in signed_in.get(step_url(items_url, "shipping")).content.decode()
    )


def test_a_kept_return_held_by_screening_waits_and_is_refunded_once_staff_approve(
    signed_in, order, buyer, django_capture_on_commit_callbacks
):
    BlockedEntry.objects.create(kind=BlockKind.EMAIL, value=buyer.email, reason="Wardrobing")
    items_url = _walk(signed_in, order)
    signed_in.post(step_url(items_url, "shipping"), {})
    held = _confirm(signed_in, items_url)
    assert held.kept and held.status == ReturnStatus.REQUESTED
    assert not Refund.objects.filter(return_request=held).exists()
    detail = signed_in.get(reverse("return_portal:detail", args=[held.public_id])).content.decode()
    assert "there is nothing to send back" in detail

    staff = returns_staff_user(with_totp=True)
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.approve(held, actor=staff, actor_kind=ActorKind.STAFF)
    held.refresh_from_db()
    assert held.status == ReturnStatus.RESOLVED and held.ship_by is None
    assert Refund.objects.get(return_request=held).amount == Decimal("54.80")


def test_a_kept_return_is_never_received_nor_expired(order, buyer):
    r = ReturnRequest(status=ReturnStatus.APPROVED, kept=True)
    assert lifecycle.allowed(r, ReturnStatus.RESOLVED)
    assert lifecycle.allowed(r, ReturnStatus.CANCELLED)
    for to in (ReturnStatus.RECEIVED, ReturnStatus.IN_TRANSIT, ReturnStatus.EXPIRED):
        assert not lifecycle.allowed(r, to)
    sent_back = ReturnRequest(status=ReturnStatus.APPROVED, kept=False)
    assert not lifecycle.allowed(sent_back, ReturnStatus.RESOLVED)
    assert lifecycle.allowed(sent_back, ReturnStatus.RECEIVED)


def test_staff_read_the_clause_on_the_return(client, signed_in, order):
    items_url = _walk(signed_in, order)
    signed_in.post(step_url(items_url, "shipping"), {})
    kept = _confirm(signed_in, items_url)
    client.force_login(returns_staff_user(with_totp=True))
    page = client.get(reverse("returns:inspect", args=[kept.pk])).content.decode()
    assert "under clause 5.1 of the pinned policy" in page
    assert "The policy lets the buyer keep the items" in page  # approved by that rule
