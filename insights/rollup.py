"""Rebuilding the roll-ups of one (day, seller) slice from the source tables.

`rebuild_slice` is the one writer: it locks the slice's stale marker, deletes
the slice's rows and writes them again from a handful of grouped queries, all
in one transaction. Running it twice gives the same rows; running it for a day
with nothing gives no rows.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import Count, DecimalField, F, Min, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from marketplace.models import OrderLine
from policy_pages.rules import Resolution
from return_portal.abuse import DEFECT_CHECKS
from return_portal.models import (
    BackOfficeSettings,
    Exchange,
    Refund,
    RefundKind,
    RefundStatus,
    ReturnEvent,
    ReturnLine,
    ReturnRequest,
    ReturnStatus,
    UnitInspection,
)

from .models import (
    ROLLUP_MODELS,
    CsatDay,
    CsatSurvey,
    InspectionDay,
    ReturnDay,
    ReturnOutcomeDay,
    SalesDay,
    SlaDay,
    SlaStep,
    Stage,
    StageDay,
    StaleSlice,
)

ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=14, decimal_places=2)
# Counted nowhere: the buyer took the request back before anything happened.
NOT_COUNTED = (ReturnStatus.CANCELLED,)

# Each stage ends at the first event reaching its milestone; it starts at the
# milestone before it (the request itself for the first).
MILESTONES = {
    "approved": (ReturnStatus.APPROVED,),
    "in_transit": (ReturnStatus.IN_TRANSIT,),
    "received": (ReturnStatus.RECEIVED,),
    "inspected": (ReturnStatus.INSPECTED,),
    "refunded": (ReturnStatus.RESOLVED,),
}
STAGES = (
    (Stage.APPROVAL, "requested", "approved"),
    (Stage.SHIPPING, "approved", "in_transit"),
    (Stage.TRANSIT, "in_transit", "received"),
    (Stage.INSPECTION, "received", "inspected"),
    (Stage.REFUND, "inspected", "refunded"),
    (Stage.TOTAL, "requested", "refunded"),
)


def reporting_zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def day_of(instant: dt.datetime) -> dt.date:
    return timezone.localtime(instant, reporting_zone()).date()


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    zone = reporting_zone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=zone)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    return start, end


def rebuild_slice(day: dt.date, seller_id: int) -> None:
    with transaction.atomic():
        # The marker row is the slice's lock: two rebuilds of one slice queue up.
        StaleSlice.objects.select_for_update().filter(day=day, seller_id=seller_id).first()
        for model in ROLLUP_MODELS:
            model.objects.filter(day=day, seller_id=seller_id).delete()
        start, end = day_bounds(day)
        returns = ReturnRequest.objects.filter(
            seller_id=seller_id, created_at__gte=start, created_at__lt=end
        ).exclude(status__in=NOT_COUNTED)
        base = {"day": day, "seller_id": seller_id}
        SalesDay.objects.bulk_create(_sales(base, start, end))
        ReturnDay.objects.bulk_create(_return_lines(base, returns))
        ReturnOutcomeDay.objects.bulk_create(_outcomes(base, returns))
        StageDay.objects.bulk_create(_stages(base, returns))
        SlaDay.objects.bulk_create(_deadlines(base, returns))
        InspectionDay.objects.bulk_create(_inspections(base, returns))
        CsatDay.objects.bulk_create(_satisfaction(base, returns))


def _sales(base, start, end):
    rows = (
        OrderLine.objects.filter(
            seller_id=base["seller_id"], order__placed_at__gte=start, order__placed_at__lt=end
        )
        .values("order__market", "category_id", "sku", "order__currency")
        .annotate(
            units=Sum("quantity"), value=Sum(F("quantity") * F("unit_price"), output_field=MONEY)
        )
    )
    return [
        SalesDay(
            **base,
            market=row["order__market"],
            category_id=row["category_id"],
            sku=row["sku"],
            currency=row["order__currency"],
            units=row["units"],
            value=row["value"],
        )
        for row in rows
    ]


def _return_lines(base, returns):
    rows = (
        ReturnLine.objects.filter(return_request__in=returns)
        .values(
            "return_request__order__market",
            "order_line__category_id",
            "order_line__sku",
            "return_request__reason__code",
            "return_request__resolution",
            "return_request__currency",
        )
        .annotate(
            lines=Count("pk"),
            units=Sum("quantity"),
            value=Sum(F("quantity") * F("order_line__unit_price"), output_field=MONEY),
            kept=Coalesce(Sum("quantity", filter=Q(return_request__kept=True)), 0),
        )
    )
    return [
        ReturnDay(
            **base,
            market=row["return_request__order__market"],
            category_id=row["order_line__category_id"],
            sku=row["order_line__sku"],
            reason=row["return_request__reason__code"] or "",
            resolution=row["return_request__resolution"],
            currency=row["return_request__currency"],
            lines=row["lines"],
            units=row["units"],
            value=row["value"],
            kept_units=row["kept"],
        )
        for row in rows
    ]


def _outcomes(base, returns):
    """One row per (market, reason, resolution, status, currency): what was paid
    back as money or credit, what was exchanged, and the late refunds."""
    paid = Refund.objects.filter(return_request__in=returns, status=RefundStatus.SUCCEEDED)
    money = defaultdict(lambda: [ZERO, ZERO, ZERO, 0])  # refunded, credited, surcharges, late
    for refund in paid.values(
        "return_request_id", "amount", "surcharge", "resolution", "due_by", "completed_at"
    ):
        entry = money[refund["return_request_id"]]
        if refund["resolution"] == Resolution.STORE_CREDIT:
            entry[1] += refund["amount"]
        else:
            entry[0] += refund["amount"]
        entry[2] += refund["surcharge"]
        if (
            refund["due_by"]
            and refund["completed_at"]
            and refund["completed_at"] > refund["due_by"]
        ):
            entry[3] += 1
    exchanged = dict(
        Exchange.objects.filter(return_request__in=returns).values_list(
            "return_request_id", "returned_total"
        )
    )
    groups: dict[tuple, ReturnOutcomeDay] = {}
    for row in returns.values(
        "pk", "order__market", "reason__code", "resolution", "status", "currency"
    ):
        key = (
            row["order__market"],
            row["reason__code"] or "",
            row["resolution"],
            row["status"],
            row["currency"],
        )
        group = groups.get(key)
        if group is None:
            group = groups[key] = ReturnOutcomeDay(
                **base,
                market=key[0],
                reason=key[1],
                resolution=key[2],
                status=key[3],
                currency=key[4],
                returns=0,
                refunded=ZERO,
                credited=ZERO,
                exchanged=ZERO,
                surcharges=ZERO,
                refunds_late=0,
            )
        refunded, credited, surcharges, late = money.get(row["pk"], (ZERO, ZERO, ZERO, 0))
        group.returns += 1
        group.refunded += refunded
        group.credited += credited
        group.surcharges += surcharges
        group.refunds_late += late
        group.exchanged += exchanged.get(row["pk"], ZERO)
    return list(groups.values())


def milestones(returns) -> dict[int, dict[str, dt.datetime]]:
    """Each return's first instant at every milestone (one grouped query)."""
    found: dict[int, dict[str, dt.datetime]] = defaultdict(dict)
    for row in returns.values("pk", "created_at"):
        found[row["pk"]]["requested"] = row["created_at"]
    statuses = {status: name for name, group in MILESTONES.items() for status in group}
    events = (
        ReturnEvent.objects.filter(return_request__in=returns, code="", to_status__in=statuses)
        .values("return_request_id", "to_status")
        .annotate(first=Min("at"))
    )
    for event in events:
        found[event["return_request_id"]][statuses[event["to_status"]]] = event["first"]
    return found


