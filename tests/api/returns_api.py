"""Helpers of the returns API's tests: a client with a token, the sellers and
their tokens, and returns of a seller in a given status."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from marketplace.models import ApiToken
from return_portal.models import ReturnEvent, ReturnRequest, ReturnStatus
from tests.marketplace.factories import OrderFactory, OrderLineFactory, SellerFactory
from tests.return_portal.factories import ReturnLineFactory, ReturnRequestFactory

S = ReturnStatus


class Api:
    def __init__(self, client, token):
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, url, params=None):
        return self.client.get(url, params or {}, headers=self.headers)

    def post(self, url, data=None, *, key=None, raw=None):
        headers = dict(self.headers)
        if key is not None:
            headers["Idempotency-Key"] = key
        body = raw if raw is not None else json.dumps(data if data is not None else {})
        return self.client.post(url, body, content_type="application/json", headers=headers)


@pytest.fixture
def durand(db):
    return SellerFactory(reference="maison-durand")


@pytest.fixture
def nordlicht(db):
    return SellerFactory(reference="nordlicht")


@pytest.fixture
def operator(client):
    return Api(client, ApiToken.issue("operator")[1])


@pytest.fixture
def durand_api(client, durand):
    return Api(client, ApiToken.issue("durand's shop", seller=durand)[1])


def ago(**delta):
    return timezone.now() - timedelta(**delta)


def make_return(seller, *, status=S.REQUESTED, quantities=(1,), order=None, **fields):
    """A return of `seller`'s lines "1", "2"… (one per quantity) of a new order, or of
    `order`'s lines of those references (made when missing)."""
    order = order or OrderFactory(placed_at=ago(days=6), payment_amount=Decimal("204.60"))
    return_request = ReturnRequestFactory(
        order=order, status=status, estimated_total=Decimal("49.90"), **fields
    )
    for index, quantity in enumerate(quantities, start=1):
        line = order.lines.filter(reference=str(index)).first() or OrderLineFactory(
            order=order, reference=str(index), seller=seller, quantity=quantity
        )
        ReturnLineFactory(return_request=return_request, order_line=line, quantity=quantity)
    return_request.refresh_from_db()
    return return_request


def url(return_request, action=""):
    base = f"/api/v1/returns/{return_request.rma}"
    return f"{base}/{action}" if action else base


def status_of(return_request):
    return ReturnRequest.objects.get(pk=return_request.pk).status


def events_of(return_request):
    return ReturnEvent.objects.filter(return_request=return_request).count()
