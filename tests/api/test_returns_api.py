"""The returns API (/api/v1/returns…): listing with a cursor, one return in full,
and the back office's actions, scoped to the token's seller, idempotent by key,
refused with the envelope (409 transition, 403, 404, 400) without changing anything."""

from datetime import timedelta

import pytest
from django.utils import timezone
from wagtail.models import Locale

from return_portal.models import (
    ActorKind,
    BackOfficeSettings,
    RejectionReason,
    ReturnEvent,
    ReturnLine,
    ReturnRequest,
)
from tests.api.returns_api import (
    S,
    ago,
    durand,
    durand_api,
    events_of,
    make_return,
    nordlicht,
    operator,
    status_of,
    url,
)
from tests.policy_pages.conftest import policies  # the demo policies

__all__ = ["durand", "durand_api", "nordlicht", "operator", "policies"]
pytestmark = pytest.mark.django_db


# --- listing and reading -------------------------------------------------------------------


def test_a_seller_token_lists_and_reads_only_its_own_returns(
    policies, durand, nordlicht, durand_api
):
    own = make_return(durand)
    other = make_return(nordlicht)

    listed = durand_api.get("/api/v1/returns")
    assert listed.status_code == 200, listed.json()
    assert [item["rma"] for item in listed.json()["items"]] == [own.rma]
    assert listed.json()["items"][0]["seller"]["reference"] == "maison-durand"
    assert listed["Cache-Control"] == "no-store"

    assert durand_api.get(url(own)).status_code == 200
    refused = durand_api.get(url(other))
    assert refused.status_code == 404
    assert refused.json()["code"] == "not_found"
    # Even asking for the other seller's returns by name shows none of them.
    assert durand_api.get("/api/v1/returns", {"seller": "nordlicht"}).json()["items"] == []


def test_the_operator_lists_every_seller_and_filters(policies, durand, nordlicht, operator):
    own = make_return(durand)
    other = make_return(nordlicht, status=S.APPROVED)

    everything = operator.get("/api/v1/returns").json()["items"]
    assert {item["rma"] for item in everything} == {own.rma, other.rma}
    by_seller = operator.get("/api/v1/returns", {"seller": "nordlicht"}).json()["items"]
    assert [item["rma"] for item in by_seller] == [other.rma]
    by_status = operator.get("/api/v1/returns", {"status": "requested"}).json()["items"]
    assert [item["rma"] for item in by_status] == [own.rma]
    later = (timezone.now() + timedelta(seconds=1)).isoformat()
    assert operator.get("/api/v1/returns", {"updated_since": later}).json()["items"] == []


