"""Wagtail admin for the return portal."""

from django.utils.translation import gettext_lazy as _
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

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

# --- end of return reasons --------------------------------------------------------------

# --- Staff returns (the returns area: listing, a page per return, its actions) ----------
# Owned with return_portal/admin_views.py. Read-mostly: the status changes only through
# the lifecycle, each action logged to Wagtail's audit log under "return_portal.*".

from wagtail import hooks  # noqa: E402


@hooks.register("register_admin_viewset")
def register_staff_returns_viewset():
    from .admin_views import ReturnRequestViewSet

    return ReturnRequestViewSet("returns")


@hooks.register("register_log_actions")
def register_staff_returns_log_actions(actions):
    from .admin_views import register_log_actions

    register_log_actions(actions)


# --- end of staff returns ---------------------------------------------------------------
