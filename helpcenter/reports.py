"""Help center reports in the Wagtail admin (Reports menu): top searches,
searches with no results, article feedback, articles citing changed clauses
and stale content. Each is a Wagtail ReportView with CSV/XLSX export.

They need the "Can view help center reports" permission
(helpcenter.view_help_reports); superusers have it.
"""

from __future__ import annotations

import django_filters
from django.conf import settings
from django.db.models import Case, Count, F, FloatField, Max, Q, Value, When
from django.db.models.functions import Round
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import Column, DateColumn, TitleColumn
from wagtail.admin.views.reports import ReportView

from . import upkeep
from .models import ArticleFeedback, HelpArticlePage, SearchQueryLog

PERMISSION = "helpcenter.view_help_reports"


def can_view_reports(user) -> bool:
    return user.is_active and user.has_perm(PERMISSION)


class HelpReportMixin:
    permission_required = "view"

    def user_has_permission(self, permission):
        return can_view_reports(self.request.user)


# --- searches -------------------------------------------------------------------------


class SearchLogFilterSet(WagtailFilterSet):
    created_at = django_filters.DateFromToRangeFilter(
        label=_("Searched between"), widget=DateRangePickerWidget
    )
    language = django_filters.ChoiceFilter(
        label=_("Language"), choices=settings.LANGUAGES, empty_label=_("All")
    )

    class Meta:
        model = SearchQueryLog
        fields = ["created_at", "language"]


class TopSearchesView(HelpReportMixin, ReportView):
    model = SearchQueryLog
    page_title = _("Top searches")
    header_icon = "search"
    index_url_name = "helpcenter_top_searches"
    index_results_url_name = "helpcenter_top_searches_results"
    filterset_class = SearchLogFilterSet
    default_ordering = "-searches"
    verbose_name_plural = _("searches")
    columns = [
        Column("query", label=_("Query"), sort_key="query"),
        Column("language", label=_("Language"), sort_key="language"),
        Column("searches", label=_("Searches"), sort_key="searches"),
        Column("results", label=_("Results (latest)"), sort_key="results"),
        DateColumn("last_searched", label=_("Last searched"), sort_key="last_searched"),
    ]
    list_export = ["query", "language", "searches", "results", "last_searched"]
    export_headings = {
        "query": _("Query"),
        "language": _("Language"),
        "searches": _("Searches"),
        "results": _("Results (latest)"),
        "last_searched": _("Last searched"),
    }
    only_zero_results = False

    def get_base_queryset(self):
        rows = SearchQueryLog.objects.all()
        if self.only_zero_results:
            rows = rows.filter(results=0)
        return rows

    def get_queryset(self):
        rows = self.filter_queryset(self.get_base_queryset())
        grouped = rows.values("query", "language").annotate(
            searches=Count("id"), results=Max("results"), last_searched=Max("created_at")
        )
        return self.order_queryset(grouped)

    def get_filtered_queryset(self):
        return self.get_queryset()

    def order_queryset(self, queryset):
        ordering = self.ordering or self.default_ordering
        return queryset.order_by(ordering, "query", "language")

    def get_filename(self):
        return f"{self.index_url_name.removeprefix('helpcenter_')}-{timezone.localdate():%Y-%m-%d}"


class ZeroResultSearchesView(TopSearchesView):
    page_title = _("Searches with no results")
    header_icon = "warning"
    index_url_name = "helpcenter_zero_results"
    index_results_url_name = "helpcenter_zero_results_results"
    only_zero_results = True
    columns = [c for c in TopSearchesView.columns if c.name != "results"]
    list_export = ["query", "language", "searches", "last_searched"]


# --- article feedback ------------------------------------------------------------------


class ArticleColumn(TitleColumn):
    def get_link_url(self, instance, parent_context):
        return reverse("wagtailadmin_pages:edit", args=[instance.pk])


class FeedbackFilterSet(WagtailFilterSet):
    feedback__created_at = django_filters.DateFromToRangeFilter(
        label=_("Votes between"), widget=DateRangePickerWidget
    )

    class Meta:
        model = HelpArticlePage
        fields = ["feedback__created_at"]


