"""Who may change a return: the buyer who owns it, staff with Wagtail's "change"
permission on returns, or the system (beat, the confirm's own approval).

Every action checks its actor here first, whoever calls it (buyer view, staff
admin, API, task), so a caller cannot skip the check by going round a view.
"""

from __future__ import annotations

from collections.abc import Collection

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from .models import ActorKind, ReturnRequest

# The permission the returns admin gives its "change" actions (seeding.STAFF_PERMISSIONS).
CHANGE_PERMISSION = "return_portal.change_returnrequest"


class ActionDenied(PermissionDenied):
    """This actor may not do this to this return (a 403 where a view lets it through)."""


def may_act(return_request: ReturnRequest, actor, actor_kind: str) -> bool:
    if actor_kind == ActorKind.SYSTEM:
        # The system acts alone: a user claiming to be it is refused.
        return actor is None
    if actor is None or not getattr(actor, "is_active", False):
        return False
    if actor_kind == ActorKind.BUYER:
        return return_request.buyer_id is not None and return_request.buyer_id == actor.pk
    if actor_kind == ActorKind.STAFF:
        return actor.has_perm(CHANGE_PERMISSION)
    return False


def check(return_request: ReturnRequest, actor, actor_kind: str, allowed: Collection[str]):
    """Raise ActionDenied unless `actor`, acting as `actor_kind`, may take an action
    open to the `allowed` kinds of actor."""
    if actor_kind not in allowed or not may_act(return_request, actor, actor_kind):
        raise ActionDenied(_("You are not allowed to do this to this return."))
