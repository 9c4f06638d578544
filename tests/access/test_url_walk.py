"""Issue 12: seller staff see and act only on their sellers' returns, orders, photos,
messages and reports, in the admin, in exports and in the API; everything else
answers 404.

The walk visits every URL of seller A's objects as seller B's staff, as seller B's
API token and as the buyer of A's order, and checks that seller A (or, for the
operator's own pages, the operator) does open each one, so the identifiers are
real. The URLs come from Django's resolver and the API's generated document, not
from a list: a URL added later is walked, and one whose parameters this module
cannot fill, or that it does not classify, fails by name until it is added here.
"""

from __future__ import annotations

import json
import uuid

import pytest
from django.conf import settings
from django.db import connections, transaction
from django.test import Client, override_settings
from django.urls import reverse
from wagtail.admin.views.bulk_action.registry import bulk_action_registry

from tests.access.walk_helpers import api_id, api_url, call, example, fill, leaked, signed_in
from tests.access.walk_world import (
    OPENAPI_PARAM,
    World,
    admin_routes,
    all_routes,
    api_operations,
    api_routes,
    body_of,
)

pytestmark = pytest.mark.django_db

ADMIN = admin_routes()
PER_OBJECT = [r for r in ADMIN if r.params]
# Admin pages of no one object: what seller B sees there must leave A out.
LISTINGS = [r for r in ADMIN if not r.params and r.name != "admin_login"]
# admin_login is left out of both: the public sign-in page, no one's data.

# The operator's taxonomies (return and rejection reasons, the help center's search
# synonyms): no seller's own, so no scoping to prove for seller B; a buyer must not
# reach them all the same.
SHARED_MODELS = ("returnreason", "rejectionreason", "searchsynonym")

# Pages outside the admin and the API with a parameter, each classified:
# staff-only pages are walked like the admin's. The buyer's own pages (the portal,
# their support requests) are walked for seller B's staff, who are not that
# buyer. Public pages (help articles) and the draft wizard (a draft lives in its
# buyer's session; tests/return_portal/test_idor.py walks it) and the sign-in
# keys (an emailed key, a page password: no one's data) are not.
STAFF_ONLY = ("helpcenter:attachment",)
BUYERS_OWN = (
    "return_portal:start",
    "return_portal:withdraw",
    "return_portal:withdraw_confirm",
    "return_portal:photo",
    "return_portal:line_image",
    "return_portal:detail",
    "return_portal:status",
    "return_portal:messages",
    "return_portal:cancel",
    "return_portal:tracking",
    "return_portal:label",
    "return_portal:packing_slip",
    "return_portal:qr",
    "helpcenter:request_detail",
)
NOT_WALKED = (
    "helpcenter:article",
    "helpcenter:feedback",
    "helpcenter:suggestion_open",
    "return_portal:confirm",
    "return_portal:photo_upload",
    "return_portal:photo_delete",
    "return_portal:step",
    "account_confirm_email",
    "account_reset_password_from_key",
    "guest_open_order",  # a guest's emailed link (tests/accounts/test_guest_access.py)
    "csat_answer",  # a survey's emailed token (tests/insights/test_csat.py)
    "csat_opt_out",
    "wagtailcore_authenticate_with_password",
    "wagtail_serve",
    "wagtaildocs_serve",
    "wagtaildocs_authenticate_with_password",
    "wagtailadmin_password_reset_confirm",
)
PUBLIC = [
    r
    for r in all_routes()
    if r.params and not r.route.startswith(("/admin/", "/api/")) and r.name not in NOT_WALKED
]
API = api_operations()
# The carriers' tracking webhook is signed by the carrier (Standard Webhooks), not
# a token's: no seller's object to scope (tests/return_portal/test_tracking.py).
CARRIER_WEBHOOKS = "/api/v1/carriers/"
# A buyer's store credit is the operator's alone: every seller's token is refused
# alike (403), whoever's buyer it names (tests/store_credit/test_api.py).
OPERATOR_ONLY = "/api/v1/buyers/"
API_PER_OBJECT = [
    op
    for op in API
    if OPENAPI_PARAM.search(op[1]) and not op[1].startswith((CARRIER_WEBHOOKS, OPERATOR_ONLY))
]
API_OPERATOR_ONLY = [op for op in API if op[1].startswith(OPERATOR_ONLY)]

