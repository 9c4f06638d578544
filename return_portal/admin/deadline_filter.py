"""The queue's "Deadlines" filter: the returns past a deadline (or due soon), by
the flags of `support.with_deadlines` and, for the inspection, its clock
(`received_at`: BackOfficeSettings.inspection_sla_days after the parcel was
received whole, as receiving.inspection_due_by and the countdown say).

Each state is read through the indexed columns it implies (`_candidates`, the
status index for the inspection), then the rows among them that carry it: a
fixed number of queries (none of its own: subqueries of the page's) however
many returns there are.
"""

from __future__ import annotations

from datetime import timedelta

from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy

from .. import support
from ..models import (
    RELEASED_STATUSES,
    Refund,
    RefundKind,
    RefundStatus,
    ReturnEvent,
    ReturnRequest,
    ReturnStatus,
)
from .countdown import SOON

DEADLINE_APPROVAL = "approval"
DEADLINE_REFUND_SOON = "refund_soon"
# The inspection's deadline: BackOfficeSettings.inspection_sla_days after the
# parcel was received whole (receiving.inspection_due_by; the countdown's too).
DEADLINE_INSPECTION = "inspection"
DEADLINE_INSPECTION_SOON = "inspection_soon"
DEADLINES = [
    (support.OVERDUE_ANY, gettext_lazy("Any deadline passed")),
    (DEADLINE_APPROVAL, gettext_lazy("Decision overdue")),
    (support.OVERDUE_SHIPPING, gettext_lazy("Parcel not sent by the ship-by date")),
    (DEADLINE_INSPECTION_SOON, gettext_lazy("Inspection due within 48 hours")),
    (DEADLINE_INSPECTION, gettext_lazy("Inspection overdue")),
    (DEADLINE_REFUND_SOON, gettext_lazy("Refund due within 48 hours")),
    (support.OVERDUE_REFUND, gettext_lazy("Refund overdue")),
]
# The `with_deadlines` annotation each deadline state reads.
DEADLINE_FLAGS = {
    DEADLINE_APPROVAL: "approval_overdue",
    support.OVERDUE_SHIPPING: "ship_overdue",
    DEADLINE_REFUND_SOON: "refund_due_soon",
    support.OVERDUE_REFUND: "refund_overdue",
}
OVERDUE_FLAGS = ("approval_overdue", "ship_overdue", "refund_overdue")


def with_deadlines(queryset, now=None):
    """`support.with_deadlines` once: the filters that read its flags add it."""
    if "refund_overdue" in queryset.query.annotations:
        return queryset
    return support.with_deadlines(queryset, now=now)


# Statuses whose refund may be owed without a refund booked yet (with_deadlines:
# neither released nor settled).
UNSETTLED = [
    status
    for status in ReturnStatus.values
    if status not in (*RELEASED_STATUSES, ReturnStatus.RESOLVED, ReturnStatus.CLOSED)
]


def _candidates(flag: str, now) -> list:
    """The ids of the returns that may carry `flag`: conditions on indexed columns
    that the flag implies (with_deadlines' definitions). The deadline filter keeps
    the returns among them that carry it, so the database reads these indexes
    (migration 0009_queue) instead of computing the flag for every return."""
    returns = ReturnRequest.objects.order_by()
    if flag == "approval_overdue":
        found = returns.filter(status=ReturnStatus.REQUESTED, approval_due_by__lt=now)
    elif flag == "ship_overdue":
        found = returns.filter(status=ReturnStatus.APPROVED, ship_by__lt=now)
    elif flag == "refund_due_soon":
        found = returns.filter(
            refund_due_by__gte=now, refund_due_by__lte=now + support.REFUND_DUE_SOON
        )
    else:  # refund_overdue (clock.owed): unsettled, or a settlement refund not paid yet
        unpaid = (
            Refund.objects.order_by()
            .filter(
                kind=RefundKind.SETTLEMENT,
                status__in=[s for s in RefundStatus.values if s != RefundStatus.SUCCEEDED],
            )
            .values_list("return_request_id", flat=True)
        )
        found = returns.filter(status__in=UNSETTLED, refund_due_by__lt=now)
        return [found.values_list("pk", flat=True), unpaid]
    return [found.values_list("pk", flat=True)]


def inspection_condition(value: str, now, days: int) -> Q:
    """Received whole (the inspection's clock runs from the "received" event, the
    `received_at` annotation) and past its deadline, or due within 48 hours."""
    due_from = now - timedelta(days=days)  # received before this: overdue
    if value == DEADLINE_INSPECTION:
        return Q(status=ReturnStatus.RECEIVED, received_at__lt=due_from)
    return Q(
        status=ReturnStatus.RECEIVED, received_at__gte=due_from, received_at__lte=due_from + SOON
    )


def _inspection_candidates(value: str, now, days: int):
    """The ids of the received returns whose inspection is overdue (or due soon):
    the status index, then each one's "received" event."""
    return (
        ReturnRequest.objects.order_by()
        .filter(status=ReturnStatus.RECEIVED)
        .annotate(received_at=received_at())
        .filter(inspection_condition(value, now, days))
        .values_list("pk", flat=True)
    )


def received_at():
    """When the parcel was marked received (whole): the inspection's clock."""
    return Subquery(
        ReturnEvent.objects.filter(
            return_request=OuterRef("pk"), to_status=ReturnStatus.RECEIVED, code=""
        )
        .order_by("-at")
        .values("at")[:1]
    )


def filter_by_deadline(queryset, value: str, inspection_days: int, now=None):
    """`queryset` narrowed to the returns in the deadline state `value` (one of
    DEADLINES); "any" is any deadline passed, the inspection's included."""
    now = now or timezone.now()
    if "received_at" not in queryset.query.annotations:
        queryset = queryset.annotate(received_at=received_at())
    if value in (DEADLINE_INSPECTION, DEADLINE_INSPECTION_SOON):
        return queryset.filter(
            inspection_condition(value, now, inspection_days),
            pk__in=_inspection_candidates(value, now, inspection_days),
        )
    queryset = with_deadlines(queryset, now)
    flags = OVERDUE_FLAGS if value == support.OVERDUE_ANY else [DEADLINE_FLAGS[value]]
    first, *others = [ids for flag in flags for ids in _candidates(flag, now)]
    carries = Q()
    for flag in flags:
        carries |= Q(**{flag: True})
    if value == support.OVERDUE_ANY:
        carries |= inspection_condition(DEADLINE_INSPECTION, now, inspection_days)
        others.append(_inspection_candidates(DEADLINE_INSPECTION, now, inspection_days))
    return queryset.filter(carries, pk__in=first.union(*others, all=True) if others else first)
