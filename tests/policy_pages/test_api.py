"""The policy API: GET /api/v1/policies/in-force and the OpenAPI document."""

import json
import time
from datetime import UTC, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from policy_pages.api.answer import Rendered
from policy_pages.cache import bump_policy_cache

pytestmark = pytest.mark.django_db

URL = "/api/v1/policies/in-force"
SHOP = "https://shop.example"


@pytest.fixture
def demo_policies(site_tree, django_capture_on_commit_callbacks):
    """Marketplace return policy (v1 past, v2 in force without German text,
    v3 scheduled) and Atelier Lumière's override for FR and BE."""
    from policy_pages.models import PolicyPage
    from policy_pages.seeding import seed_policies

    with django_capture_on_commit_callbacks(execute=True):
        seed_policies(site_tree)
    return PolicyPage.objects.get(slug="return-policy", locale__language_code="en")


def versions_of(page):
    return {version.number: version for version in page.versions.all()}


def get(client, **params):
    return client.get(URL, params)


# --- answers -------------------------------------------------------------------


def test_french_answer_gives_the_version_in_force_with_french_title_and_permalink(
    client, demo_policies
):
    response = get(client, market="FR", lang="fr")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Content-Language"] == "fr"
    data = response.json()
    in_force = versions_of(demo_policies)[2]
    assert data["version"] == 2
    assert data["hash"] == in_force.hash
    assert data["effective_from"] == in_force.effective_from.astimezone(UTC).isoformat()
    assert data["title"] == "Politique de retour"
    assert data["fallback"] is False
    assert data["permalink"] == "http://testserver/fr/policies/return-policy/v/2/"
    assert data["policy"] == "return-policy"
    assert data["seller"] is None
    assert data["markets"] == ["AT", "BE", "DE", "ES", "FR", "IT", "LU", "NL"]
    assert data["rules"]["window_days"] == 30
    assert data["rules"] == json.loads(in_force.rules_json)
    assert "30" in data["summary"].split(" · ")[0]


def test_english_is_the_default_language(client, demo_policies):
    data = get(client, market="FR").json()

    assert data["lang"] == "en"
    assert data["title"] == "Return policy"
    assert data["fallback"] is False
    assert data["permalink"] == "http://testserver/policies/return-policy/v/2/"
    assert data["summary"] == (
        "30-day returns · refund to the original payment, store credit, exchange"
    )


def test_a_version_without_text_in_the_language_gives_the_source_title_flagged(
    client, demo_policies
):
    data = get(client, market="DE", lang="de").json()  # v2 has no German text

    assert data["version"] == 2
    assert data["title"] == "Return policy"
    assert data["title_lang"] == "en"
    assert data["fallback"] is True
    # The German page still hosts the permalink (it shows the fallback notice).
    assert data["permalink"] == "http://testserver/de/policies/return-policy/v/2/"


def test_the_sellers_own_policy_beats_the_marketplace_policy(client, demo_policies):
    data = get(client, market="FR", seller="atelier-lumiere", lang="de").json()

    assert data["policy"] == "atelier-lumiere-returns"
    assert data["seller"] == "atelier-lumiere"
    assert data["rules"]["window_days"] == 60
    assert data["title"] == "Rückgaberichtlinie von Atelier Lumière"
    assert "60" in data["summary"].split(" · ")[0]


def test_outside_the_sellers_markets_the_marketplace_policy_applies(client, demo_policies):
    data = get(client, market="DE", seller="atelier-lumiere").json()

    assert data["policy"] == "return-policy"
    assert data["seller"] is None


def test_a_past_date_gives_the_version_then_in_force(client, demo_policies):
    v1 = versions_of(demo_policies)[1]
    at = (v1.effective_from + timedelta(days=1)).isoformat()

    data = get(client, market="FR", at=at).json()

    assert data["version"] == 1
    assert data["rules"]["resolutions"] == ["refund"]
    assert data["query"]["at"] == (v1.effective_from + timedelta(days=1)).isoformat()