# Statuses that refuse the request for every object alike (the view is the
# operator's, or the method is not served): they confirm nothing about A's object.
DENIED = (302, 403, 405)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """Seller A's world, built once: held in a transaction the tests nest in, and
    rolled back after the module."""
    private = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path_factory.mktemp("private")), "base_url": None},
    }
    storage = override_settings(STORAGES={**settings.STORAGES, "private": private})
    storage.enable()
    with django_db_blocker.unblock():
        atomics = [transaction.atomic(using=alias) for alias in connections]
        for atomic in atomics:
            atomic.__enter__()
        try:
            built = World()
        except BaseException:
            _roll_back(atomics)
            raise
    yield built
    with django_db_blocker.unblock():
        _roll_back(atomics)
    storage.disable()


def _roll_back(atomics):
    for alias, atomic in zip(reversed(list(connections)), reversed(atomics), strict=True):
        transaction.set_rollback(True, using=alias)
        atomic.__exit__(None, None, None)


def is_shared(route) -> bool:
    return route.model is not None and route.model._meta.model_name in SHARED_MODELS


# --- the enumeration itself ----------------------------------------------------------------


def test_the_walk_finds_the_urls_it_must_cover():
    """Guards the enumeration: were it to find nothing, the walk would pass empty."""
    names = {r.name for r in ADMIN}
    assert {"returns:inspect", "returns:photo", "returns:inspection_photo", "returns:history"} <= (
        names
    )
    assert "wagtailsnippets_helpcenter_supportrequest:edit" in names
    assert "policy_pages_archive_download" in names
    assert {"/api/v1/returns/{rma}", "/api/v1/orders/{reference}/eligibility"} <= {
        path for _m, path, _o in API
    }


def test_every_page_outside_the_admin_with_a_parameter_is_classified():
    unclassified = [r.label for r in PUBLIC if r.name not in STAFF_ONLY + BUYERS_OWN]
    assert not unclassified, f"classify these URLs in test_url_walk.py: {unclassified}"


def test_every_api_url_is_in_the_document_the_walk_reads():
    """An operation hidden from the OpenAPI document would escape the API walk."""
    documented = {path.replace("{", "<").replace("}", ">") for _m, path, _o in API}
    served = {r.route for r in api_routes() if r.params or r.name.startswith("api_v1:")}
    missing = served - documented - {"/api/v1/", "/api/v1/openapi.json", "/api/v1/docs"}
    assert not missing, missing


# --- the admin and the staff-only pages: seller B's staff ------------------------------


WALKED = [r for r in PER_OBJECT if not is_shared(r)] + [r for r in PUBLIC if r.name in STAFF_ONLY]


@pytest.mark.parametrize("route", WALKED, ids=lambda r: r.label)
def test_seller_b_staff_get_404_from_seller_as_objects(world, route):
    url = fill(route, world)
    own = signed_in(world.staff_a).get(url).status_code
    seller_b = signed_in(world.staff_b)
    before = world.fingerprint()
    got = seller_b.get(url)
    if own == 200:
        # Seller A's staff open it: seller B's must not learn it exists.
        assert got.status_code == 404, (url, got.status_code)
    else:
        # The operator's page (seller A's staff are refused too): refused alike
        # for an object that does not exist, so nothing is confirmed.
        assert got.status_code in (*DENIED, 404), (url, got.status_code, own)
        assert seller_b.get(fill(route, world, unknown=True)).status_code in (
            got.status_code,
            404,
        ), url
    assert not leaked(got, world), url
    posted = seller_b.post(url, {"action": "approve", "body": "x", "status": "solved"})
    assert posted.status_code in (404, *DENIED), (url, posted.status_code)
    if posted.status_code != 404:
        unknown = seller_b.post(fill(route, world, unknown=True), {"body": "x"})
        assert unknown.status_code in (posted.status_code, 404), url
    assert not leaked(posted, world), url
    assert world.fingerprint() == before, url


# Where even the entitled GET is not a 200 (the control then asks for a redirect,
# or, for a POST-only URL, that the POST is not a 404).
NOT_OPENED_BY_GET = {
    "wagtailsnippets_helpcenter_supportrequest:copy": "support requests are not copied",
    "api_tokens:delete": "tokens are revoked, never deleted",
    "return_portal:start": "the GET sends the buyer into the wizard",
    "return_portal:withdraw_confirm": "the GET sends the buyer back to the form",
    "return_portal:withdraw": "every unit is being returned: nothing left to withdraw (410)",
    "return_portal:cancel": "POST only",
    "return_portal:tracking": "POST only",
}


