"""Bulk actions of the returns queue: approve, and assign, the returns ticked
on a page of the listing (Wagtail's bulk actions, registered in
wagtail_hooks.py, at /admin/bulk/return_portal/returnrequest/<action>/).

`approve_many` and `assign_many` call the action on each return in its own
transaction (`lifecycle.approve`, `assignment.assign`: each checks the actor,
locks the row and logs itself), so a return that cannot be approved is refused
alone and the others go through. The outcome says how many succeeded and which
were refused with the reason; nothing raises a 500. Only the user's sellers'
returns are ever loaded: another seller's id is simply not found. The queue
offers each bulk action only to staff who may take its `step` (`offered_to`:
seller staff do not see "Approve" where the operator keeps approval).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import classproperty
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from wagtail.admin import messages
from wagtail.admin.views.bulk_action import BulkAction
from wagtail.admin.widgets.button import ListingButton

from marketplace.scoping import scope_of_user

from .. import lifecycle
from ..actors import CHANGE_PERMISSION, Step
from ..assignment import assign, assignable_staff
from ..lifecycle import TransitionError
from ..models import ActorKind, ReturnRequest
from .actions import step_open
from .forms import AssigneeChoice

# A page of the listing is 50 rows; more ids than this are a crafted request.
MAX_RETURNS = 200
REFUSALS = (PermissionDenied, TransitionError, ValueError, ValidationError)


def _is_plain_id(value: str) -> bool:
    """ASCII digits only, at most 18 characters (fits a bigint primary key)."""
    return 0 < len(value) <= 18 and value.isascii() and value.isdigit()


@dataclass
class BulkOutcome:
    done: list[ReturnRequest] = field(default_factory=list)
    refused: list[tuple[ReturnRequest, str]] = field(default_factory=list)


def _each(returns: Iterable[ReturnRequest], act) -> BulkOutcome:
    outcome = BulkOutcome()
    for return_request in returns:
        try:
            act(return_request)
        except REFUSALS as error:
            reason = str(error) or _("You are not allowed to do this to this return.")
            outcome.refused.append((return_request, reason))
        else:
            outcome.done.append(return_request)
    return outcome


def approve_many(returns: Iterable[ReturnRequest], *, actor) -> BulkOutcome:
    """Approve each return that may be approved by `actor` now."""
    return _each(returns, lambda r: lifecycle.approve(r, actor=actor, actor_kind=ActorKind.STAFF))


def assign_many(returns: Iterable[ReturnRequest], assignee, *, actor) -> BulkOutcome:
    """Assign each return to `assignee` (None: to nobody)."""
    return _each(returns, lambda r: assign(r, assignee, actor=actor))


# --- Wagtail's bulk action views --------------------------------------------------------


class ReturnBulkAction(BulkAction):
    """Common to the queue's bulk actions: the user's own returns, by the ids
    ticked on the page ("all in listing" is not offered), and one message with
    what was done and what was refused."""

    template_name = "return_portal/admin/bulk/confirm.html"
    confirm_label = gettext_lazy("Yes, go ahead")
    step: Step | None = None  # the back-office step of the action (actors.Step)

    @classproperty
    def models(cls):
        return [ReturnRequest]

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(CHANGE_PERMISSION):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_actionable_objects(self):
        ids = [value for value in self.request.GET.getlist("id") if _is_plain_id(value)]
        returns = scope_of_user(self.request.user).filter(
            ReturnRequest.objects.select_related("order", "seller", "assignee")
        )
        found = list(returns.filter(pk__in=ids[:MAX_RETURNS]).order_by("-created_at", "-pk"))
        return found, {"items_with_no_access": []}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            {
                "action_title": self.display_name,
                "action_question": self.question(len(context["items"])),
                "confirm_label": self.confirm_label,
            }
        )
        return context

    def question(self, count: int) -> str:
        raise NotImplementedError

    def run(self, returns: list[ReturnRequest], form) -> BulkOutcome:
        raise NotImplementedError

    def form_valid(self, form):
        returns, _no_access = self.get_actionable_objects()
        outcome = self.run(returns, form)
        report(self.request, outcome, self.done_text(len(outcome.done), form))
        return redirect(self.next_url)

    def done_text(self, count: int, form) -> str:
        raise NotImplementedError


def report(request, outcome: BulkOutcome, done_text: str) -> None:
    if outcome.done:
        messages.success(request, done_text)
    if outcome.refused:
        messages.warning(
            request,
            format_html(
                "{}<ul>{}</ul>",
                ngettext(
                    "%(count)d return was refused:",
                    "%(count)d returns were refused:",
                    len(outcome.refused),
                )
                % {"count": len(outcome.refused)},
                format_html_join(
                    "", "<li>{}: {}</li>", ((r.rma, why) for r, why in outcome.refused)
                ),
            ),
        )
    if not outcome.done and not outcome.refused:
        messages.warning(request, _("No return was selected."))


class ApproveBulkAction(ReturnBulkAction):
    display_name = gettext_lazy("Approve")
    action_type = "approve"
    aria_label = gettext_lazy("Approve the selected returns")
    action_priority = 10
    step = Step.APPROVE

    def question(self, count):
        return ngettext(
            "Approve this return? The buyer is sent the label or code.",
            "Approve these %(count)d returns? Each buyer is sent the label or code.",
            count,
        ) % {"count": count}

    def run(self, returns, form):
        return approve_many(returns, actor=self.request.user)

    def done_text(self, count, form):
        return ngettext("%(count)d return approved.", "%(count)d returns approved.", count) % {
            "count": count
        }


class AssignForm(AssigneeChoice, forms.Form):
    assignee = forms.ChoiceField(label=gettext_lazy("Assign to"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        staff = assignable_staff(scope_of_user(user))
        self.fields["assignee"].choices = [
            ("", _("Nobody (unassign)")),
            *((str(person.pk), person.get_username()) for person in staff),
        ]


class AssignBulkAction(ReturnBulkAction):
    display_name = gettext_lazy("Assign")
    action_type = "assign"
    aria_label = gettext_lazy("Assign the selected returns to a staff member")
    action_priority = 20
    form_class = AssignForm
    confirm_label = gettext_lazy("Assign")
    step = Step.ASSIGN

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "user": self.request.user}

    def question(self, count):
        return ngettext(
            "Who should work on this return?",
            "Who should work on these %(count)d returns?",
            count,
        ) % {"count": count}

    def run(self, returns, form):
        return assign_many(returns, form.chosen(), actor=self.request.user)

    def done_text(self, count, form):
        return ngettext("%(count)d return assigned.", "%(count)d returns assigned.", count) % {
            "count": count
        }


BULK_ACTIONS = (ApproveBulkAction, AssignBulkAction)


def offered_to(user, settings=None) -> list[type[ReturnBulkAction]]:
    """The bulk actions `user` may take, in their order: those of a step the
    marketplace leaves to them (the rule each return's action checks again)."""
    if not user.has_perm(CHANGE_PERMISSION):
        return []
    return sorted(
        (action for action in BULK_ACTIONS if step_open(user, action.step, settings)),
        key=lambda action: action.action_priority,
    )


def footer_buttons(user, settings=None) -> list[ListingButton]:
    """The queue's bulk action buttons, as Wagtail's footer draws them
    (`bulk_action_choices`), for the actions offered to `user`."""
    return [
        ListingButton(
            action.display_name,
            reverse(
                "wagtail_bulk_action", args=["return_portal", "returnrequest", action.action_type]
            ),
            attrs={"aria-label": action.aria_label, "data-bulk-action-button": ""},
            priority=action.action_priority,
            classname=" ".join(action.classes | {"bulk-action-btn"}),
        )
        for action in offered_to(user, settings)
    ]