def test_before_the_first_version_there_is_no_policy(client, demo_policies):
    v1 = versions_of(demo_policies)[1]

    response = get(client, market="FR", at=(v1.effective_from - timedelta(days=1)).isoformat())

    assert response.status_code == 404


def test_the_scheduled_version_is_not_returned_before_its_date(client, demo_policies):
    v3 = versions_of(demo_policies)[3]
    just_before = (v3.effective_from - timedelta(seconds=1)).isoformat()

    assert get(client, market="FR", at=just_before).json()["version"] == 2
    assert get(client, market="FR", at=v3.effective_from.isoformat()).json()["version"] == 3


def test_a_time_zone_offset_is_honoured_even_unencoded(client, demo_policies):
    v3 = versions_of(demo_policies)[3]
    paris = v3.effective_from.astimezone(timezone.get_fixed_timezone(120))
    # An unencoded "+" reaches the server as a space.
    raw = paris.isoformat().replace("+", " ")

    data = get(client, market="FR", at=raw).json()

    assert data["version"] == 3


def test_uk_is_accepted_as_gb(client, demo_policies):
    response = get(client, market="uk")

    assert response.status_code == 404  # no policy for GB in the demo, but a valid market
    assert response.json()["query"]["market"] == "GB"


def test_no_applicable_policy_gives_404_with_a_message(client, demo_policies):
    response = get(client, market="SE")

    assert response.status_code == 404
    assert response.json()["detail"] == (
        "No return policy applies to this market and seller at this date."
    )


# --- bad input -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({}, "market", "This parameter is required."),
        ({"market": "  "}, "market", "This parameter is required."),
        ({"market": "XX"}, "market", "Unknown market"),
        ({"market": "FR", "at": "yesterday"}, "at", "ISO 8601"),
        ({"market": "FR", "at": "2026-05-01T10:00:00"}, "at", "Include a time zone"),
        ({"market": "FR", "at": "2026-05-01"}, "at", "Include a time zone"),
        ({"market": "FR", "at": "0001-01-01T00:00:00+01:00"}, "at", "out of range"),
        ({"market": "FR", "category": "Apparel"}, "category", "category code"),
        ({"market": "FR", "category": "-shoes"}, "category", "category code"),
        ({"market": "FR", "seller": "two words"}, "seller", "seller's reference"),
        ({"market": "FR", "lang": "it"}, "lang", "en, fr, de"),
    ],
)
def test_each_bad_parameter_gives_400_with_a_message_for_that_field(
    client, db, params, field, message
):
    response = get(client, **params)

    assert response.status_code == 400
    errors = response.json()["errors"]
    assert list(errors) == [field]
    assert message in errors[field][0]


def test_several_bad_parameters_are_all_reported(client, db):
    response = get(client, market="XX", at="soon", category="A B", lang="fr")

    assert response.status_code == 400
    assert response["Content-Language"] == "fr"
    assert set(response.json()["errors"]) == {"market", "at", "category"}


@pytest.mark.parametrize(
    "params",
    [
        {"market": "FR\x00"},
        {"market": "F" * 10_000},
        {"market": "FR", "seller": "x\x00y"},
        {"market": "FR", "seller": "s" * 65},
        {"market": "FR", "category": "a" * 65},
        {"market": "FR", "at": "9999-12-31T23:59:59-01:00"},
        {"market": "FR", "at": "2026-13-45T99:99:99Z"},
        {"market": "FR", "at": "1" * 5_000},
        {"market": "FR", "lang": "\u00e9\u00e9"},
        {"market": "\u0130\u0131", "seller": "\u00e9t\u00e9"},
    ],
)
def test_hostile_input_never_causes_a_server_error(client, db, params):
    response = get(client, **params)

    assert response.status_code in (200, 400, 404)
    assert response.json()


def test_other_methods_are_not_allowed(client, db):
    assert client.post(URL, {"market": "FR"}).status_code == 405


