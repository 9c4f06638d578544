"""Returns of given sellers, statuses and buyers, and the staff who work them,
for the queue's tests (test_queue, test_notes, test_assignment)."""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse

from return_portal.models import ReturnRequest
from tests.marketplace.factories import OrderFactory, OrderLineFactory, SellerFactory
from tests.return_portal.factories import ReturnLineFactory, returns_staff_user


def seller(reference: str, name: str = ""):
    return SellerFactory(reference=reference, name=name or reference.replace("-", " ").title())


def make_return(
    of_seller,
    status: str = "requested",
    *,
    buyer=None,
    buyer_email: str = "",
    sku: str = "",
    reference: str = "",
    **fields,
) -> ReturnRequest:
    """One return of one line of `of_seller`, in `status`, with `fields` set."""
    order_fields = {"buyer": buyer}
    if buyer_email:
        order_fields["buyer_email"] = buyer_email
    if reference:
        order_fields["reference"] = reference
    order = OrderFactory(**order_fields)
    line_fields = {"sku": sku} if sku else {}
    line = OrderLineFactory(
        order=order, seller=of_seller, unit_price=Decimal("49.90"), **line_fields
    )
    return_request = ReturnLineFactory(order_line=line).return_request
    ReturnRequest.objects.filter(pk=return_request.pk).update(
        status=status, estimated_total=Decimal("49.90"), **fields
    )
    return ReturnRequest.objects.get(pk=return_request.pk)


def operator_staff(**fields):
    return returns_staff_user(with_totp=True, **fields)


def seller_staff(*sellers, **fields):
    return returns_staff_user(operator=False, sellers=sellers, with_totp=True, **fields)


def index_url() -> str:
    return reverse("returns:index")


def detail_url(return_request) -> str:
    return reverse("returns:inspect", args=[return_request.pk])


def bulk_url(action: str, *returns, next_url: str = "") -> str:
    url = reverse("wagtail_bulk_action", args=["return_portal", "returnrequest", action])
    query = "&".join(f"id={r.pk}" for r in returns)
    if next_url:
        query += f"&next={next_url}"
    return f"{url}?{query}"
