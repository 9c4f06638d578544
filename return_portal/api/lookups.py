"""What a token may reach: its returns and orders, by the token's seller scope
(marketplace.scoping). Another seller's return or order answers exactly as one
that does not exist: 404, never 403."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from core.api.errors import ApiError
from marketplace.models import ApiToken, Order
from marketplace.scoping import SellerScope, scope_of_token

from ..models import ReturnRequest


def scope(token: ApiToken) -> SellerScope:
    return scope_of_token(token)


def visible_returns(token: ApiToken, queryset: QuerySet[ReturnRequest]) -> QuerySet:
    return scope(token).filter(queryset)


def scoped_return(token: ApiToken, rma: str, queryset: QuerySet[ReturnRequest]) -> ReturnRequest:
    found = visible_returns(token, queryset).filter(rma=rma).first()
    if found is None:
        raise ApiError(404, _("No return has this RMA number."))
    return found


def scoped_order(token: ApiToken, reference: str) -> Order:
    """The order, if the token's scope holds at least one of its lines."""
    found = scope(token).filter_orders(Order.objects.filter(reference=reference)).first()
    if found is None:
        raise ApiError(404, _("No order has this reference."))
    return found