@pytest.mark.parametrize("route", PER_OBJECT + list(PUBLIC), ids=lambda r: r.label)
def test_the_identifiers_are_real_seller_a_or_the_operator_opens_each_url(world, route):
    """The control for the walk: with these identifiers, someone entitled gets in
    (seller A's staff, the operator for the operator's pages, the buyer for their own)."""
    url = fill(route, world)
    owners = [world.buyer] if route.name in BUYERS_OWN else [world.staff_a, world.operator]
    statuses = set()
    for owner in owners:
        client = signed_in(owner)
        status = client.get(url).status_code
        if status == 405:
            status = client.post(url, {"body": "x"}).status_code
        statuses.add(status)
        if status == 200:
            break
    if route.name in NOT_OPENED_BY_GET:
        assert statuses - {404, 405}, (url, statuses)
    else:
        assert 200 in statuses, (url, statuses)


@pytest.mark.parametrize(
    "route", [r for r in PUBLIC if r.name in BUYERS_OWN], ids=lambda r: r.label
)
def test_seller_b_staff_get_404_from_the_buyers_own_pages(world, route):
    url = fill(route, world)
    client = signed_in(world.staff_b)
    got = client.get(url).status_code
    posted = client.post(url, {"body": "x"}).status_code
    # 405: the method is not served, for any id; the other method must say 404.
    assert got in (404, 405) and posted in (404, 405) and 404 in (got, posted), (url, got, posted)


@pytest.mark.parametrize("route", LISTINGS, ids=lambda r: r.label)
def test_seller_b_staff_find_nothing_of_seller_a_in_listings_and_exports(world, route):
    client = signed_in(world.staff_b)
    queries = ["", "?export=csv", "?export=xlsx"]
    # Searches by prefixes of A's identifiers (a full one is echoed in the search box).
    queries += [f"?q={world.return_a.rma[:-1]}", f"?q={world.order.reference[:-1]}"]
    queries += [f"?q={world.support.reference[:-1]}"]
    for query in queries:
        response = client.get(route.route + query)
        assert response.status_code < 500, (route.route, query)
        assert not leaked(response, world), (route.route, query, leaked(response, world))


def test_the_listings_show_seller_a_to_seller_a(world):
    client = signed_in(world.staff_a)
    for url in (reverse("returns:index"), reverse("returns:index") + "?export=csv"):
        assert world.return_a.rma in body_of(client.get(url)), url
    inbox = reverse("wagtailsnippets_helpcenter_supportrequest:list")
    assert world.support.reference in body_of(client.get(inbox))


def test_seller_b_staff_cannot_open_or_refund_seller_as_order_by_reference(world):
    """The goodwill page names its order in the query and the form, not the path."""
    url = reverse("returns:order_goodwill")
    client = signed_in(world.staff_b)
    before = world.fingerprint()
    page = body_of(client.get(url, {"order": world.order.reference}))
    assert world.return_a.rma not in page and "Walk-A" not in page
    key = str(uuid.uuid4())
    data = {"order": world.order.reference, "amount": "5.00", "reason": "Sorry", "key": key}
    client.post(url, data)
    assert world.fingerprint() == before
    own = body_of(signed_in(world.staff_a).get(url, {"order": world.order.reference}))
    assert "Walk-A" in own or world.order.reference in own


def test_seller_b_staff_act_on_nothing_of_seller_a_in_bulk(world):
    client = signed_in(world.staff_b)
    before = world.fingerprint()
    models = [("return_portal", "returnrequest"), ("helpcenter", "supportrequest")]
    ids = {"returnrequest": world.return_a.pk, "supportrequest": world.support.pk}
    walked = 0
    for app, model in models:
        for action in bulk_action_registry.get_bulk_actions_for_model(app, model):
            url = reverse("wagtail_bulk_action", args=(app, model, action.action_type))
            url += f"?id={ids[model]}&next=/admin/"
            shown = client.get(url)
            assert shown.status_code < 500 and not leaked(shown, world), url
            client.post(url, {"assignee": world.staff_b.pk, "status": "solved"})
            walked += 1
    assert walked
    assert world.fingerprint() == before


# --- the admin and the staff-only pages: the buyer ---------------------------------------


