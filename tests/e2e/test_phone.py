"""The site on a 390 x 844 phone, in English, French and German: every public and
portal page passes axe (WCAG 2.2 A/AA, as tests/e2e/conftest.py runs it) and never
scrolls sideways; the header folds its navigation behind a "Menu" button below
700px, and shows it without the button on a laptop.

One browser context per language: the public pages first, signed out, then the
same context gets the buyer's session for the portal and the account."""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from playwright.sync_api import expect

from tests.factories import UserFactory

PHONE = {"viewport": {"width": 390, "height": 844}}
LAPTOP = {"viewport": {"width": 1024, "height": 768}}
STEP_URL = r"/returns/drafts/[0-9a-f-]{36}/%s/$"
SEARCH_WORDS = {"en": "return", "fr": "retour", "de": "Rücksendung"}
# What is wider than the screen, for the failure message.
WIDEST = """() => Array.from(document.querySelectorAll('body *'))
    .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1
        && getComputedStyle(e).position !== 'absolute')
    .slice(0, 3)
    .map((e) => `${e.tagName.toLowerCase()}.${e.className} `
        + `${Math.round(e.getBoundingClientRect().right)}px`)"""


def ago(days):
    return timezone.now() - timedelta(days=days)


@pytest.fixture
def phone_world(live_site):
    """The demo policies and part of the help center; a buyer with a delivered
    order of two lines, store credit and a support request."""
    from helpcenter.demo_content import CATEGORIES
    from helpcenter.models import SupportRequest
    from helpcenter.seeding import seed_help_center
    from policy_pages.seeding import seed_policies
    from return_portal.seeding import seed_reasons
    from store_credit import ledger
    from tests.marketplace.factories import OrderFactory, OrderLineFactory

    seed_policies()
    seed_help_center(categories=[CATEGORIES[0]])
    seed_reasons()
    buyer = UserFactory(email="phone-buyer@example.com")
    order = OrderFactory(
        buyer=buyer, reference="EU-PHONE-1", placed_at=ago(6), payment_amount=Decimal("104.70")
    )
    OrderLineFactory(
        order=order, reference="A", title="Oxford shirt", quantity=2, delivered_at=ago(3)
    )
    OrderLineFactory(order=order, reference="B", title="Linen trousers", delivered_at=ago(3))
    ledger.issue(buyer.email, Decimal("12.50"), "EUR", key="e2e:phone", order=order)
    support = SupportRequest.objects.create(
        user=buyer, email=buyer.email, language="en", topic="refund", message="Where is my refund?"
    )
    return live_site, buyer, order, support


def session_cookie(base_url, user):
    client = Client()
    client.force_login(user)
    return {"name": "sessionid", "value": client.cookies["sessionid"].value, "url": base_url}


def url_in(lang, name, *args):
    with translation.override(lang):
        return reverse(name, args=args)


def optional_url(lang, name):
    """A page another part of the site may not have yet (None then)."""
    try:
        return url_in(lang, name)
    except NoReverseMatch:
        return None


def public_pages(lang):
    """Signed-out pages, as (what, path); Wagtail pages in the language's tree."""
    from core.navigation import build_navigation
    from helpcenter.models import HelpArticlePage, HelpCategoryPage
    from policy_pages.models import PolicyPage

    def first_url(model):
        return model.objects.live().filter(locale__language_code=lang).first().get_url()

    nav = build_navigation(lang)
    policy = first_url(PolicyPage)
    pages = [
        ("home", "/" if lang == "en" else f"/{lang}/"),
        ("help center", nav["help"]),
        ("help category", first_url(HelpCategoryPage)),
        ("help article", first_url(HelpArticlePage)),
        ("search results", url_in(lang, "helpcenter:search") + f"?q={SEARCH_WORDS[lang]}"),
        ("contact form", url_in(lang, "helpcenter:contact")),
        ("policies", nav["policies"]),
        ("policy", policy),
        ("policy versions", f"{policy}versions/"),
        ("demo store product", url_in(lang, "demo_store:product")),
        ("demo store checkout", url_in(lang, "demo_store:checkout")),
        ("log in", url_in(lang, "account_login")),
        ("sign up", url_in(lang, "account_signup")),
    ]
    find_order = optional_url(lang, "guest_find_order")
    if find_order:
        pages.append(("find my order", find_order))
    return pages


def account_pages(lang, support):
    return [
        ("store credit", url_in(lang, "return_portal:credit")),
        ("account email", url_in(lang, "account_email")),
        ("password", url_in(lang, "account_change_password")),
        ("two-factor", url_in(lang, "mfa_index")),
        ("support requests", url_in(lang, "helpcenter:my_requests")),
        ("support request", url_in(lang, "helpcenter:request_detail", support.reference)),
        ("my data", url_in(lang, "account_my_data")),
    ]


class PhoneCheck:
    """Axe and the page's width on each page; every failure is kept, so one run
    names every page that needs fixing."""

    def __init__(self, page, assert_accessible):
        self.page = page
        self.assert_accessible = assert_accessible
        self.failures = []
        self.checked = 0

    def __call__(self, what):
        self.checked += 1
        page = self.page
        width, screen = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        if width > screen:
            self.failures.append(
                f"{what} ({page.url}) scrolls sideways: {width}px > {screen}px, "
                f"{page.evaluate(WIDEST)}"
            )
        try:
            self.assert_accessible(page)
        except AssertionError as error:
            self.failures.append(f"{what}: {error}")

    def visit(self, what, path, base_url):
        response = self.page.goto(base_url + path)
        if response is None or response.status >= 400:
            status = response.status if response else "no response"
            self.failures.append(f"{what} ({path}) answered {status}")
            return
        self(what)


