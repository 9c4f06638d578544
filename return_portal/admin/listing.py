"""The returns listing (the queue): its filters, search, columns and the rows'
next deadline, in Wagtail's generic IndexView.

Every row, filter choice and export row is within the user's seller scope
(marketplace.scoping). A page of the queue costs a fixed number of queries
however many returns there are: the rows with their order, buyer, seller and
assignee (one query, deadline flags as annotations), the count, and one query
per filter's choices.
"""

from __future__ import annotations

import django_filters
from django import forms
from django.contrib.admin.utils import quote
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone, translation
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import BulkActionsCheckboxColumn, Column, StatusTagColumn
from wagtail.admin.views.generic import IndexView

from marketplace.models import Seller
from marketplace.scoping import scope_of_user

from .. import support
from ..approval import SCREENING_FLAGGED
from ..assignment import assignable_staff
from ..models import (
    BackOfficeSettings,
    ReturnEvent,
    ReturnKind,
    ReturnPhoto,
    ReturnReason,
    ReturnRequest,
    ReturnStatus,
)
from .bulk import footer_buttons
from .countdown import next_deadline
from .deadline_filter import DEADLINES, filter_by_deadline, received_at, with_deadlines
from .export import ReturnExportMixin
from .search import search_returns

BULK_OBJECT_TYPE = "return"


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


class StatusColumn(StatusTagColumn):
    """The status tag, and a "Refund failed" tag with the provider's reason when a
    payout of the return failed through every retry (the row's `refund_failed`
    and `refund_error`, set with its deadline flags: no query per row)."""

    cell_template_name = "return_portal/admin/status_cell.html"

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["refund_failed"] = bool(getattr(instance, "refund_failed", False))
        context["refund_error"] = getattr(instance, "refund_error", None) or ""
        return context


class CountdownColumn(Column):
    """The next deadline: its kind, how far off it is in words, and its date;
    coloured by urgency, but the words say it too (`IndexView` sets
    `next_deadline` on each row of the page)."""

    cell_template_name = "return_portal/admin/countdown_cell.html"

    def __init__(self, name="next_deadline", **kwargs):
        super().__init__(name, accessor="next_deadline", **kwargs)


def buyer_email(return_request: ReturnRequest) -> str:
    if return_request.buyer_id and return_request.buyer.email:
        return return_request.buyer.email
    return return_request.order.buyer_email


def assignee_name(return_request: ReturnRequest) -> str:
    return return_request.assignee.get_username() if return_request.assignee_id else ""


# --- filters ----------------------------------------------------------------------------

ASSIGNED_TO_ME, UNASSIGNED = "me", "none"

FLAG_PHOTOS, FLAG_DEFECT, FLAG_REFUND_FAILED, FLAG_STATUTORY, FLAG_SCREENING = (
    "photos",
    "defect",
    "refund_failed",
    "statutory",
    "screening",
)
FLAGS = [
    (FLAG_PHOTOS, gettext_lazy("Has photos")),
    (FLAG_DEFECT, gettext_lazy("Defect claim")),
    (FLAG_REFUND_FAILED, gettext_lazy("Refund failed")),
    (FLAG_STATUTORY, gettext_lazy("Statutory withdrawal")),
    (FLAG_SCREENING, gettext_lazy("Flagged by screening")),
]


def _flag_condition(flag: str):
    if flag == FLAG_PHOTOS:
        return Exists(ReturnPhoto.objects.filter(return_request=OuterRef("pk")))
    if flag == FLAG_DEFECT:
        return Q(reason_is_defect=True)
    if flag == FLAG_SCREENING:  # approval.record_screening
        return Exists(
            ReturnEvent.objects.filter(return_request=OuterRef("pk"), code=SCREENING_FLAGGED)
        )
    if flag == FLAG_REFUND_FAILED:
        return Q(refund_failed=True)  # with_deadlines: a payout failed through every retry
    return Q(statutory=True)


class ReturnFilterSet(WagtailFilterSet):
    status = django_filters.ChoiceFilter(
        label=gettext_lazy("Status"),
        choices=ReturnStatus.choices,
        empty_label=gettext_lazy("All"),
    )
    seller = django_filters.ModelChoiceFilter(
        label=gettext_lazy("Seller"),
        queryset=Seller.objects.none(),  # the user's sellers, set per request
        empty_label=gettext_lazy("All"),
    )
    reason = django_filters.ChoiceFilter(
        label=gettext_lazy("Reason"),
        choices=[],  # the reasons in the admin's language, set per request
        empty_label=gettext_lazy("All"),
        method="filter_reason",
    )
    overdue = django_filters.ChoiceFilter(
        label=gettext_lazy("Deadlines"),
        choices=DEADLINES,
        empty_label=gettext_lazy("All"),
        method="filter_deadline",
    )
    assignee = django_filters.ChoiceFilter(
        label=gettext_lazy("Assigned to"),
        choices=[],  # me, nobody, or a colleague within scope, set per request
        empty_label=gettext_lazy("Anyone"),
        method="filter_assignee",
    )
    flags = django_filters.MultipleChoiceFilter(
        label=gettext_lazy("Flags"),
        choices=FLAGS,
        widget=forms.CheckboxSelectMultiple,
        method="filter_flags",
    )
    kind = django_filters.ChoiceFilter(
        label=gettext_lazy("Kind"), choices=ReturnKind.choices, empty_label=gettext_lazy("All")
    )
    # ?created_after=…&created_before=… (dates, inclusive): the KPI dashboard's links.
    created = django_filters.DateFromToRangeFilter(
        label=gettext_lazy("Requested between"), field_name="created_at"
    )

    class Meta:
        model = ReturnRequest
        fields = ["status", "seller", "reason", "overdue", "assignee", "flags", "kind", "created"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, request=request, **kwargs)
        user = getattr(request, "user", None)
        scope = scope_of_user(user)
        self.filters["seller"].queryset = scope.filter(Seller.objects.all(), field="pk")
        self.filters["reason"].extra["choices"] = reason_choices
        self.filters["assignee"].extra["choices"] = lambda: assignee_choices(scope)

    def filter_reason(self, queryset, name, value):
        return queryset.filter(reason__code=value)

    def filter_deadline(self, queryset, name, value):
        days = BackOfficeSettings.load(request_or_site=self.request).inspection_sla_days
        return filter_by_deadline(queryset, value, days)

    def filter_assignee(self, queryset, name, value):
        if value == ASSIGNED_TO_ME:
            return queryset.filter(assignee=self.request.user)
        if value == UNASSIGNED:
            return queryset.filter(assignee__isnull=True)
        return queryset.filter(assignee_id=int(value))

    def filter_flags(self, queryset, name, values):
        if FLAG_REFUND_FAILED in values:
            queryset = with_deadlines(queryset)
        for flag in values:
            queryset = queryset.filter(_flag_condition(flag))
        return queryset


