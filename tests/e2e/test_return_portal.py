"""A buyer starts a return from My orders, step by step, in a real browser:
htmx swaps each step in place, errors show inline, and the confirmed return
shows its RMA number, waits for the seller's decision, and once approved shows
its drop-off QR code."""

import re
from datetime import timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.conf import settings
from django.core.files.storage import storages
from django.test import Client
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from tests.factories import UserFactory

STEP_URL = r"/returns/drafts/[0-9a-f-]{36}/%s/$"


@pytest.fixture
def shop(live_site, settings, tmp_path, monkeypatch):
    """The demo policies and reasons, a buyer and a delivered order of two lines."""
    from policy_pages.seeding import seed_policies
    from return_portal.models import ReturnPhoto
    from return_portal.seeding import seed_reasons
    from tests.marketplace.factories import OrderFactory, OrderLineFactory

    seed_policies()
    seed_reasons()
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None},
        },
    }
    monkeypatch.setattr(ReturnPhoto._meta.get_field("file"), "storage", storages["private"])
    buyer = UserFactory(email="lea@example.com")
    order = OrderFactory(
        buyer=buyer,
        placed_at=timezone.now() - timedelta(days=6),
        payment_amount=Decimal("104.70"),
    )
    OrderLineFactory(order=order, reference="A", title="Oxford shirt", quantity=2)
    OrderLineFactory(order=order, reference="B", title="Linen trousers")
    return live_site, buyer, order


def signed_in_page(browser, base_url, user):
    """A browser page with the user's session (signed in by the test client)."""
    client = Client()
    client.force_login(user)
    context = browser.new_context(locale="en-GB", viewport={"width": 1280, "height": 900})
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": base_url,
            }
        ]
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    return page


def photo_bytes() -> bytes:
    buffer = BytesIO()
    Image.new("RGB", (40, 30), (30, 120, 200)).save(buffer, format="JPEG")
    return buffer.getvalue()


def open_first_step(page, base_url, order):
    page.goto(f"{base_url}/returns/")
    page.get_by_role("button", name=re.compile(f"Return items.*{order.reference}")).click()
    expect(page).to_have_url(re.compile(STEP_URL % "items"))