def walk_the_return_steps(page, order, check):
    """Start a return of one shirt and check every step, then the return's page."""
    page.locator(f"form[action*='{order.public_id}/return/'] button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(STEP_URL % "items"))
    check("return step: items")
    page.locator("#return-step input[type=number]").first.fill("1")
    page.locator("#return-step button[type=submit]").last.click()

    expect(page).to_have_url(re.compile(STEP_URL % "reason"))
    page.locator("input[name=reason]").first.check()
    page.locator("input[name=condition]").first.check()
    check("return step: reason")
    page.locator("#return-step .step-actions button[type=submit]").click()

    expect(page).to_have_url(re.compile(STEP_URL % "resolution"))
    page.locator("input[name=resolution][value=refund]").check()
    check("return step: resolution")
    page.locator("#return-step .step-actions button[type=submit]").click()

    expect(page).to_have_url(re.compile(STEP_URL % "shipping"))
    page.locator("input[name=shipping_method]:not([disabled])").first.check()
    check("return step: shipping")
    page.locator("#return-step .step-actions button[type=submit]").click()

    expect(page).to_have_url(re.compile(STEP_URL % "review"))
    expect(page.locator("table.estimate")).to_be_visible()
    check("return step: review")
    page.locator("#return-step .step-actions button[type=submit]").click()

    expect(page).to_have_url(re.compile(r"/returns/[0-9a-f-]{36}/$"))
    expect(page.locator(".rma")).to_be_visible()
    check("return page")


@pytest.mark.parametrize("lang", ["en", "fr", "de"])
def test_every_public_and_portal_page_fits_a_phone_and_passes_axe(
    phone_world, browser, assert_accessible, lang
):
    live, buyer, order, support = phone_world
    base = live.url
    context = browser.new_context(
        locale={"en": "en-GB", "fr": "fr-FR", "de": "de-DE"}[lang], **PHONE
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    check = PhoneCheck(page, assert_accessible)

    for what, path in public_pages(lang):
        check.visit(what, path, base)
        expect(page.locator("html")).to_have_attribute("lang", lang)
        if what == "policy versions":
            # The version in force and a comparison, as the versions list links them.
            version = page.locator("tr[data-status=in_force] th a").first.get_attribute("href")
            compare = page.locator("tbody td a").first.get_attribute("href")
    check.visit("policy version", version, base)
    check.visit("policy comparison", compare, base)

    context.add_cookies([session_cookie(base, buyer)])
    check.visit("my orders", url_in(lang, "return_portal:orders"), base)
    walk_the_return_steps(page, order, check)
    check.visit("withdrawal", url_in(lang, "return_portal:withdraw", order.public_id), base)
    for what, path in account_pages(lang, support):
        check.visit(what, path, base)

    context.close()
    assert check.checked >= 28
    assert check.failures == [], "\n".join(check.failures)


def test_the_menu_button_folds_the_navigation_on_a_phone_only(
    phone_world, browser, assert_accessible
):
    live, buyer, _order, _support = phone_world
    context = browser.new_context(locale="en-GB", **PHONE)
    context.add_cookies([session_cookie(live.url, buyer)])
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(live.url + "/policies/")
    button = page.get_by_role("button", name="Menu")
    menu = page.locator("#site-menu")
    help_link = page.get_by_role("navigation", name="Main").get_by_role("link", name="Help center")

    # Folded, in one short row: the header no longer takes a third of the screen.
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(button).to_have_attribute("aria-controls", "site-menu")
    expect(menu).to_be_hidden()
    assert page.locator(".site-header").bounding_box()["height"] <= 72

    # Opened from the keyboard; Escape closes it and leaves the focus on the button.
    button.focus()
    page.keyboard.press("Enter")
    expect(button).to_have_attribute("aria-expanded", "true")
    expect(help_link).to_be_visible()
    expect(page.get_by_role("navigation", name="Language")).to_be_visible()
    assert_accessible(page)
    page.keyboard.press("Tab")
    expect(help_link).to_be_focused()
    page.keyboard.press("Escape")
    expect(button).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_hidden()
    expect(button).to_be_focused()

    # A click toggles it too.
    button.click()
    expect(help_link).to_be_visible()
    button.click()
    expect(help_link).to_be_hidden()

    # Turned to a wider screen, the navigation shows and the button goes.
    page.set_viewport_size(LAPTOP["viewport"])
    expect(help_link).to_be_visible()
    expect(button).to_be_hidden()
    context.close()

    # On a laptop: no button, the navigation shown.
    laptop = browser.new_context(locale="en-GB", **LAPTOP)
    page = laptop.new_page()
    page.goto(live.url + "/policies/")
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    expect(
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Help center")
    ).to_be_visible()
    laptop.close()

    # Without JavaScript a phone shows every link and no button that would do nothing.
    plain = browser.new_context(locale="en-GB", java_script_enabled=False, **PHONE)
    page = plain.new_page()
    page.goto(live.url + "/policies/")
    expect(page.get_by_role("button", name="Menu")).to_be_hidden()
    expect(
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Help center")
    ).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    plain.close()
