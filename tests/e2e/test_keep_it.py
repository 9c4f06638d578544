"""A glass vase arrived damaged: the seller's policy lets the buyer keep it, so the
portal asks for no parcel, and the return is refunded in full at once, with no
label to print. axe checks the pages where it is said."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.test_return_portal import STEP_URL, open_first_step, signed_in_page
from tests.factories import UserFactory


@pytest.fixture
def vase_order(live_site):
    from policy_pages.seeding import seed_policies
    from return_portal.seeding import seed_reasons
    from tests.marketplace.factories import OrderFactory, OrderLineFactory, SellerFactory

    seed_policies()
    seed_reasons()
    buyer = UserFactory(email="ines@example.com")
    order = OrderFactory(
        buyer=buyer,
        reference="EU-VASE-1",
        placed_at=timezone.now() - timedelta(days=4),
        payment_amount=Decimal("69.90"),
    )
    OrderLineFactory(
        order=order,
        reference="A",
        title="Glass vase",
        unit_price="65.00",
        seller=SellerFactory(reference="atelier-lumiere", name="Atelier Lumière"),
    )
    return live_site, buyer, order


def test_the_buyer_keeps_a_damaged_vase_and_is_refunded_without_sending_it(
    vase_order, browser, assert_accessible
):
    live, buyer, order = vase_order
    page = signed_in_page(browser, live.url, buyer)
    open_first_step(page, live.url, order)
    page.get_by_label(re.compile("Return this item.*Glass vase")).check()
    page.get_by_role("button", name="Continue").click()

    expect(page).to_have_url(re.compile(STEP_URL % "reason"))
    page.get_by_label("Arrived damaged").check()
    page.get_by_label("Damaged or faulty").check()
    page.get_by_role("button", name="Continue").click()

    expect(page).to_have_url(re.compile(STEP_URL % "resolution"))
    expect(page.locator("#keep-it")).to_contain_text("you keep the items")
    page.get_by_label("Refund to the original payment").check()
    page.get_by_role("button", name="Continue").click()

    expect(page).to_have_url(re.compile(STEP_URL % "shipping"))
    expect(page.locator("#keep-it")).to_contain_text("there is nothing to send back")
    expect(page.locator("#keep-it")).to_contain_text("§5.1")
    expect(page.get_by_role("radio")).to_have_count(0)
    assert_accessible(page)
    page.get_by_role("button", name="Continue").click()

    expect(page).to_have_url(re.compile(STEP_URL % "review"))
    expect(page.get_by_text("Items you keep, refunded without a return")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Confirm return").click()

    expect(page.get_by_text(re.compile(r"RMA-[A-Z0-9]{8}")).first).to_be_visible()
    expect(page.get_by_text("You keep the items: your refund is settled")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("label|QR", re.I))).to_have_count(0)
    assert_accessible(page)