@pytest.mark.parametrize("route", PER_OBJECT + LISTINGS, ids=lambda r: r.label)
def test_the_buyer_reaches_no_staff_page(world, route):
    url = fill(route, world) if route.params else route.route
    client = signed_in(world.buyer)
    before = world.fingerprint()
    for response in (client.get(url), client.post(url, {"action": "approve", "body": "x"})):
        assert response.status_code != 200 and response.status_code < 500, (url, response)
        if response.status_code == 302:
            assert "login" in response["Location"], (url, response["Location"])
        assert not leaked(response, world), url
    assert world.fingerprint() == before


def test_another_buyer_gets_404_from_the_support_attachment(world):
    # The attachment is the buyer's own (they sent it): theirs to open.
    url = f"/support/attachments/{world.attachment.pk}/"
    assert signed_in(world.buyer).get(url).status_code == 200
    assert signed_in(world.other_buyer).get(url).status_code == 404


# --- the API ------------------------------------------------------------------------------


@pytest.mark.parametrize("op", API_PER_OBJECT, ids=api_id)
def test_seller_b_token_gets_404_on_seller_as_objects(world, op):
    method, path, operation = op
    before = world.fingerprint()
    response = call(method, api_url(path, world), operation, world.token_b)
    assert response.status_code == 404, (method, path, response.status_code, response.content)
    assert response.json().get("code") == "not_found"
    unknown = call(method, api_url(path, world, unknown=True), operation, world.token_b)
    assert (unknown.status_code, unknown.json().get("code")) == (404, "not_found")
    assert not leaked(response, world)
    assert world.fingerprint() == before


@pytest.mark.parametrize("op", API_PER_OBJECT, ids=api_id)
def test_a_buyer_session_gets_401_from_the_api(world, op):
    method, path, operation = op
    response = call(method, api_url(path, world), operation, client=signed_in(world.buyer))
    assert response.status_code == 401, (method, path, response.status_code)
    assert not leaked(response, world)


@pytest.mark.parametrize("op", [op for op in API_PER_OBJECT if op[0] == "get"], ids=api_id)
def test_seller_a_token_reads_its_own(world, op):
    method, path, operation = op
    response = call(method, api_url(path, world), operation, world.token_a)
    assert response.status_code == 200, (path, response.content)


@pytest.mark.parametrize("op", [op for op in API_PER_OBJECT if op[0] != "get"], ids=api_id)
def test_seller_a_token_is_not_told_404_on_its_own(world, op):
    """The control for the POSTs: A's token reaches past the scope check (the
    example body may well be refused for A's return, as a 400/409, never a 404)."""
    method, path, operation = op
    response = call(method, api_url(path, world), operation, world.token_a)
    assert response.status_code != 404, (path, response.content)


def test_the_operator_only_api_is_walked():
    assert {op[1] for op in API_OPERATOR_ONLY} >= {"/api/v1/buyers/{email}/credit"}


@pytest.mark.parametrize("op", API_OPERATOR_ONLY, ids=api_id)
def test_no_seller_token_and_no_buyer_session_reach_the_operators_api(world, op):
    method, path, operation = op
    before = world.fingerprint()
    for token in (world.token_a, world.token_b):
        response = call(method, api_url(path, world), operation, token)
        assert (response.status_code, response.json().get("code")) == (403, "forbidden"), path
        assert not leaked(response, world)
    response = call(method, api_url(path, world), operation, client=signed_in(world.buyer))
    assert response.status_code == 401, (method, path, response.status_code)
    assert world.fingerprint() == before


@pytest.mark.parametrize("op", [op for op in API if not OPENAPI_PARAM.search(op[1])], ids=api_id)
def test_seller_b_token_lists_or_creates_nothing_of_seller_a(world, op):
    method, path, operation = op
    before = world.fingerprint()
    if method == "get":
        for query in ("", f"?seller={world.seller_a.reference}"):
            response = call(method, path + query, operation, world.token_b)
            assert response.status_code < 500 and not leaked(response, world), (path, query)
        return
    body = example(operation)
    if "order" in body:  # a return of A's order, by seller B
        body = {**body, "order": world.order.reference, "lines": [{"line": "A1", "quantity": 1}]}
    if "lines" in body and "buyer_email" in body:  # seller B re-sending A's order
        body = {**body, "reference": world.order.reference}
    headers = {"Idempotency-Key": str(uuid.uuid4()), "Authorization": f"Bearer {world.token_b}"}
    response = Client().post(path, json.dumps(body), "application/json", headers=headers)
    assert response.status_code < 500 and not 200 <= response.status_code < 300, (
        path,
        response.status_code,
        response.content,
    )
    assert not leaked(response, world)
    assert world.fingerprint() == before
