"""A French reader finds an answer, rates it, writes to support; staff reply
in the admin; the reader reads the reply in their account. In a real browser."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.test_policy_review import sign_in_to_admin
from tests.factories import PASSWORD, StaffUserFactory, UserFactory


@pytest.fixture
def help_site(live_site):
    from helpcenter.demo_content import CATEGORIES
    from helpcenter.seeding import seed_help_center
    from policy_pages.seeding import seed_policies

    seed_policies()
    seed_help_center(categories=[CATEGORIES[0], CATEGORIES[-1]])
    return live_site


def test_reader_searches_votes_writes_and_reads_the_staff_reply(
    help_site, browser, assert_accessible
):
    from helpcenter.models import ArticleFeedback, SupportRequest

    base = help_site.url
    buyer = UserFactory(email="camille@example.com", preferred_language="fr")
    reader = browser.new_context(locale="fr-FR").new_page()
    reader.set_default_timeout(15_000)

    # Signed in, so the request and its replies show in the account.
    reader.goto(f"{base}/fr/accounts/login/")
    reader.locator("input[name=login]").fill(buyer.email)
    reader.locator("input[name=password]").fill(PASSWORD)
    reader.locator("main form button[type=submit]").first.click()
    expect(reader).not_to_have_url(re.compile(r"/accounts/login/"))

    # 1. Search in French: instant results as they type, then the results page.
    reader.goto(f"{base}/fr/help/")
    expect(reader.locator("h1")).to_have_text("Centre d'aide")
    assert_accessible(reader)
    reader.locator("#help-q").press_sequentially("retour", delay=40)
    expect(reader.locator("#instant-results a").first).to_be_visible()
    assert_accessible(reader)
    reader.locator("#help-q").press("Enter")
    expect(reader).to_have_url(re.compile(r"/fr/support/search/\?q=retour"))
    expect(reader.locator(".result mark").first).to_be_visible()
    assert_accessible(reader)
    reader.locator(".result a", has_text="Comment faire un").first.click()
    expect(reader.locator("h1")).to_have_text("Comment faire un retour")
    expect(reader.locator(".policy-citation")).to_contain_text("§2")
    assert_accessible(reader)

    # 2. "No", with a reason.
    reader.locator("#feedback button[value=no]").click()
    reader.locator("#feedback input[value=unclear]").check()
    reader.locator("#feedback textarea").fill("Où trouver le bouton ?")
    assert_accessible(reader)
    reader.locator("#feedback button[type=submit]").click()
    expect(reader.locator("#feedback .feedback-thanks")).to_be_visible()
    vote = ArticleFeedback.objects.get()
    assert (vote.helpful, vote.reason, vote.comment) == (False, "unclear", "Où trouver le bouton ?")

    # 3. The contact form suggests an article while they type, then sends.
    reader.goto(f"{base}/fr/support/contact/")
    reader.locator("#id_topic").select_option("damaged")
    reader.locator("#id_message").press_sequentially(
        "Je souhaite faire un retour, le colis est arrivé abîmé.", delay=10
    )
    expect(reader.locator("#suggestions a").first).to_be_visible()
    assert_accessible(reader)
    reader.locator("main form button[type=submit]").click()
    expect(reader.locator(".reference")).to_have_text(re.compile(r"SR-\d{4}-\d{6}"))
    support = SupportRequest.objects.get()
    assert support.user == buyer and support.language == "fr"
    assert_accessible(reader)

    # 4. A staff member replies in the admin.
    staff = StaffUserFactory(with_totp=True, is_superuser=True)
    desk = browser.new_context().new_page()
    desk.set_default_timeout(15_000)
    sign_in_to_admin(desk, base, staff.email)
    desk.goto(f"{base}/admin/snippets/helpcenter/supportrequest/")
    desk.get_by_role("link", name=support.reference).first.click()
    desk.get_by_role("textbox", name="Reply to the buyer").fill(
        "Nous vous envoyons une étiquette gratuite."
    )
    desk.get_by_role("button", name="Save").first.click()
    expect(desk.locator(".messages")).to_be_visible()
    support.refresh_from_db()
    assert support.status == "waiting"

    # 5. The buyer reads the reply in their account.
    reader.goto(f"{base}/fr/support/requests/")
    reader.get_by_role("link", name=support.reference).click()
    expect(reader.locator(".conversation-reply")).to_contain_text(
        "Nous vous envoyons une étiquette gratuite."
    )
    assert_accessible(reader)
