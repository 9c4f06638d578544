"""The returns API from request to settlement: a return created for the buyer, a
withdrawal notice received by email, receiving and inspecting per unit, the
settlement, refunds (manual, external, goodwill) with what remains, days late
and the surcharge, each once per Idempotency-Key."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from return_portal.models import Refund, ReturnKind, ReturnRequest, UnitInspection
from return_portal.refunds import clock
from tests.api.returns_api import (
    S,
    ago,
    durand,
    durand_api,
    make_return,
    nordlicht,
    operator,
    status_of,
    url,
)
from tests.marketplace.factories import OrderFactory, OrderLineFactory
from tests.policy_pages.conftest import policies  # the demo policies
from tests.return_portal.conftest import reasons

__all__ = ["durand", "durand_api", "nordlicht", "operator", "policies", "reasons"]
pytestmark = pytest.mark.django_db

PASS = {"passed": True, "note": ""}
CHECKS = {code: PASS for code in ("visual", "packaging", "accessories", "functional")}


def unit(line, number, outcome="full_refund", **fields):
    checks = {**CHECKS, "as_described": PASS}
    if outcome == "refused":
        checks["as_described"] = {"passed": False, "note": "Another model"}
    return {"line": line, "unit": number, "checks": checks, "outcome": outcome, **fields}


def delivered_order(*sellers, days=3, **fields):
    """An order delivered `days` ago, one line per seller ("1", "2"…)."""
    order = OrderFactory(placed_at=ago(days=days + 3), payment_amount=Decimal("104.70"), **fields)
    for index, seller in enumerate(sellers, start=1):
        OrderLineFactory(
            order=order, reference=str(index), seller=seller, delivered_at=ago(days=days)
        )
    return order


# --- from the parcel to the settlement -------------------------------------------------------


def test_a_sellers_token_receives_inspects_and_settles(policies, durand, durand_api):
    r = make_return(durand, status=S.APPROVED, quantities=(3,))

    durand_api.post(url(r, "receive"), {"lines": [{"line": "1", "received": 2}]})
    body = durand_api.post(url(r, "receive"), {"lines": [{"line": "1", "received": 1}]}).json()
    assert body["status"] == "received"

    inspected = durand_api.post(
        url(r, "inspect"),
        {
            "units": [
                unit("1", 1),
                unit("1", 2),
                unit("1", 3, "refused", justification="Not the item sold",
                     disposition="return_to_buyer"),
            ]
        },
    )  # fmt: skip
    assert inspected.status_code == 200, inspected.json()
    (line,) = inspected.json()["lines"]
    assert inspected.json()["status"] == "inspected"
    assert line["inspected"] == 3
    assert [u["outcome"] for u in line["units"]] == ["full_refund", "full_refund", "refused"]
    assert line["units"][2]["earnings"] == "0.00"
    assert line["units"][2]["disposition"] == "return_to_buyer"

    resolved = durand_api.post(url(r, "resolve"))
    assert resolved.status_code == 200, resolved.json()
    body = resolved.json()
    assert body["status"] == "resolved"
    assert body["settlement"], "the settlement is shown once decided"
    assert body["settled_total"] is not None
    assert sum(Decimal(x["amount"]) for x in body["refunds"]) == Decimal(body["settled_total"])


def test_a_deduction_above_what_the_unit_earns_is_a_field_error(policies, durand, operator):
    r = make_return(durand, status=S.RECEIVED, quantities=(1,))
    r.lines.update(received_quantity=1)

    response = operator.post(
        url(r, "inspect"),
        {"units": [unit("1", 1, "partial_refund", deduction="100.00", deduction_reason="Worn")]},
    )

    assert response.status_code == 400, response.json()
    assert response.json()["code"] == "constraint"
    assert list(response.json()["errors"]) == ["units[0].deduction"]
    assert not UnitInspection.objects.exists() and status_of(r) == S.RECEIVED


def test_inspecting_a_unit_not_yet_received_is_a_409(policies, durand, operator):
    r = make_return(durand, status=S.APPROVED)
    response = operator.post(url(r, "inspect"), {"units": [unit("1", 1)]})
    assert response.status_code == 409 and response.json()["code"] == "transition"


# --- refunds -----------------------------------------------------------------------------------


def test_a_refund_is_booked_once_per_key_and_never_beyond_what_remains(policies, durand, operator):
    r = make_return(durand, status=S.RECEIVED)
    refund = {"currency": "EUR", "amount": "10.00", "reason": "Deduction given back"}

    first = operator.post(url(r, "refunds"), refund, key="refund-1")
    again = operator.post(url(r, "refunds"), refund, key="refund-1")

    assert first.status_code == again.status_code == 201, first.json()
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert [x["amount"] for x in first.json()["refunds"]] == ["10.00"]
    assert Refund.objects.filter(return_request=r).count() == 1

    too_much = operator.post(url(r, "refunds"), {**refund, "amount": "45.00"}, key="refund-2")
    assert too_much.status_code == 400
    assert too_much.json()["code"] == "constraint"
    assert too_much.json()["remaining"] == "39.90" and too_much.json()["currency"] == "EUR"
    assert "amount" in too_much.json()["errors"]
    assert Refund.objects.filter(return_request=r).count() == 1


def test_a_refund_needs_its_key_and_the_orders_currency(policies, durand, operator):
    r = make_return(durand, status=S.RECEIVED)
    refund = {"currency": "EUR", "amount": "10.00", "reason": "Sorry"}

    keyless = operator.post(url(r, "refunds"), refund)
    assert keyless.status_code == 400 and "Idempotency-Key" in keyless.json()["errors"]
    other = operator.post(url(r, "refunds"), {**refund, "currency": "GBP"}, key="k")
    assert other.status_code == 400 and "currency" in other.json()["errors"]
    zero = operator.post(url(r, "refunds"), {**refund, "amount": "0"}, key="k")
    assert zero.status_code == 400 and zero.json()["code"] == "constraint"
    requested = make_return(durand, status=S.REQUESTED)
    refused = operator.post(url(requested, "refunds"), refund, key="k")
    assert refused.status_code == 409 and refused.json()["code"] == "transition"
    assert not Refund.objects.exists()


def test_a_refund_above_the_operators_limit_is_the_operators(policies, durand, durand_api):
    from return_portal.models import BackOfficeSettings

    settings = BackOfficeSettings.load()
    settings.operator_settles_above = Decimal("5.00")
    settings.save()
    r = make_return(durand, status=S.RECEIVED)

    response = durand_api.post(
        url(r, "refunds"), {"currency": "EUR", "amount": "10.00", "reason": "Sorry"}, key="k"
    )
    assert response.status_code == 403 and not Refund.objects.exists()


def test_an_external_refund_shows_its_paid_date_and_days_late(policies, durand, operator):
    r = make_return(durand, status=S.RECEIVED, statutory=True)
    ReturnRequest.objects.filter(pk=r.pk).update(
        created_at=ago(days=20), notice_at=ago(days=20), refund_due_by=ago(days=5)
    )
    paid_at = ago(days=2).replace(microsecond=0)

    paid = {"currency": "EUR", "amount": "49.90", "paid_at": paid_at.isoformat()}
    response = operator.post(url(r, "external-refunds"), {**paid, "reference": "PSP-1"}, key="e")

    assert response.status_code == 201, response.json()
    (booked,) = response.json()["refunds"]
    assert booked["paid_externally"] is True
    assert booked["paid_at"] == paid_at.isoformat()
    assert booked["days_late"] == clock.days_late(ago(days=5), paid_at, market="FR") > 0
    assert booked["surcharge"] == str(Refund.objects.get().surcharge)
    detail = operator.get(url(r)).json()
    assert detail["refunds"] == response.json()["refunds"]
    future = (timezone.now() + timedelta(hours=2)).isoformat()
    late = operator.post(
        url(r, "external-refunds"),
        {"currency": "EUR", "amount": "1.00", "paid_at": future},
        key="ext-2",
    )
    assert late.status_code == 400 and list(late.json()["errors"]) == ["paid_at"]


def test_a_goodwill_refund_of_an_order(policies, durand, nordlicht, operator, durand_api):
    shared = delivered_order(durand, nordlicht)
    own = delivered_order(durand)
    gesture = {"currency": "EUR", "amount": "5.00", "reason": "Late delivery"}

    done = operator.post(f"/api/v1/orders/{shared.reference}/goodwill-refunds", gesture, key="g")
    assert done.status_code == 201, done.json()
    assert done.json()["rma"] is None and done.json()["refunds"][0]["kind"] == "goodwill"
    # A seller's token acts on an order as a whole only when every line is its own.
    mixed = durand_api.post(f"/api/v1/orders/{shared.reference}/goodwill-refunds", gesture, key="g")
    assert mixed.status_code == 403
    mine = durand_api.post(f"/api/v1/orders/{own.reference}/goodwill-refunds", gesture, key="g")
    assert mine.status_code == 201, mine.json()
    other = delivered_order(nordlicht)
    hidden = durand_api.post(f"/api/v1/orders/{other.reference}/goodwill-refunds", gesture, key="x")
    assert hidden.status_code == 404
    assert Refund.objects.count() == 2


# --- returns created for the buyer ----------------------------------------------------------


def test_a_return_created_for_the_buyer_is_judged_like_the_portals(
    policies, reasons, durand, nordlicht, durand_api
):
    order = delivered_order(durand, nordlicht)
    request = {
        "order": order.reference,
        "lines": [{"line": "1", "quantity": 1}],
        "reason": "too-small",
        "condition": "like_new",
        "resolution": "refund",
        "shipping_method": "drop_off",
    }

    unknown_reason = durand_api.post(
        "/api/v1/returns", {**request, "reason": "no-such-reason"}, key="ret-0"
    )
    assert unknown_reason.status_code == 400 and "reason" in unknown_reason.json()["errors"]
    created = durand_api.post("/api/v1/returns", request, key="ret-1")
    again = durand_api.post("/api/v1/returns", request, key="ret-1")

    assert created.status_code == 201, created.json()
    assert again.json() == created.json() and again["Idempotent-Replayed"] == "true"
    assert created.json()["seller"]["reference"] == "maison-durand"
    assert ReturnRequest.objects.filter(order=order).count() == 1
    # Another seller's line is one this token's order does not have.
    other = durand_api.post("/api/v1/returns", {**request, "lines": [{"line": "2", "quantity": 1}]},
                            key="ret-2")  # fmt: skip
    assert other.status_code == 400 and other.json()["code"] == "unknown"
    assert "lines[0].line" in other.json()["errors"]
    # The portal's own checks: nothing of line 1 is left to return.
    twice = durand_api.post("/api/v1/returns", request, key="ret-3")
    assert twice.status_code == 400 and twice.json()["code"] == "constraint"
    assert "lines" in twice.json()["errors"]


def test_a_withdrawal_notice_received_by_email_starts_the_clock_then(
    policies, durand, nordlicht, durand_api, operator
):
    order = delivered_order(durand, nordlicht)
    notified = ago(days=1).replace(microsecond=0)
    notice = {"notified_at": notified.isoformat(), "channel": "email"}
    path = f"/api/v1/orders/{order.reference}/withdrawal-notices"

    response = durand_api.post(path, notice, key="mail-1")

    assert response.status_code == 201, response.json()
    (withdrawal,) = response.json()["returns"]  # the seller's own line only
    assert withdrawal["kind"] == ReturnKind.WITHDRAWAL and withdrawal["status"] == "approved"
    assert [line["reference"] for line in withdrawal["lines"]] == ["1"]
    assert withdrawal["notice_at"] == notified.isoformat()
    assert (
        withdrawal["refund_due_by"]
        == clock.statutory_due_by("FR", notified)
        .astimezone(timezone.UTC if hasattr(timezone, "UTC") else notified.tzinfo)
        .isoformat()
    )
    future = {**notice, "notified_at": (timezone.now() + timedelta(hours=1)).isoformat()}
    refused = operator.post(path, future, key="mail-2")
    assert refused.status_code == 400 and list(refused.json()["errors"]) == ["notified_at"]
    assert operator.post(path, {**notice, "channel": "button"}, key="mail-3").status_code == 400
