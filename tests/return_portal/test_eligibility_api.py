"""GET /api/v1/orders/<ref>/eligibility: the portal's decision, as of any instant."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest
from django.utils import timezone

from marketplace.seeding import holiday_window_delivery
from tests.marketplace.conftest import api, api_token, policies  # fixtures
from tests.marketplace.factories import OrderFactory, OrderLineFactory, SellerFactory
from tests.return_portal.factories import ReturnLineFactory

__all__ = ["api", "api_token", "policies"]

PARIS = ZoneInfo("Europe/Paris")


def url(order):
    return f"/api/v1/orders/{order.reference}/eligibility"


def paris_day(day: date, hour=10) -> datetime:
    return min(datetime.combine(day, time(hour), tzinfo=PARIS), timezone.now())


def next_french_working_day(day: date) -> date:
    fr = holidays.country_holidays("FR", years=range(day.year, day.year + 2))
    while day.weekday() >= 5 or day in fr:
        day += timedelta(days=1)
    return day


def order_delivered_on(day: date, **line):
    order = OrderFactory(
        reference=f"D-{day.isoformat()}", placed_at=paris_day(day) - timedelta(days=3)
    )
    OrderLineFactory(order=order, reference="1", delivered_at=paris_day(day), **line)
    return order


def only_line(response):
    assert response.status_code == 200, response.json()
    (line,) = response.json()["lines"]
    return line


def test_an_eligible_line_has_its_deadlines_policy_and_reasons(policies, api):
    today = timezone.localdate()
    order = order_delivered_on(today - timedelta(days=3))

    line = only_line(api.get(url(order)))

    assert line["eligible"] is True
    assert line["returnable_quantity"] == 1
    assert line["statutory_right"] is True
    # End of the last day in Paris, after moving off weekends and holidays.
    policy_deadline = datetime.fromisoformat(line["policy_deadline"])
    assert policy_deadline.date() == next_french_working_day(
        today - timedelta(days=3) + timedelta(days=30)
    )
    assert line["policy_deadline"].endswith("T23:59:59.999999+01:00")
    assert line["statutory_deadline"].endswith("T23:59:59.999999+01:00")
    assert line["deadline"] == line["policy_deadline"]  # 30 days beat 14
    assert line["policy"]["slug"] == "return-policy"
    assert line["policy"]["version"] == 2
    assert len(line["policy"]["hash"]) == 64
    codes = [reason["code"] for reason in line["reasons"]]
    assert codes == ["within_policy_window", "within_statutory_period"]
    window, statutory = line["reasons"]
    assert window["clause"] == "2" and window["statute"] is None
    assert window["message"].startswith("Returnable until")
    assert statutory["statute"] == "Directive 2011/83/EU Art. 9; C. consom. L221-18"


def test_messages_come_in_the_requested_language(policies, api):
    order = order_delivered_on(timezone.localdate() - timedelta(days=3))

    response = api.get(url(order), {"lang": "fr"})

    assert response["Content-Language"] == "fr"
    assert only_line(response)["reasons"][0]["message"].startswith("Retournable jusqu'au")


def test_judged_at_an_earlier_instant_the_line_was_returnable_and_later_not(policies, api):
    order = order_delivered_on(timezone.localdate() - timedelta(days=60))
    within = (timezone.now() - timedelta(days=45)).isoformat()

    then = only_line(api.get(url(order), {"at": within}))
    now = only_line(api.get(url(order)))

    assert then["eligible"] is True
    assert now["eligible"] is False
    assert [r["code"] for r in now["reasons"]] == ["policy_window_ended", "statutory_period_ended"]
    assert now["returnable_quantity"] == 0


def test_a_window_ending_on_a_french_public_holiday_ends_on_the_next_working_day(policies, api):
    delivery, holiday = holiday_window_delivery(timezone.localdate(), 30)
    order = order_delivered_on(delivery)

    line = only_line(api.get(url(order), {"at": paris_day(delivery).isoformat()}))

    deadline = datetime.fromisoformat(line["policy_deadline"]).date()
    assert deadline == next_french_working_day(holiday)
    assert deadline > holiday


def test_a_window_ending_on_a_sunday_ends_on_monday_or_the_next_working_day(policies, api):
    today = timezone.localdate()
    delivery = next(
        today - timedelta(days=back)
        for back in range(1, 30)
        if (today - timedelta(days=back) + timedelta(days=30)).weekday() == 6
    )
    order = order_delivered_on(delivery)

    line = only_line(api.get(url(order)))

    sunday = delivery + timedelta(days=30)
    deadline = datetime.fromisoformat(line["policy_deadline"]).date()
    assert deadline == next_french_working_day(sunday) >= sunday + timedelta(days=1)


@pytest.mark.parametrize("flag", ["sealed_hygiene", "sealed_media"])
def test_a_sealed_item_the_buyer_opened_is_excluded(policies, api, flag):
    order = order_delivered_on(timezone.localdate() - timedelta(days=2), **{flag: True})

    sealed = only_line(api.get(url(order)))
    opened = only_line(api.get(url(order), {"opened": "1"}))

    assert sealed["eligible"] is True
    assert opened["eligible"] is False
    exception = opened["reasons"][0]
    assert exception["code"] == "item_exception"
    assert exception["clause"] == "3"
    assert "16(" in exception["statute"]


def test_a_private_sellers_line_has_no_statutory_deadline(policies, api):
    private = SellerFactory(reference="grenier", is_trader=False)
    order = order_delivered_on(timezone.localdate() - timedelta(days=3), seller=private)

    line = only_line(api.get(url(order)))

    assert line["statutory_right"] is False
    assert line["statutory_deadline"] is None
    assert "non_trader_no_statutory_right" in [r["code"] for r in line["reasons"]]


def test_units_already_in_a_return_are_not_returnable_again(policies, api):
    order = order_delivered_on(timezone.localdate() - timedelta(days=3), quantity=3)
    ReturnLineFactory(order_line=order.lines.get(), quantity=2)

    line = only_line(api.get(url(order)))

    assert (line["eligible"], line["returnable_quantity"]) == (True, 1)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"at": "tomorrow"}, "at"),
        ({"at": "2026-05-01T10:00:00"}, "at"),
        ({"opened": "1,99"}, "opened"),
        ({"lang": "xx"}, "lang"),
    ],
    ids=["malformed at", "naive at", "unknown opened line", "unknown language"],
)
def test_bad_parameters_answer_400_naming_them(policies, api, params, field):
    order = order_delivered_on(timezone.localdate() - timedelta(days=3))

    response = api.get(url(order), params)

    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_an_offset_sent_unencoded_in_the_query_string_still_parses(policies, api):
    order = order_delivered_on(timezone.localdate() - timedelta(days=3))
    at = timezone.now().astimezone(PARIS).replace(microsecond=0).isoformat()

    response = api.get(f"{url(order)}?at={at}")  # "+01:00" arrives as " 01:00"

    assert response.status_code == 200


def test_an_unknown_order_answers_404(policies, api):
    assert api.get("/api/v1/orders/NOPE/eligibility").status_code == 404


def test_eligibility_needs_a_token(policies, client):
    order = order_delivered_on(timezone.localdate() - timedelta(days=3))

    response = client.get(url(order))

    assert response.status_code == 401
    assert "WWW-Authenticate" in response


def test_eligibility_costs_a_constant_number_of_queries(
    policies, api, django_assert_max_num_queries
):
    order = OrderFactory(placed_at=timezone.now() - timedelta(days=8))
    OrderLineFactory.create_batch(12, order=order, delivered_at=timezone.now() - timedelta(days=4))
    api.get(url(order))  # the token's last use is recorded once a minute

    # The token, the order, its lines with sellers, categories and pinned versions.
    with django_assert_max_num_queries(4):
        response = api.get(url(order))

    assert len(response.json()["lines"]) == 12
