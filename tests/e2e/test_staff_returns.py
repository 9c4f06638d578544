"""Returns staff process a return in the admin, in a real browser (desktop and phone)."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.test_policy_review import sign_in_to_admin


@pytest.fixture
def returns_site(live_site):
    from accounts.demo import seed_users
    from policy_pages.seeding import seed_policies
    from return_portal.seeding import seed_reasons, seed_staff_permissions

    seed_users()
    seed_policies()
    seed_reasons()
    seed_staff_permissions()
    return live_site


@pytest.fixture
def confirmed(returns_site):
    from django.contrib.auth import get_user_model

    from return_portal.confirm import confirm_return
    from return_portal.draft import Draft
    from tests.marketplace.factories import OrderFactory, OrderLineFactory

    buyer = get_user_model().objects.get(email="buyer@example.com")
    order = OrderFactory(
        buyer=buyer,
        reference="ORD-E2E-1",
        placed_at=timezone.now() - timedelta(days=6),
        payment_amount=Decimal("104.70"),
    )
    OrderLineFactory(order=order, reference="A", title="Oxford shirt", quantity=2)
    draft = Draft(
        order_id=order.pk,
        quantities={"A": 1},
        reason_code="too-small",
        condition="like_new",
        resolution="refund",
        shipping_method="drop_off",
    )
    return_request, _created = confirm_return(buyer, order, draft)
    return return_request


def test_returns_staff_receive_and_inspect_a_return(
    returns_site, confirmed, page, assert_accessible
):
    base = returns_site.url
    sign_in_to_admin(page, base, "returns@example.com")

    page.goto(f"{base}/admin/returns/")
    expect(page.get_by_role("link", name=confirmed.rma)).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name=confirmed.rma).click()
    expect(page.get_by_role("heading", name="Next steps")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Mark received").click()
    expect(page.locator(".messages")).to_contain_text("Parcel marked received.")

    page.get_by_label("Units damaged").fill("2")
    page.get_by_role("button", name="Record the inspection").click()
    error = page.get_by_text("More units damaged than received.")
    expect(error).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Units damaged").fill("0")
    page.get_by_role("button", name="Record the inspection").click()
    expect(page.locator(".messages")).to_contain_text("Inspection recorded.")
    expect(page.get_by_role("button", name="Resolve")).to_be_visible()
    # Nothing missing, no deduction: resolving books the estimate the buyer confirmed.
    euros, cents = f"{confirmed.estimated_total:.2f}".split(".")
    amount = page.locator(".returns-admin__amount")
    expect(amount).to_contain_text(re.compile(rf"{euros}[.,]{cents}"))


def test_the_return_page_works_on_a_phone(returns_site, confirmed, phone_page, assert_accessible):
    sign_in_to_admin(phone_page, returns_site.url, "returns@example.com")
    phone_page.goto(f"{returns_site.url}/admin/returns/{confirmed.pk}/")
    expect(phone_page.get_by_role("button", name="Mark received")).to_be_visible()
    width = phone_page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 1, f"the page scrolls sideways ({width}px)"
    assert_accessible(phone_page)
