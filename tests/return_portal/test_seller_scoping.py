"""Seller A's objects, visited by everyone else: seller B's staff, seller B's API
token, a buyer, and seller A's own staff.

Nothing here lists URLs by hand. The admin URLs are those of the `returns`
namespace and the bulk actions registered for returns; the API operations are
those of the generated OpenAPI document. Path parameters are filled with every
identifier of seller A's objects (found by walking the relations of A's return
and order), and seller A's staff must open each URL with one of them, so a URL
added later is visited with the right object, or the test says which URL it
could not fill. Another seller's object answers 404 (never 403: that would
confirm it exists), a listing or export leaves it out, and a buyer never gets in.
"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.db import connection
from django.urls import reverse
from wagtail.admin.views.bulk_action.registry import bulk_action_registry

from config.api import api as ninja_api
from marketplace.models import ApiToken
from return_portal.models import ReturnStatus
from tests.return_portal.factories import returns_staff_user
from tests.return_portal.seller_world import (
    CONVERTER,
    OPENAPI_PARAM,
    World,
    admin_patterns,
    api_call,
    api_fillings,
    api_operations,
    contains_secret,
    fillings,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _private_storage(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "private": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None},
        },
    }


@pytest.fixture
def world(policies, buyer):
    return World(buyer)


# --- the returns admin --------------------------------------------------------------------


def test_the_admin_namespace_and_the_api_are_enumerated(world):
    """Guards the enumeration itself: if it found nothing, the tests below would pass empty."""
    names = {name for name, _route in admin_patterns()}
    assert {"index", "inspect", "history", "photo"} <= names
    paths = ninja_api.get_openapi_schema()["paths"]
    assert any("{reference}" in path for path in paths)


def test_seller_b_staff_get_404_for_every_admin_url_of_seller_a(client, world):
    candidates = world.candidates()
    client.force_login(world.staff_b)
    for name, route in admin_patterns():
        if not CONVERTER.search(route):
            continue
        for url in fillings(route, candidates):
            got = client.get(url)
            assert got.status_code == 404, (name, url, got.status_code)
            posted = client.post(url, {"action": "approve", "body": "x"})
            assert posted.status_code in (404, 405), (name, url, posted.status_code)
    world.return_a.refresh_from_db()
    assert world.return_a.status == ReturnStatus.APPROVED


def test_seller_a_staff_open_every_admin_url_of_their_return(client, world):
    """Each parametrised URL opens for seller A with one of A's identifiers; if one
    does not, the fixture lacks the object the URL names: add it to World."""
    candidates = world.own_candidates()
    client.force_login(world.staff_a)
    for name, route in admin_patterns():
        statuses = {url: client.get(url).status_code for url in fillings(route, candidates)}
        assert 200 in statuses.values() or 405 in statuses.values(), (name, route, statuses)
    page = client.get(reverse("returns:inspect", args=[world.return_a.pk]))
    assert world.return_a.rma in page.content.decode()


def test_listings_and_exports_leave_seller_a_out_for_seller_b(client, world):
    client.force_login(world.staff_b)
    unparametrised = [route for _name, route in admin_patterns() if not CONVERTER.search(route)]
    assert unparametrised
    for route in unparametrised:
        # Searches by prefixes of A's RMA and order reference (a full one would be
        # echoed in the search box).
        searches = [f"?q={world.return_a.rma[:-1]}", f"?q={world.order.reference[:-1]}"]
        for query in ("", "?export=csv", "?export=xlsx", *searches):
            response = client.get(route + query)
            assert response.status_code < 500, (route, query)
            assert not contains_secret(response, world.secrets), (route, query)
    # Seller A's staff do find their return in the listing and its CSV export.
    client.force_login(world.staff_a)
    index = reverse("returns:index")
    assert world.return_a.rma in client.get(index).content.decode()
    export = client.get(index + "?export=csv")
    assert export.status_code == 200
    assert contains_secret(export, [world.return_a.rma])


def test_seller_b_staff_cannot_see_or_act_on_seller_a_in_bulk(client, world):
    actions = list(
        bulk_action_registry.get_bulk_actions_for_model("return_portal", "returnrequest")
    )
    assert actions, "the queue's bulk actions are registered"
    client.force_login(world.staff_b)
    for action in actions:
        url = reverse(
            "wagtail_bulk_action", args=("return_portal", "returnrequest", action.action_type)
        )
        query = "?" + urlencode({"id": world.return_a.pk, "next": reverse("returns:index")})
        shown = client.get(url + query)
        assert shown.status_code < 500
        assert not contains_secret(shown, world.secrets), action.action_type
        client.post(url + query, {"assignee": world.staff_b.pk})
    world.return_a.refresh_from_db()
    assert world.return_a.status == ReturnStatus.APPROVED
    assert world.return_a.assignee_id is None


def test_the_site_history_leaves_seller_a_out_for_seller_b(client, world):
    from wagtail.log_actions import log

    log(instance=world.return_a, action="wagtail.edit", user=world.staff_a)
    client.force_login(world.staff_b)
    for url in (reverse("wagtailadmin_reports:site_history"), reverse("wagtailadmin_home")):
        response = client.get(url)
        assert response.status_code in (200, 302, 403)
        assert not contains_secret(response, world.secrets), url


def test_a_buyer_never_gets_into_an_admin_url(client, world):
    candidates = world.candidates()
    client.force_login(world.buyer)
    for name, route in admin_patterns():
        for url in fillings(route, candidates):
            response = client.get(url)
            assert response.status_code in (302, 403, 404), (name, url, response.status_code)
            if response.status_code == 302:
                assert "login" in response["Location"], (name, url)


# --- the API ------------------------------------------------------------------------------


def test_seller_b_token_gets_404_for_every_api_operation_on_seller_a(client, world):
    operations = [op for op in api_operations() if OPENAPI_PARAM.search(op[1])]
    assert operations
    delivered = list(world.order.lines.values_list("delivered_at", flat=True))
    for method, path, operation in operations:
        answers = set()
        for url, unknown in api_fillings(path, world):
            response = api_call(client, method, url, operation, world.token_b)
            answers.add((response.status_code, response.json().get("code")))
            assert response.status_code < 500, (method, url)
            assert not 200 <= response.status_code < 300, (method, url, response.status_code)
            assert not contains_secret(response, world.secrets), (method, url)
            # Indistinguishable from an identifier that names nothing.
            baseline = api_call(client, method, unknown, operation, world.token_b)
            assert (response.status_code, response.json().get("code")) == (
                baseline.status_code,
                baseline.json().get("code"),
            ), (method, url, response.json())
        # The identifier of the right kind (A's RMA for {rma}...) is simply not found.
        assert (404, "not_found") in answers, (method, path, answers)
    world.return_a.refresh_from_db()
    assert world.return_a.status == ReturnStatus.APPROVED
    assert list(world.order.lines.values_list("delivered_at", flat=True)) == delivered


def test_seller_b_token_lists_nothing_of_seller_a(client, world):
    for method, path, operation in api_operations():
        if method != "get" or OPENAPI_PARAM.search(path):
            continue
        for query in ("", "?" + urlencode({"seller": world.seller_a.reference})):
            response = api_call(client, method, path + query, operation, world.token_b)
            assert response.status_code < 500, path
            assert not contains_secret(response, [world.return_a.rma, world.order.reference])


def test_seller_a_token_reads_every_api_resource_of_its_own(client, world):
    for method, path, operation in api_operations():
        if method != "get" or not OPENAPI_PARAM.search(path):
            continue
        statuses = {
            url: api_call(client, method, url, operation, world.token_a).status_code
            for url, _unknown in api_fillings(path, world, own=True)
        }
        assert 200 in statuses.values(), (path, statuses)


def test_a_buyer_session_is_not_an_api_credential(client, world):
    client.force_login(world.buyer)
    for method, path, operation in api_operations():
        if not OPENAPI_PARAM.search(path):
            continue
        for url, _unknown in api_fillings(path, world):
            response = api_call(client, method, url, operation)
            assert response.status_code in (401, 403, 404), (method, url, response.status_code)


def test_an_operator_token_and_staff_see_seller_a(client, world):
    """The operator sees every seller: the scoping hides nothing from them."""
    operator = returns_staff_user(with_totp=True)
    client.force_login(operator)
    assert client.get(reverse("returns:inspect", args=[world.return_a.pk])).status_code == 200
    token = ApiToken.issue("operator")[1]
    url = f"/api/v1/orders/{world.order.reference}/eligibility"
    response = client.get(url, headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


@pytest.mark.skipif(connection.vendor != "postgresql", reason="sets PostgreSQL sequences")
def test_seller_a_staff_reach_their_return_when_its_pk_equals_one_of_b(client, policies, buyer):
    """PostgreSQL sequences run on across tests: A's return's pk can equal B's order
    line's. The enumeration must still offer it to A's own staff (it did not, and the
    test above failed now and then in CI)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT setval(pg_get_serial_sequence('return_portal_returnrequest', 'id'), 40)"
        )
        cursor.execute("SELECT setval(pg_get_serial_sequence('marketplace_orderline', 'id'), 39)")
    world = World(buyer)
    line_b = world.return_b.lines.get().order_line
    assert line_b.pk == world.return_a.pk  # the collision, as arranged
    assert world.return_a.pk not in world.candidates()["int"]
    client.force_login(world.staff_a)
    own = world.own_candidates()["int"]
    assert world.return_a.pk in own
    assert client.get(reverse("returns:inspect", args=[world.return_a.pk])).status_code == 200