def _stages(base, returns):
    facts = {row["pk"]: row for row in returns.values("pk", "order__market", "reason__code")}
    histogram: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for pk, reached in milestones(returns).items():
        for stage, begin, end in STAGES:
            if begin in reached and end in reached and reached[end] >= reached[begin]:
                seconds = int((reached[end] - reached[begin]).total_seconds())
                key = (
                    facts[pk]["order__market"],
                    facts[pk]["reason__code"] or "",
                    stage,
                    seconds // 3600,
                )
                histogram[key][0] += 1
                histogram[key][1] += seconds
    return [
        StageDay(
            **base,
            market=market,
            reason=reason_code,
            stage=stage,
            hours=hours,
            returns=count,
            seconds=seconds,
        )
        for (market, reason_code, stage, hours), (count, seconds) in histogram.items()
    ]


def _deadlines(base, returns):
    """The approval deadline against the first decision, and each refund's due
    date against its payment."""
    now = timezone.now()
    tally: dict[tuple, list[int]] = defaultdict(lambda: [0, 0, 0])
    decided = {
        row["return_request_id"]: row["first"]
        for row in ReturnEvent.objects.filter(
            return_request__in=returns,
            code="",
            to_status__in=[ReturnStatus.APPROVED, ReturnStatus.REJECTED],
        )
        .values("return_request_id")
        .annotate(first=Min("at"))
    }
    for row in returns.filter(approval_due_by__isnull=False).values(
        "pk", "order__market", "reason__code", "approval_due_by"
    ):
        _tally(tally, row, SlaStep.APPROVAL, row["approval_due_by"], decided.get(row["pk"]), now)
    days = BackOfficeSettings.load().inspection_sla_days
    reached = milestones(returns)
    facts = {row["pk"]: row for row in returns.values("pk", "order__market", "reason__code")}
    for pk, instants in reached.items():
        if "received" in instants and days:
            due = instants["received"] + dt.timedelta(days=days)
            _tally(tally, facts[pk], SlaStep.INSPECTION, due, instants.get("inspected"), now)
    # The refund the law times: the settlement's (a goodwill gesture has no deadline).
    refunds = Refund.objects.filter(
        return_request__in=returns, kind=RefundKind.SETTLEMENT, due_by__isnull=False
    )
    for refund in refunds.values(
        "return_request__order__market", "return_request__reason__code", "due_by", "completed_at"
    ):
        row = {
            "order__market": refund["return_request__order__market"],
            "reason__code": refund["return_request__reason__code"],
        }
        _tally(tally, row, SlaStep.REFUND, refund["due_by"], refund["completed_at"], now)
    return [
        SlaDay(
            **base,
            market=market,
            reason=reason_code,
            step=step,
            on_time=on_time,
            late=late,
            overdue=overdue,
        )
        for (market, reason_code, step), (on_time, late, overdue) in tally.items()
    ]


