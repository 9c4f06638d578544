"""The demo storefront under /demo-store/: on in dev and tests, off in production."""

import json
import re

import pytest

pytestmark = pytest.mark.django_db

PRODUCT = "/demo-store/"
CHECKOUT = "/demo-store/checkout/"
LD_JSON = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


@pytest.fixture
def demo_policies(site_tree, django_capture_on_commit_callbacks):
    from policy_pages.seeding import seed_policies

    with django_capture_on_commit_callbacks(execute=True):
        seed_policies(site_tree)


def test_product_page_includes_the_sellers_policy_embed_and_json_ld(client, demo_policies):
    response = client.get(PRODUCT)

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1" in html and "Linen shirt" in html
    assert "Sold by Atelier Lumière" in html
    assert "Sold by a professional seller: EU consumer rights apply." in html
    # The server-side include of the embed: the seller's 60-day policy in FR.
    assert 'data-policy="atelier-lumiere-returns"' in html
    assert "60-day returns" in html
    data = json.loads(LD_JSON.search(html).group(1))
    assert data["@type"] == "MerchantReturnPolicy"
    assert data["merchantReturnDays"] == 60
    # The iframe variant, titled for screen readers, and the data links.
    assert '<iframe class="demo-frame" src="http://testserver/policies/embed/frame/?' in html
    assert 'title="Return policy summary"' in html
    assert "/api/v1/policies/in-force?market=FR" in html
    assert '<label for="market">' in html


def test_product_page_follows_the_chosen_market(client, demo_policies):
    html = client.get(PRODUCT, {"market": "DE"}).content.decode()

    # Atelier Lumière's own policy covers FR and BE only.
    assert 'data-policy="return-policy"' in html
    assert '<option value="DE" selected>' in html


def test_an_odd_market_falls_back_to_the_default(client, demo_policies):
    response = client.get(PRODUCT, {"market": "<x>"})

    assert response.status_code == 200
    assert '<option value="FR" selected>' in response.content.decode()


def test_a_market_without_policy_shows_the_not_found_message(client, demo_policies):
    html = client.get(PRODUCT, {"market": "SE"}).content.decode()

    assert "No return policy applies" in html


def test_checkout_lists_each_item_with_its_sellers_policy(client, demo_policies):
    response = client.get(CHECKOUT)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Sold by Atelier Lumière" in html and "Sold by Nordlicht Home" in html
    assert html.count("Sold by a professional seller: EU consumer rights apply.") == 2
    assert 'data-policy="atelier-lumiere-returns"' in html
    assert 'data-policy="return-policy"' in html  # no policy of its own: the marketplace's
    assert "Total: €83.50" in html


def test_the_demo_store_speaks_the_requested_language(client, demo_policies):
    response = client.get("/fr" + CHECKOUT, {"market": "BE"})

    html = response.content.decode()
    assert response["Content-Language"] == "fr"
    assert '<html lang="fr">' in html
    assert 'class="rh-policy" lang="fr"' in html
    assert "Politique de retour d&#x27;Atelier Lumière" in html
    # The links stay in French and keep the market.
    assert 'href="/fr/demo-store/?market=BE"' in html


@pytest.mark.parametrize("url", [PRODUCT, CHECKOUT])
def test_the_demo_store_is_off_unless_enabled(client, db, settings, url):
    settings.DEMO_STORE_ENABLED = False

    assert client.get(url).status_code == 404


@pytest.mark.parametrize("url", [PRODUCT, CHECKOUT])
def test_the_demo_store_is_off_when_the_setting_is_missing(client, db, settings, url):
    del settings.DEMO_STORE_ENABLED

    assert client.get(url).status_code == 404


def test_the_demo_store_accepts_only_safe_methods(client, db):
    assert client.post(PRODUCT).status_code == 405
