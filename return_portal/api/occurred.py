"""When an action reported through the API happened: integrations report events
after the fact (`occurred_at`), but never in the future, and never before what
the return already records, so a return's history stays in order.

One check for every action, and for the dates an action names otherwise (a
withdrawal notice's `notified_at`, an external refund's `paid_at`). Clocks
differ: an instant up to CLOCK_SKEW ahead of ours is taken as now, as intake
takes its dates (marketplace.fields.CLOCK_SKEW); beyond that it is refused.

The check is made under the row lock the action takes (`locked_instant`,
`locked_order_instant`), inside the action's transaction: an action that
committed while this one waited for the lock is seen, so two concurrent calls
never record their events out of order.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from core.api.errors import ApiError, ErrorCode
from marketplace.fields import CLOCK_SKEW
from marketplace.models import Order

from ..models import Refund, ReturnEvent, ReturnRequest

FIELD = "occurred_at"


def _refuse(field: str, message: str) -> ApiError:
    return ApiError(400, message, code=ErrorCode.CONSTRAINT, errors={field: [message]})


def checked_instant(
    value: datetime | None,
    *,
    not_before: datetime | None,
    field: str = FIELD,
    now: datetime | None = None,
) -> datetime:
    """`value` (now when None) if it is neither in the future nor before
    `not_before`; else a 400 (code constraint) naming `field`."""
    now = now or timezone.now()
    if value is None:
        return now
    if value > now + CLOCK_SKEW:
        raise _refuse(field, _("This date is in the future."))
    value = min(value, now)
    if not_before is not None and value < not_before:
        raise _refuse(
            field,
            _("This date is before %(earlier)s, which is already recorded.")
            % {"earlier": not_before.isoformat()},
        )
    return value


def last_event_at(return_request: ReturnRequest) -> datetime | None:
    return (
        ReturnEvent.objects.filter(return_request=return_request)
        .order_by("-at", "-pk")
        .values_list("at", flat=True)
        .first()
    )


def event_instant(
    return_request: ReturnRequest, value: datetime | None, *, field: str = FIELD
) -> datetime:
    """The instant of an action on `return_request`: `value` checked against the
    clock and the return's last event (its creation at the earliest)."""
    return checked_instant(
        value,
        not_before=last_event_at(return_request) or return_request.created_at,
        field=field,
    )


def _in_transaction() -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("the instant is checked under a lock: inside the action's transaction")


def locked_instant(
    return_request: ReturnRequest,
    value: datetime | None,
    *,
    field: str = FIELD,
    requested: bool = False,
) -> datetime:
    """`event_instant`, under the return's row lock (select_for_update), taken in
    the caller's transaction before its action takes it again: the last event is
    the one the previous holder of the lock committed. `requested`: before any
    event, not before the return was requested (its creation or the buyer's
    notice, whichever came first), as an external refund's `paid_at`."""
    _in_transaction()
    locked = ReturnRequest.objects.select_for_update().get(pk=return_request.pk)
    start = locked.created_at
    if requested and locked.notice_at is not None:
        start = min(start, locked.notice_at)
    return checked_instant(value, not_before=last_event_at(locked) or start, field=field)


def order_recorded_at(order: Order) -> datetime:
    """An order's last recorded instant: when it was placed, its lines delivered,
    its refunds booked or paid, whichever is latest. A goodwill refund of the
    order alone (no return, so no events) is never before it."""
    lines = order.lines.aggregate(at=Max("delivered_at"))["at"]
    refunds = Refund.objects.filter(order=order).aggregate(
        booked=Max("created_at"), paid=Max("completed_at")
    )
    return max(filter(None, (order.placed_at, lines, refunds["booked"], refunds["paid"])))


def locked_order_instant(order: Order, value: datetime | None, *, field: str = FIELD) -> datetime:
    """The instant of an action on the order alone, checked under the order's row
    lock (the lock every refund of the order takes first, refunds.booking), in
    the caller's transaction: not before `order_recorded_at`."""
    _in_transaction()
    locked = Order.objects.select_for_update().get(pk=order.pk)
    return checked_instant(value, not_before=order_recorded_at(locked), field=field)
