"""What staff may do on a return's page: one button (and its form) per action.

Each runner calls the action itself (lifecycle, support.reply) as the staff
user: the action checks the permission, locks, transitions, appends the event,
writes the audit log and queues the buyer's email. Nothing here logs or
changes the return by itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy

from .. import lifecycle, support
from ..models import ActorKind, ReturnRequest, ReturnStatus
from .forms import InspectionForms, RejectForm, ReplyForm, TransitForm

S = ReturnStatus
STAFF = ActorKind.STAFF


@dataclass(frozen=True)
class StaffAction:
    """One button (and its form) on a return's page."""

    slug: str
    to: str  # the status it moves the return to ("" for a reply)
    label: str
    done: str  # the success message
    run: Callable  # (return_request, user, form) -> None
    form_class: type | None = None
    style: str = "button"

    def form(self, return_request: ReturnRequest, data=None):
        if self.form_class is None:
            return None
        if self.form_class is InspectionForms:
            return InspectionForms(data, lines=list(return_request.lines.all()), prefix="inspect")
        return self.form_class(data, prefix=self.slug)


def _approve(r, user, form):
    lifecycle.approve(r, actor=user, actor_kind=STAFF)


def _reject(r, user, form):
    lifecycle.reject(r, actor=user, note=form.cleaned_data["note"].strip())


def _in_transit(r, user, form):
    lifecycle.mark_in_transit(
        r, actor=user, actor_kind=STAFF, tracking=form.cleaned_data["tracking"]
    )


def _receive(r, user, form):
    lifecycle.receive(r, actor=user)


def _inspect(r, user, form):
    lifecycle.inspect(r, form.results(), actor=user)


def _resolve(r, user, form):
    lifecycle.resolve(r, actor=user)


def _close(r, user, form):
    lifecycle.close(r, actor=user, actor_kind=STAFF)


def _reply(r, user, form):
    support.reply(r, user, form.cleaned_data["body"], key=form.cleaned_data["key"])


ACTIONS = {
    action.slug: action
    for action in (
        StaffAction(
            "approve",
            S.APPROVED,
            gettext_lazy("Approve"),
            gettext_lazy("Return approved."),
            _approve,
        ),
        StaffAction(
            "reject",
            S.REJECTED,
            gettext_lazy("Reject"),
            gettext_lazy("Return rejected."),
            _reject,
            RejectForm,
            "button no",
        ),
        StaffAction(
            "in-transit",
            S.IN_TRANSIT,
            gettext_lazy("Mark in transit"),
            gettext_lazy("Marked in transit."),
            _in_transit,
            TransitForm,
            "button button-secondary",
        ),
        StaffAction(
            "receive",
            S.RECEIVED,
            gettext_lazy("Mark received"),
            gettext_lazy("Parcel marked received."),
            _receive,
        ),
        StaffAction(
            "inspect",
            S.INSPECTED,
            gettext_lazy("Record the inspection"),
            gettext_lazy("Inspection recorded."),
            _inspect,
            InspectionForms,
        ),
        StaffAction(
            "resolve",
            S.RESOLVED,
            gettext_lazy("Resolve"),
            gettext_lazy("Return resolved."),
            _resolve,
        ),
        StaffAction(
            "close", S.CLOSED, gettext_lazy("Close"), gettext_lazy("Return closed."), _close
        ),
        StaffAction(
            "reply",
            "",
            gettext_lazy("Send the reply"),
            gettext_lazy("Reply sent to the buyer."),
            _reply,
            ReplyForm,
        ),
    )
}
