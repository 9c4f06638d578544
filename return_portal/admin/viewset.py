"""The returns area's viewset: a listing, a page per return, its history and its
photos; no add, edit, copy, delete or usage views (see the package docstring)."""

from __future__ import annotations

from django.urls import path
from django.utils.translation import gettext_lazy
from wagtail.admin.admin_url_finder import ModelAdminURLFinder
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.viewsets.model import ModelViewSet

from ..models import ReturnRequest
from .detail import ReturnDetailView, ReturnHistoryView
from .inspection_photos import InspectionPhotoView
from .listing import (
    CountdownColumn,
    DeadlineColumn,
    ReturnFilterSet,
    StatusColumn,
    assignee_name,
    buyer_email,
)
from .order_goodwill import OrderGoodwillView, ReturnIndexWithGoodwillView
from .photos import PackingSlipView, ReturnPhotoView


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
    # The queue, with its "Goodwill refund of an order" button (admin/order_goodwill.py).
    index_view_class = ReturnIndexWithGoodwillView
    inspect_view_class = ReturnDetailView
    history_view_class = ReturnHistoryView
    inspect_view_enabled = True
    copy_view_enabled = False
    list_per_page = 50
    # Newest first; the id breaks ties so pages never overlap (index return_created_idx).
    ordering = ["-created_at", "-id"]
    filterset_class = ReturnFilterSet
    # RMA, order reference, buyer email and SKU, in the database (admin/search.py:
    # the listing's search_queryset); returns are not in Wagtail's search index.
    search_fields = ["rma", "order__reference", "order__buyer_email", "lines__order_line__sku"]
    search_backend_name = None
    # ?export=csv|xlsx: the filtered rows (admin/export.py), returns-<UTC time>.csv
    export_filename = "returns"
    list_display = [
        "rma",  # the title column: links to the return's page
        Column("order.reference", label=gettext_lazy("Order")),
        Column("buyer_email", label=gettext_lazy("Buyer"), accessor=buyer_email),
        Column("seller", label=gettext_lazy("Seller"), accessor="seller.name"),
        Column("get_kind_display", label=gettext_lazy("Kind"), sort_key="kind"),
        StatusColumn("get_status_display", label=gettext_lazy("Status"), sort_key="status"),
        Column("assignee", label=gettext_lazy("Assigned to"), accessor=assignee_name),
        CountdownColumn(label=gettext_lazy("Next deadline")),
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

    # Read-mostly: no add, edit, copy, delete or usage views (see the package docstring).
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
            path(
                "<int:pk>/packing-slip.pdf",
                self.construct_view(PackingSlipView),
                name="packing_slip",
            ),
            path("goodwill/", OrderGoodwillView.as_view(), name="order_goodwill"),
            path(
                "inspection-photos/<uuid:photo_id>/",
                self.construct_view(InspectionPhotoView),
                name="inspection_photo",
            ),
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
