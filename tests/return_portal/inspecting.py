"""Test helpers for receiving and inspecting: a checklist that passes, a unit
result of each outcome, and "inspect every unit received" through the action."""

from decimal import Decimal

from return_portal import inspection
from return_portal.inspection import CheckResult, UnitResult
from return_portal.models import InspectionCheck, InspectionOutcome, UnitInspection


def checklist(**failed):
    """Every check passed, but those named (code=note), failed with that note."""
    return {
        code: CheckResult(False, failed[code]) if code in failed else CheckResult(True)
        for code in InspectionCheck.values
    }


def full_refund(**failed):
    return UnitResult(InspectionOutcome.FULL_REFUND, checklist(**failed))


def partial_refund(deduction, reason="Scuffed: worn outdoors", **failed):
    return UnitResult(
        InspectionOutcome.PARTIAL_REFUND,
        checklist(**failed),
        deduction=Decimal(deduction),
        deduction_reason=reason,
    )


def refused(justification="Not the item sold", disposition="return_to_buyer", **failed):
    return UnitResult(
        InspectionOutcome.REFUSED,
        checklist(**failed),
        justification=justification,
        disposition=disposition,
    )


def awaiting_units(return_request):
    done = set(
        UnitInspection.objects.filter(return_line__return_request=return_request).values_list(
            "return_line_id", "unit"
        )
    )
    return [
        (line.pk, unit)
        for line in return_request.lines.order_by("pk")
        for unit in range(1, (line.received_quantity or 0) + 1)
        if (line.pk, unit) not in done
    ]


def inspect_every_unit(return_request, actor, result=None, **kwargs):
    """Every received unit not yet inspected gets `result` (a full refund, all passed)."""
    result = result or full_refund()
    return inspection.inspect_units(
        return_request,
        [(pk, unit, result) for pk, unit in awaiting_units(return_request)],
        actor=actor,
        **kwargs,
    )


# --- the admin's forms, as a browser posts them ------------------------------------------


def receipt_post(line, received=0, lost=0, wrong_item=0, short=0):
    """The receive form's fields of one line."""
    prefix = f"receive-{line.pk}"
    return {
        f"{prefix}-received": str(received),
        f"{prefix}-lost": str(lost),
        f"{prefix}-wrong_item": str(wrong_item),
        f"{prefix}-short": str(short),
    }


def unit_post(line, unit, outcome="full_refund", failed=None, **values):
    """The inspect form's fields of one unit: every check passed but those in
    `failed` ({code: note}); `values` set the other fields (deduction, …)."""
    prefix = f"inspect-{line.pk}-{unit}"
    failed = failed or {}
    data = {f"{prefix}-outcome": outcome}
    for code in InspectionCheck.values:
        data[f"{prefix}-{code}"] = "fail" if code in failed else "pass"
        data[f"{prefix}-{code}_note"] = failed.get(code, "")
    data.update({f"{prefix}-{name}": value for name, value in values.items()})
    return data


# --- at the same moment (PostgreSQL) ------------------------------------------------------


def at_once(*calls):
    """Run the calls at the same moment, each on its own connection; the first to
    hold the return's lock lingers in its transaction (a slow email), so without
    the lock the others would read the same old state. What each gave: "ok" or
    the exception's class name."""
    import threading
    import time
    from unittest import mock

    from django.db import connections

    from return_portal import notifications

    barrier = threading.Barrier(len(calls))
    outcomes = []
    original = notifications.queue

    def slow_queue(*args, **kwargs):
        result = original(*args, **kwargs)
        time.sleep(0.3)
        return result

    def attempt(call):
        try:
            barrier.wait(timeout=10)
            call()
            outcomes.append("ok")
        except Exception as error:  # the outcome is what the test reads
            outcomes.append(type(error).__name__)
        finally:
            connections.close_all()

    with mock.patch.object(notifications, "queue", slow_queue):
        threads = [threading.Thread(target=attempt, args=(call,)) for call in calls]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    return sorted(outcomes)
