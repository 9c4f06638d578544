"""My orders: each line says until when it can be returned and on what basis (or
why not), the withdrawal button shows while the statutory period runs, the
buyer's returns are listed, and the page reads a constant number of queries."""

import re
from datetime import timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from return_portal.models import ReturnStatus
from return_portal.services import decide_order
from return_portal.withdrawal import withdraw
from tests.marketplace.factories import OrderFactory, OrderLineFactory
from tests.return_portal.factories import ReturnRequestFactory

WITHDRAW_LABEL = "Withdraw from contract here"


def ago(days):
    return timezone.now() - timedelta(days=days)


@pytest.fixture
def signed_in(client, buyer):
    client.force_login(buyer)
    return client


@pytest.fixture
def order(policies, buyer):
    """Delivered 10 days ago in France: inside the policy window and the 14 days."""
    order = OrderFactory(
        buyer=buyer, reference="F-RECENT", placed_at=ago(13), payment_amount=Decimal("104.70")
    )
    OrderLineFactory(order=order, reference="A", title="Oxford shirt", delivered_at=ago(10))
    OrderLineFactory(order=order, reference="B", title="Derby shoes", delivered_at=ago(10))
    return order


def page_text(response) -> str:
    return response.content.decode()


def french_page(client, language: str = "fr") -> str:
    # The request activates French in this thread: give the next tests English back.
    with translation.override(translation.get_language()):
        return page_text(client.get(f"/{language}/returns/"))


def test_signed_out_visitors_are_sent_to_log_in(client, db):
    response = client.get(reverse("return_portal:orders"))

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_each_order_shows_reference_date_market_and_total_paid_with_its_currency(signed_in, order):
    html = page_text(signed_in.get(reverse("return_portal:orders")))

    assert "Order F-RECENT" in html
    assert "€104.70" in html
    assert "France" in html
    assert "Oxford shirt" in html and "Derby shoes" in html
    assert "Shirts" in html  # the category's name


def test_a_returnable_line_cites_the_clause_and_links_the_pinned_policy_version(signed_in, order):
    version = order.lines.first().pin.version
    html = page_text(signed_in.get(reverse("return_portal:orders")))

    assert "Returnable until" in html
    link = re.search(r'<a href="([^"]+)">§([\w.]+), policy v(\d+)</a>', html)
    assert link, html
    assert link.group(3) == str(version.number)
    assert f"/v/{version.number}/#clause-{link.group(2)}" in link.group(1)


def test_the_deadline_is_the_date_in_the_markets_time_zone(signed_in, order, settings):
    # The site's zone is far east of Paris: a deadline at the end of a Paris day is
    # already the next morning there. The page shows the market's (Paris) date.
    settings.TIME_ZONE = "Asia/Tokyo"
    decision = dict(decide_order(order, timezone.now()))[order.lines.get(reference="A")]
    paris = date_format(decision.deadline.astimezone(ZoneInfo("Europe/Paris")), "DATE_FORMAT")
    tokyo = date_format(decision.deadline.astimezone(ZoneInfo("Asia/Tokyo")), "DATE_FORMAT")

    html = page_text(signed_in.get(reverse("return_portal:orders")))

    assert paris != tokyo
    assert f"Returnable until {paris}" in html
    assert f"Returnable until {tokyo}" not in html


def test_a_line_past_its_window_says_why_and_offers_nothing(signed_in, policies, buyer):
    old = OrderFactory(buyer=buyer, reference="F-OLD", placed_at=ago(90))
    OrderLineFactory(order=old, delivered_at=ago(80))

    html = page_text(signed_in.get(reverse("return_portal:orders")))

    assert "ended on" in html
    assert "Return items" not in html
    assert WITHDRAW_LABEL not in html


def test_a_line_not_delivered_yet_says_so(signed_in, policies, buyer):
    order = OrderFactory(buyer=buyer, placed_at=ago(2))
    OrderLineFactory(order=order, delivered_at=None)

    html = page_text(signed_in.get(reverse("return_portal:orders")))

    assert "Not delivered yet" in html
    assert "has not been delivered yet" in html


def test_the_return_button_posts_to_start_a_return_on_that_order(signed_in, order):
    html = page_text(signed_in.get(reverse("return_portal:orders")))

    start = reverse("return_portal:start", args=[order.public_id])
    assert f'<form method="post" action="{start}"' in html
    assert "Return items" in html


