"""The API kit (core/api): the error envelope and its codes, the `lang`
parameter, the instant type, control characters, JSON bodies, token auth,
and the 400 answered at the edge for control characters in a path or query."""

from datetime import UTC, datetime

import pytest
from django.urls import path
from ninja import Query, Router, Schema
from ninja.responses import Status
from pydantic import Field

from core.api.base import ReturnsHubApi
from core.api.body import JSON_BODY_ERRORS
from core.api.errors import ApiError, ErrorCode, error_responses
from core.api.instant import INSTANT_PATTERN, Instant, InstantError, parse_instant
from core.api.lang import LANG_PATTERN, Lang, parse_lang
from core.api.text import text
from marketplace.auth import token_auth
from marketplace.models import ApiToken

# --- a small API built with the kit, mounted for these tests only -------------------------


class SellerIn(Schema, extra="forbid"):
    name: text(200, min_length=1)


class LineIn(Schema, extra="forbid"):
    sku: text(64)
    quantity: int = Field(ge=1, le=999)


class OrderIn(Schema, extra="forbid"):
    seller: SellerIn
    lines: list[LineIn] = Field(min_length=1)
    placed_at: Instant


class Params(Schema):
    at: Instant = None
    note: text(10) = ""
    lang: Lang = "en"


router = Router()


@router.post("/orders", response={201: dict, **error_responses(*JSON_BODY_ERRORS)})
def create(request, payload: OrderIn):
    return Status(201, {"lines": len(payload.lines), "placed_at": payload.placed_at.isoformat()})


@router.get("/instant", response={200: dict, **error_responses(400)})
def instant(request, params: Query[Params]):
    return {"at": params.at.isoformat() if params.at else None, "lang": params.lang}


@router.get("/secret", auth=token_auth, response={200: dict, **error_responses(401)})
def secret(request):
    return {"token": request.auth.name}


@router.get("/conflict", response={200: dict, **error_responses(409)})
def conflict(request):
    raise ApiError(409, errors={"reference": ["Taken."]}, extra={"query": {"x": 1}})


kit_api = ReturnsHubApi(title="kit", urls_namespace="kit_test")
kit_api.add_router("", router)
urlpatterns = [path("kit/", kit_api.urls)]


def post_json(client, url, data, content_type="application/json", **extra):
    import json

    body = data if isinstance(data, str | bytes) else json.dumps(data)
    return client.generic("POST", url, body, content_type=content_type, **extra)


GOOD = {
    "seller": {"name": "Atelier"},
    "lines": [{"sku": "A", "quantity": 1}],
    "placed_at": "2026-05-01T10:00:00+02:00",
}


@pytest.mark.urls(__name__)
class TestEnvelope:
    def test_a_valid_body_passes(self, client, db):
        response = post_json(client, "/kit/orders", GOOD)

        assert response.status_code == 201
        assert response.json() == {"lines": 1, "placed_at": "2026-05-01T08:00:00+00:00"}

    def test_field_paths_and_translated_messages(self, client, db):
        bad = {
            "seller": {"name": "", "vat": "x"},
            "lines": [{"sku": "A", "quantity": 1}, {"sku": 5, "quantity": 0}],
        }

        response = post_json(client, "/kit/orders?lang=fr", bad)

        assert response.status_code == 400  # the contract says 400, not ninja's 422
        assert response["Content-Language"] == "fr"
        body = response.json()
        assert body["status"] == 400
        assert body["code"] == "invalid"
        assert body["detail"] == body["message"]
        errors = body["errors"]
        assert set(errors) == {
            "seller.name",
            "seller.vat",
            "lines[1].sku",
            "lines[1].quantity",
            "placed_at",
        }
        assert errors["seller.vat"] == ["Champ inconnu."]
        assert errors["placed_at"] == ["Ce champ est obligatoire."]
        assert errors["lines[1].sku"] == ["Une chaîne de caractères est attendue."]

    def test_messages_default_to_english(self, client, db):
        response = post_json(client, "/kit/orders", {**GOOD, "lines": []})

        assert response["Content-Language"] == "en"
        assert response.json()["errors"] == {"lines": ["At least 1 item is required."]}

    def test_an_api_error_keeps_its_code_errors_and_extra_keys(self, client, db):
        response = client.get("/kit/conflict")

        assert response.status_code == 409
        assert response.json() == {
            "status": 409,
            "code": "conflict",
            "message": "This conflicts with the current state.",
            "detail": "This conflicts with the current state.",
            "errors": {"reference": ["Taken."]},
            "query": {"x": 1},
        }
        assert response["Cache-Control"] == "no-store"

    def test_an_unsupported_method_gets_the_envelope_and_allow(self, client, db):
        response = client.delete("/kit/orders")

        assert response.status_code == 405
        assert response["Allow"] == "POST"
        assert response.json()["code"] == "method_not_allowed"

    def test_the_codes_are_an_enum_in_the_schema(self, client, db):
        document = client.get("/kit/openapi.json").json()

        codes = document["components"]["schemas"]["ErrorCode"]["enum"]
        assert set(codes) == {code.value for code in ErrorCode}
        responses = document["paths"]["/orders"]["post"]["responses"]
        assert {"400", "413", "415"} <= set(responses)


