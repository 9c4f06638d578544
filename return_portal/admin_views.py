"""The returns area of the Wagtail admin, for staff.

A read-mostly model viewset of `ReturnRequest` (registered in wagtail_hooks.py):
a listing with deadline flags, filters and search, and a detail page per return
that shows everything about it and offers one form per transition the lifecycle
allows from its status, plus a reply to the buyer. There is no add, edit or delete
view: the status changes only through `lifecycle` (each action posts, runs the
lifecycle function and lands in Wagtail's audit log in the same transaction).

Permissions are the model's: "view" reads returns and their photos, "change" acts
on them (return_portal.seeding.seed_staff_permissions gives them to the groups).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import django_filters
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import View
from wagtail.admin.admin_url_finder import ModelAdminURLFinder
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.ui.tables import Column, DateColumn, StatusTagColumn
from wagtail.admin.views.generic import IndexView, InspectView
from wagtail.admin.views.generic.history import HistoryView
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import HeaderButton
from wagtail.log_actions import log

from . import lifecycle, support
from .lifecycle import LineInspection, TransitionError
from .models import (
    FINAL_STATUSES,
    ReturnEvent,
    ReturnKind,
    ReturnLine,
    ReturnMessage,
    ReturnPhoto,
    ReturnRequest,
    ReturnStatus,
)
from .refunds import Figure, FigureCode

S = ReturnStatus
UNPROCESSABLE = 422
# The model stores these as plain codes; staff read them in their language.
RESOLUTION_LABELS = {
    "refund": gettext_lazy("refund to the original means of payment"),
    "store_credit": gettext_lazy("store credit"),
    "exchange": gettext_lazy("exchange"),
}
SHIPPING_LABELS = {
    "prepaid_label": gettext_lazy("prepaid label"),
    "drop_off": gettext_lazy("drop-off point with a QR code"),
    "own_carrier": gettext_lazy("the buyer's own carrier"),
}
LOG_PREFIX = "return_portal."

# --- the listing ------------------------------------------------------------------------


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
        label=gettext_lazy("Status"), choices=S.choices, empty_label=gettext_lazy("All")
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


# --- the forms of the actions ---------------------------------------------------------


class RejectForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Reason for the rejection"),
        help_text=gettext_lazy("Sent to the buyer with the decision."),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": gettext_lazy("State why the return is rejected.")},
    )


class TransitForm(forms.Form):
    tracking = forms.CharField(label=gettext_lazy("Tracking number"), max_length=64, required=False)


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=gettext_lazy("Reply to the buyer"),
        help_text=gettext_lazy("Emailed to the buyer and shown on their return page."),
        max_length=support.REPLY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": gettext_lazy("Write the reply before sending it.")},
    )
    key = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)


class LineInspectionForm(forms.Form):
    line = forms.IntegerField(widget=forms.HiddenInput)
    received = forms.IntegerField(label=gettext_lazy("Units received"), min_value=0)
    damaged = forms.IntegerField(label=gettext_lazy("Units damaged"), min_value=0, initial=0)
    deduction = forms.DecimalField(
        label=gettext_lazy("Deduction"),
        help_text=gettext_lazy("For loss of value from handling beyond trying the item on."),
        min_value=Decimal("0"),
        max_digits=12,
        decimal_places=2,
        initial=Decimal("0"),
        widget=forms.NumberInput(attrs={"step": "0.01"}),
    )
    deduction_reason = forms.CharField(
        label=gettext_lazy("Reason for the deduction"), max_length=255, required=False
    )

    def __init__(self, *args, return_line: ReturnLine, **kwargs):
        super().__init__(*args, **kwargs)
        self.return_line = return_line

    def clean(self):
        data = super().clean()
        line = self.return_line
        if data.get("line") not in (None, line.pk):
            raise forms.ValidationError(_("The lines of this return changed. Reload the page."))
        received, damaged = data.get("received"), data.get("damaged")
        if received is not None and received > line.quantity:
            self.add_error(
                "received",
                _("At most %(count)d units were returned.") % {"count": line.quantity},
            )
        elif received is not None and damaged is not None and damaged > received:
            self.add_error("damaged", _("More units damaged than received."))
        if data.get("deduction") and not data.get("deduction_reason", "").strip():
            self.add_error("deduction_reason", _("State the reason for the deduction."))
        return data


class InspectionFormSet(forms.BaseFormSet):
    """One form per returned line, in the lines' order."""

    def __init__(self, *args, lines: list[ReturnLine], **kwargs):
        self.lines = lines
        kwargs.setdefault(
            "initial",
            [
                {"line": line.pk, "received": line.quantity, "damaged": 0, "deduction": 0}
                for line in lines
            ],
        )
        super().__init__(*args, **kwargs)

    def total_form_count(self):
        return len(self.lines)

    def get_form_kwargs(self, index):
        return {"return_line": self.lines[index]}

    def results(self) -> dict[int, LineInspection]:
        return {
            form.return_line.pk: LineInspection(
                received=form.cleaned_data["received"],
                damaged=form.cleaned_data["damaged"],
                deduction=form.cleaned_data["deduction"],
                deduction_reason=form.cleaned_data["deduction_reason"],
            )
            for form in self.forms
        }


