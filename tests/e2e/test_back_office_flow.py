"""The seller back office end to end, in a real browser: a French buyer's return of
three units is approved, received in two parcels and inspected unit by unit by
the seller's staff, settled and paid by the operator's staff, and the buyer reads
each amount and its reason, in French, on their page and in the email."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone, translation
from django.utils.translation import gettext, pgettext
from playwright.sync_api import expect

from tests.e2e.test_policy_review import sign_in_to_admin
from tests.e2e.test_staff_returns import line_receipt, pass_checklist, status_of, unit_form
from tests.factories import PASSWORD

TITLE = "Chemise Oxford"
UNIT_PRICE = Decimal("40.00")
DEDUCTION_REASON = "Traces de maquillage sur le col"
JUSTIFICATION = "Portée et lavée : l'étiquette a été retirée."


def french(text: str) -> str:
    """What a French reader of the same catalogue reads for this msgid."""
    with translation.override("fr"):
        return gettext(text)


def flat(text: str) -> str:
    """Spaces as the browser's text matching sees them (no-break spaces too)."""
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture
def back_office(live_site, settings):
    from accounts.demo import seed_users
    from policy_pages.seeding import seed_policies
    from return_portal.models import BackOfficeSettings
    from return_portal.seeding import seed_reasons, seed_seller_staff, seed_staff_permissions
    from tests.marketplace.factories import SellerFactory

    # The simulated provider, told to pay at once.
    settings.RETURNS_PAYMENT_GATEWAY = "return_portal.refunds.simulated.SimulatedGateway"
    settings.RETURNS_SIMULATED_GATEWAY = "succeed"
    SellerFactory(reference="maison-durand", name="Maison Durand")
    seed_users()
    seed_policies()
    seed_reasons()
    seed_staff_permissions()
    seed_seller_staff()
    # Sellers approve, receive and inspect; a settlement above 20 € is the operator's.
    office = BackOfficeSettings.load()
    office.operator_settles_above = Decimal("20.00")
    office.save()
    return live_site


@pytest.fixture
def requested(back_office):
    """The French buyer's return of the three shirts of one line, awaiting a decision."""
    from django.contrib.auth import get_user_model

    from return_portal.confirm import confirm_return
    from return_portal.draft import Draft
    from return_portal.models import ReturnStatus
    from tests.marketplace.factories import OrderFactory, OrderLineFactory

    buyer = get_user_model().objects.get(email="acheteur@example.com")
    assert buyer.preferred_language == "fr"
    order = OrderFactory(
        buyer=buyer,
        reference="ORD-E2E-FR",
        placed_at=timezone.now() - timedelta(days=6),
        payment_amount=3 * UNIT_PRICE + Decimal("4.90"),
    )
    OrderLineFactory(order=order, reference="A", title=TITLE, quantity=3, unit_price=UNIT_PRICE)
    draft = Draft(
        order_id=order.pk,
        quantities={"A": 3},
        reason_code="too-small",  # a change of mind: no rule approves it at once
        condition="like_new",
        resolution="refund",
        shipping_method="drop_off",
    )
    return_request, _created = confirm_return(buyer, order, draft)
    assert return_request.status == ReturnStatus.REQUESTED
    assert return_request.seller.name == "Maison Durand"
    return return_request


@pytest.fixture
def open_page(browser):
    """A page in a browser context of its own (one person each), closed after the test."""
    contexts = []

    def open_one(locale="en-GB", width=1280, height=900):
        context = browser.new_context(locale=locale, viewport={"width": width, "height": height})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        return page

    yield open_one
    for context in contexts:
        context.close()


