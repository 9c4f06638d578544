from django.contrib.auth.models import Permission
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.log_actions import LogFormatter
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from marketplace.admin_history import scope_log_entries

from . import desk
from .feedback import note_help_session, record_view
from .inbox import (
    InboxPermissionPolicy,
    ScopedSupportRequestDelete,
    SupportRequestEditAction,
    SupportRequestViewSet,
)
from .models import HelpArticlePage, SearchSynonym, SupportRequest
from .reports import REPORTS, report_menu_item, report_urls
from .support_scope import visible_requests


class SearchSynonymViewSet(SnippetViewSet):
    """Editors' synonyms for the help search, per language (search.expand_synonyms)."""

    model = SearchSynonym
    icon = "search"
    menu_label = _("Search synonyms")
    list_display = ["terms", "language"]
    list_filter = ["language"]
    search_fields = ["terms"]
    search_backend_name = None
    ordering = ["language", "terms"]


register_permission_policy(SupportRequest, InboxPermissionPolicy(SupportRequest))
scope_log_entries(SupportRequest, visible_requests)  # site history: one's own requests only
register_snippet(SupportRequestViewSet)
register_snippet(SearchSynonymViewSet)


@hooks.register("register_actions")
def register_support_actions(registry):
    # The inbox's save runs the desk's actions rather than Wagtail's generic edit.
    registry.register(SupportRequest, SupportRequestEditAction)


@hooks.register("register_log_actions")
def register_support_log_actions(actions):
    """Labels of the desk's actions in a request's history and the site history."""
    for verb, label, message in desk.LOG_ACTIONS:
        formatter = type(
            f"Support{verb.title().replace('_', '')}LogFormatter",
            (LogFormatter,),
            {"label": label, "message": message},
        )
        actions.register_action(desk.LOG_PREFIX + verb)(formatter)


@hooks.register("before_serve_page")
def count_article_view(page, request, serve_args, serve_kwargs):
    """A served help article counts one view (in the cache; beat flushes it)."""
    if isinstance(page, HelpArticlePage):
        record_view(page.pk)
        note_help_session(request)


# After the snippets' own bulk delete (order 0), which it replaces for support requests.
hooks.register("register_bulk_action", ScopedSupportRequestDelete, order=1)


@hooks.register("register_admin_urls")
def register_help_report_urls():
    return report_urls()


def _report_menu_item(index: int):
    # The reports menu takes one item per hook function.
    def menu_item():
        return report_menu_item(index)

    return menu_item


for _index in range(len(REPORTS)):
    hooks.register("register_reports_menu_item", _report_menu_item(_index))


@hooks.register("register_permissions")
def register_help_permissions():
    return Permission.objects.filter(
        content_type__app_label="helpcenter",
        codename__in=[
            "view_help_reports",
            "view_changed_citations",
            "view_supportrequest",
            "change_supportrequest",
        ],
    )