@pytest.mark.urls(__name__)
class TestJsonBodies:
    def test_another_media_type_is_a_415(self, client, db):
        response = post_json(client, "/kit/orders", GOOD, content_type="text/plain")

        assert response.status_code == 415
        assert response.json()["code"] == "unsupported_media_type"
        assert list(response.json()["errors"]) == ["body"]

    def test_an_empty_body_of_another_media_type_is_a_415_too(self, client, db):
        assert post_json(client, "/kit/orders", "", content_type="text/plain").status_code == 415

    @pytest.mark.parametrize(
        "raw", [b"{", b"\xff\xfe", b'{"a": NaN}', b"[" * 100_000, b"1" * 5000, b"[]", b"null"]
    )
    def test_bad_json_is_a_400_never_a_500(self, client, db, raw):
        response = post_json(client, "/kit/orders", raw)

        assert response.status_code == 400
        assert response.json()["code"] == "invalid"

    def test_an_empty_json_body_is_a_400(self, client, db):
        response = client.generic("POST", "/kit/orders", b"", CONTENT_TYPE="application/json")

        assert response.status_code == 400
        assert response.json()["errors"] == {"body": ["The request body is not valid JSON."]}

    def test_a_body_too_large_is_a_413(self, client, db, settings):
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100

        response = post_json(client, "/kit/orders", {**GOOD, "pad": "x" * 200})

        assert response.status_code == 413
        assert response.json()["code"] == "payload_too_large"


@pytest.mark.urls(__name__)
class TestControlCharacters:
    @pytest.mark.parametrize("char", ["\x00", "\x01", "\x1b", "\x7f"])
    def test_a_control_character_in_a_body_string_is_a_field_error(self, client, db, char):
        body = {**GOOD, "seller": {"name": f"At{char}elier"}}

        response = post_json(client, "/kit/orders", body)

        assert response.status_code == 400
        assert response.json()["errors"] == {"seller.name": ["Control characters are not allowed."]}

    def test_tabs_and_newlines_are_text(self, client, db):
        body = {**GOOD, "seller": {"name": "Atelier\tLumière\r\n"}}

        assert post_json(client, "/kit/orders", body).status_code == 201

    def test_lengths_are_bounded(self, client, db):
        response = client.get("/kit/instant", {"note": "x" * 11})

        assert response.json()["errors"] == {"note": ["At most 10 characters are allowed."]}

    def test_the_schema_states_the_pattern_and_bound_of_every_string(self, client, db):
        document = client.get("/kit/openapi.json").json()

        name = document["components"]["schemas"]["SellerIn"]["properties"]["name"]
        assert name["maxLength"] == 200
        assert "\\x00" in name["pattern"]


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/policies/in-force?market=F%00R",
        "/api/v1/policies/in-force?market=FR&m%01=1",
        "/api/v1/polic%00ies/in-force",
        "/api/v1/orders/A%00B/eligibility",
    ],
)
def test_a_control_character_in_an_api_path_or_query_is_a_json_400(client, db, url):
    response = client.get(url)

    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "invalid"


# --- lang ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        (None, "en"),
        ("", "en"),
        ("fr", "fr"),
        ("FR", "fr"),
        ("fr-FR", "fr"),
        ("de_CH", "de"),
        ("de-CH-1996", "de"),
        ("it", None),
        (" fr", None),
        ("fr-", None),
        ("éé", None),
        ("fr\x00", None),
        ("en-" + "a" * 40, None),
    ],
)
def test_lang_accepts_exactly_what_the_pattern_says(raw, code):
    import re

    assert parse_lang(raw) == code
    if raw is not None:
        assert (re.search(LANG_PATTERN, raw) is not None) == (code is not None)


@pytest.mark.urls(__name__)
def test_an_unknown_lang_is_a_400_naming_it_in_english(client, db):
    response = client.get("/kit/instant", {"lang": "it"})

    assert response.status_code == 400
    assert response["Content-Language"] == "en"
    assert response.json()["errors"] == {"lang": ["Use one of these language codes: en, fr, de."]}


