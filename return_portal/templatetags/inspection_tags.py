"""The inspection section of a return's staff page (admin/_inspection.html):
each line's inspected units with their checklist and photos, the units still
awaiting a result, and when the inspection is due. The same few queries however
many units and photos."""

from __future__ import annotations

from dataclasses import dataclass

from django import template
from django.db.models import Prefetch

from ..models import ReturnEvent, ReturnLine, ReturnStatus, UnitInspection
from ..receiving import inspection_due_by

register = template.Library()


@dataclass(frozen=True)
class LineInspections:
    line: ReturnLine
    units: list[UnitInspection]
    awaiting: int


@register.simple_tag
def inspection_of(return_request) -> dict:
    lines = (
        ReturnLine.objects.filter(return_request_id=return_request.pk)
        .select_related("order_line")
        .prefetch_related(
            Prefetch(
                "unit_inspections",
                queryset=UnitInspection.objects.select_related("inspected_by")
                .prefetch_related("photos")
                .order_by("unit"),
            )
        )
        .order_by("pk")
    )
    rows = []
    for line in lines:
        units = list(line.unit_inspections.all())
        rows.append(
            LineInspections(line, units, max(0, (line.received_quantity or 0) - len(units)))
        )
    due_by = None
    if return_request.status == ReturnStatus.RECEIVED:
        received_at = (
            ReturnEvent.objects.filter(
                return_request_id=return_request.pk, code="", to_status=ReturnStatus.RECEIVED
            )
            .order_by("-at")
            .values_list("at", flat=True)
            .first()
        )
        due_by = inspection_due_by(received_at) if received_at else None
    return {
        "lines": [row for row in rows if row.units or row.awaiting],
        "any": any(row.units for row in rows),
        "due_by": due_by,
    }
