"""A newcomer sees how a storefront links its policies: embed, JSON-LD, iframe."""

import json

import pytest
from playwright.sync_api import expect


@pytest.fixture
def store(live_site):
    from policy_pages.seeding import seed_policies

    seed_policies()
    return live_site


def test_product_and_checkout_pages_show_each_sellers_policy_accessibly(
    store, page, assert_accessible
):
    page.goto(store.url + "/demo-store/")
    summary = page.locator(".rh-policy").first
    expect(summary).to_be_visible()
    expect(summary.get_by_role("link", name="read the policy")).to_be_visible()
    json_ld = json.loads(page.locator("script[type='application/ld+json']").first.inner_text())
    assert json_ld["@type"] == "MerchantReturnPolicy"
    assert json_ld["merchantReturnDays"] == 60  # Atelier Lumière's own policy
    assert_accessible(page)

    page.goto(store.url + "/fr/demo-store/checkout/")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator(".rh-policy")).to_have_count(2)
    assert_accessible(page)
