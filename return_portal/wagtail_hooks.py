"""Wagtail admin for the return portal: the reason taxonomy and the rejection
reasons (snippets), and the staff's returns area, with the labels of its audit log."""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from marketplace.admin_history import scope_log_entries
from marketplace.scoping import scope_of_user

from .admin.bulk import BULK_ACTIONS
from .admin.viewset import ReturnRequestViewSet
from .audit import register_log_actions
from .models import RejectionReason, ReturnReason, ReturnRequest

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

# --- Rejection reasons (what staff pick when they reject a request) ---------------------
# Translated per locale like the return reasons: the buyer reads the label in their
# language (rejection.reason_label). "other" needs the staff's own words.


class RejectionReasonViewSet(SnippetViewSet):
    model = RejectionReason
    menu_label = _("Rejection reasons")
    icon = "cross"
    add_to_admin_menu = True
    menu_order = 311
    list_display = ["label", "code", "position", "active", "locale"]
    list_filter = ["active"]  # plus the locale filter of translatable models
    search_fields = ["label", "code"]
    ordering = ["locale", "position", "label"]


register_snippet(RejectionReasonViewSet)

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


# The site history lists a return's entries only to staff of its seller (and the operator's).
scope_log_entries(
    ReturnRequest, lambda user: scope_of_user(user).filter(ReturnRequest.objects.all())
)

# The queue's bulk approve and assign (admin/bulk.py).
for _bulk_action in BULK_ACTIONS:
    hooks.register("register_bulk_action", _bulk_action)
