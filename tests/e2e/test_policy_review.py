"""A policy change goes through legal review and reaches buyers, in a real browser."""

import re
import time

import pytest
from allauth.mfa.models import Authenticator
from playwright.sync_api import expect

from accounts.mfa import current_totp_code
from tests.factories import PASSWORD

TOTP_PERIOD = 30  # seconds (allauth's MFA_TOTP_PERIOD default)


@pytest.fixture
def policy_site(live_site):
    from accounts.demo import seed_users
    from policy_pages.seeding import seed_policies

    seed_users()
    seed_policies()
    return live_site


def sign_in_to_admin(page, base_url, email):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.get(email=email)
    user.set_password(PASSWORD)
    user.save()
    page.goto(base_url + "/admin/")  # redirects to the login with ?next=/admin/
    page.locator("input[name=login]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").first.click()
    authenticator = Authenticator.objects.get(user=user, type="totp")
    # A code typed in the last seconds of its 30-second period may reach the server
    # in the next one (allauth accepts no drift): wait for a fresh period then.
    left = TOTP_PERIOD - time.time() % TOTP_PERIOD
    if left < 10:
        time.sleep(left + 0.5)
    page.locator("input[name=code]").fill(current_totp_code(authenticator))
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/admin/"))


def test_editor_replaces_the_scheduled_version_and_buyers_follow_the_real_next_one(
    policy_site, browser, assert_accessible
):
    """The demo has v2 in force and v3 scheduled. The editor publishes v4 over
    v3, choosing "replace": v3 never comes into force, and the banner, the index
    and the compare pages follow v4, in English and French."""
    from django.utils import timezone

    from policy_pages.models import PolicyPage
    from policy_pages.versions import PolicyVersion

    policy = PolicyPage.objects.get(slug="return-policy", locale__language_code="en")
    base = policy_site.url
    starts = timezone.localtime(timezone.now() + timezone.timedelta(days=10))

    editor = browser.new_context().new_page()
    sign_in_to_admin(editor, base, "editor@example.com")
    editor.goto(f"{base}/admin/pages/{policy.pk}/edit/")
    editor.get_by_role("tab", name="Rules").click()
    editor.get_by_label("Return window (days)").fill("60")
    editor.get_by_role("tab", name="Content").click()
    # Never pre-filled with the scheduled v3's instant; the choice is explained.
    expect(editor.get_by_role("textbox", name="Effective from")).to_have_value("")
    expect(editor.get_by_text("Version 3 is scheduled").first).to_be_visible()
    editor.get_by_role("textbox", name="Effective from").fill(starts.strftime("%Y-%m-%d %H:%M"))
    editor.keyboard.press("Escape")  # close the date picker
    editor.get_by_label(re.compile("Replace the scheduled version")).check()
    # Four eyes: a version needs its reason before it can be submitted.
    editor.get_by_role("textbox", name="Reason for this change").fill(
        "Longer window for the holidays."
    )
    editor.locator("[data-w-dropdown-target=toggle]").last.click()
    editor.get_by_role("button", name=re.compile("Submit to Legal review")).click()
    expect(editor.locator(".messages")).to_contain_text("submitted")
    assert PolicyVersion.objects.filter(policy=policy).count() == 3

    legal = browser.new_context().new_page()
    sign_in_to_admin(legal, base, "legal@example.com")
    legal.goto(f"{base}/admin/pages/{policy.pk}/edit/")
    legal.locator("[data-w-dropdown-target=toggle]").last.click()
    legal.get_by_role("button", name=re.compile("^Approve")).first.click()
    dialog_submit = legal.locator("dialog[open] button[type=submit], .w-dialog button[type=submit]")
    if dialog_submit.count():
        dialog_submit.first.click()
    expect(legal.locator(".messages")).to_be_visible()

    version = PolicyVersion.objects.get(policy=policy, number=4)
    assert version.rules.window_days == 60
    assert version.approved_by.email == "legal@example.com"
    assert version.submitted_by.email == "editor@example.com"
    assert version.change_reason == "Longer window for the holidays."
    assert version.effective_from == starts.replace(second=0, microsecond=0)

    for prefix, title in [("", "Return policy"), ("/fr", "Politique de retour")]:
        buyer = browser.new_context(locale="fr-FR" if prefix else "en-GB").new_page()
        buyer.goto(f"{base}{prefix}/policies/return-policy/")
        expect(buyer.locator("h1")).to_have_text(title)
        expect(buyer.locator(".version-meta")).to_have_attribute("data-version", "2")
        # The banner announces v4, the version that will really be in force.
        banner = buyer.locator(".banner a[href*='/compare/']")
        expect(banner).to_have_attribute("href", re.compile(r"/compare/2/4/$"))
        assert_accessible(buyer)
        banner.click()
        expect(buyer.locator(".change-changed").first).to_contain_text("60")
        assert_accessible(buyer)
        buyer.goto(f"{base}{prefix}/policies/")
        expect(buyer.locator(".version-meta").first).to_have_attribute("data-version", "2")
        buyer.goto(f"{base}{prefix}/policies/return-policy/versions/")
        expect(buyer.locator("tr[data-version='3']")).to_have_attribute("data-status", "superseded")
        expect(buyer.locator("tr[data-version='4'] a[href$='/compare/2/4/']")).to_be_visible()
        assert_accessible(buyer)
