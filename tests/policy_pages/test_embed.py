"""Policy embeds (/policies/embed/ and /policies/embed/frame/) and their
schema.org MerchantReturnPolicy JSON-LD."""

import json
import re
from datetime import timedelta
from decimal import Decimal

import pytest

from policy_pages import embed
from policy_pages.api import query as api_query
from policy_pages.jsonld import ld_json_script, merchant_return_policy
from policy_pages.rules import (
    CategoryOverride,
    Condition,
    OverrideKind,
    Payer,
    PolicyRules,
    Resolution,
    ShippingMethod,
    ShippingOption,
    WindowStart,
)

pytestmark = pytest.mark.django_db

URL = "/policies/embed/"
FRAME_URL = "/policies/embed/frame/"
SHOP = "https://shop.example"
SCHEMA = "https://schema.org/"
LD_JSON = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)


@pytest.fixture
def demo_policies(site_tree, django_capture_on_commit_callbacks):
    from policy_pages.models import PolicyPage
    from policy_pages.seeding import seed_policies

    with django_capture_on_commit_callbacks(execute=True):
        seed_policies(site_tree)
    return PolicyPage.objects.get(slug="return-policy", locale__language_code="en")


def json_ld(html: str) -> dict:
    scripts = LD_JSON.findall(html)
    assert len(scripts) == 1
    return json.loads(scripts[0])


# --- the fragment ---------------------------------------------------------------


