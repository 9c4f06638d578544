"""Returns staff receive and inspect a return in the admin, in a real browser
(desktop and phone): the receipt counts the units the parcel brings, and each unit
received is inspected against the checklist and given its outcome."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.test_policy_review import sign_in_to_admin

# InspectionCheck's labels, in the checklist's order.
CHECKS = ("Visual state", "Packaging", "Accessories", "Functional test", "Matches the description")


def unit_form(page, title, unit, received):
    """The inspection form of one unit received."""
    return page.get_by_role(
        "group", name=re.compile(rf"^{title}: unit {unit} of {received} received")
    )


def line_receipt(page, title, expected):
    """The receipt form of one line still expecting units."""
    units = "unit" if expected == 1 else "units"
    return page.get_by_role("group", name=f"{title}: {expected} {units} still expected")


def pass_checklist(unit, failed=None):
    """Every check of the unit passes but `failed`, a (check, note)."""
    for check in CHECKS:
        # The verdict's radios are not grouped under the check's name (no fieldset):
        # the check's block holds them, with its note and its photos.
        block = unit.locator(".returns-admin__check").filter(has_text=check)
        if failed and failed[0] == check:
            block.get_by_label("Fail", exact=True).check()
            block.get_by_label(f"Note on “{check}”").fill(failed[1])
        else:
            block.get_by_label("Pass", exact=True).check()


def status_of(page):
    return page.locator(".returns-admin__status")


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

    from return_portal import lifecycle
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
    # No rule approves a change of mind at once: the returns staff did.
    staff = get_user_model().objects.get(email="returns@example.com")
    lifecycle.approve(return_request, actor=staff, actor_kind="staff")
    return return_request


def test_returns_staff_receive_and_inspect_a_return(
    returns_site, confirmed, page, assert_accessible
):
    from return_portal.refunds import booking

    base = returns_site.url
    sign_in_to_admin(page, base, "returns@example.com")

    page.goto(f"{base}/admin/returns/")
    expect(page.get_by_role("link", name=confirmed.rma)).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name=confirmed.rma).click()
    expect(page.get_by_role("heading", name="Next steps")).to_be_visible()
    expect(status_of(page)).to_contain_text("approved")
    assert_accessible(page)

    # More units than the return expects: the receipt says so, nothing is recorded.
    line = line_receipt(page, "Oxford shirt", 1)
    line.get_by_label("Received", exact=True).fill("1")
    line.get_by_label("Lost in transit").fill("1")
    page.get_by_role("button", name="Record the receipt").click()
    expect(page.locator(".messages")).to_contain_text("The form has errors")
    expect(page.get_by_text("Only 1 unit is still expected: the four add up to 2.")).to_be_visible()
    assert_accessible(page)

    expect(line.get_by_label("Received", exact=True)).to_have_attribute("aria-invalid", "true")
    line.get_by_label("Lost in transit").fill("0")
    page.get_by_role("button", name="Record the receipt").click()
    expect(page.locator(".messages")).to_contain_text("Receipt recorded.")
    expect(status_of(page)).to_contain_text("received")

    # A partial refund needs the reason for its deduction.
    unit = unit_form(page, "Oxford shirt", 1, 1)
    pass_checklist(unit)
    unit.get_by_label("Outcome").select_option(label="partial refund")
    unit.get_by_label("Deduction", exact=True).fill("5.00")
    page.get_by_role("button", name="Record the inspection").click()
    expect(page.locator(".messages")).to_contain_text("The form has errors")
    expect(page.get_by_text("State the reason for the deduction.")).to_be_visible()
    assert_accessible(page)

    # In the end, nothing wrong with it: a full refund.
    unit = unit_form(page, "Oxford shirt", 1, 1)
    pass_checklist(unit)
    unit.get_by_label("Outcome").select_option(label="full refund")
    unit.get_by_label("Deduction", exact=True).fill("")
    page.get_by_role("button", name="Record the inspection").click()
    expect(page.locator(".messages")).to_contain_text("Inspection recorded.")
    expect(status_of(page)).to_contain_text("inspected")
    inspected = page.locator("[data-unit-inspection]")
    expect(inspected).to_have_count(1)
    expect(inspected).to_contain_text("Unit 1: full refund")
    expect(page.get_by_role("button", name="Resolve", exact=True)).to_be_visible()
    # Nothing missing, no deduction: resolving settles what the buyer was told.
    total = booking.preview(type(confirmed).objects.get(pk=confirmed.pk)).total
    assert total == confirmed.estimated_total
    euros, cents = f"{total:.2f}".split(".")
    amount = page.locator(".returns-admin__amount")
    expect(amount).to_contain_text(re.compile(rf"{euros}[.,]{cents}"))
    assert_accessible(page)


def test_the_return_page_works_on_a_phone(returns_site, confirmed, phone_page, assert_accessible):
    page = phone_page
    sign_in_to_admin(page, returns_site.url, "returns@example.com")
    page.goto(f"{returns_site.url}/admin/returns/{confirmed.pk}/")
    expect(page.get_by_role("button", name="Record the receipt")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 1, f"the page scrolls sideways ({width}px)"
    assert_accessible(page)

    # The inspection form, the widest of the page, fits too.
    line_receipt(page, "Oxford shirt", 1).get_by_label("Received", exact=True).fill("1")
    page.get_by_role("button", name="Record the receipt").click()
    expect(page.locator(".messages")).to_contain_text("Receipt recorded.")
    unit = unit_form(page, "Oxford shirt", 1, 1)
    expect(unit.get_by_label("Outcome")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 1, f"the page scrolls sideways ({width}px)"
    assert_accessible(page)
