"""The dashboard in the admin: the operator's staff see every seller, a
seller's staff only theirs (another seller in the URL is a 404), drilling
into a reason, the CSV of each section, htmx partials, bad filters, and the
query budget."""

import csv
import datetime as dt
from io import StringIO

import pytest
from django.urls import reverse

from insights.rebuild import rebuild_range
from return_portal.models import ReturnStatus
from tests.insights.world import DAY, HOUR, MORNING, event, request_return, sell, two_sellers
from tests.return_portal.factories import returns_staff_user

pytestmark = pytest.mark.django_db
URL = reverse("insights_dashboard")
WEEK = {"start": (DAY - dt.timedelta(days=6)).isoformat(), "end": DAY.isoformat()}


@pytest.fixture
def world(policies, reasons):
    a, b, shoes, coats = two_sellers()
    boots = sell(a, shoes, "BOOT-1", 4, "50.00")
    coat = sell(b, coats, "COAT-B", 3, "80.00")
    small = request_return(boots, 2, "too-small").return_request
    request_return(coat, 1, "arrived-damaged")
    event(small, ReturnStatus.APPROVED, MORNING + 2 * HOUR)
    rebuild_range(DAY - dt.timedelta(days=7), DAY)
    return a, b


def test_the_operator_sees_every_seller(client, world):
    client.force_login(returns_staff_user(with_totp=True))
    response = client.get(URL, {**WEEK, "by": "seller"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "Maison-A" in body and "Maison-B" in body
    # 3 of 7 units returned.
    assert "42.9%" in body


def test_seller_staff_see_their_seller_only_and_404_for_another(client, world):
    a, b = world
    client.force_login(returns_staff_user(operator=False, sellers=[a], with_totp=True))
    response = client.get(URL, {**WEEK, "by": "seller"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "Maison-A" in body and "Maison-B" not in body
    assert "50%" in body  # 2 of A's 4 boots
    assert client.get(URL, {**WEEK, "seller": b.pk}).status_code == 404
    assert client.get(URL, {**WEEK, "seller": "999999"}).status_code == 404
    assert client.get(URL, {**WEEK, "seller": "x"}).status_code == 404
    assert client.get(URL, {**WEEK, "seller": a.pk}).status_code == 200


def test_staff_without_returns_permission_are_refused(client, world):
    from tests.factories import StaffUserFactory

    client.force_login(StaffUserFactory())
    assert client.get(URL).status_code in (302, 403)


def test_drilling_from_a_parent_reason_to_its_leaves_and_returns(client, world):
    client.force_login(returns_staff_user(with_totp=True))
    top = client.get(URL, WEEK).content.decode()
    assert 'data-drill="size-fit"' in top
    leaves = client.get(URL, {**WEEK, "reason": "size-fit"}, HTTP_HX_REQUEST="true")
    body = leaves.content.decode()
    assert "<html" not in body  # the partial only
    assert 'data-returns-link="too-small"' in body
    assert "reason=too-small" in body and "created_after=" in body


def test_each_section_downloads_as_csv(client, world):
    client.force_login(returns_staff_user(with_totp=True))
    for section in ("rates", "reasons", "resolutions", "stages", "deadlines", "inspections"):
        response = client.get(URL, {**WEEK, "export": section})
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/csv")
        rows = list(csv.reader(StringIO(response.content.decode())))
        assert len(rows) > 1
    rates = list(
        csv.reader(StringIO(client.get(URL, {**WEEK, "export": "rates"}).content.decode()))
    )
    assert rates[1][:3] == ["All", "7", "3"]


@pytest.mark.parametrize(
    "params",
    [
        {"start": "2026-03-10", "end": "2026-03-01"},
        {"start": "2015-01-01", "end": "2026-03-01"},
        {"start": "not a date"},
        {"sku": "x" * 500},
        {"market": "ZZ"},
        {"by": "nonsense"},
        {"end": "0001-01-10"},
        {"start": "0001-01-01", "end": "0001-01-03"},
        {"start": "2026-01-01", "end": "9999-12-31"},
    ],
)
def test_bad_filters_answer_400_with_a_message(client, world, params):
    client.force_login(returns_staff_user(with_totp=True))
    response = client.get(URL, params)
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()


def test_nul_bytes_are_refused_before_the_view(client, world):
    client.force_login(returns_staff_user(with_totp=True))
    assert client.get(URL, {"sku": "a\x00b"}).status_code == 400


def test_an_empty_period_shows_an_empty_state(client, world):
    client.force_login(returns_staff_user(with_totp=True))
    response = client.get(URL, {"start": "2020-01-01", "end": "2020-01-31"})
    assert response.status_code == 200
    assert "data-empty" in response.content.decode()


def test_query_budget(client, world, django_assert_max_num_queries):
    client.force_login(returns_staff_user(with_totp=True))
    client.get(URL, WEEK)
    with django_assert_max_num_queries(40):
        assert client.get(URL, {**WEEK, "reason": "size-fit", "by": "sku"}).status_code == 200
