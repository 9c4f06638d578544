"""The admin of webhooks: Settings → Webhook endpoints (add, edit, rotate the
secret, delete) and Reports-like Webhook deliveries (the log, each delivery's
attempts, and "Resend").

Both are scoped as the returns are (marketplace.scoping): the operator's staff
see every endpoint; a seller's staff only their sellers' endpoints and their
deliveries. Another seller's answers 404. History and usage views are left
out: they would show an object without the scope.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from wagtail.admin import messages
from wagtail.admin.ui.tables import BooleanColumn, Column, DateColumn
from wagtail.admin.views import generic
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.admin.widgets.button import HeaderButton
from wagtail.log_actions import log

from marketplace.scoping import scope_of_user

from . import outbox
from .forms import WebhookEndpointForm
from .models import WebhookDelivery, WebhookEndpoint


def scoped_endpoints(user):
    return scope_of_user(user).filter(WebhookEndpoint.objects.all())


def scoped_deliveries(user):
    return scope_of_user(user).filter(WebhookDelivery.objects.all(), field="endpoint__seller")


class ScopedEndpoints:
    """Edit and delete find the endpoint within the user's scope only."""

    def get_queryset(self):
        return scoped_endpoints(self.request.user)


class EndpointIndexView(generic.IndexView):
    def get_base_queryset(self):
        return scoped_endpoints(self.request.user).select_related("seller")


class EndpointEditView(ScopedEndpoints, generic.EditView):
    pass


class EndpointDeleteView(ScopedEndpoints, generic.DeleteView):
    pass


def seller_label(endpoint):
    return endpoint.seller or _("Operator (every seller)")


class WebhookEndpointViewSet(ModelViewSet):
    model = WebhookEndpoint
    icon = "link"
    menu_label = gettext_lazy("Webhook endpoints")
    menu_name = "webhook-endpoints"
    add_to_settings_menu = True
    copy_view_enabled = False
    inspect_view_enabled = False
    add_to_reference_index = False
    index_view_class = EndpointIndexView
    edit_view_class = EndpointEditView
    delete_view_class = EndpointDeleteView
    list_display = [
        Column("url", label=gettext_lazy("URL")),
        Column("seller", label=gettext_lazy("Seller"), accessor=seller_label),
        Column("events", label=gettext_lazy("Events"), accessor="event_labels"),
        BooleanColumn("enabled", label=gettext_lazy("Enabled")),
        DateColumn("created_at", label=gettext_lazy("Created")),
    ]
    search_fields = ["url", "description"]
    search_backend_name = None
    ordering = ["id"]

    def get_form_class(self, for_update=False):
        return WebhookEndpointForm

    def get_common_view_kwargs(self, **kwargs):
        view_kwargs = super().get_common_view_kwargs(**kwargs)
        view_kwargs["history_url_name"] = None
        view_kwargs["usage_url_name"] = None
        return view_kwargs

    def get_urlpatterns(self):
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("new/", self.add_view, name="add"),
            path("edit/<int:pk>/", self.edit_view, name="edit"),
            path("delete/<int:pk>/", self.delete_view, name="delete"),
        ]


# --- the delivery log -------------------------------------------------------------


class DeliveryIndexView(generic.IndexView):
    def get_base_queryset(self):
        return scoped_deliveries(self.request.user).select_related("endpoint", "event")


class DeliveryInspectView(generic.InspectView):
    fields = [
        "event",
        "endpoint",
        "status",
        "attempts",
        "last_status_code",
        "last_error",
        "next_attempt_at",
        "delivered_at",
        "created_at",
        "attempt_log",
    ]
    resend_url_name = None

    def get_object(self, queryset=None):
        return get_object_or_404(
            scoped_deliveries(self.request.user).select_related("endpoint", "event"),
            pk=self.pk,
        )

    def get_event_display_value(self):
        return self.object.event.event_type

    def get_endpoint_display_value(self):
        return self.object.endpoint.url

    def get_attempt_log_display_value(self):
        attempts = self.object.attempt_log.order_by("id")
        if not attempts:
            return "-"
        return format_html(
            "<ol>{}</ol>",
            format_html_join(
                "",
                "<li>{} · {} · {} ms {}</li>",
                (
                    (a.at.isoformat(), a.status_code or "-", a.duration_ms, a.error)
                    for a in attempts
                ),
            ),
        )

    @property
    def header_buttons(self):
        if not self.permission_policy.user_has_permission(self.request.user, "change"):
            return []
        return [
            HeaderButton(
                label=_("Resend"),
                url=reverse(self.resend_url_name, args=[self.object.pk]),
                icon_name="redirect",
            )
        ]


