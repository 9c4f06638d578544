"""create_api_token, the OpenAPI document, and the category resolver."""

import io

from django.core.management import call_command

from marketplace.models import ApiToken, hash_token
from marketplace.services import category_path
from tests.marketplace.factories import CategoryFactory


def test_create_api_token_prints_a_token_once_and_stores_only_its_hash(db):
    out = io.StringIO()

    call_command("create_api_token", "checkout", stdout=out, stderr=io.StringIO())

    token = out.getvalue().strip()
    row = ApiToken.objects.get(name="checkout")
    assert token.startswith("rh_") and len(token) > 40
    assert row.token_hash == hash_token(token)
    assert token not in {row.name, row.token_hash}
    assert ApiToken.authenticate(token) == row


def test_the_openapi_document_describes_the_order_endpoints(client):
    document = client.get("/api/v1/openapi.json").json()

    assert document["paths"]["/orders"]["post"]["operationId"] == "createOrder"
    assert "/orders/{reference}/deliveries" in document["paths"]
    assert "/orders/{reference}/eligibility" in document["paths"]
    assert document["components"]["securitySchemes"]["bearerToken"]["scheme"] == "bearer"
    assert "OrderIn" in document["components"]["schemas"]
    assert "/policies/in-force" in document["paths"]  # the policy API is still there


def test_category_path_gives_the_codes_from_the_root(db):
    apparel = CategoryFactory(code="apparel")
    CategoryFactory(code="shirts", parent=apparel)

    assert category_path("shirts") == ("apparel", "shirts")
    assert category_path("unknown") is None


def test_revoke_api_token_by_name_stops_it_at_once(db):
    _row, token = ApiToken.issue("checkout")
    _other, kept = ApiToken.issue("warehouse")
    out = io.StringIO()

    call_command("revoke_api_token", "checkout", stdout=out)

    assert "1 token(s) revoked" in out.getvalue()
    assert ApiToken.authenticate(token) is None
    assert ApiToken.authenticate(kept) is not None


def test_revoke_api_token_by_token_and_unknown_names(db):
    import pytest
    from django.core.management import CommandError

    _row, token = ApiToken.issue("checkout")
    call_command("revoke_api_token", "--token", token, stdout=io.StringIO())
    assert ApiToken.authenticate(token) is None
    with pytest.raises(CommandError):
        call_command("revoke_api_token", "nobody", stdout=io.StringIO())
