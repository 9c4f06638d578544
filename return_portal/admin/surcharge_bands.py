"""The back office's settings form: the late-refund surcharge bands edited as a
table (from, to, percent) rather than as raw JSON.

The widget posts one row per band and turns the rows into the JSON the model
stores; the model's `clean` checks them (refunds.bands), so every problem is a
form error at the field, named by its band. Imports no model: the settings
model names this form as its `base_form_class`.
"""

from __future__ import annotations

import json

from django import forms
from django.utils.translation import gettext_lazy
from wagtail.admin.forms import WagtailAdminModelForm

# Empty rows offered below the bands, to add some.
SPARE_ROWS = 2
MAX_ROWS = 50
COLUMNS = ("from_days", "to_days", "percent")


class SurchargeBandsWidget(forms.Widget):
    template_name = "return_portal/admin/widgets/surcharge_bands.html"

    def format_value(self, value):
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                value = []
        return value if isinstance(value, list) else []

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        bands = [row for row in self.format_value(value) if isinstance(row, dict)]
        rows = [[str(row.get(column, "")) for column in COLUMNS] for row in bands] + [
            ["", "", ""] for _ in range(SPARE_ROWS)
        ]
        base_id = context["widget"]["attrs"].get("id") or f"id_{name}"
        context["widget"]["rows"] = [
            {
                "number": number,
                "cells": [
                    {
                        "name": f"{name}-{number}-{column}",
                        "id": base_id
                        if (number, column) == (1, "from_days")
                        else f"{base_id}-{number}-{column}",
                        "value": cell,
                        "column": column,
                    }
                    for column, cell in zip(COLUMNS, cells, strict=True)
                ],
            }
            for number, cells in enumerate(rows, start=1)
        ]
        return context

    def value_from_datadict(self, data, files, name):
        rows = []
        for number in range(1, MAX_ROWS + 1):
            cells = {column: data.get(f"{name}-{number}-{column}") for column in COLUMNS}
            if all(cell is None for cell in cells.values()):
                break
            cleaned = {column: (cell or "").strip() for column, cell in cells.items()}
            if not any(cleaned.values()):
                continue  # a spare row left empty
            rows.append(
                {
                    column: int(cell) if column != "percent" and cell.isdigit() else cell
                    for column, cell in cleaned.items()
                }
            )
        return json.dumps(rows)

    def value_omitted_from_data(self, data, files, name):
        return f"{name}-1-from_days" not in data


class SurchargeBandsField(forms.JSONField):
    widget = SurchargeBandsWidget

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", gettext_lazy("late-refund surcharge bands"))
        kwargs.setdefault(
            "help_text",
            gettext_lazy(
                "Days late (more than “from”, at most “to”) and the percentage added to the "
                "refund. Below the first band the legal interest rate applies; after the last, "
                "the further points per month. Each band starts where the previous one ends."
            ),
        )
        super().__init__(**kwargs)


class BackOfficeSettingsForm(WagtailAdminModelForm):
    late_surcharge_bands = SurchargeBandsField()
