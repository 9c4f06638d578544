"""Every dashboard view as CSV: the same figures, one file per section."""

from __future__ import annotations

import csv
from io import StringIO

from django.http import HttpResponse
from django.utils.translation import gettext as _

FORMULA = ("=", "+", "-", "@", "\t", "\r")
SECTIONS = ("rates", "reasons", "resolutions", "stages", "deadlines", "inspections")


def _rate(value):
    return "" if value is None else f"{value:.4f}"


def _hours(value):
    return "" if value is None else f"{value:.1f}"


def rows_for(section: str, context: dict) -> list[list]:
    data = context["data"]
    if section == "rates":
        rows = [
            [
                _("Group"),
                _("Units sold"),
                _("Units returned"),
                _("Unit return rate"),
                _("Value sold"),
                _("Value returned"),
                _("Value return rate"),
                _("Currency"),
            ]
        ]
        for row in [data.rate, *data.breakdown]:
            rows.append(
                [
                    row.key or _("All"),
                    row.units_sold,
                    row.units_returned,
                    _rate(row.unit_rate),
                    row.value_sold,
                    row.value_returned,
                    _rate(row.value_rate),
                    data.filters.currency,
                ]
            )
        return rows
    if section == "reasons":
        rows = [[_("Reason code"), _("Reason"), _("Units returned"), _("Share")]]
        rows += [
            [r["code"], r["label"], r["units"], _rate(r["share"])] for r in context["reason_rows"]
        ]
        return rows
    if section == "resolutions":
        money = data.resolutions
        rows = [[_("Resolution"), _("Units returned")]]
        rows += [[r["label"], r["units"]] for r in context["resolution_rows"]]
        rows += [
            [_("Refunded"), money.refunded],
            [_("Store credit"), money.credited],
            [_("Exchanged"), money.exchanged],
            [_("Retained share"), _rate(money.retained_share)],
        ]
        return rows
    if section == "stages":
        rows = [[_("Stage"), _("Returns"), _("Mean (hours)"), _("p50 (hours)"), _("p90 (hours)")]]
        rows += [
            [
                row["label"],
                row["stage"].returns,
                _hours(row["stage"].mean_hours),
                _hours(row["stage"].p50_hours),
                _hours(row["stage"].p90_hours),
            ]
            for row in context["stage_rows"]
        ]
        return rows
    if section == "deadlines":
        rows = [[_("Step"), _("On time"), _("Late"), _("Overdue, still open"), _("Compliance")]]
        rows += [
            [row["label"], d.on_time, d.late, d.overdue, _rate(d.compliance)]
            for row in context["deadline_rows"]
            for d in [row["step"]]
        ]
        rows += [
            [_("Refund total"), data.refunds.refunded],
            [_("Refunds paid late"), data.refunds.refunds_late],
            [_("Late surcharges paid"), data.refunds.surcharges],
        ]
        return rows
    checked = data.inspections
    rows = [[_("Outcome"), _("Units")]]
    rows += [[r["label"], r["units"]] for r in context["outcome_rows"]]
    rows += [
        [_("Deductions"), checked.deductions],
        [_("Claimed defective"), checked.defect_claims],
        [_("No defect found"), checked.no_defect_found],
    ]
    return rows


def csv_response(section: str, context: dict) -> HttpResponse:
    buffer = StringIO()
    writer = csv.writer(buffer)
    for row in rows_for(section, context):
        # A cell starting with = + - @ (or a tab or return before one) would run as
        # a formula in a spreadsheet.
        writer.writerow([f"'{c}" if isinstance(c, str) and c[:1] in FORMULA else c for c in row])
    filters = context["data"].filters
    name = f"returns-{section}-{filters.start.isoformat()}-{filters.end.isoformat()}.csv"
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