def test_a_category_is_checked_against_the_catalogue_and_gives_its_path(client, demo_policies):
    from marketplace.models import ProductCategory

    apparel = ProductCategory.objects.create(
        code="apparel", names={"en": "Apparel"}, path="apparel"
    )
    ProductCategory.objects.create(
        code="shirts", names={"en": "Shirts"}, parent=apparel, path="apparel/shirts"
    )

    unknown = get(client, market="FR", category="boats")
    known = get(client, market="FR", category="shirts")

    assert unknown.status_code == 400
    assert unknown.json()["errors"] == {"category": ["Unknown category."]}
    assert unknown.json()["code"] == "unknown"  # well formed, not in the catalogue
    assert known.status_code == 200
    assert known.json()["query"]["category"] == "shirts"


# --- HTTP caching and invalidation ----------------------------------------------


def test_answers_carry_an_etag_and_a_public_cache_control(client, demo_policies):
    response = get(client, market="FR")

    assert response["Cache-Control"] == "public, max-age=300"
    assert response["ETag"].startswith('"') and response["ETag"].endswith('"')
    assert "Origin" in response["Vary"]


def test_a_matching_if_none_match_gives_304(client, demo_policies):
    etag = get(client, market="FR")["ETag"]

    again = client.get(URL, {"market": "FR"}, HTTP_IF_NONE_MATCH=etag)
    weak = client.get(URL, {"market": "FR"}, HTTP_IF_NONE_MATCH=f'"other", W/{etag}')
    other = client.get(URL, {"market": "FR"}, HTTP_IF_NONE_MATCH='"stale"')

    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    assert again["Cache-Control"] == "public, max-age=300"
    assert weak.status_code == 304
    assert other.status_code == 200


def test_the_etag_depends_on_the_language_and_parameters(client, demo_policies):
    etags = {
        get(client, market="FR")["ETag"],
        get(client, market="FR", lang="fr")["ETag"],
        get(client, market="BE")["ETag"],
        get(client, market="FR", seller="atelier-lumiere")["ETag"],
    }

    assert len(etags) == 4


def test_a_cold_answer_stays_within_budget_and_a_warm_one_reads_only_the_cache(
    client, demo_policies, django_assert_max_num_queries
):
    with django_assert_max_num_queries(15):
        cold = get(client, market="FR", seller="atelier-lumiere", lang="fr")
    with django_assert_max_num_queries(2):
        warm = get(client, market="FR", seller="atelier-lumiere", lang="fr")

    assert warm.content == cold.content


def test_bumping_the_cache_generation_recomputes_the_answer(client, demo_policies):
    get(client, market="FR")
    with CaptureQueriesContext(connection) as warm:
        get(client, market="FR")
    bump_policy_cache()  # what every publish does, on commit
    with CaptureQueriesContext(connection) as after_bump:
        get(client, market="FR")

    assert len(warm) == 0
    assert len(after_bump) > 0


def test_publishing_a_new_version_invalidates_cached_answers(
    client, demo_policies, django_capture_on_commit_callbacks
):
    from policy_pages.services import record_version, recording_paused

    v3 = versions_of(demo_policies)[3]
    at = (v3.effective_from + timedelta(days=5)).isoformat()
    before = get(client, market="FR", at=at)
    assert before.json()["rules"]["window_days"] == 45

    page = demo_policies
    page.window_days = 50
    page.schedule_choice, page.effective_from = "after", v3.effective_from + timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        with recording_paused():
            revision = page.save_revision()
            revision.publish()
        record_version(page, revision)
    after = get(client, market="FR", at=at)

    assert after.json()["version"] == 4
    assert after.json()["rules"]["window_days"] == 50
    assert after["ETag"] != before["ETag"]
    revalidated = client.get(URL, {"market": "FR", "at": at}, HTTP_IF_NONE_MATCH=before["ETag"])
    assert revalidated.status_code == 200