@pytest.mark.urls(__name__)
def test_the_answer_says_its_language(client, db):
    response = client.get("/kit/instant", {"lang": "DE-at"})

    assert response.json()["lang"] == "de"
    assert response["Content-Language"] == "de"


# --- instant --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2026-05-01T10:00:00Z", datetime(2026, 5, 1, 10, tzinfo=UTC)),
        ("2026-05-01T10:00:00+02:00", datetime(2026, 5, 1, 8, tzinfo=UTC)),
        ("2026-05-01T10:00:00 02:00", datetime(2026, 5, 1, 8, tzinfo=UTC)),  # unencoded +
        ("2026-05-01T10:00:00.5-01:30", datetime(2026, 5, 1, 11, 30, 0, 500_000, tzinfo=UTC)),
    ],
)
def test_instants_are_aware_and_in_utc(raw, expected):
    assert parse_instant(raw) == expected


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "ISO 8601"),
        ("yesterday", "ISO 8601"),
        ("2026-05-01T10:00:00", "Include a time zone"),
        ("2026-05-01", "Include a time zone"),
        ("2026-02-30T10:00:00Z", "ISO 8601"),
        ("2026-05-01T24:00:00Z", "ISO 8601"),
        ("2026-05-01T10:00:00+24:00", "ISO 8601"),
        ("0001-01-01T00:00:00+01:00", "out of range"),
        ("9999-12-31T23:59:59-01:00", "out of range"),
        ("1" * 5000, "ISO 8601"),
    ],
)
def test_bad_instants_say_why(raw, message):
    import re

    with pytest.raises(InstantError) as caught:
        parse_instant(raw)

    assert message in caught.value.message
    # The schema refuses it too: by its pattern, or (31 February) by format: date-time.
    assert re.search(INSTANT_PATTERN, raw) is None or raw.startswith("2026-02-30")


@pytest.mark.urls(__name__)
def test_an_empty_instant_parameter_is_refused(client, db):
    response = client.get("/kit/instant", {"at": ""})

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["at"]


# --- token auth -----------------------------------------------------------------------------


@pytest.mark.urls(__name__)
class TestTokenAuth:
    def test_a_valid_token_passes_and_names_itself(self, client, db):
        _row, token = ApiToken.issue("checkout")

        response = client.get("/kit/secret", headers={"Authorization": f"Bearer {token}"})

        assert response.status_code == 200
        assert response.json() == {"token": "checkout"}

    @pytest.mark.parametrize(
        ("header", "error"),
        [
            (None, None),
            ("Basic abc", "invalid_request"),
            ("Bearer ", "invalid_request"),
            ("Bearer rh_nope", "invalid_token"),
        ],
    )
    def test_failures_are_401_with_a_challenge(self, client, db, header, error):
        headers = {"Authorization": header} if header is not None else {}

        response = client.get("/kit/secret?lang=de", headers=headers)

        assert response.status_code == 401
        challenge = response["WWW-Authenticate"]
        assert challenge.startswith('Bearer realm="returns-hub"')
        assert (f'error="{error}"' in challenge) == (error is not None)
        body = response.json()
        assert body["code"] == "unauthorized"
        assert list(body["errors"]) == ["authorization"]
        assert response["Content-Language"] == "de"

    def test_the_bearer_scheme_is_documented(self, client, db):
        document = client.get("/kit/openapi.json").json()

        assert document["components"]["securitySchemes"]["TokenAuth"]["scheme"] == "bearer"
        assert document["paths"]["/secret"]["get"]["security"] == [{"TokenAuth": []}]


# --- control characters at the edge, HTML -----------------------------------------------------


def test_a_nul_in_an_html_path_or_query_is_a_400_page(client, db):
    in_path = client.get("/help/se%00arch/")
    in_query = client.get("/help/", {"q": "a\x00b"})
    french = client.get("/fr/help/", {"q": "a\x00b"})

    for response in (in_path, in_query, french):
        assert response.status_code == 400
        assert response["Content-Type"].startswith("text/html")
    assert "Bad request" in in_query.content.decode()
    assert french["Content-Language"] == "fr"


def test_a_nul_in_a_form_is_a_form_error_not_a_500(client, db):
    response = client.post("/accounts/login/", {"login": "a\x00@example.com", "password": "x\x00y"})

    assert response.status_code in (200, 400)
    assert "Null characters are not allowed." in response.content.decode()
