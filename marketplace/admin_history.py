"""Admin → Reports → Site history, scoped like everything else (marketplace.scoping).

Wagtail's report lists the log entries of every object of a model whose
permissions the user has: seller staff, who may view returns, would read every
seller's returns in it (their RMA, who acted, the buyers' names in the user
filter). The apps register their seller-scoped models with `scope_log_entries`
(model, the objects a user may see); this report then lists only the entries of
those objects, and its user filter only the people who acted on them. Pages and
other models are listed as Wagtail lists them.

config/urls.py serves these views at Wagtail's own URLs, ahead of the admin's.
"""

from __future__ import annotations

from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import CharField, Q, QuerySet
from django.db.models.functions import Cast
from wagtail.admin.auth import require_admin_access
from wagtail.admin.views.reports.audit_logging import (
    LogEntriesView,
    SiteHistoryReportFilterSet,
)
from wagtail.log_actions import registry as log_action_registry

Visible = Callable[[object], QuerySet]
_SCOPED: dict[type, Visible] = {}


def scope_log_entries(model: type, visible: Visible) -> None:
    """Site history shows `model`'s entries only for the objects `visible(user)` holds."""
    _SCOPED[model] = visible


def scoped_log_entries(queryset: QuerySet, user) -> QuerySet:
    """`queryset` of log entries less those of scoped objects `user` may not see."""
    if user.is_superuser or "object_id" not in {f.name for f in queryset.model._meta.fields}:
        return queryset
    for model, visible in _SCOPED.items():
        ids = visible(user).annotate(log_id=Cast("pk", CharField())).values("log_id")
        content_type = ContentType.objects.get_for_model(model)
        queryset = queryset.exclude(Q(content_type=content_type) & ~Q(object_id__in=ids))
    return queryset


class ScopedSiteHistoryFilterSet(SiteHistoryReportFilterSet):
    def get_user_choices(self):
        user = self.request.user
        ids = set()
        for log_model in log_action_registry.get_log_entry_models():
            entries = scoped_log_entries(log_model.objects.viewable_by_user(user), user)
            ids.update(entries.get_user_ids())
        User = get_user_model()
        return User.objects.filter(pk__in=ids).order_by(User.USERNAME_FIELD)


class ScopedLogEntriesView(LogEntriesView):
    filterset_class = ScopedSiteHistoryFilterSet

    def filter_queryset(self, queryset):
        return super().filter_queryset(scoped_log_entries(queryset, self.request.user))


# Served ahead of the admin's URLs, so without the admin's own guard: added here.
site_history = require_admin_access(ScopedLogEntriesView.as_view())
site_history_results = require_admin_access(ScopedLogEntriesView.as_view(results_only=True))