def reason_choices() -> list[tuple[str, str]]:
    """The reasons a buyer can pick, by code, labelled in the admin's language."""
    language = (translation.get_language() or "en").split("-")[0]
    reasons = (
        ReturnReason.objects.filter(children__isnull=True, locale__language_code=language)
        .select_related("parent")
        .order_by("parent__position", "position", "label")
    )
    return [(reason.code, str(reason)) for reason in reasons]


def assignee_choices(scope) -> list[tuple[str, str]]:
    return [
        (ASSIGNED_TO_ME, str(gettext_lazy("Me"))),
        (UNASSIGNED, str(gettext_lazy("Nobody"))),
        *((str(user.pk), user.get_username()) for user in assignable_staff(scope)),
    ]


# --- the view ---------------------------------------------------------------------------


# The `with_deadlines` annotations a row of the page carries (deadline columns,
# countdown, export).
ROW_FLAGS = (
    "refund_owed",
    "refund_failed",
    "refund_error",
    "refund_overdue",
    "refund_due_soon",
    "ship_overdue",
    "approval_overdue",
)


def decorate(rows: list[ReturnRequest], request) -> list[ReturnRequest]:
    """Give a page's rows their deadline flags (one query for the page, by id)
    and their next deadline."""
    if rows:
        flagged = support.with_deadlines(ReturnRequest.objects.filter(pk__in=[r.pk for r in rows]))
        names = [name for name in ROW_FLAGS if name in flagged.query.annotations]
        flags = {values["pk"]: values for values in flagged.values("pk", *names)}
        for row in rows:
            for name in names:
                setattr(row, name, flags.get(row.pk, {}).get(name, False))
    now = timezone.now()
    days = BackOfficeSettings.load(request_or_site=request).inspection_sla_days
    for row in rows:
        row.next_deadline = next_deadline(row, now, days)
    return rows


class ReturnIndexView(ReturnExportMixin, IndexView):
    template_name = "return_portal/admin/index.html"

    def get_base_queryset(self):
        queryset = (
            super()
            .get_base_queryset()
            .select_related("order", "buyer", "seller", "assignee", "reason")
        )
        # Seller staff see their sellers' returns only (marketplace.scoping).
        queryset = scope_of_user(self.request.user).filter(queryset)
        # The deadline flags are read for the page's rows afterwards (`decorate`):
        # in this query PostgreSQL would hash every refund for each flag, though
        # only 50 rows are shown. A deadline filter adds them (`with_deadlines`).
        return queryset.annotate(received_at=received_at())

    def search_queryset(self, queryset):
        if not self.is_searching:
            return queryset
        return search_returns(queryset, self.search_query)

    @cached_property
    def can_act(self) -> bool:
        return self.user_has_permission("change")

    @cached_property
    def columns(self):
        columns = super().columns
        if self.can_act:  # bulk approve and assign (admin/bulk.py)
            return [BulkActionsCheckboxColumn("bulk_actions", obj_type=BULK_OBJECT_TYPE), *columns]
        return columns

    def _get_title_column(self, *args, **kwargs):
        # The checkboxes' screen-reader description points at the RMA.
        return super()._get_title_column(
            *args,
            **kwargs,
            get_title_id=lambda instance: f"{BULK_OBJECT_TYPE}_{quote(instance.pk)}_title",
        )

    def paginate_queryset(self, queryset, page_size):
        # The page's ids first (the ordering's index, no joins), then its rows by
        # id: a deep page or a filtered one never builds the joined row, the
        # reason, seller and inspection clock of every row it skips.
        ids = queryset.values_list("pk", flat=True)
        paginator, page, page_ids, is_paginated = super().paginate_queryset(ids, page_size)
        wanted = list(page_ids)
        by_id = self.get_base_queryset().filter(pk__in=wanted).in_bulk()
        rows = decorate([by_id[pk] for pk in wanted if pk in by_id], self.request)
        page.object_list = rows
        return paginator, page, rows, is_paginated

    def get_list_buttons(self, instance):
        return []  # the RMA links to the return's page, its one view

    def export_queryset(self):
        return with_deadlines(self.get_queryset())

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        context["can_act"] = self.can_act
        # The bulk actions this user may take (a step the marketplace keeps for
        # the operator is not offered to seller staff).
        settings = BackOfficeSettings.load(request_or_site=self.request)
        context["bulk_action_buttons"] = (
            footer_buttons(self.request.user, settings) if self.can_act else []
        )
        return context
