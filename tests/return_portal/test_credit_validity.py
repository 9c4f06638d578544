"""Store credit expires as the pinned policy says, where the law allows: never when
it stands for a refund the law requires, and in Germany not before the end of the
third year after it was issued. The demo seller's policy gives credit 24 months."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from policy_pages.rules import PolicyRules, WindowStart
from return_portal.models import Refund
from return_portal.refunds import credit
from store_credit.models import CreditEntry
from tests.marketplace.factories import OrderFactory, OrderLineFactory, SellerFactory
from tests.return_portal.factories import ReturnLineFactory, ReturnRequestFactory
from tests.return_portal.test_wizard import english, start, step_url  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, buyer):
    client.force_login(buyer)
    return client


RULES = PolicyRules(
    currency="EUR",
    markets=("FR", "DE"),
    window_days=30,
    window_start=WindowStart.DELIVERY,
    window_clause="2",
    store_credit_validity_months=12,
)
ISSUED = datetime(2026, 3, 31, 10, 0, tzinfo=UTC)


def test_months_are_added_to_the_day_or_the_months_last_day():
    assert credit.add_months(ISSUED, 12) == datetime(2027, 3, 31, 10, 0, tzinfo=UTC)
    assert credit.add_months(ISSUED, 11) == datetime(2027, 2, 28, 10, 0, tzinfo=UTC)
    assert credit.add_months(datetime(2027, 11, 30, tzinfo=UTC), 3) == datetime(
        2028, 2, 29, tzinfo=UTC
    )


def test_the_policy_validity_applies_unless_the_law_requires_the_refund():
    at = {"issued_at": ISSUED}
    assert credit.expiry_for(RULES, market="FR", required_by_law=False, **at) == datetime(
        2027, 3, 31, 10, 0, tzinfo=UTC
    )
    assert credit.expiry_for(RULES, market="FR", required_by_law=True, **at) is None
    no_validity = replace(RULES, store_credit_validity_months=None)
    assert credit.expiry_for(no_validity, market="FR", required_by_law=False, **at) is None
    assert credit.expiry_for(None, market="FR", required_by_law=False, **at) is None


def test_in_germany_credit_lasts_to_the_end_of_the_third_year_at_least():
    expires = credit.expiry_for(RULES, market="DE", issued_at=ISSUED, required_by_law=False)
    local = timezone.localtime(expires)
    assert (local.year, local.month, local.day) == (2029, 12, 31)
    long = replace(RULES, store_credit_validity_months=60)
    assert credit.expiry_for(long, market="DE", issued_at=ISSUED, required_by_law=False) == (
        datetime(2031, 3, 31, 10, 0, tzinfo=UTC)
    )


def _credit_refund(buyer, *, statutory: bool, defect: bool = False) -> Refund:
    order = OrderFactory(buyer=buyer, placed_at=timezone.now() - timedelta(days=30))
    line = OrderLineFactory(
        order=order, reference="A", seller=SellerFactory(reference="atelier-lumiere")
    )
    return_request = ReturnRequestFactory(
        order=order, statutory=statutory, reason_is_defect=defect, resolution="store_credit"
    )
    ReturnLineFactory(return_request=return_request, order_line=line, quantity=1)
    return Refund.objects.create(
        order=order,
        return_request=return_request,
        amount=Decimal("49.90"),
        currency="EUR",
        resolution="store_credit",
        idempotency_key=f"refund:{return_request.rma}",
        buyer_agreed_at=timezone.now(),
    )


def test_credit_issued_for_a_return_expires_after_the_pinned_policys_months(policies, buyer):
    refund = _credit_refund(buyer, statutory=False)
    before = timezone.now()
    credit.issue_for(refund, refund.return_request)
    entry = CreditEntry.objects.get()
    assert credit.add_months(before, 24) <= entry.expires_at
    assert entry.expires_at <= credit.add_months(timezone.now(), 24)


@pytest.mark.parametrize("statutory, defect", [(True, False), (False, True)])
def test_credit_standing_for_a_refund_the_law_requires_never_expires(
    policies, buyer, statutory, defect
):
    refund = _credit_refund(buyer, statutory=statutory, defect=defect)
    credit.issue_for(refund, refund.return_request)
    assert CreditEntry.objects.get().expires_at is None


def test_the_resolution_step_says_how_long_credit_lasts(signed_in, policies, reasons, buyer):
    # Delivered 27 days ago: past the 14 statutory days, inside the seller's 60.
    order = OrderFactory(buyer=buyer, placed_at=timezone.now() - timedelta(days=30))
    OrderLineFactory(order=order, reference="A", seller=SellerFactory(reference="atelier-lumiere"))
    items_url = start(signed_in, order)
    signed_in.post(step_url(items_url, "items"), {"qty-0": "1"})
    signed_in.post(step_url(items_url, "reason"), {"reason": "too-small", "condition": "like_new"})
    page = signed_in.get(step_url(items_url, "resolution")).content.decode()
    assert "Store credit is valid for 24 months." in page