def test_fragment_summarises_the_policy_and_links_its_permalink(client, demo_policies):
    response = client.get(URL, {"market": "FR", "seller": "atelier-lumiere", "lang": "fr"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    html = response.content.decode()
    assert html.lstrip().startswith('<div class="rh-policy" lang="fr"')
    assert "<html" not in html  # a fragment, not a document
    assert 'href="http://testserver/fr/policies/atelier-lumiere-returns/v/1/"' in html
    assert "Politique de retour d&#x27;Atelier Lumière" in html
    assert 'data-version="1"' in html


def test_fragment_names_the_source_language_of_a_fallback_title(client, demo_policies):
    html = client.get(URL, {"market": "FR", "lang": "de"}).content.decode()

    assert '<span lang="en">Return policy</span>' in html


def test_fragment_json_ld_is_a_merchant_return_policy(client, demo_policies):
    from marketplace.models import ProductCategory

    ProductCategory.objects.create(code="apparel", names={"en": "Apparel"}, path="apparel")
    html = client.get(URL, {"market": "FR", "category": "apparel"}).content.decode()

    data = json_ld(html)
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "MerchantReturnPolicy"
    assert data["applicableCountry"] == ["AT", "BE", "DE", "ES", "FR", "IT", "LU", "NL"]
    assert data["returnPolicyCountry"] == "FR"
    assert data["returnPolicyCategory"] == SCHEMA + "MerchantReturnFiniteReturnWindow"
    assert data["merchantReturnDays"] == 30
    assert "delivery" in data["description"]
    assert data["returnMethod"] == [SCHEMA + "ReturnAtKiosk", SCHEMA + "ReturnByMail"]
    # v2: a change of mind costs the cheapest shipping fee; a defect is free.
    assert data["returnFees"] == SCHEMA + "ReturnShippingFees"
    assert data["returnShippingFeesAmount"] == {
        "@type": "MonetaryAmount",
        "value": "3.90",
        "currency": "EUR",
    }
    assert data["customerRemorseReturnFees"] == SCHEMA + "ReturnShippingFees"
    assert data["itemDefectReturnFees"] == SCHEMA + "FreeReturn"
    assert data["refundType"] == [
        SCHEMA + "FullRefund",
        SCHEMA + "StoreCreditRefund",
        SCHEMA + "ExchangeRefund",
    ]
    assert data["itemCondition"] == [SCHEMA + "NewCondition"]
    assert data["merchantReturnLink"] == "http://testserver/policies/return-policy/v/2/"
    assert "restockingFee" not in data


def test_the_free_drop_off_of_the_seller_policy_is_a_free_return(client, demo_policies):
    html = client.get(URL, {"market": "BE", "seller": "atelier-lumiere"}).content.decode()

    data = json_ld(html)
    assert data["returnFees"] == SCHEMA + "FreeReturn"
    assert "returnShippingFeesAmount" not in data
    assert data["merchantReturnDays"] == 60
    assert data["applicableCountry"] == ["BE", "FR"]
    assert "free drop-off point" in html


def test_a_past_date_embeds_the_version_then_in_force(client, demo_policies):
    v1 = demo_policies.versions.get(number=1)
    at = (v1.effective_from + timedelta(days=1)).isoformat()

    html = client.get(URL, {"market": "FR", "at": at}).content.decode()

    assert 'data-version="1"' in html
    assert json_ld(html)["refundType"] == [SCHEMA + "FullRefund"]


def test_bad_parameters_give_a_400_fragment_with_each_message(client, db):
    response = client.get(URL, {"market": "XX", "at": "2026-05-01", "lang": "it"})

    assert response.status_code == 400
    assert response["Content-Type"] == "text/html; charset=utf-8"
    html = response.content.decode()
    assert "<code>market</code>: Unknown market" in html
    assert "<code>at</code>: Include a time zone" in html
    assert "<code>lang</code>: Use one of these language codes" in html
    assert "application/ld+json" not in html


def test_the_embed_validates_exactly_like_the_api(client, db):
    params = {"market": "FR", "category": "Not A Code", "at": "then"}

    api_errors = client.get("/api/v1/policies/in-force", params).json()["errors"]
    html = client.get(URL, params).content.decode()

    assert embed.parse_policy_query is api_query.parse_policy_query
    for field, messages in api_errors.items():
        assert f"<code>{field}</code>: {messages[0]}" in html


def test_no_applicable_policy_gives_a_404_fragment(client, demo_policies):
    response = client.get(URL, {"market": "SE"})

    assert response.status_code == 404
    assert "No return policy applies" in response.content.decode()


def test_hostile_input_is_escaped_and_never_a_server_error(client, db):
    response = client.get(URL, {"market": "<script>alert(1)</script>", "seller": '"><b>'})

    assert response.status_code == 400
    html = response.content.decode()
    assert "<script>alert" not in html and "<b>" not in html


# --- caching, CORS and framing -------------------------------------------------


def test_the_embed_has_an_etag_and_answers_304(client, demo_policies):
    first = client.get(URL, {"market": "FR"})

    again = client.get(URL, {"market": "FR"}, HTTP_IF_NONE_MATCH=first["ETag"])

    assert first["Cache-Control"] == "public, max-age=300"
    assert again.status_code == 304
    assert again["ETag"] == first["ETag"]
    # The API answer for the same query is a different representation.
    assert client.get("/api/v1/policies/in-force", {"market": "FR"})["ETag"] != first["ETag"]


def test_a_warm_embed_reads_only_the_cache(client, demo_policies, django_assert_max_num_queries):
    with django_assert_max_num_queries(15):
        cold = client.get(URL, {"market": "FR", "seller": "atelier-lumiere", "lang": "fr"})
    with django_assert_max_num_queries(2):
        warm = client.get(URL, {"market": "FR", "seller": "atelier-lumiere", "lang": "fr"})

    assert warm.content == cold.content


def test_publishing_changes_the_embed(client, demo_policies, django_capture_on_commit_callbacks):
    from policy_pages.services import record_version, recording_paused

    v3 = demo_policies.versions.get(number=3)
    at = (v3.effective_from + timedelta(days=1)).isoformat()
    assert (
        json_ld(client.get(URL, {"market": "FR", "at": at}).content.decode())["merchantReturnDays"]
        == 45
    )

    demo_policies.window_days = 60
    demo_policies.schedule_choice = "replace"
    with django_capture_on_commit_callbacks(execute=True):
        with recording_paused():
            revision = demo_policies.save_revision()
            revision.publish()
        record_version(demo_policies, revision)

    data = json_ld(client.get(URL, {"market": "FR", "at": at}).content.decode())
    assert data["merchantReturnDays"] == 60
    assert data["merchantReturnLink"].endswith("/v/4/")


def test_storefronts_may_frame_the_embed_and_fetch_it_cross_origin(client, demo_policies, settings):
    settings.STOREFRONT_ORIGINS = [SHOP, "https://other.example"]

    response = client.get(URL, {"market": "FR"}, HTTP_ORIGIN=SHOP)

    assert response["Content-Security-Policy"] == (
        "frame-ancestors 'self' https://shop.example https://other.example"
    )
    assert "X-Frame-Options" not in response
    assert response["Access-Control-Allow-Origin"] == SHOP


def test_other_origins_may_not_fetch_the_embed(client, demo_policies, settings):
    settings.STOREFRONT_ORIGINS = [SHOP]

    response = client.get(URL, {"market": "FR"}, HTTP_ORIGIN="https://evil.example")

    assert "Access-Control-Allow-Origin" not in response
    assert response["Content-Security-Policy"] == "frame-ancestors 'self' https://shop.example"


def test_a_malformed_origin_setting_cannot_inject_csp_directives(client, db, settings):
    settings.STOREFRONT_ORIGINS = [SHOP, "https://x.example; script-src *"]

    response = client.get(URL, {"market": "XX"})

    assert response["Content-Security-Policy"] == "frame-ancestors 'self' https://shop.example"


def test_the_embed_answers_a_preflight(client, db, settings):
    settings.STOREFRONT_ORIGINS = [SHOP]

    response = client.options(URL, HTTP_ORIGIN=SHOP, HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET")

    assert response.status_code == 204
    assert response["Access-Control-Allow-Origin"] == SHOP


def test_the_frame_variant_is_a_complete_accessible_document(client, demo_policies, settings):
    settings.STOREFRONT_ORIGINS = [SHOP]

    response = client.get(FRAME_URL, {"market": "FR", "lang": "fr"})

    assert response.status_code == 200
    html = response.content.decode()
    assert html.startswith("<!DOCTYPE html>")
    assert '<html lang="fr">' in html
    assert "<title>" in html and "<main>" in html
    assert '<base target="_top">' in html  # the policy opens in the storefront's window
    assert json_ld(html)["@type"] == "MerchantReturnPolicy"
    assert response["Content-Security-Policy"] == "frame-ancestors 'self' https://shop.example"
    assert "X-Frame-Options" not in response


def test_the_frame_variant_reports_bad_parameters_in_a_document(client, db):
    response = client.get(FRAME_URL, {"lang": "de"})

    assert response.status_code == 400
    html = response.content.decode()
    assert html.startswith("<!DOCTYPE html>") and "<code>market</code>" in html


def test_embed_html_is_the_same_fragment_the_endpoint_serves(client, rf, demo_policies):
    query, errors, _lang = api_query.parse_policy_query({"market": "BE"})
    request = rf.get("/demo-store/")

    assert not errors
    assert (
        str(embed.embed_html(request, query)) == client.get(URL, {"market": "BE"}).content.decode()
    )


# --- JSON-LD, unit --------------------------------------------------------------


def rules(**changes) -> PolicyRules:
    base = {
        "currency": "EUR",
        "markets": ("DE", "FR"),
        "window_days": 30,
        "window_start": WindowStart.DELIVERY,
        "window_clause": "2",
        "resolutions": (Resolution.REFUND,),
        "shipping_options": (
            ShippingOption(
                ShippingMethod.PREPAID_LABEL, Decimal("4.5"), Payer.BUYER, Payer.MERCHANT, "6"
            ),
        ),
    }
    return PolicyRules(**{**base, **changes})


def test_a_not_returnable_category_is_not_permitted_and_has_no_window():
    policy = rules(
        category_overrides=(
            CategoryOverride("underwear", OverrideKind.NOT_RETURNABLE, "3"),
            CategoryOverride("shoes", OverrideKind.DAYS, "3", days=100),
        )
    )

    closed = merchant_return_policy(policy, market="DE", category_path=("apparel", "underwear"))
    longer = merchant_return_policy(policy, market="DE", category_path=("shoes",))

    assert closed["returnPolicyCategory"] == SCHEMA + "MerchantReturnNotPermitted"
    assert "merchantReturnDays" not in closed and "returnFees" not in closed
    assert longer["merchantReturnDays"] == 100


def test_fees_per_reason_restocking_fee_and_own_carrier():
    policy = rules(
        restocking_fee_percent=Decimal("10"),
        conditions=(Condition.TAGS,),
        shipping_options=(
            ShippingOption(ShippingMethod.OWN_CARRIER, Decimal("0"), Payer.BUYER, Payer.BUYER, "6"),
        ),
        window_start=WindowStart.ORDER,
    )

    data = merchant_return_policy(policy, market="FR", permalink="https://x.example/v/1/")

    assert data["returnFees"] == SCHEMA + "ReturnFeesCustomerResponsibility"
    assert data["itemDefectReturnFees"] == SCHEMA + "ReturnFeesCustomerResponsibility"
    assert data["returnLabelSource"] == SCHEMA + "ReturnLabelCustomerResponsibility"
    assert data["restockingFee"] == 10.0
    assert "itemCondition" not in data
    assert "order date" in data["description"]
    assert data["merchantReturnLink"] == "https://x.example/v/1/"


def test_shipping_fee_amounts_per_reason():
    data = merchant_return_policy(rules(), market="FR")

    assert data["customerRemorseReturnShippingFeesAmount"]["value"] == "4.50"
    assert data["itemDefectReturnFees"] == SCHEMA + "FreeReturn"
    assert "itemDefectReturnShippingFeesAmount" not in data


def test_json_ld_cannot_break_out_of_its_script_element():
    hostile = {"name": "</script><script>alert(1)</script> & <!-- x"}

    html = str(ld_json_script(hostile))

    inner = LD_JSON.search(html).group(1)
    assert "<" not in inner and ">" not in inner and "&" not in inner
    assert json.loads(inner) == hostile