def test_the_answer_for_now_expires_when_the_scheduled_version_takes_effect(
    client, demo_policies, monkeypatch
):
    v3 = versions_of(demo_policies)[3]
    assert get(client, market="FR").json()["version"] == 2

    later = v3.effective_from + timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    monkeypatch.setattr(time, "time", lambda: later.timestamp())

    assert get(client, market="FR").json()["version"] == 3


def test_max_age_shrinks_when_a_change_is_near(db):
    soon = Rendered(200, "", "application/json", "en", '"x"', time.time() + 100)

    assert 95 <= soon.max_age(300) <= 100
    assert Rendered(200, "", "application/json", "en").max_age(300) == 300


# --- CORS -----------------------------------------------------------------------


def test_an_allowed_storefront_origin_gets_cors_headers(client, demo_policies, settings):
    settings.STOREFRONT_ORIGINS = [SHOP]

    response = client.get(URL, {"market": "FR"}, HTTP_ORIGIN=SHOP)

    assert response["Access-Control-Allow-Origin"] == SHOP
    assert "ETag" in response["Access-Control-Expose-Headers"]
    assert "Origin" in response["Vary"]


@pytest.mark.parametrize("origin", ["https://evil.example", f"{SHOP}.evil.example", "null"])
def test_other_origins_get_no_cors_headers_even_from_a_warm_cache(
    client, demo_policies, settings, origin
):
    settings.STOREFRONT_ORIGINS = [SHOP]
    client.get(URL, {"market": "FR"}, HTTP_ORIGIN=SHOP)  # warms the cache

    response = client.get(URL, {"market": "FR"}, HTTP_ORIGIN=origin)

    assert response.status_code == 200
    assert "Access-Control-Allow-Origin" not in response
    assert "Origin" in response["Vary"]


def test_errors_also_carry_cors_headers_for_allowed_origins(client, db, settings):
    settings.STOREFRONT_ORIGINS = [SHOP]

    response = client.get(URL, {"market": "XX"}, HTTP_ORIGIN=SHOP)

    assert response.status_code == 400
    assert response["Access-Control-Allow-Origin"] == SHOP


def test_preflight_is_answered_for_allowed_origins_only(client, db, settings):
    settings.STOREFRONT_ORIGINS = [SHOP]
    headers = {"HTTP_ACCESS_CONTROL_REQUEST_METHOD": "GET"}

    allowed = client.options(URL, HTTP_ORIGIN=SHOP, **headers)
    refused = client.options(URL, HTTP_ORIGIN="https://evil.example", **headers)

    assert allowed.status_code == 204
    assert allowed["Access-Control-Allow-Origin"] == SHOP
    assert "GET" in allowed["Access-Control-Allow-Methods"]
    assert "If-None-Match" in allowed["Access-Control-Allow-Headers"]
    assert refused.status_code == 204
    assert "Access-Control-Allow-Origin" not in refused
    assert "Access-Control-Allow-Methods" not in refused


# --- OpenAPI --------------------------------------------------------------------


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def _resolve(document, ref):
    node = document
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return node


def test_the_openapi_document_describes_the_endpoint(client, db):
    response = client.get("/api/v1/openapi.json")

    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=3600"
    document = json.loads(response.content)
    assert document["openapi"].startswith("3.1")
    assert document["info"]["title"] == "Returns Hub API"
    assert document["servers"][0]["url"] == "http://testserver/api/v1"
    operation = document["paths"]["/policies/in-force"]["get"]
    assert operation["operationId"] == "policyInForce"
    assert set(operation["responses"]) >= {"200", "304", "400", "404"}
    assert "ETag" in operation["responses"]["200"]["headers"]
    parameters = {p["name"]: p for p in operation["parameters"]}
    assert set(parameters) == {"market", "seller", "category", "at", "lang"}
    assert parameters["market"]["required"] is True
    assert all(p["in"] == "query" for p in parameters.values())
    assert not any(parameters[name]["required"] for name in ("seller", "category", "at", "lang"))
    for ref in _refs(document):
        assert _resolve(document, ref)  # every reference resolves
    # The embed (HTML, outside /api/v1) is documented with a server override.
    embed_item = document["paths"]["/policies/embed/"]
    assert embed_item["servers"] == [{"url": "http://testserver"}]
    assert embed_item["get"]["operationId"] == "policyEmbed"


