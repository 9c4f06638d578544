"""Proof of display at checkout: the embed and the API give the version's hash,
intake takes it back as `displayed_policy` (per order or per line), refuses one
that names no known version, flags one that is not in force, and the pin, the
order's answer, the staff return page and the audit report show it."""

import csv
import io
import json
import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from marketplace.models import Order, OrderLine, ProductCategory, Seller
from policy_pages.intake import import_orders
from policy_pages.pinning import display_note
from policy_pages.pins import LinePin, PinChangeError
from policy_pages.versions import PolicyVersion
from return_portal.seeding import seed_staff_permissions
from tests.factories import StaffUserFactory
from tests.marketplace.conftest import api, api_token  # fixtures
from tests.marketplace.factories import (
    LinePayloadFactory,
    OrderFactory,
    OrderLineFactory,
    OrderPayloadFactory,
    SellerPayloadFactory,
    iso,
)
from tests.return_portal.factories import ReturnLineFactory, ReturnRequestFactory

__all__ = ["api", "api_token"]

URL = "/api/v1/orders"
REPORT = "/admin/reports/policy-versions/"


def version(number, slug="return-policy") -> PolicyVersion:
    return PolicyVersion.objects.select_related("policy").get(policy__slug=slug, number=number)


def shown(number, slug="return-policy") -> dict:
    """A displayed_policy as a storefront sends it back."""
    return {"slug": slug, "version": number, "hash": version(number, slug).hash}


def assert_nothing_saved():
    assert Order.objects.count() == 0
    assert OrderLine.objects.count() == 0
    assert LinePin.objects.count() == 0
    assert Seller.objects.count() == 0
    assert ProductCategory.objects.count() == 0


# --- the hash, where the storefront reads it ----------------------------------------------


def test_the_in_force_api_gives_the_hash_and_documents_it(client, policies):
    body = client.get("/api/v1/policies/in-force", {"market": "FR"}).json()

    assert (body["policy"], body["version"]) == ("return-policy", 2)
    assert body["hash"] == version(2).hash
    document = client.get("/api/v1/openapi.json").json()
    hash_schema = document["components"]["schemas"]["PolicyInForceOut"]["properties"]["hash"]
    assert "displayed_policy" in hash_schema["description"]


def test_the_embed_gives_the_hash_on_its_root_and_in_its_json_ld(client, policies):
    html = client.get("/policies/embed/", {"market": "FR"}).content.decode()

    v2 = version(2)
    root = re.match(r"\s*<div [^>]*>", html).group(0)
    assert 'data-policy="return-policy"' in root
    assert 'data-version="2"' in root
    assert f'data-policy-hash="{v2.hash}"' in root
    script = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    identifiers = {
        item["propertyID"]: item["value"] for item in json.loads(script.group(1))["identifier"]
    }
    assert identifiers == {"policy": "return-policy", "version": 2, "sha256": v2.hash}


def test_the_order_schema_documents_displayed_policy(client, db):
    document = client.get("/api/v1/openapi.json").json()
    schemas = document["components"]["schemas"]

    shown_schema = schemas["DisplayedPolicyIn"]
    assert shown_schema["required"] == ["slug", "version", "hash"]
    assert shown_schema["properties"]["hash"]["pattern"] == "^[0-9a-f]{64}$"
    assert shown_schema["properties"]["slug"]["maxLength"] == 255
    assert shown_schema["additionalProperties"] is False
    assert "displayed_policy" in schemas["OrderIn"]["properties"]
    assert "displayed_policy" in schemas["OrderLineIn"]["properties"]
    assert "displayed_policy" in schemas["OrderLineOut"]["properties"]


# --- accepted: matches, or flagged -----------------------------------------------------------


def test_the_version_in_force_shown_is_recorded_as_matching(policies, api):
    payload = OrderPayloadFactory(displayed_policy=shown(2))

    response = api.post(URL, payload)

    assert response.status_code == 201, response.json()
    line = response.json()["lines"][0]
    assert line["displayed_policy"] == {
        "slug": "return-policy",
        "version": 2,
        "hash": version(2).hash,
        "matches": True,
    }
    pin = LinePin.objects.get()
    assert (pin.version, pin.displayed_version, pin.display_matches) == (
        version(2),
        version(2),
        True,
    )


def test_another_known_version_is_accepted_and_flagged(policies, api):
    # The storefront still showed v1 while v2 was in force.
    payload = OrderPayloadFactory(displayed_policy=shown(1))

    response = api.post(URL, payload)

    assert response.status_code == 201, response.json()
    line = response.json()["lines"][0]
    assert line["policy"]["version"] == 2
    assert line["displayed_policy"]["version"] == 1
    assert line["displayed_policy"]["matches"] is False
    pin = LinePin.objects.get()
    assert (pin.displayed_version, pin.display_matches) == (version(1), False)
    assert display_note(pin.line) == "Shown at checkout: v1 (differs from v2 in force)"


