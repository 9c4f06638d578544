"""Which support requests a member of staff may see (marketplace.scoping).

Support requests are the operator's: the operator's staff see every one.
Seller staff see a request only when it is about an order with a line of one
of their sellers, and that order is the requesting buyer's own (the order
reference on the contact form is the buyer's word; an order of theirs is
not). Anyone else sees none, and another's request answers 404.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404

from marketplace.models import Order
from marketplace.scoping import scope_of_user

from .models import SupportRequest


def visible_requests(user, queryset: QuerySet | None = None) -> QuerySet:
    """`queryset` (every request by default) narrowed to what `user` may see."""
    requests_ = SupportRequest.objects.all() if queryset is None else queryset
    scope = scope_of_user(user)
    if scope.is_operator:
        return requests_
    if not scope.seller_ids:
        return requests_.none()
    their_order = Order.objects.filter(
        reference=OuterRef("order_reference"),
        buyer=OuterRef("user"),
        lines__seller__in=scope.seller_ids,
    )
    return (
        requests_.filter(user__isnull=False).exclude(order_reference="").filter(Exists(their_order))
    )


def may_see(user, support: SupportRequest) -> bool:
    return visible_requests(user).filter(pk=support.pk).exists()


def assignable_staff(user, current=None) -> QuerySet:
    """Whom `user` may pick as an assignee: any staff for the operator's staff;
    for seller staff, the staff of their own sellers (plus whoever holds it now),
    so another seller's staff are never listed."""
    staff = get_user_model().objects.filter(is_staff=True).order_by("email")
    scope = scope_of_user(user)
    if scope.is_operator:
        return staff
    ours = staff.filter(seller_memberships__seller__in=scope.seller_ids)
    if current is not None:
        ours = ours | staff.filter(pk=current.pk)
    return ours.distinct()


def scoped_by_pk(view):
    """An admin view of one request (its pk in the URL): 404 unless the signed-in
    user may see that request, before the view itself runs."""

    @wraps(view)
    def scoped(request, *args, **kwargs):
        pk = kwargs.get("pk")
        if pk is not None:
            try:
                visible = visible_requests(request.user).filter(pk=int(str(pk))).exists()
            except (TypeError, ValueError):
                visible = False
            if not visible:
                raise Http404
        return view(request, *args, **kwargs)

    return scoped
