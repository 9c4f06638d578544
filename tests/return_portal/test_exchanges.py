"""Exchanges as real requests: the buyer picks a variant the platform offered, the
price difference is settled (charged, refunded or on store credit), approval
requests the replacement from the platform (exchange.requested), its reply is
shown to the buyer; an instant exchange holds an authorisation until the return
arrives, captured when it never does."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone, translation
from standardwebhooks import Webhook

from marketplace.models import LineVariant
from return_portal import lifecycle, receiving
from return_portal.exchanges import actions, offer
from return_portal.exchanges.offer import ExchangeChoice, ExchangeLine
from return_portal.exchanges.reply import Reply, ReplyRefused, record_reply
from return_portal.models import (
    AuthorisationStatus,
    Exchange,
    ExchangeStatus,
    Refund,
    RefundKind,
    ReturnRequest,
)
from return_portal.refunds import simulated
from return_portal.views import wizard
from store_credit import ledger
from tests.marketplace.factories import OrderFactory, OrderLineFactory
from tests.return_portal.factories import (
    ReturnLineFactory,
    ReturnRequestFactory,
    returns_staff_user,
)
from tests.webhooks.conftest import endpoint
from tests.webhooks.receiver import Receiver

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    translation.activate("en")
    yield
    translation.activate("en")


def ago(days):
    return timezone.now() - timedelta(days=days)


@pytest.fixture
def order(policies, reasons, buyer):
    order = OrderFactory(buyer=buyer, placed_at=ago(6), payment_amount=Decimal("80.00"))
    jacket = OrderLineFactory(
        order=order, reference="A", sku="JKT-M", title="Quilted jacket", unit_price="80.00"
    )
    for position, (sku, size, price, stock) in enumerate(
        [
            ("JKT-L", "L", "80.00", True),
            ("JKT-XL", "XL", "95.00", True),
            ("JKT-S", "S", "72.00", True),
            ("JKT-XS", "XS", "80.00", False),
        ]
    ):
        LineVariant.objects.create(
            line=jacket,
            position=position,
            sku=sku,
            title="Quilted jacket",
            attributes={"size": size},
            unit_price=Decimal(price),
            in_stock=stock,
        )
    return order


@pytest.fixture
def receiver():
    with Receiver() as running:
        yield running


@pytest.fixture
def signed_in(client, buyer):
    client.force_login(buyer)
    return client


def walk_to_review(client, order, exchange_to, difference_by="payment"):
    start = client.post(reverse("return_portal:start", args=[order.public_id]))
    items_url = start["Location"]
    steps = {
        "items": {"qty-0": "1"},
        "reason": {"reason": "too-small", "condition": "like_new"},
        "resolution": {
            "resolution": "exchange",
            "exchange-A": exchange_to,
            "difference_by": difference_by,
        },
        "shipping": {"shipping_method": "drop_off"},
    }
    for step in wizard.STEPS[: wizard.STEPS.index("review")]:
        response = client.post(items_url.replace("/items/", f"/{step}/"), steps[step])
        assert response.status_code == 302, (step, response.content.decode()[:3000])
    return items_url


def confirm(client, items_url) -> ReturnRequest:
    draft = items_url.split("/drafts/")[1].split("/")[0]
    response = client.post(reverse("return_portal:confirm", args=[draft]))
    assert response.status_code == 302
    return ReturnRequest.objects.get()


def test_the_resolution_step_offers_the_variants_with_their_price_difference(signed_in, order):
    start = signed_in.post(reverse("return_portal:start", args=[order.public_id]))
    items_url = start["Location"]
    signed_in.post(items_url, {"qty-0": "1"})
    signed_in.post(
        items_url.replace("/items/", "/reason/"), {"reason": "too-small", "condition": "used"}
    )
    body = signed_in.get(items_url.replace("/items/", "/resolution/")).content.decode()
    assert "Instead of Quilted jacket" in body
    assert "size XL — €95.00" in body and "(€15.00 more)" in body
    assert "(€8.00 less)" in body and "(same price)" in body
    assert 'value="JKT-XS" id="exchange-A-4" disabled' in body


def test_a_dearer_replacement_is_charged_on_approval_requested_and_answered(
    signed_in, order, buyer, receiver, django_capture_on_commit_callbacks
):
    hook = endpoint(receiver.url, events=["exchange.requested"])
    items_url = walk_to_review(signed_in, order, "JKT-XL")
    review = signed_in.get(items_url.replace("/items/", "/review/")).content.decode()
    assert "1 × Quilted jacket → Quilted jacket" in review and "(size XL)" in review
    # €15.00 dearer, and the drop-off the buyer pays for a change of mind.
    assert "You pay €18.90, charged to your original means of payment" in review
    assert "We refund" not in review and "Estimated refund" not in review

    r = confirm(signed_in, items_url)
    exchange = r.exchange
    assert (exchange.status, exchange.balance, exchange.settle_by) == (
        ExchangeStatus.PENDING,
        Decimal("-18.90"),
        "charge",
    )
    line = r.lines.get()
    assert (line.exchange_sku, line.exchange_attributes) == ("JKT-XL", {"size": "XL"})
    assert line.exchange_unit_price == Decimal("95.00")
    assert r.estimate["to_pay"] == "18.90"

    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.approve(r, actor=returns_staff_user())
    exchange.refresh_from_db()
    assert exchange.status == ExchangeStatus.REQUESTED
    assert exchange.settled_at is not None and exchange.settlement_reference.startswith("charge-")
    codes = list(r.events.values_list("code", flat=True))
    assert "exchange_charged" in codes and "exchange_requested" in codes

    [request] = receiver.requests
    payload = Webhook(hook.secret).verify(request["body"], request["headers"])
    assert payload["type"] == "exchange.requested"
    data = payload["data"]["exchange"]
    assert data["lines"] == [
        {
            "order_line": "A",
            "quantity": 1,
            "from_sku": "JKT-M",
            "to_sku": "JKT-XL",
            "to_title": "Quilted jacket",
            "to_attributes": {"size": "XL"},
            "to_unit_price": {"amount": "95.00", "currency": "EUR"},
        }
    ]
    assert data["difference"] == {"amount": "-18.90", "currency": "EUR"}
    assert data["settled_by"] == "charge" and data["ship"] == "on_receipt"

    detail = reverse("return_portal:detail", args=[r.public_id])
    assert "Replacement order" not in signed_in.get(detail).content.decode()
    record_reply(r, Reply("SHOP-REPL-1"))
    record_reply(r, Reply("SHOP-REPL-1", shipped=True, carrier="DHL", tracking="JD0001"))
    _again, changed = record_reply(r, Reply("SHOP-REPL-1", shipped=True))
    assert not changed
    assert r.events.filter(code="exchange_shipped").count() == 1
    page = signed_in.get(detail).content.decode()
    assert "Replacement order SHOP-REPL-1" in page and "DHL tracking JD0001" in page
    assert "You paid the difference of €18.90." in page
    with pytest.raises(ReplyRefused) as refused:
        record_reply(r, Reply("SHOP-OTHER-2"))
    assert refused.value.code == "conflict"


def test_a_cheaper_replacement_gives_the_difference_back_as_credit_on_receipt(
    signed_in, order, buyer
):
    items_url = walk_to_review(signed_in, order, "JKT-S", difference_by="credit")
    review = signed_in.get(items_url.replace("/items/", "/review/")).content.decode()
    # €8.00 cheaper, less the €3.90 drop-off.
    assert "You get €4.10 back as store credit once your parcel arrives." in review
    r = confirm(signed_in, items_url)
    assert (r.exchange.balance, r.exchange.settle_by) == (Decimal("4.10"), "credit")
    staff = returns_staff_user()
    lifecycle.approve(r, actor=staff)
    assert ledger.balances([buyer.email]) == {}  # nothing before the parcel is in
    receiving.receive_all(r, actor=staff, key="receipt-1")
    r.exchange.refresh_from_db()
    assert r.exchange.settled_at is not None
    assert ledger.balances([buyer.email]) == {"EUR": Decimal("4.10")}
    receiving.receive_all(r, actor=staff, key="receipt-1")  # replayed: credited once
    assert ledger.balances([buyer.email]) == {"EUR": Decimal("4.10")}


def test_a_cheaper_replacement_refunds_the_difference_to_the_payment(order, buyer):
    r = exchange_return(order, "JKT-S", settle_by="payment", shipping=Decimal("0"))
    staff = returns_staff_user()
    lifecycle.approve(r, actor=staff)
    assert not Refund.objects.exists()
    receiving.receive_all(r, actor=staff, key="receipt-1")
    [refund] = Refund.objects.all()
    assert (refund.kind, refund.amount) == (RefundKind.EXCHANGE_DIFFERENCE, Decimal("8.00"))
    order.refresh_from_db()
    assert order.refunded_amount == Decimal("8.00")


def exchange_return(order, sku, *, settle_by="payment", shipping=Decimal("0"), instant=False):
    """An exchange return created as confirm does, without the wizard."""
    line = order.lines.get(reference="A")
    r = ReturnRequestFactory(
        order=order, buyer=order.buyer, resolution="exchange", shipping_cost=shipping
    )
    ReturnLineFactory(return_request=r, order_line=line, quantity=1)
    variant = line.variants.get(sku=sku)
    choice = ExchangeChoice((ExchangeLine(line, 1, variant),), settle_by)
    settled = offer.check_settlement(choice, shipping)
    actions.create(r, choice, settled, instant=instant)
    r.refresh_from_db()
    return r


def test_a_declined_charge_leaves_the_exchange_for_staff_and_requests_nothing(order, buyer):
    r = exchange_return(order, "JKT-XL")
    simulated.configure(f"exchange-charge:{r.exchange.public_id}", "fail")
    with override_charges("return_portal.exchanges.gateway.SimulatedChargeGateway"):
        lifecycle.approve(r, actor=returns_staff_user())
    r.exchange.refresh_from_db()
    assert r.exchange.status == ExchangeStatus.PAYMENT_FAILED
    assert r.exchange.settled_at is None
    codes = set(r.events.values_list("code", flat=True))
    assert "exchange_payment_failed" in codes and "exchange_requested" not in codes


def test_paying_with_credit_spends_it_and_a_cancel_gives_it_back(order, buyer):
    ledger.issue(buyer.email, Decimal("50.00"), "EUR", key="earlier-credit")
    r = exchange_return(order, "JKT-XL", settle_by="credit")
    lifecycle.approve(r, actor=returns_staff_user())
    assert ledger.balances([buyer.email]) == {"EUR": Decimal("35.00")}
    lifecycle.cancel(r, actor=buyer)
    r.exchange.refresh_from_db()
    assert r.exchange.status == ExchangeStatus.CANCELLED
    assert ledger.balances([buyer.email]) == {"EUR": Decimal("50.00")}


def test_credit_that_does_not_cover_the_difference_is_refused(order, buyer):
    line = order.lines.get(reference="A")
    choice = ExchangeChoice((ExchangeLine(line, 1, line.variants.get(sku="JKT-XL")),), "credit")
    with pytest.raises(Exception) as refused:
        offer.check_settlement(choice, Decimal("0"), credit_balance=Decimal("10.00"))
    assert "does not cover" in str(refused.value.errors)


def test_an_instant_exchange_holds_the_value_until_the_parcel_arrives(order, buyer):
    r = exchange_return(order, "JKT-L", instant=True)
    staff = returns_staff_user()
    lifecycle.approve(r, actor=staff)
    r.exchange.refresh_from_db()
    assert r.exchange.status == ExchangeStatus.REQUESTED
    assert (r.exchange.authorisation_status, r.exchange.authorisation_amount) == (
        AuthorisationStatus.AUTHORISED,
        Decimal("80.00"),
    )
    receiving.receive_all(r, actor=staff, key="receipt-1")
    r.exchange.refresh_from_db()
    assert r.exchange.authorisation_status == AuthorisationStatus.RELEASED


def test_an_instant_exchange_never_sent_back_is_captured_at_expiry(order, buyer):
    r = exchange_return(order, "JKT-L", instant=True)
    lifecycle.approve(r, actor=returns_staff_user(), ship_by=ago(1))
    assert lifecycle.expire_overdue(timezone.now()) == 1
    r.exchange.refresh_from_db()
    assert r.exchange.authorisation_status == AuthorisationStatus.CAPTURED
    assert r.events.filter(code="exchange_captured").exists()


def test_the_balance_must_add_up_in_the_database(order):
    r = ReturnRequestFactory(order=order, resolution="exchange")
    with pytest.raises(IntegrityError), transaction.atomic():
        Exchange.objects.create(
            return_request=r,
            currency="EUR",
            returned_total=Decimal("80.00"),
            replacement_total=Decimal("95.00"),
            balance=Decimal("5.00"),
            settle_by="refund",
        )


def override_charges(path):
    return override_settings(RETURNS_CHARGE_GATEWAY=path)


def test_the_review_sends_the_buyer_back_when_their_credit_does_not_cover_it(signed_in, order):
    items_url = walk_to_review(signed_in, order, "JKT-XL", difference_by="credit")
    review = signed_in.get(items_url.replace("/items/", "/review/"))
    assert review.status_code in (302, 422, 200)
    page = signed_in.get(items_url.replace("/items/", "/review/"), follow=True)
    body = page.content.decode()
    assert "Your store credit does not cover the difference." in body
    assert 'href="#difference_by-fieldset"' in body
    assert not ReturnRequest.objects.exists()


def test_instant_exchange_is_a_rule_of_the_version_left_out_while_off(policies):
    from dataclasses import replace

    from policy_pages.rules import PolicyRules
    from policy_pages.versions import PolicyVersion

    rules = PolicyVersion.objects.first().rules
    assert "instant_exchange" not in rules.to_dict()  # versions written before hash as they did
    instant = PolicyRules.from_dict(replace(rules, instant_exchange=True).to_dict())
    assert instant.instant_exchange and instant.to_dict()["instant_exchange"] is True


def test_a_policy_with_instant_exchange_makes_the_confirmed_exchange_instant(
    signed_in, order, monkeypatch
):
    from dataclasses import replace

    from policy_pages.models import PolicyPage
    from policy_pages.versions import PolicyVersion

    page = PolicyPage.objects.get(pk=order.lines.get().pin.version.policy_id)
    page.instant_exchange = True
    assert page.build_rules().instant_exchange
    page.offer_exchange = False
    assert not page.build_rules().instant_exchange  # no exchange, nothing instant

    # The pinned version says instant: the confirmed exchange is.
    pinned = PolicyVersion.rules.fget
    monkeypatch.setattr(
        PolicyVersion, "rules", property(lambda v: replace(pinned(v), instant_exchange=True))
    )
    items_url = walk_to_review(signed_in, order, "JKT-L")
    review = signed_in.get(items_url.replace("/items/", "/review/")).content.decode()
    assert "Instant exchange: your replacement ships as soon as the exchange is approved." in review
    assert confirm(signed_in, items_url).exchange.instant


# --- the back office -------------------------------------------------------------------


def test_staff_see_the_structured_exchange_retry_a_declined_payment_and_record_the_reply(
    client, order, buyer
):
    from tests.return_portal.queue_helpers import detail_url, operator_staff

    r = exchange_return(order, "JKT-XL")
    key = f"exchange-charge:{r.exchange.public_id}"
    simulated.configure(key, "fail")
    with override_charges("return_portal.exchanges.gateway.SimulatedChargeGateway"):
        lifecycle.approve(r, actor=returns_staff_user())
        staff = operator_staff()
        client.force_login(staff)
        page = client.get(detail_url(r)).content.decode()
        assert "JKT-M" in page and "JKT-XL" in page and "size: XL" in page
        assert "the buyer pays €15.00" in page and "payment failed" in page.lower()
        assert 'value="retry-exchange-payment"' in page

        declined = client.post(detail_url(r), {"action": "retry-exchange-payment"}, follow=True)
        assert "The payment was declined again" in declined.content.decode()
        simulated.configure(key, "succeed")
        client.post(detail_url(r), {"action": "retry-exchange-payment"})
    r.exchange.refresh_from_db()
    assert r.exchange.status == ExchangeStatus.REQUESTED and r.exchange.settled_at
    retried = r.events.get(code="exchange_requested")
    assert retried.actor == staff

    page = client.get(detail_url(r)).content.decode()
    assert 'value="exchange-replacement"' in page
    client.post(
        detail_url(r),
        {
            "action": "exchange-replacement",
            "exchange-replacement-order_reference": "SHOP-9",
            "exchange-replacement-shipped": "on",
            "exchange-replacement-carrier": "UPS",
            "exchange-replacement-tracking": "1Z999",
        },
    )
    r.exchange.refresh_from_db()
    assert (r.exchange.status, r.exchange.replacement_order_reference) == ("shipped", "SHOP-9")
    refused = client.post(
        detail_url(r),
        {"action": "exchange-replacement", "exchange-replacement-order_reference": "\x00" * 80},
    )
    assert refused.status_code == 422


def test_an_exchanged_unit_is_not_refunded_too(order):
    from return_portal.inspection_rules import CheckResult, UnitResult, result_errors
    from return_portal.models import InspectionCheck, InspectionOutcome

    checks = {code: CheckResult(True) for code in InspectionCheck.values}
    refunded = UnitResult(InspectionOutcome.FULL_REFUND, checks)
    replaced = UnitResult(InspectionOutcome.REPLACEMENT, checks)
    terms = {"earnings": Decimal("80.00"), "deduction_allowed": False}
    assert "outcome" in result_errors(refunded, exchange=True, **terms)
    assert result_errors(replaced, exchange=True, **terms) == {}
    assert result_errors(refunded, exchange=False, **terms) == {}