def test_buyer_returns_an_item_step_by_step_and_gets_the_rma_and_qr_code(
    shop, browser, assert_accessible
):
    from return_portal import lifecycle
    from return_portal.models import ReturnPhoto, ReturnRequest
    from tests.return_portal.factories import returns_staff_user

    live, buyer, order = shop
    page = signed_in_page(browser, live.url, buyer)
    open_first_step(page, live.url, order)
    page.evaluate("window.sameDocument = true")  # gone if a step reloads the page

    # 1. Items: one of the two shirts.
    expect(page.get_by_role("heading", level=1)).to_have_text("Which items are you returning?")
    expect(page.locator("[aria-current=step]")).to_contain_text("Items")
    expect(page.get_by_role("link", name="§2, policy v2").first).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Quantity to return: Oxford shirt").fill("1")
    page.get_by_role("button", name="Continue").click()

    # 2. Reason, condition, a photo uploaded at once.
    expect(page).to_have_url(re.compile(STEP_URL % "reason"))
    expect(page.locator("#step-heading")).to_be_focused()
    expect(page).to_have_title(re.compile("Why are you returning them"))
    expect(page.get_by_role("group", name="Size or fit")).to_be_visible()
    page.get_by_label("Too small").check()
    page.get_by_label("Opened, like new").check()
    page.get_by_label("Anything we should know?").fill("Runs a size small.")
    page.get_by_label("Add photos").set_input_files(
        files=[{"name": "shirt.jpg", "mimeType": "image/jpeg", "buffer": photo_bytes()}]
    )
    expect(page.get_by_role("button", name="Remove photo 1")).to_be_visible()
    thumbnail = page.get_by_role("img", name="Photo 1: shirt.jpg")
    expect(thumbnail).to_be_visible()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=thumbnail.element_handle()
    )
    assert ReturnPhoto.objects.count() == 1
    assert_accessible(page)
    page.get_by_role("button", name="Continue").click()

    # 3. Refund to the original payment method.
    expect(page).to_have_url(re.compile(STEP_URL % "resolution"))
    expect(page.get_by_text("+10 % bonus")).to_be_visible()
    # The platform sent no variant of this shirt to exchange it to (test_exchange.py).
    expect(page.get_by_label("Exchange", exact=True)).to_have_count(0)
    page.get_by_label("Refund to the original payment").check()
    assert_accessible(page)
    page.get_by_role("button", name="Continue").click()

    # 4. Drop-off point with a QR code.
    expect(page).to_have_url(re.compile(STEP_URL % "shipping"))
    page.get_by_label(re.compile(r"Drop-off point \(QR code\)")).check()
    assert_accessible(page)
    page.get_by_role("button", name="Continue").click()

    # 5. Review: the estimate figure by figure, each with its clause.
    expect(page).to_have_url(re.compile(STEP_URL % "review"))
    estimate = page.get_by_role("table")
    expect(estimate).to_contain_text("Items returned")
    expect(estimate).to_contain_text("Return shipping")
    expect(estimate).to_contain_text("§6, policy v2")
    expect(page.get_by_text("1 photo")).to_be_visible()
    assert_accessible(page)
    assert page.evaluate("window.sameDocument") is True  # every step swapped in place
    page.get_by_role("button", name="Confirm return").click()

    # 6. The return's page: its RMA number, waiting for the seller's decision; once
    # approved, the QR code to show at the drop-off point.
    expect(page.get_by_text(re.compile(r"RMA-[A-Z0-9]{8}")).first).to_be_visible()
    expect(page.get_by_text("waiting for the seller's decision")).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("QR code", re.IGNORECASE))).to_have_count(0)
    created = ReturnRequest.objects.get()
    lifecycle.approve(created, actor=returns_staff_user(), actor_kind="staff")
    page.reload()
    expect(page.get_by_role("img", name=re.compile("QR code", re.IGNORECASE))).to_be_visible()
    assert created.shipping_method == "drop_off" and created.photos.count() == 1
    assert created.rma in page.content()

    # Back to the review step: it is a return now, so the browser lands on it again.
    detail_url = page.url
    page.go_back()
    expect(page).to_have_url(detail_url)
    assert ReturnRequest.objects.count() == 1


def test_a_step_sent_without_a_choice_shows_the_error_in_place(shop, browser, assert_accessible):
    live, buyer, order = shop
    page = signed_in_page(browser, live.url, buyer)
    open_first_step(page, live.url, order)
    page.get_by_label("Quantity to return: Oxford shirt").fill("1")
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(re.compile(STEP_URL % "reason"))
    reason_url = page.url
    page.evaluate("window.sameDocument = true")

    page.get_by_label("Anything we should know?").fill("Nothing chosen yet.")
    page.get_by_role("button", name="Continue").click()

    error = page.locator("#reason-error")
    expect(error).to_have_text("Choose the reason that fits best.")
    expect(page.get_by_role("group", name="Reason for the return")).to_have_accessible_description(
        re.compile("Choose the reason that fits best.")
    )
    expect(page.locator("#error-summary")).to_be_focused()
    expect(page.get_by_role("link", name="Choose the reason that fits best.")).to_have_attribute(
        "href", "#reason-fieldset"
    )
    expect(page.get_by_label("Anything we should know?")).to_have_value("Nothing chosen yet.")
    assert page.url == reason_url
    assert page.evaluate("window.sameDocument") is True  # no reload
    assert_accessible(page)


def test_the_steps_work_on_a_phone_without_javascript(shop, browser):
    live, buyer, _order = shop
    client = Client()
    client.force_login(buyer)
    context = browser.new_context(
        java_script_enabled=False, locale="en-GB", viewport={"width": 390, "height": 844}
    )
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live.url,
            }
        ]
    )
    page = context.new_page()
    page.goto(f"{live.url}/returns/")
    page.get_by_role("button", name=re.compile("Return items")).first.click()
    expect(page).to_have_url(re.compile(STEP_URL % "items"))
    page.get_by_label("Quantity to return: Oxford shirt").fill("1")
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_url(re.compile(STEP_URL % "reason"))
    page.get_by_role("button", name="Continue").click()  # nothing chosen: a full page
    expect(page.locator("#reason-error")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    context.close()
