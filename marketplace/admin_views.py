"""The operator's admin for who may act for which seller (Settings → Seller
staff: SellerMembership rows) and for the API tokens (Settings → API tokens).

Only the operator's staff (marketplace.operate_marketplace) see either: a seller's
staff must not widen their own scope nor read anyone's tokens. A token is
created here as by `manage.py create_api_token`: shown once, only its hash is
stored. Tokens are revoked, never deleted nor un-revoked (their rows stay as
the record of who had access).
"""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db.models import Q
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.ui.tables import BooleanColumn, Column, DateColumn
from wagtail.admin.views.generic import CreateView
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.log_actions import log
from wagtail.permission_policies.base import BasePermissionPolicy

from .models import OPERATOR_CODENAME, OPERATOR_PERMISSION, ApiToken, SellerMembership


class OperatorOnlyPolicy(BasePermissionPolicy):
    """`actions` on the model, for the operator's staff only."""

    def __init__(self, model, actions):
        super().__init__(model)
        self.actions = frozenset(actions)

    def user_has_permission(self, user, action):
        return action in self.actions and user.is_active and user.has_perm(OPERATOR_PERMISSION)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)

    def user_has_any_permission_for_instance(self, user, actions, instance):
        return self.user_has_any_permission(user, actions)

    def users_with_any_permission(self, actions):
        users = get_user_model().objects.filter(is_active=True)
        if not self.actions.intersection(actions):
            return users.none()
        operator = Permission.objects.filter(
            content_type__app_label="marketplace", codename=OPERATOR_CODENAME
        )
        return users.filter(
            Q(is_superuser=True)
            | Q(user_permissions__in=operator)
            | Q(groups__permissions__in=operator)
        ).distinct()


def staff_accounts():
    """Accounts that may enter the admin: the only ones a seller's staff can be."""
    admin_access = Q(codename="access_admin", content_type__app_label="wagtailadmin")
    return (
        get_user_model()
        .objects.filter(
            Q(is_staff=True)
            | Q(user_permissions__in=Permission.objects.filter(admin_access))
            | Q(groups__permissions__in=Permission.objects.filter(admin_access))
        )
        .distinct()
        .order_by("email")
    )


# --- seller staff --------------------------------------------------------------------


class SellerMembershipForm(WagtailAdminModelForm):
    class Meta:
        model = SellerMembership
        fields = ["user", "seller"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = staff_accounts()
        self.fields["user"].help_text = _(
            "A staff account: it then sees and acts on this seller's returns, orders, "
            "photos and messages, and no other seller's."
        )


class SellerStaffViewSet(ModelViewSet):
    model = SellerMembership
    icon = "group"
    menu_label = _("Seller staff")
    menu_name = "seller-staff"
    add_to_settings_menu = True
    copy_view_enabled = False
    add_to_reference_index = False
    list_display = [
        Column("user", label=_("Staff member")),
        Column("seller", label=_("Seller")),
        DateColumn("created_at", label=_("Since")),
    ]
    list_filter = ["seller"]
    search_fields = ["user__email", "user__first_name", "user__last_name", "seller__name"]
    search_backend_name = None
    ordering = ["seller__reference", "user__email"]

    def get_form_class(self, for_update=False):
        return SellerMembershipForm

    def get_index_view_kwargs(self, **kwargs):
        queryset = SellerMembership.objects.select_related("user", "seller")
        return super().get_index_view_kwargs(queryset=queryset, **kwargs)

    def get_permissions_to_register(self):
        # Granted by the operator permission, not by permissions of their own.
        return Permission.objects.none()


# --- API tokens ----------------------------------------------------------------------


class ApiTokenCreateForm(WagtailAdminModelForm):
    class Meta:
        model = ApiToken
        fields = ["name", "seller"]


class ApiTokenEditForm(WagtailAdminModelForm):
    class Meta:
        model = ApiToken
        fields = ["name", "revoked"]

    def clean_revoked(self):
        revoked = self.cleaned_data["revoked"]
        if self.instance.revoked and not revoked:
            raise forms.ValidationError(
                _("A revoked token stays revoked: create a new one instead."),
                code="revoked",
            )
        return revoked


class ApiTokenCreateView(CreateView):
    """Creates the token as `create_api_token` does and shows it once."""

    def save_instance(self):
        data = self.form.cleaned_data
        token, self.token = ApiToken.issue(data["name"], seller=data.get("seller"))
        log(instance=token, action="wagtail.create", user=self.request.user)
        return token

    def save_action(self):
        response = TemplateResponse(
            self.request,
            "marketplace/admin/token_created.html",
            {
                "header_title": _("API token created"),
                "page_title": _("API token created"),
                "header_icon": "key",
                "api_token": self.object,
                "token": self.token,
                "index_url": reverse(self.index_url_name),
            },
        )
        # The token appears in this answer only: no cache may keep it.
        response["Cache-Control"] = "no-store"
        return response


class ApiTokenViewSet(ModelViewSet):
    model = ApiToken
    icon = "key"
    menu_label = _("API tokens")
    menu_name = "api-tokens"
    add_to_settings_menu = True
    copy_view_enabled = False
    add_to_reference_index = False
    add_view_class = ApiTokenCreateView
    list_display = [
        Column("name", label=_("Name")),
        Column("seller", label=_("Seller"), accessor=lambda t: t.seller or _("Operator")),
        DateColumn("created_at", label=_("Created")),
        DateColumn("last_used_at", label=_("Last used")),
        BooleanColumn("revoked", label=_("Revoked")),
    ]
    list_filter = ["revoked", "seller"]
    search_fields = ["name"]
    search_backend_name = None
    ordering = ["-created_at"]

    def get_form_class(self, for_update=False):
        return ApiTokenEditForm if for_update else ApiTokenCreateForm

    def get_index_view_kwargs(self, **kwargs):
        queryset = ApiToken.objects.select_related("seller")
        return super().get_index_view_kwargs(queryset=queryset, **kwargs)

    def get_permissions_to_register(self):
        return Permission.objects.none()


# Registered for the models (wagtail_hooks): the menu, the views and their buttons ask it.
SELLER_STAFF_POLICY = OperatorOnlyPolicy(SellerMembership, {"add", "change", "delete", "view"})
API_TOKEN_POLICY = OperatorOnlyPolicy(ApiToken, {"add", "change", "view"})

seller_staff_viewset = SellerStaffViewSet("seller_staff")
api_token_viewset = ApiTokenViewSet("api_tokens")
