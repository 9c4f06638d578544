"""A guest in a real browser: "Find my order" on the home page (reference and email),
the emailed link, the order alone, a withdrawal from one of its two items sent back
by drop-off, and the acknowledgement (page and email) listing that item only. A
wrong pair gets the same answer. Axe on every page."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from core.models import OutboxMessage
from return_portal.models import ReturnKind, ReturnRequest
from tests.marketplace.factories import OrderFactory, OrderLineFactory

NEUTRAL = "If an order matches, we've sent a link to that address."
EMAIL = "guest-shopper@example.com"


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
def guest_order(portal_site):
    order = OrderFactory(
        reference="EU-3001", buyer_email=EMAIL, placed_at=ago(13), payment_amount=Decimal("173.80")
    )
    OrderLineFactory(order=order, reference="1", title="Oxford shirt, blue", delivered_at=ago(10))
    OrderLineFactory(
        order=order,
        reference="2",
        title="Derby shoes, brown",
        unit_price=Decimal("119.00"),
        delivered_at=ago(10),
    )
    # Another order of the same email: the guest's link does not show it.
    OrderFactory(reference="EU-3002", buyer_email=EMAIL, placed_at=ago(5))
    return order


def ask_for_a_link(page, reference, email):
    form = page.locator(".find-order-form")
    form.get_by_label("Order reference").fill(reference)
    form.get_by_label("Email address of the order").fill(email)
    form.get_by_role("button", name="Email me a link").click()
    expect(page.locator("h1")).to_have_text("Check your email")
    expect(page.get_by_role("status")).to_have_text(NEUTRAL)


def test_a_guest_finds_the_order_and_withdraws_from_one_of_two_items(
    portal_site, guest_order, page, assert_accessible
):
    base = portal_site.url

    # A wrong pair: the same answer, and no email.
    page.goto(f"{base}/")
    assert_accessible(page)
    ask_for_a_link(page, "EU-3001", "someone-else@example.com")
    assert_accessible(page)
    assert not OutboxMessage.objects.exists()

    # The right pair, typed loosely: the same answer, and an email with the link.
    page.goto(f"{base}/")
    ask_for_a_link(page, " eu-3001 ", "Guest-Shopper@Example.com")
    [message] = OutboxMessage.objects.all()
    assert message.recipient == EMAIL
    path = re.search(r"http://testserver(/returns/guest/\S+)", message.body).group(1)

    # The link: a button first (a mail scanner's visit uses nothing up), then the order.
    page.goto(base + path)
    expect(page.locator("h1")).to_have_text("Open your order")
    assert_accessible(page)
    page.get_by_role("button", name="Open my order").click()
    expect(page.locator("h1")).to_have_text("My orders and returns")
    expect(page.locator(".messages")).to_contain_text("You are viewing order EU-3001 as a guest.")
    expect(page.locator(".order-card")).to_have_count(1)
    expect(page.locator("main")).not_to_contain_text("EU-3002")
    assert_accessible(page)

    # Withdraw from the shirt only, sent back at a drop-off point.
    page.get_by_role("link", name="Withdraw from contract here").click()
    page.get_by_label(re.compile("Derby shoes")).uncheck()
    expect(page.get_by_label(re.compile("Oxford shirt"))).to_be_checked()
    page.get_by_label(re.compile("^Drop-off point")).check()
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("h1")).to_have_text("Confirm your withdrawal")
    expect(page.locator(".withdraw-summary")).to_contain_text("1 × Oxford shirt, blue")
    expect(page.locator(".withdraw-summary")).not_to_contain_text("Derby shoes")
    mail.outbox.clear()
    page.get_by_role("button", name="Confirm withdrawal").click()

    # The acknowledgement: on the page, and by email to the order's address.
    expect(page.locator(".messages")).to_contain_text("Your withdrawal was received on")
    withdrawal = ReturnRequest.objects.get()
    assert withdrawal.kind == ReturnKind.WITHDRAWAL
    assert [line.order_line.reference for line in withdrawal.lines.all()] == ["1"]
    assert withdrawal.shipping_method == "drop_off"
    expect(page.locator("p.rma")).to_contain_text(withdrawal.rma)
    expect(page.locator("main")).to_contain_text("Oxford shirt, blue")
    assert_accessible(page)
    [email] = [m for m in mail.outbox if "EU-3001" in m.subject]
    assert email.to == [EMAIL]
    assert "Oxford shirt, blue" in email.body and "Derby shoes" not in email.body

    # The same link again: it was used.
    page.goto(base + path)
    expect(page.locator("h1")).to_have_text("This link has expired")
    expect(page.locator("main")).to_contain_text("ask for a new one")
    assert_accessible(page)
