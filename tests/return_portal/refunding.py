"""Refunds for the payout tests: a booked refund of a resolved return, and the
simulated provider as the gateway."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from marketplace.models import Order
from return_portal.models import Refund, ReturnEvent, ReturnStatus
from return_portal.refunds import simulated
from tests.marketplace.factories import OrderFactory, OrderLineFactory
from tests.return_portal.factories import (
    ReturnLineFactory,
    ReturnRequestFactory,
)

S = ReturnStatus
SIMULATED = "return_portal.refunds.simulated.SimulatedGateway"


def simulated_gateway(settings):
    """The simulated provider as the gateway, with an empty ledger."""
    settings.RETURNS_PAYMENT_GATEWAY = SIMULATED
    simulated.reset()
    return simulated


def make_refund(
    buyer,
    *,
    market="FR",
    statutory=True,
    due_by=None,
    amount=Decimal("99.80"),
    status=S.RESOLVED,
    **fields,
):
    """A resolved return of two shirts (99.80) and its refund, booked and pending."""
    order = OrderFactory(
        buyer=buyer,
        market=market,
        payment_amount=Decimal("104.70"),
        payment_reference="pi_42",
        placed_at=timezone.now() - timedelta(days=40),
    )
    line = OrderLineFactory(order=order, unit_price=Decimal("49.90"), quantity=2)
    now = timezone.now()
    return_request = ReturnRequestFactory(
        order=order,
        status=status,
        statutory=statutory,
        notice_at=now - timedelta(days=30),
        goods_or_proof_at=now - timedelta(days=25),
        refund_due_by=due_by,
        estimated_total=amount,
    )
    ReturnLineFactory(return_request=return_request, order_line=line, quantity=2)
    Order.objects.filter(pk=order.pk).update(refunded_amount=amount)
    refund = Refund.objects.create(
        order=order,
        return_request=return_request,
        amount=amount,
        currency="EUR",
        resolution="refund",
        idempotency_key=f"refund:{return_request.rma}",
        due_by=due_by,
        **fields,
    )
    return refund


def events(refund, code):
    return ReturnEvent.objects.filter(return_request=refund.return_request_id, code=code)
