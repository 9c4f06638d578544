"""The operator's blocklist (Admin → Settings → Blocklist): a buyer email or an
order reference whose new returns are held for a decision, with why and until
when. Only the operator's staff (marketplace.operate_marketplace) see it: a
seller's staff must not read nor change whom the marketplace screens (they read
why one of their returns is held on its page, from its screening event).

Every creation, change and removal is in Wagtail's audit log ("wagtail.create",
"wagtail.edit", "wagtail.delete": the generic views' actions write them).
"""

from __future__ import annotations

from django.contrib.auth.models import Permission
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.admin.views.generic import CreateView
from wagtail.admin.viewsets.model import ModelViewSet

from marketplace.admin_views import OperatorOnlyPolicy

from .models import BlockedEntry


class BlockedEntryForm(WagtailAdminModelForm):
    class Meta:
        model = BlockedEntry
        fields = ["kind", "value", "reason", "expires_at"]


class BlockedEntryCreateView(CreateView):
    def save_instance(self):
        self.form.instance.created_by = self.request.user
        return super().save_instance()


class BlocklistViewSet(ModelViewSet):
    model = BlockedEntry
    icon = "warning"
    menu_label = _("Blocklist")
    menu_name = "blocklist"
    add_to_settings_menu = True
    copy_view_enabled = False
    inspect_view_enabled = False
    add_to_reference_index = False
    add_view_class = BlockedEntryCreateView
    list_display = [
        Column("value", label=_("Email or order reference")),
        Column("kind", label=_("Blocks"), accessor="get_kind_display"),
        Column("reason", label=_("Reason")),
        DateColumn("expires_at", label=_("Expires")),
        DateColumn("created_at", label=_("Added")),
    ]
    list_filter = ["kind"]
    search_fields = ["value", "reason"]
    search_backend_name = None
    ordering = ["-created_at"]

    def get_form_class(self, for_update=False):
        return BlockedEntryForm

    def get_permissions_to_register(self):
        # Granted by the operator permission, not by permissions of their own.
        return Permission.objects.none()


BLOCKLIST_POLICY = OperatorOnlyPolicy(BlockedEntry, {"add", "change", "delete", "view"})
blocklist_viewset = BlocklistViewSet("blocklist")
