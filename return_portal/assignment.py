"""Who works a return: assigning it to a staff member, or nobody.

`assign` is an action: the actor is checked (`actors.check`, step ASSIGN), the
return is locked, its assignee set and an "assign" event written with the audit
log entry (`lifecycle.record_event`), and the new assignee is emailed through
the outbox unless they assigned it to themselves. The buyer is told nothing.
Assigning a return to whoever already has it changes nothing and writes
nothing, so a repeated click or a replayed call is done once.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import transaction
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from core.outbox import queue_email
from marketplace.models import OPERATOR_PERMISSION
from marketplace.scoping import scope_of_user

from . import actors, lifecycle
from .actors import CHANGE_PERMISSION, Step
from .models import ActorKind, ReturnRequest
from .notes import ASSIGN_EVENT

STAFF = ActorKind.STAFF


class AssignmentError(ValueError):
    """The return cannot go to that person (translated message)."""


def can_be_assigned(user, return_request: ReturnRequest) -> bool:
    """Active staff who may act on returns, within this return's seller scope."""
    return bool(
        user is not None
        and user.is_active
        and user.is_staff
        and user.has_perm(CHANGE_PERMISSION)
        and scope_of_user(user).allows(return_request.seller_id)
    )


def assign(return_request: ReturnRequest, assignee, *, actor) -> ReturnRequest:
    """Give the return to `assignee` (None: to nobody) and return it."""
    actors.check(return_request, actor, STAFF, (STAFF,), step=Step.ASSIGN)
    if assignee is not None and not can_be_assigned(assignee, return_request):
        raise AssignmentError(
            _("%(person)s cannot work on this return.") % {"person": assignee.get_username()}
        )
    with transaction.atomic():
        current = (
            ReturnRequest.objects.select_for_update(of=("self",))
            .values_list("assignee_id", flat=True)
            .get(pk=return_request.pk)
        )
        wanted = assignee.pk if assignee is not None else None
        if current == wanted:
            return_request.assignee = assignee
            return return_request

        def apply(locked: ReturnRequest) -> str:
            locked.assignee = assignee
            if assignee is not None and assignee.pk != actor.pk:
                _email_assignee(locked, assignee, actor)
            return assignee.get_username() if assignee is not None else _("nobody")

        locked = lifecycle.record_event(
            return_request,
            ASSIGN_EVENT,
            actor=actor,
            actor_kind=STAFF,
            may=(STAFF,),
            step=Step.ASSIGN,
            apply=apply,
        )
    return_request.assignee = assignee
    return locked


def assignable_staff(scope) -> QuerySet:
    """The staff a return of this scope could go to, for pickers and filters:
    the operator sees everyone who acts on returns; a seller's staff see their
    sellers' colleagues. `can_be_assigned` still decides each return."""
    permitted = _permissions(CHANGE_PERMISSION)
    users = get_user_model().objects.filter(
        Q(is_superuser=True)
        | Q(user_permissions__in=permitted)
        | Q(groups__permissions__in=permitted),
        is_active=True,
        is_staff=True,
    )
    if not scope.is_operator:
        users = users.filter(seller_memberships__seller_id__in=scope.seller_ids)
    # The joins repeat a user once per grant: one row each, without DISTINCT's sort.
    return get_user_model().objects.filter(pk__in=users.values("pk")).order_by("email")


def assignable_to(return_request: ReturnRequest, scope) -> QuerySet:
    """Of `assignable_staff(scope)`, those who may work this return: the
    operator's staff and the return's seller's."""
    operator = _permissions(OPERATOR_PERMISSION)
    operators = (
        Q(is_superuser=True)
        | Q(user_permissions__in=operator)
        | Q(groups__permissions__in=operator)
    )
    eligible = get_user_model().objects.filter(
        operators | Q(seller_memberships__seller_id=return_request.seller_id)
    )
    return assignable_staff(scope).filter(pk__in=eligible.values("pk"))


def _permissions(dotted: str) -> QuerySet:
    app_label, codename = dotted.split(".")
    return Permission.objects.filter(content_type__app_label=app_label, codename=codename)


def _email_assignee(return_request: ReturnRequest, assignee, actor) -> None:
    language = getattr(assignee, "preferred_language", "") or settings.LANGUAGE_CODE
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    url = settings.WAGTAILADMIN_BASE_URL.rstrip("/") + reverse(
        "returns:inspect", args=[return_request.pk]
    )
    context = {"return": return_request, "actor": actor, "url": url}
    with translation.override(language):
        subject = render_to_string("return_portal/email/assigned_subject.txt", context)
        body = render_to_string("return_portal/email/assigned.txt", context)
    queue_email(
        kind="assigned",
        recipient=assignee.email,
        language=language,
        subject=subject,
        body=body,
        about=return_request,
    )
