"""Everything one dashboard view shows, from the metrics, with labels in the
admin's language, the charts, and the links that drill down."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.translation import gettext as _

from policy_pages.labels import RESOLUTION
from return_portal.models import InspectionOutcome, ReturnReason

from . import metrics
from .charts import bar_chart
from .filters import Filters
from .models import SlaStep, Stage
from .templatetags.insights import count, rate

TOP_ROWS = 25


def reason_labels(language: str) -> dict[str, str]:
    labels = dict(
        ReturnReason.objects.filter(locale__language_code="en").values_list("code", "label")
    )
    labels.update(
        ReturnReason.objects.filter(locale__language_code=language).values_list("code", "label")
    )
    return labels


def returns_list_url(filters: Filters, reason_code: str = "") -> str:
    """The staff returns listing for the same period, seller and reason."""
    query = {
        "created_after": filters.start.isoformat(),
        "created_before": filters.end.isoformat(),
    }
    if filters.seller_ids is not None and len(filters.seller_ids) == 1:
        query["seller"] = next(iter(filters.seller_ids))
    if reason_code:
        query["reason"] = reason_code
    if filters.sku:
        query["q"] = filters.sku
    return reverse("returns:index") + "?" + urlencode(query)


@dataclass
class Dashboard:
    filters: Filters
    rate: metrics.Rate
    previous: metrics.Rate
    breakdown: list[metrics.Rate]
    reasons: list[metrics.ReasonCount]
    reason_focus: metrics.ReasonCount | None
    resolutions: metrics.Resolutions
    stages: list[metrics.StageTime]
    refunds: metrics.Refunds
    inspections: metrics.Inspections
    satisfaction: metrics.Satisfaction

    @property
    def empty(self) -> bool:
        return not (self.rate.units_sold or self.rate.units_returned)


def build(filters: Filters, breakdown: str, focus_reason: str, language: str) -> dict:
    labels = reason_labels(language)
    tree = metrics.reason_tree(filters, metrics.reason_parents())
    focus = next((node for node in tree if node.code == focus_reason), None)
    data = Dashboard(
        filters=filters,
        rate=metrics.return_rate(filters),
        previous=metrics.return_rate(filters.previous()),
        breakdown=metrics.return_rates_by(filters, breakdown)[:TOP_ROWS],
        reasons=tree,
        reason_focus=focus,
        resolutions=metrics.resolutions(filters),
        stages=metrics.stage_times(filters),
        refunds=metrics.refunds_and_deadlines(filters),
        inspections=metrics.inspections(filters),
        satisfaction=metrics.satisfaction(filters),
    )
    resolution_labels = dict(RESOLUTION)
    total_units = sum(node.units for node in tree) or 1
    shown = focus.children if focus else tree
    reason_rows = [
        {
            "code": node.code,
            "label": labels.get(node.code, node.code or _("No reason given")),
            "units": node.units,
            "share": node.units / total_units,
            "has_children": bool(node.children),
            "returns_url": returns_list_url(filters, node.code),
        }
        for node in shown
    ]
    return {
        "data": data,
        "reason_rows": reason_rows,
        "reason_focus_label": labels.get(focus.code, focus.code) if focus else "",
        "reason_chart": bar_chart(
            [(row["label"], row["units"], count(row["units"]), "") for row in reason_rows]
        ),
        "breakdown_chart": bar_chart(
            [
                (row.key or "–", row.unit_rate or 0, rate(row.unit_rate), "")
                for row in data.breakdown
            ]
        ),
        "resolution_rows": [
            {"label": resolution_labels.get(code, code), "units": units}
            for code, units in sorted(data.resolutions.units.items(), key=lambda i: -i[1])
        ],
        "stage_rows": [
            {"label": dict(Stage.choices)[stage.stage], "stage": stage} for stage in data.stages
        ],
        "deadline_rows": [
            {"label": dict(SlaStep.choices)[step.step], "step": step}
            for step in data.refunds.deadlines
        ],
        "outcome_rows": [
            {"label": label, "units": data.inspections.outcomes.get(code, 0)}
            for code, label in InspectionOutcome.choices
        ],
        "returns_url": returns_list_url(filters),
        "rating_rows": [
            {"rating": rating, "answers": data.satisfaction.ratings.get(rating, 0)}
            for rating in range(5, 0, -1)
        ],
    }