InspectionForms = forms.formset_factory(
    LineInspectionForm, formset=InspectionFormSet, extra=0, max_num=1000
)


# --- the actions ----------------------------------------------------------------------


@dataclass(frozen=True)
class StaffAction:
    """One button (and its form) on a return's page."""

    slug: str
    to: str  # the status it moves the return to ("" for a reply)
    label: str
    done: str  # the success message
    run: Callable  # (return_request, user, form) -> note for the audit log
    form_class: type | None = None
    style: str = "button"

    def form(self, return_request: ReturnRequest, data=None):
        if self.form_class is None:
            return None
        if self.form_class is InspectionForms:
            return InspectionForms(data, lines=list(return_request.lines.all()), prefix="inspect")
        return self.form_class(data, prefix=self.slug)


def _approve(r, user, form):
    lifecycle.approve(r, actor=user)
    return ""


def _reject(r, user, form):
    note = form.cleaned_data["note"].strip()
    lifecycle.reject(r, actor=user, note=note)
    return note


def _in_transit(r, user, form):
    tracking = form.cleaned_data["tracking"].strip()
    lifecycle.mark_in_transit(r, actor=user, actor_kind="staff", tracking=tracking)
    return tracking


def _receive(r, user, form):
    lifecycle.receive(r, actor=user)
    return ""


def _inspect(r, user, form):
    lifecycle.inspect(r, form.results(), actor=user)
    return ""


def _resolve(r, user, form):
    lifecycle.resolve(r, actor=user)
    refund = r.refunds.order_by("-pk").first()
    return f"{refund.amount} {refund.currency}" if refund else ""


def _close(r, user, form):
    lifecycle.close(r, actor=user, actor_kind="staff")
    return ""


def _reply(r, user, form):
    support.reply(r, user, form.cleaned_data["body"], key=form.cleaned_data["key"])
    return ""


ACTIONS = {
    action.slug: action
    for action in (
        StaffAction(
            "approve",
            S.APPROVED,
            gettext_lazy("Approve"),
            gettext_lazy("Return approved."),
            _approve,
        ),
        StaffAction(
            "reject",
            S.REJECTED,
            gettext_lazy("Reject"),
            gettext_lazy("Return rejected."),
            _reject,
            RejectForm,
            "button no",
        ),
        StaffAction(
            "in-transit",
            S.IN_TRANSIT,
            gettext_lazy("Mark in transit"),
            gettext_lazy("Marked in transit."),
            _in_transit,
            TransitForm,
            "button button-secondary",
        ),
        StaffAction(
            "receive",
            S.RECEIVED,
            gettext_lazy("Mark received"),
            gettext_lazy("Parcel marked received."),
            _receive,
        ),
        StaffAction(
            "inspect",
            S.INSPECTED,
            gettext_lazy("Record the inspection"),
            gettext_lazy("Inspection recorded."),
            _inspect,
            InspectionForms,
        ),
        StaffAction(
            "resolve",
            S.RESOLVED,
            gettext_lazy("Resolve"),
            gettext_lazy("Return resolved."),
            _resolve,
        ),
        StaffAction(
            "close", S.CLOSED, gettext_lazy("Close"), gettext_lazy("Return closed."), _close
        ),
        StaffAction(
            "reply",
            "",
            gettext_lazy("Send the reply"),
            gettext_lazy("Reply sent to the buyer."),
            _reply,
            ReplyForm,
        ),
    )
}


# --- the detail page ------------------------------------------------------------------


@dataclass(frozen=True)
class EstimateRow:
    label: str
    amount: Decimal
    clause: str
    statute: str


def estimate_rows(estimate: dict) -> list[EstimateRow]:
    rows = []
    for figure in estimate.get("figures", []):
        try:
            code = FigureCode(figure["code"])
            amount = Decimal(figure["amount"])
        except (KeyError, ValueError, ArithmeticError):
            continue  # a figure this version does not know: the total still shows
        label = Figure(code, amount).label
        rows.append(EstimateRow(label, amount, figure.get("clause", ""), figure.get("statute", "")))
    return rows