def sign_in_as_buyer(page, base_url, email):
    """Through the French site's own sign-in form (buyers have no second factor)."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(email=email)
    user.set_password(PASSWORD)
    user.save()
    page.goto(f"{base_url}/fr/accounts/login/")
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))


def test_seller_staff_process_a_french_buyers_return_and_the_operator_pays_it(
    back_office, requested, open_page, assert_accessible
):
    from return_portal.models import RefundStatus, ReturnRequest, ReturnStatus
    from return_portal.settlement_figures import Settlement

    base = back_office.url
    seller = open_page()
    sign_in_to_admin(seller, base, "seller@example.com")

    # b. The seller's staff find the return in their list and approve it.
    seller.goto(f"{base}/admin/returns/")
    seller.get_by_role("link", name=requested.rma).click()
    expect(status_of(seller)).to_contain_text("requested")
    seller.get_by_role("button", name="Approve", exact=True).click()
    expect(seller.locator(".messages")).to_contain_text("Return approved.")
    expect(status_of(seller)).to_contain_text("approved")

    # Two of the three shirts arrive first: the return is partly received.
    line_receipt(seller, TITLE, 3).get_by_label("Received", exact=True).fill("2")
    seller.get_by_role("button", name="Record the receipt").click()
    expect(seller.locator(".messages")).to_contain_text("Receipt recorded.")
    expect(status_of(seller)).to_contain_text("partly received")
    assert_accessible(seller)

    # Then the last one, in a second parcel.
    line_receipt(seller, TITLE, 1).get_by_label("Received", exact=True).fill("1")
    seller.get_by_role("button", name="Record the receipt").click()
    expect(seller.locator(".messages")).to_contain_text("Receipt recorded.")
    expect(status_of(seller)).to_contain_text(re.compile(r"\breceived"))
    expect(status_of(seller)).not_to_contain_text("partly")

    # c. Each unit inspected: a partial refund, a refusal, a full refund.
    first = unit_form(seller, TITLE, 1, 3)
    pass_checklist(first)
    first.get_by_label("Outcome").select_option(label="partial refund")
    first.get_by_label("Deduction", exact=True).fill("12.50")
    first.get_by_label("Reason for the deduction").fill(DEDUCTION_REASON)

    second = unit_form(seller, TITLE, 2, 3)
    pass_checklist(second, failed=("Visual state", "Lavée, étiquette coupée"))
    second.get_by_label("Outcome").select_option(label="refused")
    second.get_by_label("Justification", exact=True).fill(JUSTIFICATION)
    second.get_by_label("The refused goods are").select_option(label="sent back to the buyer")

    third = unit_form(seller, TITLE, 3, 3)
    pass_checklist(third)
    third.get_by_label("Outcome").select_option(label="full refund")
    assert_accessible(seller)
    seller.get_by_role("button", name="Record the inspection").click()
    expect(seller.locator(".messages")).to_contain_text("Inspection recorded.")
    expect(status_of(seller)).to_contain_text("inspected")
    # Above the sellers' limit: the settlement is left to the operator.
    expect(seller.get_by_text("only the operator's staff may resolve this return")).to_be_visible()

    # d. The operator's staff settle the return: resolving books the refund, and
    # the simulated provider pays it (Celery runs eagerly here).
    mail.outbox.clear()
    operator = open_page()
    sign_in_to_admin(operator, base, "operator@example.com")
    operator.goto(f"{base}/admin/returns/{requested.pk}/")
    expect(operator.get_by_text("only the operator's staff may resolve")).to_have_count(0)
    operator.get_by_role("button", name="Resolve", exact=True).click()
    expect(operator.locator(".messages")).to_contain_text("Return resolved.")
    expect(status_of(operator)).to_contain_text("resolved")
    refunds = operator.get_by_role("region", name="Refunds").first
    # Two shirts at 40 € less the 12.50 € deduction and the policy's 3.90 € return shipping.
    expect(refunds).to_contain_text("€63.60")
    expect(refunds).to_contain_text("Succeeded")

    settled = ReturnRequest.objects.get(pk=requested.pk)
    assert settled.status == ReturnStatus.RESOLVED
    refund = settled.refunds.get()
    assert refund.amount == Decimal("63.60")
    assert refund.status == RefundStatus.SUCCEEDED
    settlement = Settlement.from_dict(settled.settlement)
    assert settlement.total == Decimal("63.60")

    # e. The buyer, signed in on the French site, reads each amount and its reason.
    buyer = open_page(locale="fr-FR", width=390, height=844)  # on their phone
    sign_in_as_buyer(buyer, base, "acheteur@example.com")
    buyer.goto(f"{base}/fr/returns/{requested.public_id}/")
    expect(buyer.locator("html")).to_have_attribute("lang", "fr")

    with translation.override("fr"):
        full = gettext("%(count)d × %(title)s: accepted, refunded in full") % {
            "count": 1,
            "title": TITLE,
        }
        partial = gettext("%(count)d × %(title)s: accepted, less the deduction below") % {
            "count": 1,
            "title": TITLE,
        }
        deduction = gettext("%(title)s, unit %(unit)s: %(note)s") % {
            "title": TITLE,
            "unit": 1,
            "note": DEDUCTION_REASON,
        }
        refused = gettext("%(count)d × %(title)s refused: %(note)s") % {
            "count": 1,
            "title": TITLE,
            "note": JUSTIFICATION,
        }
        refused += ". " + gettext("The goods are sent back to you.")
        shipping = gettext("Return shipping, paid by you as the policy says")
        heading = gettext("Your settlement")
        settled_text = gettext(
            "Your return is settled: %(amount)s, figure by figure below, each with its reason."
        ) % {"amount": "63,60\xa0€"}
        resolved = pgettext("return status", "resolved")

    settlement_section = buyer.get_by_role("region", name=heading)
    expect(settlement_section).to_be_visible()
    expect(settlement_section).to_contain_text(flat(settled_text))
    rows = settlement_section.get_by_role("row")
    for text, amount in (
        (full, "40,00 €"),
        (partial, "40,00 €"),
        (deduction, "-12,50 €"),
        (refused, "0,00 €"),
        (shipping, "-3,90 €"),
    ):
        row = rows.filter(has_text=flat(text))
        expect(row).to_have_count(1)
        expect(row).to_contain_text(amount)
    expect(settlement_section.get_by_role("row").last).to_contain_text("63,60 €")
    # Words the French catalogue has for certain.
    expect(buyer.get_by_role("heading", name="Remboursements")).to_be_visible()
    expect(buyer.get_by_role("region", name="Remboursements")).to_contain_text("63,60 €")
    assert_accessible(buyer)

    # The settlement email, relayed by the outbox, says the same in French.
    [email] = [m for m in mail.outbox if resolved in m.subject]
    assert settled.notifications.filter(
        kind="resolved", language="fr", sent_at__isnull=False
    ).exists()
    assert email.to == ["acheteur@example.com"]
    assert "traité" in email.subject
    body = flat(email.body)
    assert "Votre retour" in body
    assert flat(settled_text) in body
    for text, amount in (
        (full, "40,00 €"),
        (partial, "40,00 €"),
        (deduction, "-12,50 €"),
        (refused, "0,00 €"),
        (shipping, "-3,90 €"),
    ):
        assert f"{amount} — {flat(text)}" in body, body
    assert f"{french('Total')}: 63,60 €" in body
