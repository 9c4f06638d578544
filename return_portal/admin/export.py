"""The queue's export: the filtered, searched rows as CSV or XLSX (Wagtail's
spreadsheet export of the IndexView, `?export=csv|xlsx` on the listing URL).

Only the user's sellers' returns (the listing's own queryset). Instants are ISO
8601 in UTC; amounts are plain decimals with their ISO currency in the next
column. A cell a spreadsheet would run as a formula (=, +, -, @, tab, CR at the
start: a buyer's email or an order reference can be anything) is prefixed with
an apostrophe in CSV; XLSX cells are written as strings, never formulas.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import UTC, datetime
from decimal import Decimal

from django.utils.translation import gettext_lazy

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK = 2000

# (field, heading); the values come from `export_row`.
EXPORT_COLUMNS = [
    ("rma", gettext_lazy("RMA")),
    ("order", gettext_lazy("Order")),
    ("seller", gettext_lazy("Seller")),
    ("buyer_email", gettext_lazy("Buyer email")),
    ("kind", gettext_lazy("Kind")),
    ("status", gettext_lazy("Status")),
    ("reason", gettext_lazy("Reason")),
    ("assignee", gettext_lazy("Assigned to")),
    ("created_at", gettext_lazy("Created")),
    ("approval_due_by", gettext_lazy("Decision due by")),
    ("ship_by", gettext_lazy("Ship by")),
    ("refund_due_by", gettext_lazy("Refund due by")),
    ("estimated_total", gettext_lazy("Estimated refund")),
    ("settled_total", gettext_lazy("Settled amount")),
    ("currency", gettext_lazy("Currency")),
    ("refund_overdue", gettext_lazy("Refund overdue")),
]


def iso(instant: datetime | None) -> str:
    return instant.astimezone(UTC).isoformat() if instant else ""


def export_row(r) -> OrderedDict:
    """One return as the export writes it (its order, buyer, seller, reason and
    assignee come with the row: select_related)."""
    buyer = r.buyer.email if r.buyer_id and r.buyer.email else r.order.buyer_email
    return OrderedDict(
        [
            ("rma", r.rma),
            ("order", r.order.reference),
            ("seller", r.seller.name if r.seller_id else ""),
            ("buyer_email", buyer),
            ("kind", str(r.get_kind_display())),
            ("status", str(r.get_status_display())),
            ("reason", r.reason.label if r.reason_id else ""),
            ("assignee", r.assignee.get_username() if r.assignee_id else ""),
            ("created_at", iso(r.created_at)),
            ("approval_due_by", iso(r.approval_due_by)),
            ("ship_by", iso(r.ship_by)),
            ("refund_due_by", iso(r.refund_due_by)),
            ("estimated_total", r.estimated_total),
            ("settled_total", r.settled_total if r.settled_total is not None else ""),
            ("currency", r.currency),
            ("refund_overdue", bool(getattr(r, "refund_overdue", False))),
        ]
    )


def defuse(value):
    """A text cell that cannot run as a formula when the CSV is opened."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class ReturnExportMixin:
    """Wagtail's SpreadsheetExportMixin (part of IndexView), fed the queue's rows."""

    list_export = [field for field, _heading in EXPORT_COLUMNS]
    export_headings = dict(EXPORT_COLUMNS)
    export_filename = "returns"
    custom_value_preprocess = {
        Decimal: {"csv": str, "xlsx": None},  # XLSX keeps numbers as numbers
        bool: {"csv": lambda value: "true" if value else "false", "xlsx": None},
    }

    def get_filename(self):
        return f"{self.export_filename}-{datetime.now(UTC):%Y%m%d-%H%M}"

    def to_row_dict(self, item):
        return export_row(item)

    def preprocess_field_value(self, field, value, export_format):
        value = super().preprocess_field_value(field, value, export_format)
        return defuse(value) if export_format == self.FORMAT_CSV else value

    def get(self, request, *args, **kwargs):
        # An export needs the rows only: not the page's table, filters' choices
        # or a count of them all.
        if getattr(self, "is_export", False):
            rows = self.export_queryset().iterator(chunk_size=CHUNK)
            return self.as_spreadsheet(rows, request.GET.get("export"))
        return super().get(request, *args, **kwargs)

    def export_queryset(self):
        return self.get_queryset()

    def get_heading(self, queryset, field):
        return str(self.export_headings.get(field, field))