class ReturnDetailView(InspectView):
    """Everything about one return, and the forms of what staff may do next."""

    template_name = "return_portal/admin/detail.html"
    inspect_url_name = None
    history_url_name = None
    photo_url_name = None

    def get_object(self, queryset=None):
        queryset = support.with_deadlines(
            ReturnRequest.objects.select_related("order", "buyer", "reason").prefetch_related(
                Prefetch(
                    "lines",
                    queryset=ReturnLine.objects.select_related("order_line").order_by("pk"),
                ),
                "photos",
                Prefetch("events", queryset=ReturnEvent.objects.select_related("actor")),
                Prefetch("messages", queryset=ReturnMessage.objects.select_related("author")),
                "refunds",
                "notifications",
            )
        )
        return get_object_or_404(queryset, pk=self.pk)

    def get_page_subtitle(self):
        return self.object.rma

    def get_fields_context(self):
        return []  # the template lays the return out itself

    def get_page_title(self):
        return _("Return")

    @cached_property
    def can_act(self) -> bool:
        return self.user_has_permission("change")

    def post(self, request, *args, **kwargs):
        if not self.can_act:
            raise PermissionDenied
        action = ACTIONS.get(request.POST.get("action", ""))
        if action is None:
            messages.error(request, _("Choose one of the actions offered."))
            return redirect(self.detail_url)
        form = action.form(self.object, request.POST)
        if form is not None and not form.is_valid():
            messages.error(request, _("The form has errors: correct them below."))
            context = self.get_context_data(bound={action.slug: form})
            return self.render_to_response(context, status=UNPROCESSABLE)
        before = self.object.status
        try:
            with transaction.atomic():
                note = action.run(self.object, request.user, form)
                self.object.refresh_from_db(fields=["status"])
                log(
                    instance=self.object,
                    action=LOG_PREFIX + action.slug.replace("-", "_"),
                    user=request.user,
                    data={"from": before, "to": self.object.status, "note": note[:500]},
                )
        except (TransitionError, ValueError) as error:
            messages.error(request, str(error))
            return redirect(self.detail_url)
        messages.success(request, str(action.done))
        return redirect(self.detail_url)

    @property
    def detail_url(self) -> str:
        return reverse(self.inspect_url_name, args=[self.object.pk])

    def get_context_data(self, bound=None, **kwargs):
        context = super().get_context_data(**kwargs)
        bound = bound or {}
        r = self.object
        lines = list(r.lines.all())
        forms_by_action = []
        if self.can_act:
            for action in ACTIONS.values():
                if action.to and lifecycle.allowed(r, action.to):
                    form = bound.get(action.slug) or action.form(r)
                    forms_by_action.append((action, form))
        reply = ACTIONS["reply"]
        reply_form = bound.get("reply") or ReplyForm(
            prefix="reply", initial={"key": uuid.uuid4().hex}
        )
        context.update(
            {
                "return": r,
                "lines": lines,
                "photos": [
                    (photo, reverse(self.photo_url_name, args=[photo.public_id]))
                    for photo in r.photos.all()
                ],
                "estimate_rows": estimate_rows(r.estimate or {}),
                "payable": lifecycle.payable_amount(r) if r.status == S.INSPECTED else None,
                "events": list(r.events.all()),
                "thread": list(r.messages.all()),
                "refunds": list(r.refunds.all()),
                "notifications": list(r.notifications.all()),
                "actions": forms_by_action,
                "reply": reply if self.can_act else None,
                "reply_form": reply_form,
                "can_act": self.can_act,
                "is_final": r.status in FINAL_STATUSES,
                "history_url": (
                    reverse(self.history_url_name, args=[r.pk])
                    if self.history_url_name and self.can_act
                    else None
                ),
                "buyer_email": buyer_email(r),
                "resolution_label": RESOLUTION_LABELS.get(r.resolution, r.resolution),
                "shipping_label": SHIPPING_LABELS.get(r.shipping_method, r.shipping_method),
                "refund_labels": RESOLUTION_LABELS,
            }
        )
        return context


class ReturnHistoryView(HistoryView):
    """Wagtail's history of the return (its audit log); the header links back to
    the return instead of an edit form there is none of."""

    inspect_url_name = None

    @cached_property
    def header_buttons(self):
        return [
            HeaderButton(
                label=_("Back to the return"),
                url=reverse(self.inspect_url_name, args=[self.object.pk]),
                icon_name="arrow-left",
            )
        ]


class ReturnPhotoView(PermissionCheckedMixin, View):
    """A buyer's photo from private storage, to staff who may view returns."""

    model = ReturnRequest
    any_permission_required = ["view", "change"]
    http_method_names = ["get"]

    def get(self, request, photo_id):
        photo = get_object_or_404(ReturnPhoto, public_id=photo_id, return_request__isnull=False)
        try:
            handle = photo.file.open("rb")
        except (FileNotFoundError, OSError):
            raise Http404(_("This photo is no longer stored.")) from None
        response = FileResponse(handle, content_type=photo.content_type)
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        response["Content-Disposition"] = "inline"
        return response


