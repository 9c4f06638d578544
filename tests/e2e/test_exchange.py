"""The buyer exchanges a jacket for another size in a real browser: the variants
the shop offered with their price difference, what they pay at the review, and
once the shop's system answers through the API, the replacement order on the
return's page. axe checks every page."""

import json
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.test_return_portal import STEP_URL, open_first_step, signed_in_page
from tests.factories import UserFactory


@pytest.fixture
def jacket_order(live_site):
    from marketplace.models import LineVariant
    from policy_pages.seeding import seed_policies
    from return_portal.seeding import seed_reasons
    from tests.marketplace.factories import OrderFactory, OrderLineFactory

    seed_policies()
    seed_reasons()
    buyer = UserFactory(email="jonas@example.com")
    order = OrderFactory(
        buyer=buyer,
        reference="EU-JACKET-1",
        placed_at=timezone.now() - timedelta(days=5),
        payment_amount=Decimal("129.00"),
    )
    jacket = OrderLineFactory(
        order=order, reference="A", sku="PARKA-M", title="Wool parka", unit_price="129.00"
    )
    for position, (size, price, stock) in enumerate(
        [("L", "129.00", True), ("XL", "149.00", True), ("XXL", "149.00", False)]
    ):
        LineVariant.objects.create(
            line=jacket,
            position=position,
            sku=f"PARKA-{size}",
            title="Wool parka",
            attributes={"size": size},
            unit_price=Decimal(price),
            in_stock=stock,
        )
    return live_site, buyer, order


def test_the_buyer_exchanges_a_jacket_for_a_dearer_size_and_sees_the_replacement_order(
    jacket_order, browser, assert_accessible
):
    from marketplace.models import ApiToken
    from return_portal import lifecycle
    from return_portal.models import ReturnRequest
    from tests.return_portal.factories import returns_staff_user

    live, buyer, order = jacket_order
    page = signed_in_page(browser, live.url, buyer)
    open_first_step(page, live.url, order)
    page.get_by_label(re.compile("Return this item.*Wool parka")).check()
    page.get_by_role("button", name="Continue").click()

    expect(page).to_have_url(re.compile(STEP_URL % "reason"))
    page.get_by_label("Too small").check()
    page.get_by_label("Opened, like new").check()
    page.get_by_role("button", name="Continue").click()

    # The sizes the shop offered, shown once "Exchange" is chosen.
    expect(page).to_have_url(re.compile(STEP_URL % "resolution"))
    sizes = page.get_by_role("group", name="Instead of Wool parka")
    expect(sizes).to_be_hidden()
    page.get_by_label("Exchange", exact=True).check()
    expect(sizes).to_be_visible()
    expect(sizes).to_contain_text("(€20.00 more)")
    expect(page.get_by_label(re.compile("size XXL"))).to_be_disabled()
    assert_accessible(page)
    page.get_by_label(re.compile("size XL — ")).check()
    page.get_by_role("button", name="Continue").click()

    expect(page).to_have_url(re.compile(STEP_URL % "shipping"))
    page.get_by_label(re.compile(r"Drop-off point \(QR code\)")).check()
    page.get_by_role("button", name="Continue").click()

    # €20.00 more, and the €3.90 drop-off of a change of mind.
    expect(page).to_have_url(re.compile(STEP_URL % "review"))
    expect(page.get_by_text("1 × Wool parka → Wool parka")).to_be_visible()
    expect(page.get_by_text(re.compile(r"You pay €23\.90, charged"))).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Confirm return").click()

    expect(page.get_by_text(re.compile(r"RMA-[A-Z0-9]{8}")).first).to_be_visible()
    created = ReturnRequest.objects.get()
    lifecycle.approve(created, actor=returns_staff_user(), actor_kind="staff")
    page.reload()
    expect(page.locator(".exchange-status")).to_contain_text("Replacement requested")
    expect(page.locator(".exchange-status")).to_contain_text("You paid the difference of €23.90.")

    # The shop's order system answers through the API: ordered, then shipped.
    token = ApiToken.issue("shop order system")[1]
    url = f"{live.url}/api/v1/returns/{created.rma}/exchange/replacement"
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    for body in (
        {"order_reference": "EU-REPL-7781", "status": "ordered"},
        {
            "order_reference": "EU-REPL-7781",
            "status": "shipped",
            "carrier": "DHL",
            "tracking": "JD014600006281",
        },
    ):
        answer = page.request.post(url, data=json.dumps(body), headers=headers)
        assert answer.status == 200, answer.text()
    page.reload()
    replacement = page.locator(".replacement-order")
    expect(replacement).to_contain_text("Replacement order EU-REPL-7781")
    expect(replacement).to_contain_text("DHL tracking JD014600006281")
    expect(page.locator("#timeline")).to_contain_text("Replacement shipped")
    assert_accessible(page)
