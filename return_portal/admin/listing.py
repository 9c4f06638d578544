"""The returns listing: its deadline columns and its filters."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic import IndexView

from .. import support
from ..models import ReturnKind, ReturnRequest, ReturnStatus


class DeadlineColumn(Column):
    """A deadline, flagged "Overdue" when the row's `flag` annotation says so."""

    cell_template_name = "return_portal/admin/deadline_cell.html"

    def __init__(self, name, flag: str, **kwargs):
        super().__init__(name, **kwargs)
        self.flag = flag

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["overdue"] = bool(getattr(instance, self.flag, False))
        return context


def buyer_email(return_request: ReturnRequest) -> str:
    if return_request.buyer_id and return_request.buyer.email:
        return return_request.buyer.email
    return return_request.order.buyer_email


class ReturnFilterSet(WagtailFilterSet):
    status = django_filters.ChoiceFilter(
        label=gettext_lazy("Status"),
        choices=ReturnStatus.choices,
        empty_label=gettext_lazy("All"),
    )
    kind = django_filters.ChoiceFilter(
        label=gettext_lazy("Kind"), choices=ReturnKind.choices, empty_label=gettext_lazy("All")
    )
    overdue = django_filters.ChoiceFilter(
        label=gettext_lazy("Deadlines"),
        choices=[
            (support.OVERDUE_ANY, gettext_lazy("Any deadline passed")),
            (support.OVERDUE_REFUND, gettext_lazy("Refund overdue")),
            (support.OVERDUE_SHIPPING, gettext_lazy("Parcel not sent by the ship-by date")),
        ],
        empty_label=gettext_lazy("All"),
        method="filter_overdue",
    )

    class Meta:
        model = ReturnRequest
        fields = ["status", "kind", "overdue"]

    def filter_overdue(self, queryset, name, value):
        return support.overdue(queryset, value)


class ReturnIndexView(IndexView):
    def get_base_queryset(self):
        queryset = super().get_base_queryset().select_related("order", "buyer")
        return support.with_deadlines(queryset)