def test_the_document_states_exactly_what_each_parameter_accepts(client, db):
    import re

    document = client.get("/api/v1/openapi.json").json()
    parameters = {
        p["name"]: p["schema"] for p in document["paths"]["/policies/in-force"]["get"]["parameters"]
    }

    def accepts(name, value):
        return re.search(parameters[name]["pattern"], value) is not None

    assert accepts("category", "0") and accepts("category", "") and not accepts("category", "-x")
    assert accepts("lang", "fr-FR") and accepts("lang", "") and not accepts("lang", "it")
    assert accepts("market", "uk") and not accepts("market", "XX")
    assert not accepts("at", "") and accepts("at", "2026-05-01T10:00:00+02:00")
    assert parameters["seller"]["maxLength"] == 64
    # The same values through the endpoint.
    assert get(client, market="uk", lang="fr-FR").status_code == 404  # valid, no GB policy
    assert get(client, market="FR", at="").status_code == 400
    assert get(client, market="FR", lang="").status_code in (200, 404)


def test_errors_share_the_envelope_documented_with_its_codes(client, db):
    document = client.get("/api/v1/openapi.json").json()
    schemas = document["components"]["schemas"]

    body = get(client, market="XX", lang="fr").json()

    assert body["status"] == 400
    assert body["code"] == "invalid"
    assert body["message"] == body["detail"] == "La requête n'est pas valide."
    assert list(body["errors"]) == ["market"]
    assert "invalid" in schemas["ErrorCode"]["enum"]
    assert set(schemas["ErrorOut"]["required"]) >= {"status", "code", "message", "detail"}


def test_the_not_found_answer_keeps_its_detail_and_query(client, demo_policies):
    body = get(client, market="SE", lang="de").json()

    assert body["status"] == 404
    assert body["code"] == "not_found"
    assert body["detail"] == body["message"]
    assert body["query"] == {
        "market": "SE",
        "seller": None,
        "category": None,
        "at": None,
        "lang": "de",
    }


def test_the_interactive_docs_are_served_without_a_cdn(client, db):
    response = client.get("/api/v1/docs")

    assert response.status_code == 200
    html = response.content.decode()
    assert "/api/v1/openapi.json" in html
    assert "cdn.jsdelivr" not in html and "unpkg" not in html


def test_an_unknown_category_is_a_400(client, policies):
    from marketplace.models import ProductCategory

    ProductCategory.objects.create(code="apparel", names={"en": "Apparel"}, path="apparel")

    known = client.get("/api/v1/policies/in-force", {"market": "FR", "category": "apparel"})
    unknown = client.get("/api/v1/policies/in-force", {"market": "FR", "category": "no-such"})
    zero = client.get("/api/v1/policies/in-force", {"market": "FR", "category": "0"})

    assert known.status_code == 200
    assert unknown.status_code == 400
    assert list(unknown.json()["errors"]) == ["category"]
    # "0" has the shape of a code: refused for the catalogue, not for its form.
    assert zero.json()["code"] == "unknown"


@pytest.mark.parametrize("seller", ["atelier\u0085lumiere", "atelier\u00a0lumiere", "a b"])
def test_a_seller_with_white_space_of_any_kind_is_refused_as_the_schema_says(
    client, demo_policies, seller
):
    # Python's \s and ECMA 262's differ (U+0085): the pattern spells the class out,
    # so what the document allows is exactly what the server accepts.
    import re

    from policy_pages.api.query import SELLER_PATTERN

    response = get(client, market="FR", seller=seller)

    assert response.status_code == 400
    assert "seller" in response.json()["errors"]
    assert re.fullmatch(SELLER_PATTERN, seller) is None