def test_the_scheduled_version_shown_early_is_a_mismatch_too(policies, api):
    response = api.post(URL, OrderPayloadFactory(displayed_policy=shown(3)))

    assert response.status_code == 201, response.json()
    assert response.json()["lines"][0]["displayed_policy"]["matches"] is False


def test_an_order_without_proof_has_none(policies, api):
    response = api.post(URL, OrderPayloadFactory())

    assert response.status_code == 201
    assert response.json()["lines"][0]["displayed_policy"] is None
    pin = LinePin.objects.get()
    assert (pin.displayed_version, pin.display_matches) == (None, None)
    assert display_note(pin.line) == ""


def test_a_line_shown_its_own_policy_overrides_the_order_level_proof(policies, api):
    atelier = SellerPayloadFactory(reference="atelier-lumiere")
    payload = OrderPayloadFactory(
        displayed_policy=shown(2),
        lines=[
            LinePayloadFactory(reference="1"),
            LinePayloadFactory(
                reference="2",
                seller=atelier,
                displayed_policy=shown(1, "atelier-lumiere-returns"),
            ),
            # The order-level proof for a seller's line names another policy: flagged.
            LinePayloadFactory(reference="3", seller=atelier),
        ],
    )

    response = api.post(URL, payload)

    assert response.status_code == 201, response.json()
    lines = {line["reference"]: line for line in response.json()["lines"]}
    assert lines["1"]["displayed_policy"]["slug"] == "return-policy"
    assert lines["1"]["displayed_policy"]["matches"] is True
    assert lines["2"]["policy"]["slug"] == "atelier-lumiere-returns"
    assert lines["2"]["displayed_policy"]["slug"] == "atelier-lumiere-returns"
    assert lines["2"]["displayed_policy"]["matches"] is True
    assert lines["3"]["displayed_policy"]["slug"] == "return-policy"
    assert lines["3"]["displayed_policy"]["matches"] is False
    note = display_note(OrderLine.objects.get(reference="3"))
    assert note == (
        "Shown at checkout: return-policy v2 (differs from atelier-lumiere-returns v1 in force)"
    )


# --- refused: names no known version ------------------------------------------------------


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"slug": "no-such-policy"}, "slug"),
        ({"version": 9}, "version"),
        ({"hash": "0" * 64}, "hash"),
    ],
)
def test_an_order_level_proof_naming_no_known_version_is_refused(policies, api, override, field):
    payload = OrderPayloadFactory(displayed_policy={**shown(2), **override})

    response = api.post(URL, payload)

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "unknown"
    assert list(body["errors"]) == [f"displayed_policy.{field}"]
    assert_nothing_saved()


def test_a_hash_of_another_version_is_refused(policies, api):
    payload = OrderPayloadFactory(displayed_policy={**shown(2), "hash": version(1).hash})

    response = api.post(URL, payload)

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["displayed_policy.hash"]
    assert_nothing_saved()


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"slug": "no-such-policy"}, "slug"),
        ({"version": 7}, "version"),
        ({"hash": "a" * 64}, "hash"),
    ],
)
def test_a_line_level_proof_naming_no_known_version_is_refused_at_its_line(
    policies, api, override, field
):
    payload = OrderPayloadFactory(
        displayed_policy=shown(2),
        lines=[
            LinePayloadFactory(reference="1"),
            LinePayloadFactory(reference="2", displayed_policy={**shown(2), **override}),
        ],
    )

    response = api.post(URL, payload)

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "unknown"
    assert list(body["errors"]) == [f"lines[1].displayed_policy.{field}"]
    assert_nothing_saved()


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ({"slug": "return-policy", "version": 2, "hash": "XYZ"}, "hash"),
        ({"slug": "return-policy", "version": 0, "hash": "a" * 64}, "version"),
        ({"slug": "return-policy", "version": "2", "hash": "a" * 64}, "version"),
        ({"slug": "", "version": 2, "hash": "a" * 64}, "slug"),
        ({"slug": "x" * 256, "version": 2, "hash": "a" * 64}, "slug"),
        ({"slug": "return-policy", "version": 2}, "hash"),
        ({"slug": "return-policy", "version": 2, "hash": "a" * 64, "extra": 1}, "extra"),
    ],
)
def test_a_malformed_proof_is_invalid_at_its_field(policies, api, value, field):
    response = api.post(URL, OrderPayloadFactory(displayed_policy=value))

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert f"displayed_policy.{field}" in body["errors"]
    assert_nothing_saved()


# --- idempotency and immutability -------------------------------------------------------


def test_a_replay_with_the_same_proof_is_a_replay_and_another_proof_a_conflict(policies, api):
    payload = OrderPayloadFactory(displayed_policy=shown(1))
    first = api.post(URL, payload)

    again = api.post(URL, payload)
    other = api.post(URL, {**payload, "displayed_policy": shown(2)})

    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert other.status_code == 409
    assert LinePin.objects.get().displayed_version == version(1)