class ArticleFeedbackReportView(HelpReportMixin, ReportView):
    model = HelpArticlePage
    page_title = _("Article feedback")
    header_icon = "help"
    index_url_name = "helpcenter_feedback_report"
    index_results_url_name = "helpcenter_feedback_report_results"
    default_ordering = "score"
    verbose_name_plural = _("articles with feedback")
    columns = [
        ArticleColumn("title", label=_("Article"), sort_key="title"),
        Column("language", label=_("Language"), accessor="locale.language_code"),
        Column("votes", label=_("Votes"), sort_key="votes"),
        Column("score", label=_("Helpful (%)"), sort_key="score"),
        Column("yes_votes", label=_("Yes"), sort_key="yes_votes"),
        Column("no_votes", label=_("No"), sort_key="no_votes"),
        Column("comments", label=_("Comments"), sort_key="comments"),
        Column("latest_comments", label=_("Latest comments")),
    ]
    list_export = [
        "title",
        "language",
        "votes",
        "score",
        "yes_votes",
        "no_votes",
        "comments",
        "latest_comments",
    ]
    export_headings = {
        "title": _("Article"),
        "language": _("Language"),
        "votes": _("Votes"),
        "score": _("Helpful (%)"),
        "yes_votes": _("Yes"),
        "no_votes": _("No"),
        "comments": _("Comments"),
        "latest_comments": _("Latest comments"),
    }

    def get_base_queryset(self):
        return (
            HelpArticlePage.objects.defer_streamfields()
            .select_related("locale")
            .annotate(
                votes=Count("feedback"),
                yes_votes=Count("feedback", filter=Q(feedback__helpful=True)),
                no_votes=Count("feedback", filter=Q(feedback__helpful=False)),
                comments=Count("feedback", filter=~Q(feedback__comment="")),
            )
            .filter(votes__gt=0)
            .annotate(
                score=Round(
                    Case(
                        When(votes=0, then=Value(0.0)),
                        default=F("yes_votes") * 100.0 / F("votes"),
                        output_field=FloatField(),
                    )
                )
            )
        )

    def order_queryset(self, queryset):
        ordering = self.ordering or self.default_ordering
        return queryset.order_by(ordering, "path")

    def decorate_paginated_queryset(self, object_list):
        pages = list(object_list)
        comments: dict[int, list[str]] = {page.pk: [] for page in pages}
        latest = (
            ArticleFeedback.objects.filter(article__in=pages)
            .exclude(comment="")
            .order_by("-created_at")
            .values_list("article_id", "reason", "comment")
        )
        for article_id, reason, comment in latest:
            if len(comments[article_id]) < 3:
                label = f"[{reason}] " if reason else ""
                comments[article_id].append(label + comment[:200])
        for page in pages:
            page.latest_comments = " · ".join(comments[page.pk])
            page.language = page.locale.language_code
        return pages


# --- content upkeep ----------------------------------------------------------------------


class ChangedCitationsView(HelpReportMixin, ReportView):
    page_title = _("Articles citing changed clauses")
    header_icon = "warning"
    index_url_name = "helpcenter_changed_clauses"
    index_results_url_name = "helpcenter_changed_clauses_results"
    verbose_name_plural = _("articles citing changed clauses")
    columns = [
        ArticleColumn("title", label=_("Article"), accessor="article"),
        Column("language", label=_("Language")),
        Column("policy_title", label=_("Policy")),
        Column("anchor", label=_("Clause")),
        Column("cited_version", label=_("Cited version")),
        Column("changed_in", label=_("Changed in version")),
        Column("change_label", label=_("Change")),
        DateColumn("effective_from", label=_("Effective from")),
    ]
    list_export = [
        "article.title",
        "language",
        "policy_title",
        "anchor",
        "cited_version",
        "changed_in",
        "change",
        "effective_from",
    ]
    export_headings = {"article.title": _("Article")}

    def get_queryset(self):
        return upkeep.changed_citations()

    def get_filtered_queryset(self):
        return self.get_queryset()


class StaleContentView(HelpReportMixin, ReportView):
    page_title = _("Stale content")
    header_icon = "time"
    index_url_name = "helpcenter_stale_content"
    index_results_url_name = "helpcenter_stale_content_results"
    verbose_name_plural = _("articles past their review date")
    columns = [
        ArticleColumn("title", label=_("Article")),
        Column("language", label=_("Language"), accessor="locale.language_code"),
        Column("review_by", label=_("Review by")),
        Column("content_owner", label=_("Owner")),
    ]
    list_export = ["title", "locale.language_code", "review_by", "content_owner.email"]
    export_headings = {"locale.language_code": _("Language"), "content_owner.email": _("Owner")}

    def get_queryset(self):
        return upkeep.stale_articles()

    def get_filtered_queryset(self):
        return self.get_queryset()


REPORTS = [
    ("search-top", TopSearchesView, "reports/help/top-searches/"),
    ("search-zero", ZeroResultSearchesView, "reports/help/no-results/"),
    ("feedback", ArticleFeedbackReportView, "reports/help/feedback/"),
    ("changed-clauses", ChangedCitationsView, "reports/help/changed-clauses/"),
    ("stale", StaleContentView, "reports/help/stale/"),
]


def report_urls():
    urls = []
    for _name, view, prefix in REPORTS:
        urls.append(path(prefix, view.as_view(), name=view.index_url_name))
        urls.append(
            path(
                prefix + "results/",
                view.as_view(results_only=True),
                name=view.index_results_url_name,
            )
        )
    return urls


class HelpReportMenuItem(MenuItem):
    def is_shown(self, request):
        return can_view_reports(request.user)


def report_menu_item(index: int) -> MenuItem:
    name, view, _prefix = REPORTS[index]
    return HelpReportMenuItem(
        view.page_title,
        reverse(view.index_url_name),
        name=f"help-{name}",
        icon_name=view.header_icon,
        order=1400 + index,
    )
