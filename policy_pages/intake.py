"""Order intake with its pins: for the API, the `import_orders` command and the
demo seed.

An order is validated by its schema (marketplace.order_schemas), resolved and saved
by marketplace.intake, and each of its lines is pinned here, in the same
transaction, to the return policy version in force for its market and seller
when the order was placed. A line with no such version refuses the whole
order: a marketplace cannot sell without one.

`ingest_order(data)` takes one order, all or nothing, idempotent by order
reference: a replay answers "replayed", a different payload under the same
reference "conflict", and concurrent identical submissions are safe.
`import_orders(lines)` takes JSON Lines in chunks, with errors per line number.
Each run keeps one `Timelines` (the cached bulk form of the in-force rule).

Proof of display: an order (or a line, overriding it) may name the policy
version the buyer was shown at checkout (`displayed_policy`: slug, version,
hash). It must name a version that exists, with that version's hash, or the
order is refused (400 "unknown" at the field). A real version other than the
one in force is taken and recorded on the pin as a mismatch: the storefront
showed the wrong text, which is exactly what the audit must be able to show.
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
from marketplace.fields import Errors
from marketplace.intake import ResolvedOrder, Resolver, existing_orders
from marketplace.line_schemas import DisplayedPolicyIn
from marketplace.models import Order
from marketplace.order_schemas import OrderIn, validate_order

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
    displayed: list[PolicyVersion | None]  # one per line: the version shown, if told


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
        # slug -> {number: versions}: one query per policy named, for the whole run.
        # Several, should two policies share a slug; the hash tells them apart.
        self._versions_by_slug: dict[str, dict[int, list[PolicyVersion]]] = {}

    def _versions_of(self, slug: str, *, reload: bool = False) -> dict[int, list[PolicyVersion]]:
        if reload or slug not in self._versions_by_slug:
            versions: dict[int, list[PolicyVersion]] = {}
            for version in PolicyVersion.objects.filter(policy__slug=slug).select_related("policy"):
                versions.setdefault(version.number, []).append(version)
            self._versions_by_slug[slug] = versions
        return self._versions_by_slug[slug]

    def displayed_version(
        self, shown: DisplayedPolicyIn, path: str, errors: Errors
    ) -> PolicyVersion | None:
        """The version a displayed_policy names, or None with the error at its field."""
        versions = self._versions_of(shown.slug)
        if shown.version not in versions:
            # Published since this run loaded the policy (a long import): look again.
            versions = self._versions_of(shown.slug, reload=True)
        if not versions:
            errors.add(f"{path}.slug", _("No policy has this slug."), code=ErrorCode.UNKNOWN)
            return None
        if shown.version not in versions:
            errors.add(
                f"{path}.version",
                _("This policy has no version with this number."),
                code=ErrorCode.UNKNOWN,
            )
            return None
        for version in versions[shown.version]:
            if version.hash == shown.hash:
                return version
        errors.add(
            f"{path}.hash",
            _("This is not the hash of this version: send the hash the embed or the API gave."),
            code=ErrorCode.UNKNOWN,
        )
        return None

    def resolve(self, order: OrderIn) -> tuple[_Pinned | None, Errors]:
        """The categories (marketplace), the version of each line and the version
        shown for it, or the errors."""
        resolved, errors = self.resolver.resolve(order)
        shown_for_order = None
        if order.displayed_policy is not None:
            shown_for_order = self.displayed_version(
                order.displayed_policy, "displayed_policy", errors
            )
        versions = []
        displayed = []
        for index, line in enumerate(order.lines):
            shown = shown_for_order
            if line.displayed_policy is not None:
                shown = self.displayed_version(
                    line.displayed_policy, f"lines[{index}].displayed_policy", errors
                )
            displayed.append(shown)
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
        return _Pinned(resolved, versions, displayed), errors

    def persist(self, orders: list[_Pinned]) -> list[Order]:
        """Create the orders, their lines and their pins. Call inside a transaction."""
        created = self.resolver.persist([pinned.resolved for pinned in orders])
        LinePin.objects.bulk_create(
            [
                LinePin(
                    line_id=line.pk,
                    version_id=version.pk,
                    displayed_version_id=shown.pk if shown else None,
                    display_matches=(shown.pk == version.pk) if shown else None,
                )
                for made, pinned in zip(created, orders, strict=True)
                for line, version, shown in zip(
                    made.lines, pinned.versions, pinned.displayed, strict=True
                )
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
