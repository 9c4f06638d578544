"""Needs attention: the exact binomial test, volume (one return of three is
never flagged), a seller whose reason share stands out, the page scoped to the
viewer's sellers, and the weekly email through the outbox."""

import datetime as dt

import pytest
from django.urls import reverse

from core.models import OutboxMessage
from insights import attention
from insights.attention_views import send_weekly
from insights.filters import Filters
from insights.rebuild import rebuild_range
from tests.insights.world import DAY, request_return, sell, two_sellers
from tests.marketplace.factories import SellerFactory
from tests.return_portal.factories import returns_staff_user

pytestmark = pytest.mark.django_db
PERIOD = Filters(start=DAY - dt.timedelta(days=6), end=DAY)


def test_binomial_tail_against_known_values():
    # P(X >= 1), X ~ B(3, 0.1) = 1 - 0.9**3
    assert attention.binomial_tail(1, 3, 0.1) == pytest.approx(0.271)
    assert attention.binomial_tail(3, 3, 0.5) == pytest.approx(0.125)
    assert attention.binomial_tail(0, 10, 0.2) == 1.0
    assert attention.binomial_tail(60, 200, 0.1) < 1e-12


def test_volume_counts_one_return_of_three_units_is_not_flagged():
    assert attention._judge(1, 3, 10, 100) is None  # 33 % against 10 %, but p = 0.27
    assert attention._judge(60, 200, 100, 1000) is not None


@pytest.fixture
def world(policies, reasons):
    a, b, shoes, _coats = two_sellers()
    c = SellerFactory(reference="maison-c")
    d = SellerFactory(reference="maison-d")
    for seller in (a, b, c, d):
        line = sell(seller, shoes, f"SKU-{seller.pk}", 40, "20.00")
        reason = "arrived-damaged" if seller == a else "too-small"
        count = 16 if seller == a else 2
        for _ in range(count):
            request_return(line, 1, reason)
        if seller != a:
            request_return(line, 1, "arrived-damaged")
    rebuild_range(DAY - dt.timedelta(days=7), DAY)
    return a, b


def test_the_outlier_is_flagged_for_rate_and_reason(world):
    a, b = world
    found = attention.flags(PERIOD)
    assert {(f.kind, f.seller_id, f.reason) for f in found if f.level == "seller"} >= {
        ("rate", a.pk, ""),
        ("reason", a.pk, "arrived-damaged"),
    }
    assert not [f for f in found if f.seller_id == b.pk and f.kind == "rate"]


def test_the_page_shows_only_the_viewers_sellers(client, world):
    a, b = world
    url = reverse("insights_attention")
    params = {"start": PERIOD.start.isoformat(), "end": PERIOD.end.isoformat()}
    client.force_login(returns_staff_user(operator=False, sellers=[b], with_totp=True))
    body = client.get(url, params).content.decode()
    assert "data-empty" in body and "Maison-A" not in body
    assert client.get(url, {**params, "seller": a.pk}).status_code == 404
    client.force_login(returns_staff_user(with_totp=True))
    body = client.get(url, params).content.decode()
    assert 'data-flag="rate-' + str(a.pk) in body
    assert "one in a thousand" in body


def test_the_weekly_email_goes_to_who_may_see_the_flag(world):
    a, _b = world
    operator = returns_staff_user(with_totp=True)
    own = returns_staff_user(operator=False, sellers=[a], with_totp=True)
    other = returns_staff_user(
        operator=False, sellers=[SellerFactory(reference="x")], with_totp=True
    )
    assert send_weekly(today=DAY + dt.timedelta(days=1)) >= 2
    recipients = set(
        OutboxMessage.objects.filter(kind="attention_weekly").values_list("recipient", flat=True)
    )
    assert {operator.email, own.email} <= recipients
    assert other.email not in recipients


def test_seller_staff_see_no_flag_whose_baseline_is_one_or_two_competitors(client, world):
    a, _b = world
    # Seller A's shoes sell beside only a few others in a new category of its own.
    from tests.marketplace.factories import CategoryFactory

    lonely = CategoryFactory(code="hats")
    line = sell(a, lonely, "HAT-A", 40, "20.00")
    other = sell(SellerFactory(reference="maison-e"), lonely, "HAT-E", 40, "20.00")
    for _ in range(16):
        request_return(line, 1, "too-small")
    request_return(other, 1, "too-small")
    rebuild_range(DAY - dt.timedelta(days=7), DAY)
    hats = [f for f in attention.flags(PERIOD) if f.category == "hats"]
    assert hats and all(f.peers == 1 for f in hats)
    url = reverse("insights_attention")
    params = {"start": PERIOD.start.isoformat(), "end": PERIOD.end.isoformat()}
    client.force_login(returns_staff_user(operator=False, sellers=[a], with_totp=True))
    body = client.get(url, params).content.decode()
    assert "HAT-A" not in body and "<td>Hats</td>" not in body
    assert 'data-flag="rate-' + str(a.pk) in body  # the shoes flag, pooled over 3 others
