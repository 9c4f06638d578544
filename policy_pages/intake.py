"""Order intake with its pins: for the API, the `import_orders` command and the
demo seed.

An order is validated by its schema (marketplace.schemas), resolved and saved
by marketplace.intake, and each of its lines is pinned here, in the same
transaction, to the return policy version in force for its market and seller
when the order was placed. A line with no such version refuses the whole
order: a marketplace cannot sell without one.

`ingest_order(data)` takes one order, all or nothing, idempotent by order
reference: a replay answers "replayed", a different payload under the same
reference "conflict", and concurrent identical submissions are safe.
`import_orders(lines)` takes JSON Lines in chunks, with errors per line number.
Each run keeps one `Timelines` (the cached bulk form of the in-force rule).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.api.errors import ErrorCode
from marketplace.intake import ResolvedOrder, Resolver, existing_orders
from marketplace.models import Order
from marketplace.schemas import Errors, OrderIn, validate_order

from .pins import LinePin
from .timeline import Timelines
from .versions import PolicyVersion


class Outcome(StrEnum):
    CREATED = "created"
    REPLAYED = "replayed"
    CONFLICT = "conflict"
    INVALID = "invalid"


@dataclass
class IntakeResult:
    outcome: Outcome
    order: Order | None = None
    errors: Errors = field(default_factory=Errors)


@dataclass
class _Pinned:
    resolved: ResolvedOrder
    versions: list[PolicyVersion]  # one per line


class Intake:
    """One run of intake (an API request, an import, the seed): the resolver's
    caches and one set of timelines.

    Policy versions published during a run take effect from their publication
    onward, so they cannot govern an order placed before it (and placed_at is
    never in the future): the timelines stay true for the whole run.
    """

    def __init__(self):
        self.resolver = Resolver()
        self.timelines = Timelines()

    def resolve(self, order: OrderIn) -> tuple[_Pinned | None, Errors]:
        """The categories (marketplace) and the version of each line, or the errors."""
        resolved, errors = self.resolver.resolve(order)
        versions = []
        for index, line in enumerate(order.lines):
            version = self.timelines.in_force(order.market, line.seller.reference, order.placed_at)
            if version is None:
                errors.add(
                    f"lines[{index}]",
                    _(
                        "No return policy was in force for this market and seller when the "
                        "order was placed; a marketplace cannot sell without one."
                    ),
                    code=ErrorCode.UNKNOWN,
                )
            versions.append(version)
        if errors:
            return None, errors
        return _Pinned(resolved, versions), errors

    def persist(self, orders: list[_Pinned]) -> list[Order]:
        """Create the orders, their lines and their pins. Call inside a transaction."""
        created = self.resolver.persist([pinned.resolved for pinned in orders])
        LinePin.objects.bulk_create(
            [
                LinePin(line_id=line.pk, version_id=version.pk)
                for made, pinned in zip(created, orders, strict=True)
                for line, version in zip(made.lines, pinned.versions, strict=True)
            ],
            batch_size=2000,
        )
        return [made.row for made in created]


def _conflict_message() -> str:
    return _("An order with this reference exists with different content; it cannot be changed.")


def _replay_or_conflict(reference: str, data_hash: str, known_hash: str) -> IntakeResult:
    order = Order.objects.get(reference=reference)
    if known_hash == data_hash:
        return IntakeResult(Outcome.REPLAYED, order)
    errors = Errors()
    errors.add("reference", _conflict_message())
    return IntakeResult(Outcome.CONFLICT, order, errors)


def ingest_order(data, *, now: datetime | None = None, intake: Intake | None = None):
    """Validate and create one decoded JSON order, all or nothing."""
    order, errors = validate_order(data, now)
    if order is None:
        return IntakeResult(Outcome.INVALID, errors=errors)
    return ingest(order, intake=intake)


def ingest(order: OrderIn, *, intake: Intake | None = None) -> IntakeResult:
    """Create one validated order, all or nothing. Idempotent by reference."""
    intake = intake or Intake()
    known = existing_orders([order.reference])
    if order.reference in known:
        return _replay_or_conflict(order.reference, order.payload_hash, known[order.reference])
    pinned, errors = intake.resolve(order)
    if pinned is None:
        return IntakeResult(Outcome.INVALID, errors=errors)
    try:
        with transaction.atomic():
            (created,) = intake.persist([pinned])
    except IntegrityError:
        # Most likely the same order, submitted concurrently and committed first.
        intake.resolver.forget_writes()
        known = existing_orders([order.reference])
        if order.reference not in known:
            raise
        return _replay_or_conflict(order.reference, order.payload_hash, known[order.reference])
    return IntakeResult(Outcome.CREATED, created)


# --- bulk import -------------------------------------------------------------------------------


@dataclass
class ImportReport:
    created: int = 0
    replayed: int = 0
    failed: dict[int, Errors] = field(default_factory=dict)  # line number -> errors

    def fail(self, number: int, errors: Errors) -> None:
        self.failed[number] = errors


def import_orders(
    lines: Iterable[str], *, chunk_size: int = 1000, now: datetime | None = None
) -> ImportReport:
    """Import JSON Lines orders (one order per line, numbered from 1) with the
    validation of the API. Each order stands alone: a bad one is reported with
    its line number and the others go in. Orders are created in chunks, each in
    one transaction with bulk inserts."""
    now = now or timezone.now()
    intake = Intake()
    report = ImportReport()
    chunk: list[tuple[int, object]] = []
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            errors = Errors()
            errors.add("body", _("This line is not valid JSON."))
            report.fail(number, errors)
            continue
        chunk.append((number, data))
        if len(chunk) >= chunk_size:
            _import_chunk(chunk, intake, report, now)
            chunk = []
    if chunk:
        _import_chunk(chunk, intake, report, now)
    return report


def _import_chunk(chunk, intake: Intake, report: ImportReport, now: datetime) -> None:
    valid: list[tuple[int, OrderIn]] = []
    for number, data in chunk:
        order, errors = validate_order(data, now)
        if order is None:
            report.fail(number, errors)
        else:
            valid.append((number, order))
    known = existing_orders(order.reference for _n, order in valid)
    batch: list[tuple[int, OrderIn, _Pinned]] = []
    pending: dict[str, str] = {}  # reference -> payload hash, for this chunk
    for number, order in valid:
        seen = known.get(order.reference) or pending.get(order.reference)
        if seen is not None:
            if seen == order.payload_hash:
                report.replayed += 1
            else:
                errors = Errors()
                errors.add("reference", _conflict_message())
                report.fail(number, errors)
            continue
        pinned, errors = intake.resolve(order)
        if pinned is None:
            report.fail(number, errors)
            continue
        intake.resolver.remember_categories(pinned.resolved)
        pending[order.reference] = order.payload_hash
        batch.append((number, order, pinned))
    if not batch:
        return
    try:
        with transaction.atomic():
            intake.persist([pinned for _n, _o, pinned in batch])
        report.created += len(batch)
    except IntegrityError:
        # Someone else created one of these references meanwhile: one by one.
        intake.resolver.forget_writes()
        for number, order, _pinned in batch:
            result = ingest(order, intake=intake)
            if result.outcome == Outcome.CREATED:
                report.created += 1
            elif result.outcome == Outcome.REPLAYED:
                report.replayed += 1
            else:
                report.fail(number, result.errors)
