"""A policy change goes through legal review and reaches buyers, in a real browser."""

import re

import pytest
from allauth.mfa.models import Authenticator
from playwright.sync_api import expect

from accounts.mfa import current_totp_code
from tests.factories import PASSWORD


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
    page.locator("input[name=code]").fill(current_totp_code(authenticator))
    page.locator("main form button[type=submit]").first.click()
    expect(page).to_have_url(re.compile(r"/admin/"))


def test_editor_submits_legal_approves_and_buyers_read_the_new_version(
    policy_site, browser, assert_accessible
):
    from policy_pages.models import PolicyPage
    from policy_pages.versions import PolicyVersion

    policy = PolicyPage.objects.get(slug="return-policy", locale__language_code="en")
    base = policy_site.url

    editor = browser.new_context().new_page()
    sign_in_to_admin(editor, base, "editor@example.com")
    editor.goto(f"{base}/admin/pages/{policy.pk}/edit/")
    editor.get_by_role("tab", name="Rules").click()
    editor.get_by_label("Return window (days)").fill("60")
    editor.get_by_role("tab", name="Content").click()
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

    buyer = browser.new_context(locale="fr-FR").new_page()
    buyer.goto(f"{base}/policies/return-policy/versions/")
    expect(buyer.get_by_role("link", name="Version 4")).to_be_visible()
    assert_accessible(buyer)
    buyer.goto(f"{base}/policies/return-policy/compare/3/4/")
    expect(buyer.locator(".change-changed").first).to_contain_text("60")
    assert_accessible(buyer)
    buyer.goto(f"{base}/fr/policies/return-policy/")
    expect(buyer.locator("h1")).to_have_text("Politique de retour")
    assert_accessible(buyer)