class ResendView(View):
    """GET asks, POST makes the delivery due again (staff with "change" only)."""

    permission_policy = None
    inspect_url_name = None
    resend_url_name = None

    def dispatch(self, request, pk):
        if not self.permission_policy.user_has_permission(request.user, "change"):
            raise PermissionDenied
        self.delivery = get_object_or_404(
            scoped_deliveries(request.user).select_related("endpoint", "event"), pk=pk
        )
        return super().dispatch(request, pk)

    def get(self, request, pk):
        return TemplateResponse(
            request,
            "webhooks/admin/resend.html",
            {
                "header_title": _("Resend the webhook"),
                "page_title": _("Resend the webhook"),
                "header_icon": "redirect",
                "delivery": self.delivery,
                "resend_url": reverse(self.resend_url_name, args=[pk]),
                "inspect_url": reverse(self.inspect_url_name, args=[pk]),
            },
        )

    def post(self, request, pk):
        outbox.resend(self.delivery)
        log(instance=self.delivery, action="webhooks.resend", user=request.user)
        messages.success(request, _("The webhook will be sent again."))
        return redirect(self.inspect_url_name, pk)


def delivery_status(delivery):
    return delivery.get_status_display()


class WebhookDeliveryViewSet(ModelViewSet):
    model = WebhookDelivery
    icon = "list-ul"
    menu_label = gettext_lazy("Webhook deliveries")
    menu_name = "webhook-deliveries"
    add_to_settings_menu = True
    add_to_reference_index = False
    copy_view_enabled = False
    inspect_view_enabled = True
    index_view_class = DeliveryIndexView
    inspect_view_class = DeliveryInspectView
    list_display = [
        Column("event", label=gettext_lazy("Event"), accessor="event.event_type"),
        Column("endpoint", label=gettext_lazy("Endpoint"), accessor="endpoint.url"),
        Column("status", label=gettext_lazy("Status"), accessor=delivery_status),
        Column("attempts", label=gettext_lazy("Attempts")),
        Column("last_status_code", label=gettext_lazy("Last status code")),
        DateColumn("created_at", label=gettext_lazy("Created")),
    ]
    list_filter = ["status"]
    search_fields = ["event__event_type", "ordering_key", "endpoint__url"]
    search_backend_name = None
    ordering = ["-id"]

    def get_common_view_kwargs(self, **kwargs):
        view_kwargs = super().get_common_view_kwargs(**kwargs)
        for name in ("add_url_name", "edit_url_name", "delete_url_name", "usage_url_name"):
            view_kwargs[name] = None
        view_kwargs["history_url_name"] = None
        return view_kwargs

    def get_inspect_view_kwargs(self, **kwargs):
        return super().get_inspect_view_kwargs(
            resend_url_name=self.get_url_name("resend"), **kwargs
        )

    def get_urlpatterns(self):
        resend = ResendView.as_view(
            permission_policy=self.permission_policy,
            inspect_url_name=self.get_url_name("inspect"),
            resend_url_name=self.get_url_name("resend"),
        )
        return [
            path("", self.index_view, name="index"),
            path("results/", self.index_results_view, name="index_results"),
            path("<int:pk>/", self.inspect_view, name="inspect"),
            path("<int:pk>/resend/", resend, name="resend"),
        ]

    def get_permissions_to_register(self):
        return (
            super()
            .get_permissions_to_register()
            .filter(codename__in=["view_webhookdelivery", "change_webhookdelivery"])
        )


endpoint_viewset = WebhookEndpointViewSet("webhook_endpoints")
delivery_viewset = WebhookDeliveryViewSet("webhook_deliveries")
