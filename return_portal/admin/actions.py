"""What staff may do on a return's page: one button (and its form) per action.

Each runner calls the action itself (lifecycle, support.reply) as the staff
user: the action checks the permission, locks, transitions, appends the event,
writes the audit log and queues the buyer's email. Nothing here logs or
changes the return by itself.

The page offers an action only in a step the marketplace leaves to the viewer
(`step_open`: the rule `actors.may_act` checks, BackOfficeSettings), and the
queue its bulk actions the same way (listing.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy

from marketplace.scoping import scope_of_user

from .. import actors, inspection, lifecycle, receiving, support
from ..actors import Step
from ..models import ActorKind, ReturnRequest, ReturnStatus
from . import exchange_actions, refund_actions, sections, settlement_actions
from .forms import RejectForm, ReplyForm, TransitForm
from .inspection_forms import InspectionForms, ReceiptForms

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
    # What the action's form shows above its button (templates/…/admin/actions/).
    template: str = "return_portal/admin/actions/_form.html"

    def form(self, return_request: ReturnRequest, data=None, files=None, *, user=None):
        if self.form_class is None:
            return None
        # A form made of the return's own lines or units (or offering the viewer's
        # colleagues) builds itself from it, for this user, on GET as on POST.
        for_return = getattr(self.form_class, "for_return", None)
        if for_return is not None:
            return for_return(return_request, data, files, prefix=self.slug, user=user)
        return self.form_class(data, prefix=self.slug)

    @property
    def step(self) -> Step | None:
        return lifecycle.STEPS.get(self.to) if self.to else None


def step_open(user, step: Step | None, settings=None) -> bool:
    """Whether `user` (staff who may act, within the return's scope) may take
    `step`: the operator's staff always; a seller's when the marketplace leaves
    it to its sellers (actors.may_act's rule; `settings` saves reading them)."""
    return scope_of_user(user).is_operator or actors.seller_may(step, settings=settings)


def _approve(r, user, form):
    # The ship-by date follows the pinned policy from now; the buyer's email says
    # the label or QR code is ready, and their page offers it.
    lifecycle.approve(r, actor=user, actor_kind=STAFF)


def _reject(r, user, form):
    lifecycle.reject(
        r,
        actor=user,
        actor_kind=STAFF,
        code=form.cleaned_data["code"],
        note=form.cleaned_data["note"],
    )


def _in_transit(r, user, form):
    lifecycle.mark_in_transit(
        r, actor=user, actor_kind=STAFF, tracking=form.cleaned_data["tracking"]
    )


def _receive(r, user, form):
    receiving.receive(r, form.receipts(), actor=user, actor_kind=STAFF, key=form.key)


def _inspect(r, user, form):
    inspection.inspect_units(r, form.results(), actor=user, actor_kind=STAFF)


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
            gettext_lazy("Record the receipt"),
            gettext_lazy("Receipt recorded."),
            _receive,
            ReceiptForms,
            template="return_portal/admin/actions/_receive.html",
        ),
        StaffAction(
            "inspect",
            S.INSPECTED,
            gettext_lazy("Record the inspection"),
            gettext_lazy("Inspection recorded."),
            _inspect,
            InspectionForms,
            template="return_portal/admin/actions/_inspect.html",
        ),
        StaffAction(
            "resolve",
            S.RESOLVED,
            gettext_lazy("Resolve"),
            gettext_lazy("Return resolved."),
            _resolve,
            template="return_portal/admin/actions/_resolve.html",
        ),
        StaffAction(
            "close", S.CLOSED, gettext_lazy("Close"), gettext_lazy("Return closed."), _close
        ),
        StaffAction(
            refund_actions.RETRY,
            "",
            gettext_lazy("Retry the payment"),
            gettext_lazy("The refund is queued for payment again."),
            refund_actions.retry_payment,
            refund_actions.RetryRefundForm,
        ),
        StaffAction(
            exchange_actions.RETRY,
            "",
            gettext_lazy("Retry the exchange's payment"),
            gettext_lazy("The difference was paid: the replacement is requested."),
            exchange_actions.retry,
            exchange_actions.RetryExchangePaymentForm,
        ),
        StaffAction(
            exchange_actions.REPLY,
            "",
            gettext_lazy("Record the shop's reply"),
            gettext_lazy("The replacement order is recorded."),
            exchange_actions.replacement,
            exchange_actions.ReplacementForm,
        ),
        StaffAction(
            refund_actions.EXTERNAL,
            "",
            gettext_lazy("Record a refund paid outside the hub"),
            gettext_lazy("Refund paid outside the hub recorded."),
            refund_actions.record_external,
            refund_actions.ExternalRefundForm,
        ),
        StaffAction(
            settlement_actions.REFUND_ACTION,
            "",
            gettext_lazy("Refund an amount"),
            gettext_lazy("Refund booked: it is paid back to the order's means of payment."),
            settlement_actions.refund_amount,
            settlement_actions.AmountForm,
            template="return_portal/admin/actions/_refund.html",
        ),
        StaffAction(
            settlement_actions.GOODWILL_ACTION,
            "",
            gettext_lazy("Make a goodwill refund"),
            gettext_lazy("Goodwill refund booked."),
            settlement_actions.goodwill_amount,
            settlement_actions.GoodwillForm,
            template="return_portal/admin/actions/_refund.html",
        ),
        StaffAction(
            sections.ASSIGN_ACTION,
            "",
            gettext_lazy("Assign"),
            gettext_lazy("Assignment saved."),
            sections.assign_return,
            sections.AssignForm,
        ),
        StaffAction(
            sections.NOTE_ACTION,
            "",
            gettext_lazy("Add the note"),
            gettext_lazy("Internal note added."),
            sections.add_note,
            sections.NoteForm,
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
