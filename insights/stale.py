"""Marking roll-up slices stale after a change, and bringing them up to date.

A change marks its (day, seller) after its own commit, and asks a worker to
rebuild it. With the broker down, the marker waits for beat's sweep; a marker
lost in a crash between the commit and the mark is caught by the nightly
rebuild of the recent days. The rebuild locks the marker for its whole
transaction, so a change marked while it runs waits and marks again after it:
the slice is rebuilt once more rather than left behind.
"""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from marketplace.models import OrderLine
from return_portal.models import ReturnRequest

from .models import StaleSlice
from .rollup import day_of, rebuild_slice

logger = logging.getLogger(__name__)

SWEEP_BATCH = 500


def mark(day: dt.date, seller_id: int | None) -> None:
    if seller_id is None:  # returns from before sellers were recorded are not counted
        return
    StaleSlice.objects.bulk_create(
        [StaleSlice(day=day, seller_id=seller_id, marked_at=timezone.now())],
        update_conflicts=True,
        unique_fields=["day", "seller"],
        update_fields=["marked_at"],
    )


class _PendingMarks:
    """The ids one transaction touched, read and marked once after its commit.

    One instance per transaction: found again among the connection's on-commit
    callbacks, so fifty lines of one order cost one read and one refresh. Rolled
    back with the transaction's callbacks, so a rollback marks nothing."""

    def __init__(self):
        self.return_ids: set[int] = set()
        self.return_line_ids: set[int] = set()
        self.order_ids: set[int] = set()
        self.slices: set[tuple[dt.date, int]] = set()
        self.ran = False

    def __call__(self):
        self.ran = True
        slices = set(self.slices)
        returns = ReturnRequest.objects.filter(seller_id__isnull=False)
        wanted = Q(pk__in=self.return_ids) | Q(lines__pk__in=self.return_line_ids)
        if self.return_ids or self.return_line_ids:
            for created_at, seller_id in returns.filter(wanted).values_list(
                "created_at", "seller_id"
            ):
                slices.add((day_of(created_at), seller_id))
        if self.order_ids:
            sold = OrderLine.objects.filter(order_id__in=self.order_ids)
            for placed_at, seller_id in sold.values_list(
                "order__placed_at", "seller_id"
            ).distinct():
                slices.add((day_of(placed_at), seller_id))
        for day, seller_id in sorted(slices):
            mark(day, seller_id)
        if slices:
            refresh_soon()


def _pending() -> _PendingMarks:
    connection = transaction.get_connection()
    if connection.in_atomic_block:
        for _sids, callback, _robust in connection.run_on_commit:
            if isinstance(callback, _PendingMarks) and not callback.ran:
                return callback
    pending = _PendingMarks()
    # Outside a transaction Django runs it at once: the ids are added just after.
    if connection.in_atomic_block:
        transaction.on_commit(pending)
    return pending


def _now_or_after_commit(pending: _PendingMarks) -> None:
    if not transaction.get_connection().in_atomic_block:
        pending()


def mark_after_commit(instant: dt.datetime, seller_id: int | None) -> None:
    if seller_id is None:
        return
    pending = _pending()
    pending.slices.add((day_of(instant), seller_id))
    _now_or_after_commit(pending)


def return_changed_after_commit(return_id: int | None, return_line_id: int | None = None) -> None:
    pending = _pending()
    if return_id is not None:
        pending.return_ids.add(return_id)
    if return_line_id is not None:
        pending.return_line_ids.add(return_line_id)
    _now_or_after_commit(pending)


def order_changed_after_commit(order_id: int) -> None:
    pending = _pending()
    pending.order_ids.add(order_id)
    _now_or_after_commit(pending)


def refresh_soon() -> None:
    try:
        refresh_stale.delay()
    except Exception:  # the broker is down: beat's sweep rebuilds the slice
        logger.warning("Roll-up refresh not queued; the beat sweep will do it.")


def rebuild_and_clear(day: dt.date, seller_id: int) -> None:
    with transaction.atomic():
        mark(day, seller_id)  # the row to lock, present even for a rebuild nobody asked for
        rebuild_slice(day, seller_id)
        StaleSlice.objects.filter(day=day, seller_id=seller_id).delete()


@shared_task(name="insights.refresh_stale", ignore_result=True)
def refresh_stale(batch: int = SWEEP_BATCH) -> int:
    """After a change, and every few minutes from beat: rebuild what is stale."""
    done = 0
    for day, seller_id in StaleSlice.objects.order_by("marked_at").values_list("day", "seller_id")[
        :batch
    ]:
        rebuild_and_clear(day, seller_id)
        done += 1
    return done