def _tally(tally, row, step, due, done, now):
    entry = tally[(row["order__market"], row["reason__code"] or "", step)]
    if done is None:
        if due < now:
            entry[2] += 1
    elif done <= due:
        entry[0] += 1
    else:
        entry[1] += 1


def _inspections(base, returns):
    failed = Q()
    for check in DEFECT_CHECKS:
        failed |= Q(**{f"checks__{check.value}__passed": False})
    units = UnitInspection.objects.filter(return_line__return_request__in=returns)
    defect = Q(return_line__return_request__reason_is_defect=True)
    rows = units.values(
        "return_line__return_request__order__market",
        "return_line__order_line__category_id",
        "return_line__return_request__reason__code",
        "outcome",
        "return_line__return_request__currency",
    ).annotate(
        units=Count("pk"),
        deductions=Coalesce(Sum("deduction"), ZERO, output_field=MONEY),
        defect_claims=Count("pk", filter=defect),
        no_defect_found=Count("pk", filter=defect & ~failed),
    )
    return [
        InspectionDay(
            **base,
            market=row["return_line__return_request__order__market"],
            category_id=row["return_line__order_line__category_id"],
            reason=row["return_line__return_request__reason__code"] or "",
            outcome=row["outcome"],
            currency=row["return_line__return_request__currency"],
            units=row["units"],
            deductions=row["deductions"],
            defect_claims=row["defect_claims"],
            no_defect_found=row["no_defect_found"],
        )
        for row in rows
    ]


def _satisfaction(base, returns):
    rows = (
        CsatSurvey.objects.filter(return_request__in=returns, rating__isnull=False)
        .values(
            "return_request__order__market",
            "return_request__reason__code",
            "return_request__resolution",
            "rating",
        )
        .annotate(answers=Count("pk"))
    )
    return [
        CsatDay(
            **base,
            market=row["return_request__order__market"],
            reason=row["return_request__reason__code"] or "",
            resolution=row["return_request__resolution"],
            rating=row["rating"],
            answers=row["answers"],
        )
        for row in rows
    ]
