"""The next deadline of a return, for the queue's countdown column: which one
(approval, ship-by, inspection, refund), when, and how far off it is in words
("in 2 days", "3 h overdue"), so that the colour is never the only signal.

Read from the row's fields and the listing's annotations (`with_deadlines`
and `received_at`), without a query per row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils.translation import gettext_lazy, ngettext

from ..models import ReturnRequest, ReturnStatus
from ..refunds import clock

S = ReturnStatus
SOON = timedelta(hours=48)
OVERDUE, DUE_SOON, LATER = "overdue", "soon", "later"

KINDS = {
    "approval": gettext_lazy("Decision due"),
    "ship_by": gettext_lazy("Ship by"),
    "inspection": gettext_lazy("Inspection due"),
    "refund": gettext_lazy("Refund due"),
}


@dataclass(frozen=True)
class Deadline:
    kind: str  # a key of KINDS
    due: datetime
    now: datetime

    @property
    def label(self) -> str:
        return str(KINDS[self.kind])

    @property
    def state(self) -> str:
        left = self.due - self.now
        if left < timedelta(0):
            return OVERDUE
        return DUE_SOON if left <= SOON else LATER

    @property
    def text(self) -> str:
        return distance(self.due - self.now)


def distance(left: timedelta) -> str:
    """ "in 2 days", "in 5 h", "in 20 min"; "2 days overdue", "3 h overdue"."""
    seconds = abs(left.total_seconds())
    future = left >= timedelta(0)
    if seconds >= 2 * 86400:
        count = int(seconds // 86400)
        if future:
            text = ngettext("in %(count)d day", "in %(count)d days", count)
        else:
            text = ngettext("%(count)d day overdue", "%(count)d days overdue", count)
    elif seconds >= 3600:
        count = int(seconds // 3600)
        if future:
            text = ngettext("in %(count)d h", "in %(count)d h", count)
        else:
            text = ngettext("%(count)d h overdue", "%(count)d h overdue", count)
    else:
        count = max(1, int(seconds // 60))
        if future:
            text = ngettext("in %(count)d min", "in %(count)d min", count)
        else:
            text = ngettext("%(count)d min overdue", "%(count)d min overdue", count)
    return text % {"count": count}


def refund_open(r: ReturnRequest, now: datetime) -> bool:
    """A refund is owed (refunds.clock.owed, read from the row's `refund_owed`
    annotation: the rule of the queue's flags and of the sweep) and no longer
    withheld (a statutory refund waits for the goods or proof of sending)."""
    if r.refund_due_by is None or clock.is_withheld(r, now):
        return False
    return clock.is_owed(r)


def next_deadline(r: ReturnRequest, now: datetime, inspection_days: int) -> Deadline | None:
    """The earliest deadline still running for this return, or None."""
    candidates = []
    if r.status == S.REQUESTED and r.approval_due_by:
        candidates.append(Deadline("approval", r.approval_due_by, now))
    if r.status == S.APPROVED and r.ship_by:
        candidates.append(Deadline("ship_by", r.ship_by, now))
    received_at = getattr(r, "received_at", None)
    if r.status == S.RECEIVED and received_at:
        candidates.append(
            Deadline("inspection", received_at + timedelta(days=inspection_days), now)
        )
    if refund_open(r, now):
        candidates.append(Deadline("refund", r.refund_due_by, now))
    return min(candidates, key=lambda deadline: deadline.due, default=None)