def test_only_the_signed_in_buyers_orders_are_listed(signed_in, order, other_buyer):
    theirs = OrderFactory(buyer=other_buyer, reference="F-THEIRS")
    OrderLineFactory(order=theirs)

    html = page_text(signed_in.get(reverse("return_portal:orders")))

    assert "F-RECENT" in html
    assert "F-THEIRS" not in html


def test_orders_come_newest_first_twenty_per_page(signed_in, policies, buyer):
    version = None
    for number in range(25):
        order = OrderFactory(buyer=buyer, reference=f"P-{number:02d}", placed_at=ago(30 - number))
        line = OrderLineFactory(order=order, policy_version=version) if version else None
        if line is None:
            version = OrderLineFactory(order=order).pin.version

    first = page_text(signed_in.get(reverse("return_portal:orders")))
    second = page_text(signed_in.get(reverse("return_portal:orders") + "?page=2"))

    assert first.index("P-24") < first.index("P-23")
    assert first.count('class="order-card"') == 20
    assert second.count('class="order-card"') == 5
    assert "P-00" in second and "P-00" not in first
    assert "Page 2 of 2" in second


def test_my_returns_lists_open_returns_with_their_status_and_a_link(
    signed_in, order, buyer, reasons
):
    [withdrawal], _ = withdraw(buyer, order, ["A"], key="k-orders")
    closed = ReturnRequestFactory(order=order, status=ReturnStatus.CANCELLED)

    html = page_text(signed_in.get(reverse("return_portal:orders")))

    section = html.split('id="my-returns-title"')[1].split('id="my-orders-title"')[0]
    open_part = section.split("past-returns")[0]
    assert reverse("return_portal:detail", args=[withdrawal.public_id]) in open_part
    assert withdrawal.rma in open_part and "approved" in open_part
    assert closed.rma not in open_part and closed.rma in section


def _orders_with_two_lines(buyer, count, version, seller, category):
    for number in range(count):
        order = OrderFactory(buyer=buyer, placed_at=ago(5 + number % 20))
        for reference in ("A", "B"):
            OrderLineFactory(
                order=order,
                reference=reference,
                policy_version=version,
                seller=seller,
                category=category,
                delivered_at=ago(3 + number % 20),
            )


def _queries_for_page(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("return_portal:orders"))
    assert response.status_code == 200
    return len(captured)


def test_the_page_reads_a_constant_number_of_queries(
    signed_in, order, buyer, reasons, django_assert_max_num_queries
):
    line = order.lines.first()
    version, seller, category = line.pin.version, line.seller, line.category
    withdraw(buyer, order, ["A"], key="k-queries")
    _orders_with_two_lines(buyer, 9, version, seller, category)  # 10 orders
    _queries_for_page(signed_in)  # warms the per-process caches (site root paths, nav)
    ten = _queries_for_page(signed_in)

    _orders_with_two_lines(buyer, 90, version, seller, category)  # 100 orders
    with django_assert_max_num_queries(12):
        response = signed_in.get(reverse("return_portal:orders"))
    hundred = _queries_for_page(signed_in)

    assert response.status_code == 200
    assert ten == hundred


def test_the_button_shows_in_the_buyers_language(signed_in, order, buyer):
    buyer.preferred_language = "fr"
    buyer.save()
    assert "Renoncer au contrat ici" in french_page(signed_in)
    assert "Vertrag hier widerrufen" in french_page(signed_in, "de")


def test_the_site_navigation_links_to_my_returns(signed_in, order):
    english = page_text(signed_in.get(reverse("return_portal:orders")))
    french = french_page(signed_in)

    assert '<a href="/returns/">My returns</a>' in english
    assert '<a href="/fr/returns/">' in french


def test_a_deadline_the_law_grants_cites_the_statute(signed_in, policies, buyer):
    # Not told of the right before buying: the legal period runs 12 more months
    # (Art. 10), long after the policy's 30 days.
    order = OrderFactory(buyer=buyer, placed_at=ago(43), withdrawal_info_given=False)
    OrderLineFactory(order=order, delivered_at=ago(40))

    html = page_text(signed_in.get(reverse("return_portal:orders")))

    assert re.search(
        r"Returnable until [^(]+\(<span class=\"statute\">Directive 2011/83/EU Art\. 9", html
    )
    assert "Withdraw from contract here" in html
