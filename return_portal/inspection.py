"""Inspecting each received unit: the checklist, the outcome, and what the unit earns.

Only units that arrived are inspected: unit 1..received_quantity of each line,
once the return is `received` (every unit accounted for). Each gets one
`UnitInspection`: every check of the checklist passed or failed (a failure says
why), and one outcome: a full refund; a partial refund, less a deduction for the
loss of value from handling beyond what was needed to check the item, with its
reason (Directive 2011/83/EU Art. 14(2); C. consom. L221-23), where the pinned
policy applies such deductions; a repair; a replacement; store credit; or
refused, with a justification and what happens to the goods (sent back to the
buyer, or kept at their request).

What a unit earns and the rules each result holds are in inspection_rules.py
(`unit_earnings`, `result_errors`, re-exported here): a deduction never exceeds
the earnings, here and by the database's constraint; a refused unit earns nothing.

One action, `inspect_units`: it checks the actor (staff, step INSPECT), locks the
return and its lines, writes the rows and the photos, and records the event
"unit_inspected", or the transition to `inspected` once every received unit has
its result, with the audit entry (and the buyer's email on the transition), in
one transaction. A unit already inspected is refused, so a double submit writes
one row (and the unique (return_line, unit) constraint backs that up).

`outcomes_of` is what the settlement reads: per line, its units by outcome, the
deductions with their reasons, and the restocking fee.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from . import actors, inspection_photos, lifecycle
from .actors import Step
from .inspection_rules import (
    PAID_OUTCOMES,
    ZERO,
    CheckResult,
    UnitResult,
    charges_restocking,
    deducts_for_handling,
    restocking_fee,
    result_errors,
    unit_earnings,
)
from .models import (
    ActorKind,
    InspectionOutcome,
    ReturnLine,
    ReturnRequest,
    ReturnStatus,
    UnitInspection,
)
from .refunds.estimate import money

__all__ = [
    "CheckResult",
    "LineOutcomes",
    "UnitOutcome",
    "UnitResult",
    "charges_restocking",
    "deducts_for_handling",
    "inspect_units",
    "outcomes_of",
    "restocking_fee",
    "result_errors",
    "unit_earnings",
]

S = ReturnStatus
Outcome = InspectionOutcome
STAFF = ActorKind.STAFF
UNIT_INSPECTED = "unit_inspected"  # the event (and audit verb) while units remain


# --- the action ------------------------------------------------------------------------


def awaiting(line: ReturnLine, inspected_units: set[int]) -> list[int]:
    """The units of the line that arrived and have no result yet."""
    return [
        unit for unit in range(1, (line.received_quantity or 0) + 1) if unit not in inspected_units
    ]


def inspect_units(
    return_request: ReturnRequest,
    results: Sequence[tuple[int, int, UnitResult]],
    *,
    actor,
    actor_kind: str | None = None,
    at: datetime | None = None,
) -> ReturnRequest:
    """Record the results of units ((ReturnLine pk, unit number, result) each). The
    return becomes `inspected` once every received unit has its result (with no
    unit received at all, an empty list moves it on). Raises TransitionError
    unless the return is received, ValueError for a result that does not hold
    (nothing is written)."""
    actor_kind = actor_kind or STAFF
    actors.check(return_request, actor, actor_kind, (STAFF,), step=Step.INSPECT)
    at = at or timezone.now()
    stored_photos: list = []
    try:
        with transaction.atomic():
            done = _inspect_locked(
                return_request, list(results), actor, actor_kind, at, stored_photos
            )
    except IntegrityError as error:
        inspection_photos.discard(stored_photos)
        # The lock makes this rare (the unique unit, the bounds held by the database).
        raise ValueError(_("This unit was inspected meanwhile: reload the page.")) from error
    except BaseException:
        inspection_photos.discard(stored_photos)
        raise
    for name in ("status", "updated_at"):
        setattr(return_request, name, getattr(done, name))
    return done


def _inspect_locked(return_request, results, actor, actor_kind, at, stored_photos):
    # The return, then its lines: the order receiving locks them in too.
    locked = (
        ReturnRequest.objects.select_for_update(of=("self",))
        .select_related("buyer", "order")
        .get(pk=return_request.pk)
    )
    if locked.status != S.RECEIVED:
        raise lifecycle.TransitionError(locked, S.INSPECTED)
    lines = {
        line.pk: line
        for line in ReturnLine.objects.select_for_update(of=("self",))
        .select_related("order_line__pin__version")
        .filter(return_request=locked)
        .order_by("pk")
    }
    inspected: dict[int, set[int]] = {pk: set() for pk in lines}
    for line_id, unit in UnitInspection.objects.filter(return_line__in=list(lines)).values_list(
        "return_line_id", "unit"
    ):
        inspected[line_id].add(unit)
    planned = _check_results(locked, lines, inspected, results)
    left = sum(len(awaiting(line, inspected[pk])) for pk, line in lines.items()) - len(planned)
    summary = "; ".join(
        f"{lines[pk].order_line.title} #{unit}: {Outcome(result.outcome).label}"
        + (
            f" (−{money(Decimal(result.deduction))})"
            if result.outcome == Outcome.PARTIAL_REFUND
            else ""
        )
        for pk, unit, result, _earnings in planned
    )

    def apply(r: ReturnRequest) -> str:
        for pk, unit, result, earnings in planned:
            row = UnitInspection.objects.create(
                return_line=lines[pk],
                unit=unit,
                checks={
                    code: {"passed": check.passed, "note": check.note.strip()}
                    for code, check in result.checks.items()
                },
                outcome=result.outcome,
                earnings=earnings,
                deduction=money(Decimal(result.deduction)),
                deduction_reason=result.deduction_reason.strip(),
                justification=result.justification.strip(),
                disposition=result.disposition,
                inspected_by=actor,
                inspected_at=at,
            )
            inspection_photos.store(row, result.photos, stored_photos)
        return summary

    if left == 0:
        # The buyer's email says the items were checked; the details are staff's.
        return lifecycle.transition(
            locked,
            S.INSPECTED,
            actor=actor,
            actor_kind=actor_kind,
            may=(STAFF,),
            step=Step.INSPECT,
            at=at,
            apply=apply,
            held=True,
        )
    return lifecycle.record_event(
        locked,
        UNIT_INSPECTED,
        actor=actor,
        actor_kind=actor_kind,
        may=(STAFF,),
        step=Step.INSPECT,
        at=at,
        apply=apply,
    )


def _check_results(locked, lines, inspected, results):
    """The results as (line pk, unit, result, earnings), or ValueError naming the
    first unit that does not hold."""
    if not results and any(awaiting(line, inspected[pk]) for pk, line in lines.items()):
        raise ValueError(_("Record the result of at least one unit."))
    planned, seen = [], set()
    for entry in results:
        try:
            pk, unit, result = entry
        except (TypeError, ValueError):
            raise ValueError(_("Each result names its line and its unit.")) from None
        line = lines.get(pk)
        if line is None or not isinstance(result, UnitResult):
            raise ValueError(_("A unit of the inspection is not one of this return's units."))
        line.return_request = locked
        title = line.order_line.title
        if not isinstance(unit, int) or not 1 <= unit <= (line.received_quantity or 0):
            raise ValueError(
                _("%(title)s: unit %(unit)s was not received.") % {"title": title, "unit": unit}
            )
        if unit in inspected[pk] or (pk, unit) in seen:
            raise ValueError(
                _("%(title)s: unit %(unit)d is already inspected.") % {"title": title, "unit": unit}
            )
        seen.add((pk, unit))
        earnings = unit_earnings(line)
        errors = result_errors(
            result,
            earnings=earnings,
            deduction_allowed=deducts_for_handling(line),
            currency=locked.currency,
            exchange=locked.resolution == "exchange",
        )
        if errors:
            raise ValueError(
                _("%(title)s, unit %(unit)d: %(error)s")
                % {"title": title, "unit": unit, "error": next(iter(errors.values()))}
            )
        planned.append((pk, unit, result, ZERO if result.outcome == Outcome.REFUSED else earnings))
    return planned


# --- what the settlement reads -----------------------------------------------------------


@dataclass(frozen=True)
class UnitOutcome:
    unit: int
    outcome: str
    earnings: Decimal  # before the deduction; 0 when refused
    deduction: Decimal
    deduction_reason: str
    justification: str
    disposition: str

    @property
    def paid(self) -> Decimal:
        """What the unit earns after its deduction (refund or credit alike)."""
        return self.earnings - self.deduction if self.outcome in PAID_OUTCOMES else ZERO


@dataclass(frozen=True)
class LineOutcomes:
    line_id: int
    order_line_id: int
    title: str
    quantity: int
    received: int
    lost: int
    wrong_item: int
    short: int
    unit_price: Decimal
    # Per unit, where the policy's fee may be charged (else 0), and its clause.
    restocking_fee: Decimal
    restocking_clause: str
    units: tuple[UnitOutcome, ...] = field(default=())

    @property
    def uninspected(self) -> int:
        return self.received - len(self.units)

    @property
    def by_outcome(self) -> dict[str, int]:
        return dict(Counter(unit.outcome for unit in self.units))

    @property
    def deductions(self) -> list[tuple[int, Decimal, str]]:
        """(unit, amount, reason) of each deduction."""
        return [(u.unit, u.deduction, u.deduction_reason) for u in self.units if u.deduction]

    @property
    def restocking(self) -> Decimal:
        """The restocking fee on the units paid for (a refused, repaired or
        replaced unit pays none)."""
        paid = sum(1 for unit in self.units if unit.outcome in PAID_OUTCOMES)
        return self.restocking_fee * paid


def outcomes_of(return_request: ReturnRequest) -> list[LineOutcomes]:
    """Per line of the return (in the lines' order): the receipt's counts and each
    inspected unit's outcome. Two queries."""
    lines = (
        ReturnLine.objects.filter(return_request_id=return_request.pk)
        .select_related("order_line__pin__version")
        .prefetch_related(
            Prefetch("unit_inspections", queryset=UnitInspection.objects.order_by("unit"))
        )
        .order_by("pk")
    )
    outcomes = []
    for line in lines:
        line.return_request = return_request
        rules = line.order_line.pin.version.rules
        outcomes.append(
            LineOutcomes(
                line_id=line.pk,
                order_line_id=line.order_line_id,
                title=line.order_line.title,
                quantity=line.quantity,
                received=line.received_quantity or 0,
                lost=line.lost_quantity,
                wrong_item=line.wrong_item_quantity,
                short=line.short_quantity,
                unit_price=line.order_line.unit_price,
                restocking_fee=restocking_fee(line),
                restocking_clause=rules.money_clause,
                units=tuple(
                    UnitOutcome(
                        unit=row.unit,
                        outcome=row.outcome,
                        earnings=row.earnings,
                        deduction=row.deduction,
                        deduction_reason=row.deduction_reason,
                        justification=row.justification,
                        disposition=row.disposition,
                    )
                    for row in line.unit_inspections.all()
                ),
            )
        )
    return outcomes
