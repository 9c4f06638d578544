"""Wagtail's audit log of returns: every action writes one entry, and the admin's
history of a return (ReturnHistoryView) and the site history report list them.

The actions (lifecycle, confirm, withdrawal, the message thread) call `record`
in their own transaction, so an entry exists exactly when the change does,
whoever made it: a buyer, staff, or the system (no user).
"""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext_lazy as _
from wagtail.log_actions import LogFormatter, log

from . import scan_events
from .exchanges import events as exchange_events
from .models import ReturnRequest

LOG_PREFIX = "return_portal."
NOTE_MAX_LENGTH = 500

# verb, label (history filters), message (history rows). The verb of a transition is
# the status it leads to, in the imperative, as the staff buttons name it.
LOG_ACTIONS = [
    ("confirm", _("Return: confirm"), _("Requested the return")),
    ("withdraw", _("Return: withdraw"), _("Withdrew from the contract")),
    ("approve", _("Return: approve"), _("Approved the return")),
    ("reject", _("Return: reject"), _("Rejected the return")),
    ("approval_overdue", _("Return: approval overdue"), _("The decision on the request is late")),
    ("create_on_behalf", _("Return: create for the buyer"), _("Created the return for the buyer")),
    (
        "screening_flagged",
        _("Return: flagged by screening"),
        _("Held for a decision by screening"),
    ),
    ("cancel", _("Return: cancel"), _("Cancelled the return")),
    ("in_transit", _("Return: in transit"), _("Marked in transit")),
    ("receive_part", _("Return: receive in part"), _("Received part of the parcel")),
    ("receive", _("Return: receive"), _("Marked the parcel received")),
    ("units_received", _("Return: units received"), _("Received more units")),
    ("unit_inspected", _("Return: unit inspected"), _("Inspected units")),
    ("inspect", _("Return: inspect"), _("Recorded the inspection")),
    ("resolve", _("Return: resolve"), _("Resolved the return")),
    ("close", _("Return: close"), _("Closed the return")),
    ("expire", _("Return: expire"), _("The return expired")),
    ("refund_paid", _("Refund: paid"), _("The refund was paid")),
    ("refund_failed", _("Refund: failed"), _("The refund could not be paid")),
    ("refund_retry", _("Refund: retry"), _("Asked to pay the refund again")),
    (
        "refund_external",
        _("Refund: paid outside the hub"),
        _("Recorded a refund paid outside the hub"),
    ),
    ("refund_manual", _("Refund: an amount"), _("Refunded an amount")),
    ("refund_goodwill", _("Refund: goodwill"), _("Made a goodwill refund")),
    ("refund_due_soon", _("Refund: due soon"), _("The refund is due within 48 hours")),
    ("refund_overdue", _("Refund: overdue"), _("The refund is overdue")),
    ("reply", _("Return: reply"), _("Replied to the buyer")),
    ("message", _("Return: buyer message"), _("The buyer wrote a message")),
    # An emailed answer to the thread (buyer_messages.receive_return_email).
    (
        "email_refused",
        _("Return: email refused"),
        _("Refused an email reply from an address that does not own the return"),
    ),
    ("email_ignored", _("Return: email ignored"), _("Ignored an email reply with no new text")),
    ("note", _("Return: internal note"), _("Added an internal note")),
    ("assign", _("Return: assign"), _("Assigned the return")),
    *scan_events.log_actions(),
    *exchange_events.log_actions(),
]
VERBS = frozenset(verb for verb, _label, _message in LOG_ACTIONS)


def record(
    return_request: ReturnRequest,
    verb: str,
    *,
    user=None,
    at: datetime | None = None,
    before: str = "",
    note: str = "",
    **data,
):
    """Write one audit log entry for an action on `return_request`. `user` is None
    for the system. The note (a rejection's reason, a tracking number, the amount
    refunded) shows as the entry's comment."""
    if verb not in VERBS:
        raise ValueError(f"Unregistered return action: {verb}")
    extra = {"timestamp": at} if at is not None else {}
    return log(
        instance=return_request,
        action=LOG_PREFIX + verb,
        user=user,
        data={
            "from": before,
            "to": return_request.status,
            "note": note[:NOTE_MAX_LENGTH],
            **data,
        },
        **extra,
    )


def _comment(self, entry) -> str:
    return entry.data.get("note", "")


def register_log_actions(actions) -> None:
    """Labels for the admin's history and the site history report (the
    `register_log_actions` hook in wagtail_hooks.py)."""
    for verb, label, message in LOG_ACTIONS:
        formatter = type(
            f"Return{verb.title().replace('_', '')}LogFormatter",
            (LogFormatter,),
            {"label": label, "message": message, "format_comment": _comment},
        )
        actions.register_action(LOG_PREFIX + verb)(formatter)
