"""A store-credit refund is paid onto the buyer's ledger, not through the
gateway: an issue entry and a separate entry for the settlement's bonus, once,
whatever retries or redeliveries do."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from return_portal.models import Refund, RefundStatus
from return_portal.refunds import credit, payout, simulated
from return_portal.refunds.estimate import FigureCode
from return_portal.settlement_figures import Figure, Reason, Settlement
from store_credit import ledger
from store_credit.models import CreditEntry, EntryKind
from tests.return_portal.refunding import make_refund, simulated_gateway


@pytest.fixture
def credit_refund(policies, buyer, settings):
    simulated_gateway(settings)
    refund = make_refund(buyer, amount=Decimal("54.89"), due_by=timezone.now() + timedelta(days=3))
    Refund.objects.filter(pk=refund.pk).update(
        resolution="store_credit", buyer_agreed_at=timezone.now()
    )
    settlement = Settlement(
        currency="EUR",
        figures=(
            Figure(
                FigureCode.STORE_CREDIT_BONUS,
                Decimal("4.99"),
                Reason.CREDIT_BONUS,
                paid_as="store_credit",
                detail="10",
            ),
        ),
        refund=Decimal("0.00"),
        store_credit=Decimal("54.89"),
    )
    return_request = refund.return_request
    return_request.settlement = settlement.to_dict()
    return_request.save(update_fields=["settlement"])
    refund.refresh_from_db()
    return refund


def test_a_store_credit_refund_is_issued_on_the_ledger_with_its_bonus_apart(credit_refund, buyer):
    payout.pay(credit_refund.pk)

    credit_refund.refresh_from_db()
    assert credit_refund.status == RefundStatus.SUCCEEDED
    entries = list(CreditEntry.objects.values_list("kind", "amount", "order_id", "buyer_email"))
    assert entries == [
        (EntryKind.ISSUE, Decimal("49.90"), credit_refund.order_id, buyer.email.lower()),
        (EntryKind.BONUS, Decimal("4.99"), credit_refund.order_id, buyer.email.lower()),
    ]
    assert credit_refund.credit_entry.kind == EntryKind.ISSUE
    assert credit_refund.provider_reference == f"credit-{credit_refund.credit_entry.public_id}"
    assert ledger.balances([buyer.email]) == {"EUR": Decimal("54.89")}
    assert simulated.ledger() == []  # the gateway paid nothing


def test_a_store_credit_refund_paid_twice_credits_once(credit_refund, buyer):
    payout.pay(credit_refund.pk)
    payout.pay(credit_refund.pk)  # a redelivered task: the refund is paid
    credit_refund.refresh_from_db()
    credit.issue_for(credit_refund, credit_refund.return_request)  # and the ledger's own key

    assert CreditEntry.objects.count() == 2
    assert ledger.balances([buyer.email]) == {"EUR": Decimal("54.89")}


def test_a_refund_to_the_card_is_not_credited(policies, buyer, settings):
    simulated_gateway(settings)
    refund = make_refund(buyer, due_by=timezone.now() + timedelta(days=3))
    payout.pay(refund.pk)
    refund.refresh_from_db()
    assert refund.status == RefundStatus.SUCCEEDED and refund.credit_entry is None
    assert not CreditEntry.objects.exists()
    assert len(simulated.ledger()) == 1