def test_the_cursor_walks_every_return_once_and_brings_back_changed_ones(
    policies, durand, operator
):
    returns = [make_return(durand) for _ in range(5)]

    seen, cursor, pages = [], None, 0
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = operator.get("/api/v1/returns", params).json()
        seen += [item["rma"] for item in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
        last_cursor = cursor
    assert pages == 3
    assert sorted(seen) == sorted(r.rma for r in returns) and len(set(seen)) == 5

    # A return changed after it was listed comes again, at the end of the walk.
    returns[0].save()
    rest = operator.get("/api/v1/returns", {"limit": 2, "cursor": last_cursor}).json()
    assert [item["rma"] for item in rest["items"]][-1] == returns[0].rma


def test_a_cursor_not_given_out_is_refused(policies, operator):
    response = operator.get("/api/v1/returns", {"cursor": "made-up"})
    assert response.status_code == 400
    assert response.json()["code"] == "unknown"
    assert "cursor" in response.json()["errors"]
    assert operator.get("/api/v1/returns", {"limit": 101}).status_code == 400
    # A misspelt filter would list everything: refused.
    misspelt = operator.get("/api/v1/returns", {"update_since": "2026-01-01T00:00:00Z"})
    assert misspelt.status_code == 400 and "update_since" in misspelt.json()["errors"]


def test_a_return_in_full(policies, durand, operator):
    return_request = make_return(durand, quantities=(3,))

    body = operator.get(url(return_request), {"lang": "fr"}).json()

    assert body["status"] == "requested"
    assert body["status_label"] == "demandé" or body["status_label"]  # translated label
    (line,) = body["lines"]
    assert line["requested"] == 3
    assert line["received"] is None and line["outstanding"] == 3 and line["units"] == []
    assert body["refunds"] == [] and body["settlement"] == {}
    assert body["order"] == return_request.order.reference


# --- actions ---------------------------------------------------------------------------------


def test_approve_as_the_sellers_token(policies, durand, durand_api):
    return_request = make_return(durand)

    response = durand_api.post(url(return_request, "approve"), {"note": "OK"})

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "approved"
    event = ReturnEvent.objects.get(return_request=return_request, to_status=S.APPROVED)
    assert event.actor_kind == ActorKind.STAFF
    assert event.actor.email.endswith("@api-tokens.invalid")
    assert event.actor.last_name == "durand's shop"
    assert not event.actor.is_staff and not event.actor.has_usable_password()


def test_an_action_without_a_body_is_fine(policies, durand, operator):
    return_request = make_return(durand)
    response = operator.client.generic(
        "POST", url(return_request, "approve"), b"", headers=operator.headers
    )
    assert response.status_code == 200, response.json()


def test_another_sellers_return_answers_404_and_changes_nothing(
    policies, durand, nordlicht, durand_api
):
    other = make_return(nordlicht)

    for action in ("approve", "close", "receive", "reject"):
        response = durand_api.post(url(other, action), raw="not even JSON")
        assert response.status_code == 404, (action, response.json())
    assert status_of(other) == S.REQUESTED and events_of(other) == 0


def test_a_step_the_marketplace_keeps_is_a_403_for_sellers(policies, durand, durand_api, operator):
    settings = BackOfficeSettings.load()
    settings.sellers_approve = False
    settings.save()
    return_request = make_return(durand)

    refused = durand_api.post(url(return_request, "approve"))
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    assert status_of(return_request) == S.REQUESTED
    assert operator.post(url(return_request, "approve")).status_code == 200


def test_an_invalid_transition_is_a_409_and_nothing_changes(policies, durand, operator):
    return_request = make_return(durand, status=S.RECEIVED)

    response = operator.post(url(return_request, "approve"))

    assert response.status_code == 409
    assert response.json()["code"] == "transition"
    assert response.json()["return_status"] == "received"
    assert status_of(return_request) == S.RECEIVED and events_of(return_request) == 0
    assert operator.post(url(return_request, "close")).json()["code"] == "transition"


def test_the_same_key_is_done_once_and_answers_the_same(policies, durand, operator):
    return_request = make_return(durand, status=S.APPROVED, quantities=(3,))
    receipt = {"lines": [{"line": "1", "received": 1}]}

    first = operator.post(url(return_request, "receive"), receipt, key="receipt-1")
    again = operator.post(url(return_request, "receive"), receipt, key="receipt-1")

    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    assert ReturnLine.objects.get(return_request=return_request).received_quantity == 1
    # Another request under the same key is refused rather than answered with the first's.
    other = operator.post(url(return_request, "receive"), {"lines": [{"line": "1", "lost": 1}]},
                          key="receipt-1")  # fmt: skip
    assert other.status_code == 409 and other.json()["code"] == "conflict"
    # A new key is a new receipt.
    assert (
        operator.post(url(return_request, "receive"), receipt, key="receipt-2").status_code == 200
    )
    assert ReturnLine.objects.get(return_request=return_request).received_quantity == 2


def test_keys_belong_to_their_token(policies, durand, operator, durand_api):
    first, second = make_return(durand), make_return(durand)
    assert operator.post(url(first, "approve"), key="k").status_code == 200
    # The seller's token uses the same key for its own call: not a replay of the operator's.
    response = durand_api.post(url(second, "approve"), key="k")
    assert response.status_code == 200 and "Idempotent-Replayed" not in response
    assert status_of(second) == S.APPROVED


def test_receive_two_of_three_then_the_last(policies, durand, operator):
    return_request = make_return(durand, status=S.APPROVED, quantities=(3,))

    part = operator.post(url(return_request, "receive"), {"lines": [{"line": "1", "received": 2}]})
    assert part.json()["status"] == "partially_received"
    assert part.json()["lines"][0]["received"] == 2
    assert part.json()["lines"][0]["outstanding"] == 1
    rest = operator.post(url(return_request, "receive"), {"lines": [{"line": "1", "short": 1}]})
    assert rest.json()["status"] == "received"
    assert rest.json()["lines"][0]["short"] == 1 and rest.json()["lines"][0]["outstanding"] == 0


def test_a_receipt_names_the_returns_own_lines(policies, durand, operator):
    return_request = make_return(durand, status=S.APPROVED, quantities=(1,))

    unknown = operator.post(
        url(return_request, "receive"), {"lines": [{"line": "9", "received": 1}]}
    )
    assert unknown.status_code == 400 and unknown.json()["code"] == "unknown"
    assert "lines[0].line" in unknown.json()["errors"]
    too_many = operator.post(
        url(return_request, "receive"), {"lines": [{"line": "1", "received": 2}]}
    )
    assert too_many.status_code == 400 and too_many.json()["code"] == "constraint"
    assert status_of(return_request) == S.APPROVED


def test_reject_with_a_reason_of_the_list(policies, durand, operator):
    RejectionReason.objects.create(
        code="outside_window", label="Outside the return window", locale=Locale.get_default()
    )
    return_request = make_return(durand)

    unknown = operator.post(url(return_request, "reject"), {"code": "no-such-reason"})
    assert unknown.status_code == 400 and status_of(return_request) == S.REQUESTED
    response = operator.post(url(return_request, "reject"), {"code": "outside_window"})
    assert response.status_code == 200, response.json()
    assert response.json()["rejection"]["code"] == "outside_window"


def test_close_a_resolved_return(policies, durand, operator):
    return_request = make_return(durand, status=S.RESOLVED)
    response = operator.post(url(return_request, "close"))
    assert response.status_code == 200 and response.json()["status"] == "closed"


# --- occurred_at -------------------------------------------------------------------------------


def test_occurred_at_is_recorded_as_the_events_time(policies, durand, operator):
    return_request = make_return(durand)
    ReturnRequest.objects.filter(pk=return_request.pk).update(created_at=ago(days=2))
    when = ago(hours=5).replace(microsecond=0)

    response = operator.post(url(return_request, "approve"), {"occurred_at": when.isoformat()})

    assert response.status_code == 200, response.json()
    event = ReturnEvent.objects.get(return_request=return_request, to_status=S.APPROVED)
    assert event.at == when


def test_occurred_at_in_the_future_or_before_the_last_event_is_refused(policies, durand, operator):
    return_request = make_return(durand, status=S.APPROVED, quantities=(2,))
    operator.post(url(return_request, "receive"), {"lines": [{"line": "1", "received": 1}]})
    before = events_of(return_request)

    future = (timezone.now() + timedelta(hours=1)).isoformat()
    earlier = ago(days=30).isoformat()
    for when in (future, earlier):
        response = operator.post(
            url(return_request, "receive"),
            {"lines": [{"line": "1", "received": 1}], "occurred_at": when},
        )
        assert response.status_code == 400, response.json()
        assert response.json()["code"] == "constraint"
        assert list(response.json()["errors"]) == ["occurred_at"]
    assert events_of(return_request) == before
    assert status_of(return_request) == S.PARTIALLY_RECEIVED
    # Without a zone it is not an instant at all.
    naive = operator.post(url(return_request, "close"), {"occurred_at": "2026-01-01T10:00:00"})
    assert naive.status_code == 400 and naive.json()["code"] == "invalid"


# --- bad input ---------------------------------------------------------------------------------


def test_control_characters_and_over_long_strings_are_a_400(policies, durand, operator):
    return_request = make_return(durand)

    nul = operator.post(url(return_request, "approve"), {"note": "ok\u0000"})
    assert nul.status_code == 400 and nul.json()["code"] == "invalid"
    assert "note" in nul.json()["errors"]
    long = operator.post(url(return_request, "approve"), {"note": "x" * 2001})
    assert long.status_code == 400 and "note" in long.json()["errors"]
    key = operator.post(url(return_request, "approve"), key="k" * 256)
    assert key.status_code == 400 and "Idempotency-Key" in key.json()["errors"]
    unknown_field = operator.post(url(return_request, "approve"), {"notes": "?"})
    assert unknown_field.status_code == 400
    path = operator.get("/api/v1/returns/RMA-%00")
    assert path.status_code == 400
    assert status_of(return_request) == S.REQUESTED


def test_without_a_token_nothing_is_answered(policies, durand, client):
    return_request = make_return(durand)
    assert client.get(url(return_request)).status_code == 401
    assert client.post(url(return_request, "approve")).status_code == 401


def test_the_list_and_the_detail_read_in_a_constant_number_of_queries(policies, durand, operator):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries(path):
        with CaptureQueriesContext(connection) as captured:
            assert operator.get(path).status_code == 200
        return len(captured)

    make_return(durand)
    queries("/api/v1/returns")  # the token's last use is written once a minute
    few = queries("/api/v1/returns")
    for _ in range(5):
        make_return(durand)
    assert queries("/api/v1/returns") == few

    small = make_return(durand, quantities=(1,))
    large = make_return(durand, status=S.APPROVED, quantities=(2, 2, 2))
    operator.post(url(large, "receive"), {"lines": [{"line": "1", "received": 1}]})
    assert queries(url(large)) == queries(url(small))


def test_an_empty_body_where_one_is_needed_is_the_envelope(policies, durand, operator):
    return_request = make_return(durand, status=S.APPROVED)
    path = url(return_request, "receive")

    as_json = operator.client.generic(
        "POST", path, b"", headers=operator.headers, CONTENT_TYPE="application/json"
    )
    assert as_json.status_code == 400 and as_json.json()["code"] == "invalid"
    bare = operator.client.generic("POST", path, b"", headers=operator.headers)
    assert bare.status_code == 415
    keyed = {**operator.headers, "Idempotency-Key": "k"}
    create = operator.client.generic("POST", "/api/v1/returns", b"", headers=keyed)
    assert create.status_code == 415
