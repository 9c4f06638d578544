"""The buyer's store credit in a real browser: linked from My orders, the balance
and each movement, in French on a phone, with axe on every page."""

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
    ledger.spend(buyer.email, Decimal("50.00"), "EUR", key="e2e:spend")
    return buyer


def test_the_buyer_reads_their_credit_in_french_on_a_phone(
    live_site, buyer_with_credit, page, phone_page, assert_accessible
):
    base = live_site.url
    sign_in(page, base, buyer_with_credit)
    page.goto(f"{base}/returns/")
    page.get_by_role("link", name="My store credit").click()
    expect(page.locator("h1")).to_have_text("My store credit")
    expect(page.locator("main")).to_contain_text(re.compile(r"€1,234\.50"))
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
