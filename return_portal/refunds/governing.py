"""Which pinned policy a refund of an order follows."""

from __future__ import annotations

from policy_pages.pins import LinePin

from ..models import ReturnLine, ReturnRequest


def governing_rules(order_id: int, return_request: ReturnRequest | None = None):
    """The pinned policy rules a refund of the order follows: those of the return's
    first line (as `settlement_input` reads them), else of the order's first line;
    None when no line is pinned."""
    line_id = None
    if return_request is not None:
        line_id = (
            ReturnLine.objects.filter(return_request_id=return_request.pk)
            .order_by("pk")
            .values_list("order_line_id", flat=True)
            .first()
        )
    pins = LinePin.objects.select_related("version")
    pin = (
        pins.filter(line_id=line_id).first()
        if line_id is not None
        else pins.filter(line__order_id=order_id).order_by("line__position", "line__pk").first()
    )
    return pin.version.rules if pin else None