def test_the_proof_on_a_pin_never_changes(policies):
    line = OrderLineFactory(pin__displayed_version=None)
    pin = LinePin.objects.get(pk=line.pk)
    pin.displayed_version = version(1)
    pin.display_matches = False

    with pytest.raises(PinChangeError):
        pin.save()
    with pytest.raises(PinChangeError):
        LinePin.objects.filter(pk=line.pk).update(display_matches=True)
    with pytest.raises(PinChangeError):
        LinePin.objects.bulk_update([pin], ["displayed_version"])
    # Past the model, the database refuses it too (a trigger).
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE policy_pages_linepin SET display_matches = %s WHERE line_id = %s",
            [True, line.pk],
        )

    assert LinePin.objects.get(pk=line.pk).display_matches is None


# --- import: the same code path --------------------------------------------------------


def test_import_orders_records_and_refuses_proofs_like_the_api(policies):
    good = OrderPayloadFactory(displayed_policy=shown(1))
    bad = OrderPayloadFactory(
        lines=[LinePayloadFactory(displayed_policy={**shown(2), "slug": "nope"})],
    )

    report = import_orders([json.dumps(good), json.dumps(bad)])

    assert report.created == 1
    assert list(report.failed) == [2]
    assert list(report.failed[2]) == ["lines[0].displayed_policy.slug"]
    assert report.failed[2].code == "unknown"
    pin = LinePin.objects.get()
    assert (pin.displayed_version, pin.display_matches) == (version(1), False)
    assert Order.objects.get().reference == good["reference"]

    again = import_orders([json.dumps(good)])
    assert (again.created, again.replayed) == (0, 1)


# --- where staff see it --------------------------------------------------------------------


def test_the_staff_return_page_notes_what_was_shown_per_line(client, policies, buyer):
    seed_staff_permissions()
    staff = StaffUserFactory(with_totp=True)
    staff.groups.add(Group.objects.get(name="Returns staff"))
    order = OrderFactory(buyer=buyer, placed_at=timezone.now() - timedelta(days=6))
    flagged = OrderLineFactory(
        order=order,
        title="Flagged shirt",
        pin__displayed_version=version(1),
        pin__display_matches=False,
    )
    plain = OrderLineFactory(order=order, title="Plain shirt")
    return_request = ReturnRequestFactory(order=order)
    ReturnLineFactory(return_request=return_request, order_line=flagged)
    ReturnLineFactory(return_request=return_request, order_line=plain)
    client.force_login(staff)

    response = client.get(reverse("returns:inspect", args=[return_request.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    notes = re.findall(r"<div [^>]*data-display-proof>(.*?)</div>", html)
    assert notes == ["Shown at checkout: v1 (differs from v2 in force)"]


def test_the_audit_report_counts_orders_with_proof_of_display(client, policies, api):
    api.post(URL, OrderPayloadFactory(displayed_policy=shown(2)))  # matches
    api.post(URL, OrderPayloadFactory(displayed_policy=shown(1)))  # flagged
    # Two lines, one order: counted once.
    api.post(
        URL,
        OrderPayloadFactory(
            lines=[
                LinePayloadFactory(reference="1", displayed_policy=shown(1)),
                LinePayloadFactory(reference="2", displayed_policy=shown(1)),
            ]
        ),
    )
    api.post(URL, OrderPayloadFactory())  # no proof
    api.post(  # v1 was in force, and shown
        URL,
        OrderPayloadFactory(
            placed_at=iso(timezone.now() - timedelta(days=200)),
            displayed_policy=shown(1),
            lines=[LinePayloadFactory(delivered_at=iso(timezone.now() - timedelta(days=195)))],
        ),
    )
    assert Order.objects.count() == 5
    client.force_login(StaffUserFactory(with_totp=True, is_superuser=True))

    response = client.get(REPORT)
    rows = {(row.policy_slug, row.number): row for row in response.context["object_list"]}
    assert (rows["return-policy", 2].orders, rows["return-policy", 2].orders_shown) == (4, 3)
    assert rows["return-policy", 2].orders_mismatched == 2
    assert (rows["return-policy", 1].orders, rows["return-policy", 1].orders_shown) == (1, 1)
    assert rows["return-policy", 1].orders_mismatched == 0
    html = response.content.decode()
    assert "Proof of display" in html
    assert "2 shown another version" in html

    exported = json.loads(client.get(REPORT, {"export": "json"}).content)
    v2 = next(
        v for v in exported["versions"] if (v["policy_slug"], v["number"]) == ("return-policy", 2)
    )
    assert (v2["orders"], v2["orders_shown"], v2["orders_mismatched"]) == (4, 3, 2)
    csv_response = client.get(REPORT, {"export": "csv"})
    csv_text = b"".join(csv_response.streaming_content).decode()
    csv_rows = {(row["Slug"], row["Version"]): row for row in csv.DictReader(io.StringIO(csv_text))}
    v2_row = csv_rows["return-policy", "2"]
    assert v2_row["Orders governed"] == "4"
    assert v2_row["Orders with proof of display"] == "3"
    assert v2_row["Orders shown another version"] == "2"
