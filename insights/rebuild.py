"""Rebuilding roll-ups over a range of days: the nightly task and the command."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.db.models.functions import TruncDate
from django.utils import timezone

from marketplace.models import OrderLine
from return_portal.models import ReturnRequest

from .models import ROLLUP_MODELS
from .rollup import day_bounds, reporting_zone
from .stale import rebuild_and_clear


def slices_in(start: dt.date, end: dt.date) -> set[tuple[dt.date, int]]:
    """Every (day, seller) from `start` to `end` inclusive that has sales or
    returns now, or roll-up rows from before (which must go if the source did)."""
    since, _ = day_bounds(start)
    _, until = day_bounds(end)
    zone = reporting_zone()
    found = set(
        OrderLine.objects.filter(order__placed_at__gte=since, order__placed_at__lt=until)
        .annotate(day=TruncDate("order__placed_at", tzinfo=zone))
        .values_list("day", "seller_id")
        .distinct()
    )
    found |= set(
        ReturnRequest.objects.filter(
            created_at__gte=since, created_at__lt=until, seller_id__isnull=False
        )
        .annotate(day=TruncDate("created_at", tzinfo=zone))
        .values_list("day", "seller_id")
        .distinct()
    )
    for model in ROLLUP_MODELS:
        found |= set(
            model.objects.filter(day__gte=start, day__lte=end)
            .values_list("day", "seller_id")
            .distinct()
        )
    return found


def rebuild_range(start: dt.date, end: dt.date) -> int:
    slices = sorted(slices_in(start, end))
    for day, seller_id in slices:
        rebuild_and_clear(day, seller_id)
    return len(slices)


# The nightly rebuild covers the days whose returns are still moving.
NIGHTLY_DAYS = 120


@shared_task(name="insights.rebuild_recent", ignore_result=True)
def rebuild_recent(days: int = NIGHTLY_DAYS) -> int:
    """Nightly: every slice of the recent days, from the source."""
    today = timezone.localdate()
    return rebuild_range(today - dt.timedelta(days=days), today)
