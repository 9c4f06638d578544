"""The withdrawal button in a real browser: My orders → "Withdraw from contract
here" → choose the items and the return method → a separate confirmation page →
the withdrawal's page with the date and time of the notice and its RMA. Axe on
every page; the portal is also checked on a phone."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from return_portal.models import ReturnKind, ReturnRequest
from tests.factories import UserFactory
from tests.marketplace.factories import OrderFactory, OrderLineFactory

LABEL = "Withdraw from contract here"
FRENCH_LABEL = "Renoncer au contrat ici"


def ago(days):
    return timezone.now() - timedelta(days=days)


@pytest.fixture
def portal_site(live_site):
    from policy_pages.seeding import seed_policies
    from return_portal.seeding import seed_reasons

    seed_policies()
    seed_reasons()
    return live_site


@pytest.fixture
def buyer_with_order(portal_site):
    buyer = UserFactory(email="withdraw-buyer@example.com")
    order = OrderFactory(
        buyer=buyer, reference="EU-2001", placed_at=ago(13), payment_amount=Decimal("173.80")
    )
    OrderLineFactory(order=order, reference="1", title="Oxford shirt, blue", delivered_at=ago(10))
    OrderLineFactory(
        order=order,
        reference="2",
        title="Derby shoes, brown",
        unit_price=Decimal("119.00"),
        delivered_at=ago(10),
    )
    return buyer, order


def sign_in(page, base_url, user):
    """The browser gets the session of a Django test client signed in as `user`."""
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base_url}]
    )


def test_a_buyer_withdraws_with_the_button_and_a_separate_confirmation(
    portal_site, buyer_with_order, page, phone_page, assert_accessible
):
    buyer, _order = buyer_with_order
    base = portal_site.url
    sign_in(page, base, buyer)

    # 1. My orders: the button, clearly labelled, with the end of the period.
    page.goto(f"{base}/returns/")
    expect(page.locator("h1")).to_have_text("My orders and returns")
    card = page.locator(".order-card", has_text="EU-2001")
    button = card.get_by_role("link", name=LABEL)
    expect(button).to_be_visible()
    expect(card).to_contain_text("You can withdraw until")
    assert_accessible(page)

    # 2. The first step: the items, all ticked, and what happens next.
    button.click()
    expect(page.locator("h1")).to_contain_text("Withdraw from contract")
    expect(page.get_by_label(re.compile("Oxford shirt"))).to_be_checked()
    expect(page.get_by_label(re.compile("Derby shoes"))).to_be_checked()
    assert_accessible(page)
    # Nothing chosen: the error is announced and tied to the group of items.
    page.get_by_label(re.compile("Oxford shirt")).uncheck()
    page.get_by_label(re.compile("Derby shoes")).uncheck()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_contain_text("Choose at least one item")
    assert_accessible(page)
    # One of the two items, and a return method: none is chosen for the buyer.
    page.get_by_label(re.compile("Oxford shirt")).check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("alert")).to_contain_text("Choose how you will send the parcel back")
    page.get_by_label(re.compile("^Drop-off point")).check()
    page.get_by_role("button", name="Continue").click()

    # 3. The separate confirmation page: nothing is recorded before it.
    expect(page).to_have_url(re.compile(r"/withdraw/confirm/$"))
    expect(page.locator("h1")).to_have_text("Confirm your withdrawal")
    expect(page.locator(".withdraw-summary")).to_contain_text("1 × Oxford shirt, blue")
    expect(page.locator(".withdraw-summary")).not_to_contain_text("Derby shoes")
    expect(page.locator(".withdraw-method")).to_contain_text("Drop-off point")
    assert not ReturnRequest.objects.exists()
    assert_accessible(page)
    page.get_by_role("button", name="Confirm withdrawal").click()

    # 4. The withdrawal's page: the notice's date and time, and the RMA.
    withdrawal = ReturnRequest.objects.get()
    assert withdrawal.kind == ReturnKind.WITHDRAWAL
    assert [line.order_line.reference for line in withdrawal.lines.all()] == ["1"]
    assert withdrawal.shipping_method == "drop_off"
    notice = timezone.localtime(withdrawal.notice_at, timezone.get_default_timezone())
    expect(page.locator(".messages")).to_contain_text("Your withdrawal was received on")
    expect(page.locator(".messages")).to_contain_text(notice.strftime("%H:%M"))
    expect(page.locator("p.rma")).to_contain_text(withdrawal.rma)
    expect(page.locator("#timeline")).to_contain_text("Withdrawal received")
    assert_accessible(page)

    # A question to support, sent with htmx: the thread updates in place.
    detail_url = page.url
    page.get_by_label("Write to support").fill("Do I need the original box?")
    page.get_by_role("button", name="Send message").click()
    expect(page.locator("#messages")).to_contain_text("Your message was sent.")
    expect(page.locator("#messages .conversation")).to_contain_text("original box")
    assert page.url == detail_url
    assert withdrawal.messages.get().body == "Do I need the original box?"
    assert_accessible(page)

    # 5. Back on My orders: the order shows the withdrawal; the button stays for
    # the shoes, with the same weight as "Return items".
    page.goto(f"{base}/returns/")
    expect(card).to_contain_text(withdrawal.rma)
    expect(card.get_by_role("link", name=LABEL)).to_have_class(re.compile("button-secondary"))
    expect(page.locator(".my-returns")).to_contain_text(withdrawal.rma)

    # 6. On a phone: the withdrawal's page and My orders fit the screen.
    sign_in(phone_page, base, buyer)
    for path in (f"/returns/{withdrawal.public_id}/", "/returns/"):
        phone_page.goto(base + path)
        expect(phone_page.locator("h1")).to_be_visible()
        width = phone_page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} scrolls sideways on a phone ({width}px)"
        assert_accessible(phone_page)


def test_on_a_phone_in_french_the_button_has_its_french_label(
    portal_site, buyer_with_order, phone_page, assert_accessible
):
    buyer, _order = buyer_with_order
    sign_in(phone_page, portal_site.url, buyer)

    phone_page.goto(f"{portal_site.url}/fr/returns/")

    button = phone_page.get_by_role("link", name=FRENCH_LABEL)
    expect(button).to_be_visible()
    box = button.bounding_box()
    assert box["height"] >= 24 and box["width"] >= 24
    assert_accessible(phone_page)
