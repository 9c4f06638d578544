"""Amounts in the returns API's answers: one format, the currency's decimals,
whether the answer is built from a row just booked (POST) or read back (GET)."""

from decimal import Decimal

import pytest

from return_portal.api.returns_data import money
from tests.api.returns_api import S, durand, make_return, operator, url
from tests.policy_pages.conftest import policies  # the demo policies

__all__ = ["durand", "operator", "policies"]
pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("amount", "currency", "text"),
    [
        (Decimal("0"), "EUR", "0.00"),
        (Decimal("5"), "EUR", "5.00"),
        (Decimal("12.5"), "GBP", "12.50"),
        (Decimal("1200.00"), "JPY", "1200"),
        (None, "EUR", None),
    ],
)
def test_amounts_have_the_currencys_decimals(amount, currency, text):
    assert money(amount, currency) == text


def test_a_new_refund_answers_its_amounts_as_its_detail_does(policies, durand, operator):
    r = make_return(durand, status=S.RECEIVED)
    refund = {"currency": "EUR", "amount": "10", "reason": "Deduction given back"}

    posted = operator.post(url(r, "refunds"), refund, key="money-1")

    assert posted.status_code == 201, posted.json()
    [booked] = posted.json()["refunds"]
    assert (booked["amount"], booked["surcharge"]) == ("10.00", "0.00")
    detail = operator.get(url(r)).json()
    assert detail["refunds"] == posted.json()["refunds"]
