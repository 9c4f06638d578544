"""Wagtail admin for the return portal: the reason taxonomy (a snippet) and the
staff's returns area, with the labels of its audit log."""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .admin.viewset import ReturnRequestViewSet
from .audit import register_log_actions
from .models import ReturnReason

# --- Return reasons (the buyer-facing reason taxonomy) ----------------------------------
# Translated per locale with wagtail-localize (ReturnReason is TranslatableMixin): the
# list filters by locale and each row shows its parent group, since only reasons
# without children are offered to buyers.


class ReturnReasonViewSet(SnippetViewSet):
    model = ReturnReason
    menu_label = _("Return reasons")
    icon = "list-ul"
    add_to_admin_menu = True
    menu_order = 310
    list_display = ["label", "parent", "code", "is_defect", "active", "locale"]
    list_filter = ["is_defect", "active"]  # plus the locale filter of translatable models
    search_fields = ["label", "code"]
    ordering = ["locale", "parent__position", "position", "label"]


register_snippet(ReturnReasonViewSet)

# --- Staff returns (the returns area: listing, a page per return, its actions) ----------
# return_portal/admin/. Read-mostly: the status changes only through the actions
# (lifecycle, confirm, withdrawal, the thread), each of which writes Wagtail's audit
# log under "return_portal.*"; audit.py names those entries.


@hooks.register("register_admin_viewset")
def register_staff_returns_viewset():
    return ReturnRequestViewSet("returns")


@hooks.register("register_log_actions")
def register_staff_returns_log_actions(actions):
    register_log_actions(actions)
