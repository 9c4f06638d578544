"""Who may change a return: the buyer who owns it, staff with Wagtail's "change"
permission on returns within their seller scope, or the system (beat, the
confirm's own approval).

Every action checks its actor here first, whoever calls it (buyer view, staff
admin, API, task), so a caller cannot skip the check by going round a view.

Staff are the operator's (every seller) or a seller's (marketplace.scoping).
Seller staff act only on their sellers' returns, and only in the steps the
marketplace leaves to its sellers (BackOfficeSettings); a settlement above
`operator_settles_above` is the operator's alone.
"""

from __future__ import annotations

from collections.abc import Collection
from decimal import Decimal
from enum import StrEnum

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from marketplace.scoping import scope_of_user

from .models import ActorKind, BackOfficeSettings, ReturnRequest

# The permission the returns admin gives its "change" actions (seeding.STAFF_PERMISSIONS).
CHANGE_PERMISSION = "return_portal.change_returnrequest"


class Step(StrEnum):
    """The steps of the back office a marketplace may leave to its sellers."""

    APPROVE = "approve"  # approve, reject
    RECEIVE = "receive"  # in transit, receive
    INSPECT = "inspect"
    SETTLE = "settle"  # resolve, refund, record an external refund, close
    # Always open to a seller's staff on their own returns.
    REPLY = "reply"
    NOTE = "note"
    ASSIGN = "assign"


# The setting that opens each step to sellers; steps absent here are always open.
SELLER_STEP_SETTINGS = {
    Step.APPROVE: "sellers_approve",
    Step.RECEIVE: "sellers_receive",
    Step.INSPECT: "sellers_inspect",
    Step.SETTLE: "sellers_settle",
}


class ActionDenied(PermissionDenied):
    """This actor may not do this to this return (a 403 where a view lets it through)."""


def back_office() -> BackOfficeSettings:
    return BackOfficeSettings.load()


def seller_may(step: Step | None, amount: Decimal | None = None, settings=None) -> bool:
    """Whether the marketplace leaves `step` (of `amount`, for a settlement) to its
    sellers' staff."""
    if step is None:
        return True
    settings = settings or back_office()
    name = SELLER_STEP_SETTINGS.get(step)
    if name is not None and not getattr(settings, name):
        return False
    limit = settings.operator_settles_above
    return not (step == Step.SETTLE and amount is not None and limit is not None and amount > limit)


def may_act(
    return_request: ReturnRequest,
    actor,
    actor_kind: str,
    step: Step | None = None,
    amount: Decimal | None = None,
) -> bool:
    if actor_kind == ActorKind.SYSTEM:
        # The system acts alone: a user claiming to be it is refused.
        return actor is None
    if actor is None or not getattr(actor, "is_active", False):
        return False
    if actor_kind == ActorKind.BUYER:
        return return_request.buyer_id is not None and return_request.buyer_id == actor.pk
    if actor_kind == ActorKind.STAFF:
        if not actor.has_perm(CHANGE_PERMISSION):
            return False
        scope = scope_of_user(actor)
        if not scope.allows(return_request.seller_id):
            return False
        return scope.is_operator or seller_may(step, amount)
    return False


def check(
    return_request: ReturnRequest,
    actor,
    actor_kind: str,
    allowed: Collection[str],
    *,
    step: Step | None = None,
    amount: Decimal | None = None,
):
    """Raise ActionDenied unless `actor`, acting as `actor_kind`, may take an action
    open to the `allowed` kinds of actor (in `step`, for staff)."""
    if actor_kind not in allowed or not may_act(return_request, actor, actor_kind, step, amount):
        raise ActionDenied(_("You are not allowed to do this to this return."))


def check_order(
    order,
    actor,
    actor_kind: str,
    *,
    step: Step | None = None,
    amount: Decimal | None = None,
):
    """Raise ActionDenied unless staff `actor` may act on the order as a whole (a
    goodwill refund without a return): the "change" permission, a scope covering
    every seller of the order, and `step` (of `amount`) left to sellers unless
    the operator acts."""
    allowed = actor_kind == ActorKind.STAFF and actor is not None
    allowed = allowed and getattr(actor, "is_active", False) and actor.has_perm(CHANGE_PERMISSION)
    if allowed:
        scope = scope_of_user(actor)
        sellers = set(order.lines.values_list("seller_id", flat=True))
        allowed = bool(sellers) and all(scope.allows(seller) for seller in sellers)
        allowed = allowed and (scope.is_operator or seller_may(step, amount))
    if not allowed:
        raise ActionDenied(_("You are not allowed to do this to this order."))
