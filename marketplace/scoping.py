"""Whose objects a staff user or an API token may see: the operator's see every
seller's; seller staff see their sellers' (SellerMembership) and nothing else.

The rule is default-deny. A staff user with neither the operator permission nor
a membership sees no seller's returns, and an object of another seller answers
404 (never 403, which would confirm that it exists).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from .models import OPERATOR_PERMISSION, ApiToken, SellerMembership


@dataclass(frozen=True)
class SellerScope:
    """`everything` for the operator; otherwise the ids of the sellers allowed."""

    everything: bool
    seller_ids: frozenset[int] = frozenset()

    @property
    def is_operator(self) -> bool:
        return self.everything

    def allows(self, seller_id: int | None) -> bool:
        return self.everything or (seller_id is not None and seller_id in self.seller_ids)

    def filter(self, queryset: QuerySet, field: str = "seller") -> QuerySet:
        """`queryset` narrowed to the scope; `field` leads to the seller."""
        if self.everything:
            return queryset
        if not self.seller_ids:
            return queryset.none()
        return queryset.filter(**{f"{field}__in": self.seller_ids})

    def filter_orders(self, queryset: QuerySet, lines: str = "lines") -> QuerySet:
        """Orders with at least one line of an allowed seller."""
        if self.everything:
            return queryset
        if not self.seller_ids:
            return queryset.none()
        return queryset.filter(Q(**{f"{lines}__seller__in": self.seller_ids})).distinct()


NOTHING = SellerScope(everything=False)
EVERYTHING = SellerScope(everything=True)


def scope_of_user(user) -> SellerScope:
    """Cached on the user object for the request."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return NOTHING
    cached = getattr(user, "_seller_scope", None)
    if cached is not None:
        return cached
    if user.has_perm(OPERATOR_PERMISSION):
        scope = EVERYTHING
    else:
        ids = SellerMembership.objects.filter(user=user).values_list("seller_id", flat=True)
        scope = SellerScope(everything=False, seller_ids=frozenset(ids))
    user._seller_scope = scope
    return scope


def is_seller_staff(user) -> bool:
    """Works for one or more sellers and not for the operator: such staff see
    nothing of the marketplace's own (help-center reports, other sellers' policies)."""
    scope = scope_of_user(user)
    return not scope.everything and bool(scope.seller_ids)


def scope_of_token(token: ApiToken | None) -> SellerScope:
    if token is None:
        return NOTHING
    if token.seller_id is None:
        return EVERYTHING
    return SellerScope(everything=False, seller_ids=frozenset({token.seller_id}))
