"""The buyer's store credit in a real browser: linked from My orders, the balance
and each movement; the storefront pays part of a new order with it through the
API and the buyer sees the balance drop; in French on a phone, with axe on every
page."""

import json
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from store_credit import ledger
from tests.e2e.test_withdrawal import sign_in
from tests.factories import UserFactory
from tests.marketplace.factories import OrderFactory


@pytest.fixture
def buyer_with_credit(live_site):
    buyer = UserFactory(email="credit-buyer@example.com")
    order = OrderFactory(buyer=buyer, reference="EU-CREDIT-1")
    ledger.issue(buyer.email, Decimal("1284.50"), "EUR", key="e2e:issue", order=order)
    return buyer


def test_the_storefront_spends_credit_through_the_api_and_the_buyer_sees_it_drop(
    live_site, buyer_with_credit, page, phone_page, assert_accessible
):
    from marketplace.models import ApiToken

    base = live_site.url
    sign_in(page, base, buyer_with_credit)
    page.goto(f"{base}/returns/")
    page.get_by_role("link", name="My store credit").click()
    expect(page.locator("h1")).to_have_text("My store credit")
    expect(page.locator("main")).to_contain_text(re.compile(r"€1,284\.50"))
    assert_accessible(page)

    # At checkout of a new order, the storefront pays €50.00 of it with the credit.
    new_order = OrderFactory(buyer=buyer_with_credit, reference="EU-CREDIT-2")
    token = ApiToken.issue("storefront")[1]
    spend = page.request.post(
        f"{base}/api/v1/buyers/{buyer_with_credit.email}/credit/spends",
        data=json.dumps({"currency": "EUR", "amount": "50.00", "order": new_order.reference}),
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Idempotency-Key": "checkout-EU-CREDIT-2",
        },
    )
    assert spend.status == 201, spend.text()
    assert spend.json()["balance"] == "1234.50"
    page.reload()
    expect(page.locator("main")).to_contain_text(re.compile(r"€1,234\.50"))
    expect(page.locator("table")).to_contain_text("EU-CREDIT-2")
    assert_accessible(page)

    sign_in(phone_page, base, buyer_with_credit)
    phone_page.goto(f"{base}/fr/returns/credit/")
    expect(phone_page.locator("h1")).to_have_text("Mon avoir")
    # French money: a (narrow) no-break space between thousands and before the euro.
    expect(phone_page.locator("main")).to_contain_text(re.compile(r"1\s234,50\s€"))
    expect(phone_page.locator("table")).to_contain_text(re.compile(r"-50,00\s€"))
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the credit page scrolls sideways on a phone ({width}px)"
    assert_accessible(phone_page)