# --- the viewset ----------------------------------------------------------------------


class ReturnRequestViewSet(ModelViewSet):
    model = ReturnRequest
    # No usage view, and the reference index would cost every save of a return
    # (confirm, each transition) several queries for references nobody reads.
    add_to_reference_index = False
    icon = "rotate"
    menu_label = gettext_lazy("Returns")
    menu_name = "returns"
    add_to_admin_menu = True
    menu_order = 240
    index_view_class = ReturnIndexView
    inspect_view_class = ReturnDetailView
    history_view_class = ReturnHistoryView
    inspect_view_enabled = True
    copy_view_enabled = False
    list_per_page = 50
    ordering = ["-created_at"]
    filterset_class = ReturnFilterSet
    search_fields = ["rma", "order__reference"]
    search_backend_name = None
    list_display = [
        "rma",  # the title column: links to the return's page
        Column("order.reference", label=gettext_lazy("Order")),
        Column("buyer_email", label=gettext_lazy("Buyer"), accessor=buyer_email),
        Column("get_kind_display", label=gettext_lazy("Kind"), sort_key="kind"),
        StatusTagColumn("get_status_display", label=gettext_lazy("Status"), sort_key="status"),
        DateColumn("created_at", label=gettext_lazy("Created"), sort_key="created_at"),
        DeadlineColumn(
            "ship_by", "ship_overdue", label=gettext_lazy("Ship by"), sort_key="ship_by"
        ),
        DeadlineColumn(
            "refund_due_by",
            "refund_overdue",
            label=gettext_lazy("Refund due by"),
            sort_key="refund_due_by",
        ),
    ]

    # Read-mostly: no add, edit, copy, delete or usage views (see the module docstring).
    def get_common_view_kwargs(self, **kwargs):
        view_kwargs = super().get_common_view_kwargs(**kwargs)
        for name in ("add_url_name", "edit_url_name", "delete_url_name", "usage_url_name"):
            view_kwargs[name] = None
        return view_kwargs

    def get_inspect_view_kwargs(self, **kwargs):
        return super().get_inspect_view_kwargs(
            history_url_name=self.get_url_name("history"),
            photo_url_name=self.get_url_name("photo"),
            **kwargs,
        )

    def get_history_view_kwargs(self, **kwargs):
        return super().get_history_view_kwargs(
            inspect_url_name=self.get_url_name("inspect"), **kwargs
        )

    @property
    def photo_view(self):
        return self.construct_view(ReturnPhotoView)

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("<int:pk>/", self.inspect_view, name="inspect"),
            path("<int:pk>/history/", self.history_view, name="history"),
            path("<int:pk>/history/results/", self.history_results_view, name="history_results"),
            path("photos/<uuid:photo_id>/", self.photo_view, name="photo"),
        ]

    @property
    def url_finder_class(self):
        # Audit log entries and reports link to the return's page.
        return type(
            "ReturnURLFinder",
            (ModelAdminURLFinder,),
            {"edit_url_name": self.get_url_name("inspect")},
        )

    def get_permissions_to_register(self):
        return (
            super()
            .get_permissions_to_register()
            .filter(codename__in=["view_returnrequest", "change_returnrequest"])
        )


# --- the audit log --------------------------------------------------------------------

LOG_ACTIONS = [
    ("approve", gettext_lazy("Return: approve"), gettext_lazy("Approved the return")),
    ("reject", gettext_lazy("Return: reject"), gettext_lazy("Rejected the return")),
    ("in_transit", gettext_lazy("Return: in transit"), gettext_lazy("Marked in transit")),
    ("receive", gettext_lazy("Return: receive"), gettext_lazy("Marked the parcel received")),
    ("inspect", gettext_lazy("Return: inspect"), gettext_lazy("Recorded the inspection")),
    ("resolve", gettext_lazy("Return: resolve"), gettext_lazy("Resolved the return")),
    ("close", gettext_lazy("Return: close"), gettext_lazy("Closed the return")),
    ("reply", gettext_lazy("Return: reply"), gettext_lazy("Replied to the buyer")),
]


def register_log_actions(actions) -> None:
    """Labels for the admin's history and site history report; the note (a
    rejection's reason, a tracking number, the amount refunded) is the comment."""
    from wagtail.log_actions import LogFormatter

    for slug, label, message in LOG_ACTIONS:
        formatter = type(
            f"Return{slug.title().replace('_', '')}LogFormatter",
            (LogFormatter,),
            {
                "label": label,
                "message": message,
                "format_comment": lambda self, entry: entry.data.get("note", ""),
            },
        )
        actions.register_action(LOG_PREFIX + slug)(formatter)
