import re

from playwright.sync_api import expect

from tests.factories import PASSWORD, UserFactory


def test_home_in_english_and_french_then_a_buyer_logs_in_and_out(
    live_site, page, assert_accessible
):
    buyer = UserFactory(email="smoke-buyer@example.com")

    page.goto(live_site.url + "/")
    expect(page.locator("h1")).to_have_text("Returns, made simple")
    assert_accessible(page)

    page.get_by_role("link", name="Français").click()
    expect(page).to_have_url(live_site.url + "/fr/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator("h1")).to_have_text("Les retours, en toute simplicité")
    assert_accessible(page)

    page.get_by_role("link", name="Se connecter").click()
    assert_accessible(page)
    # The sign-in form's own field (the page also has "Find my order"'s email field).
    page.locator("input[name=login]").fill(buyer.email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.locator("main").get_by_role("button", name=re.compile("Connexion", re.I)).click()

    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Se déconnecter").click()
    # allauth asks to confirm a logout only for GET; our header posts directly.
    expect(page.get_by_role("link", name="Se connecter")).to_be_visible()
