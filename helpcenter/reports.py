"""Help center reports in the Wagtail admin (Reports menu): top searches,
searches with no results, article feedback, deflection (suggested articles
opened, with the self-service score), articles citing changed clauses and
stale content. Each is a Wagtail ReportView with CSV/XLSX export.

They need the "Can view help center reports" permission
(helpcenter.view_help_reports); superusers have it. "Articles citing changed
clauses" also opens with the narrower helpcenter.view_changed_citations, which
the policy groups have. Exports carry translated headings and values and are
named after the report and the day.
"""

from __future__ import annotations

import datetime

import django_filters
from django.conf import settings
from django.db.models import Case, Count, F, FloatField, Max, Q, Sum, Value, When
from django.db.models.functions import Round
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.ui.tables import Column, DateColumn, TitleColumn
from wagtail.admin.views.reports import ReportView

from marketplace.scoping import is_seller_staff

from . import upkeep
from .feedback import buffered_sessions
from .models import (
    ArticleFeedback,
    HelpArticlePage,
    HelpSessionDay,
    SearchQueryLog,
    SuggestionOpen,
    SupportRequest,
)

PERMISSION = "helpcenter.view_help_reports"
CHANGED_CITATIONS_PERMISSION = "helpcenter.view_changed_citations"


def can_view_reports(user, permissions=(PERMISSION,)) -> bool:
    # Buyers' searches and feedback are the marketplace's, not any seller's: seller
    # staff never see them, whatever permissions a group gives them.
    return (
        user.is_active
        and any(user.has_perm(permission) for permission in permissions)
        and not is_seller_staff(user)
    )


def _local_datetime(value):
    # CSV: the admin's local time with its offset, to the minute (not UTC with
    # microseconds); XLSX keeps Wagtail's real date cells.
    return timezone.localtime(value).isoformat(timespec="minutes") if value else ""


class HelpReportMixin:
    permission_required = "view"
    # Any of these opens the report (and shows it in the Reports menu).
    permissions: tuple[str, ...] = (PERMISSION,)
    # The download is named "<export_filename>-YYYY-MM-DD.csv" (or .xlsx).
    export_filename = "help-report"

    def user_has_permission(self, permission):
        return can_view_reports(self.request.user, self.permissions)

    def get_filename(self):
        return f"{self.export_filename}-{timezone.localdate():%Y-%m-%d}"

    def stream_csv(self, queryset):
        """Wagtail streams the CSV after the view has returned, outside the
        admin's language and time zone: each line is written inside them again,
        so headings and values are in the admin user's language."""
        # Read now, while the view runs (the generator below starts later).
        language = translation.get_language()
        zone = timezone.get_current_timezone()
        lines = super().stream_csv(queryset)

        def in_admin_language():
            while True:
                with translation.override(language), timezone.override(zone):
                    line = next(lines, None)
                if line is None:
                    return
                yield line

        return in_admin_language()


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
    export_filename = "top-searches"
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


class ZeroResultSearchesView(TopSearchesView):
    page_title = _("Searches with no results")
    header_icon = "warning"
    index_url_name = "helpcenter_zero_results"
    index_results_url_name = "helpcenter_zero_results_results"
    export_filename = "searches-with-no-results"
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
    export_filename = "article-feedback"
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


# --- deflection and self-service ------------------------------------------------------


class DeflectionFilterSet(WagtailFilterSet):
    created_at = django_filters.DateFromToRangeFilter(
        label=_("Opened between"), widget=DateRangePickerWidget
    )

    class Meta:
        model = SuggestionOpen
        fields = ["created_at"]


def self_service(start=None, end=None) -> dict:
    """Help sessions (helpcenter.feedback.note_help_session: flushed, plus those
    still buffered in the cache over the last year at most) per support request
    submitted, between two dates (inclusive, either open). The score is None
    when no request was submitted."""
    sessions = HelpSessionDay.objects.all()
    requests_ = SupportRequest.objects.all()
    if start:
        sessions = sessions.filter(day__gte=start)
        requests_ = requests_.filter(created_at__date__gte=start)
    if end:
        sessions = sessions.filter(day__lte=end)
        requests_ = requests_.filter(created_at__date__lte=end)
    total = sessions.aggregate(total=Sum("sessions"))["total"] or 0
    # What the cache still holds (all of it without beat, as under make run).
    last = min(end or timezone.localdate(), timezone.localdate())
    try:
        first = max(
            start or last - datetime.timedelta(days=30), last - datetime.timedelta(days=366)
        )
    except OverflowError:  # an end in year 1: the cache holds nothing so old
        first = last + datetime.timedelta(days=1)
    days = [first + datetime.timedelta(days=n) for n in range((last - first).days + 1)]
    total += sum(buffered_sessions(days).values())
    submitted = requests_.count()
    score = round(total / submitted, 1) if submitted else None
    return {"sessions": total, "requests": submitted, "score": score}


class DeflectionReportView(HelpReportMixin, ReportView):
    """Which suggested articles buyers opened from the contact form (by name),
    and the self-service score over the same period."""

    model = SuggestionOpen
    page_title = _("Deflection and self-service")
    header_icon = "help"
    index_url_name = "helpcenter_deflection_report"
    index_results_url_name = "helpcenter_deflection_report_results"
    results_template_name = "helpcenter/admin/deflection_results.html"
    filterset_class = DeflectionFilterSet
    export_filename = "deflection"
    default_ordering = "-opens"
    verbose_name_plural = _("articles opened from suggestions")
    columns = [
        Column("article__title", label=_("Article"), sort_key="article__title"),
        Column("language", label=_("Language"), sort_key="language"),
        Column("opens", label=_("Opened from suggestions"), sort_key="opens"),
        DateColumn("last_opened", label=_("Last opened"), sort_key="last_opened"),
    ]
    list_export = ["article__title", "language", "opens", "last_opened"]
    export_headings = {
        "article__title": _("Article"),
        "language": _("Language"),
        "opens": _("Opened from suggestions"),
        "last_opened": _("Last opened"),
    }
    custom_field_preprocess = {"last_opened": {"csv": _local_datetime}}

    def get_queryset(self):
        rows = self.filter_queryset(SuggestionOpen.objects.all())
        grouped = rows.values("article", "article__title", "language").annotate(
            opens=Count("id"), last_opened=Max("created_at")
        )
        return self.order_queryset(grouped)

    def get_filtered_queryset(self):
        return self.get_queryset()

    def order_queryset(self, queryset):
        ordering = self.ordering or self.default_ordering
        return queryset.order_by(ordering, "article__title", "language")

    def period(self):
        filters = getattr(self, "filters", None)
        form = getattr(filters, "form", None)
        span = form.cleaned_data.get("created_at") if form is not None and form.is_valid() else None
        if not span:
            return None, None
        return (
            span.start.date() if span.start else None,
            span.stop.date() if span.stop else None,
        )

    def get_context_data(self, *args, **kwargs):
        context = super().get_context_data(*args, **kwargs)
        context["self_service"] = self_service(*self.period())
        return context


# --- content upkeep ----------------------------------------------------------------------


class ChangedCitationsView(HelpReportMixin, ReportView):
    page_title = _("Articles citing changed clauses")
    header_icon = "warning"
    index_url_name = "helpcenter_changed_clauses"
    index_results_url_name = "helpcenter_changed_clauses_results"
    permissions = (PERMISSION, CHANGED_CITATIONS_PERMISSION)
    export_filename = "articles-citing-changed-clauses"
    verbose_name_plural = _("articles citing changed clauses")
    columns = [
        ArticleColumn("title", label=_("Article"), accessor="article"),
        Column("language_name", label=_("Language")),
        Column("policy_title", label=_("Policy")),
        Column("anchor", label=_("Clause")),
        Column("cited_version", label=_("Cited version")),
        Column("changed_in", label=_("Changed in version")),
        Column("change_label", label=_("Change")),
        Column("status_label", label=_("Status")),
        DateColumn("effective_from", label=_("Effective from")),
    ]
    # Rows are dataclasses, not model instances: Wagtail cannot derive headings
    # from model fields, so every column has its translated heading here.
    export_headings = {
        "article.title": _("Article"),
        "language_name": _("Language"),
        "policy_title": _("Policy"),
        "anchor": _("Clause"),
        "cited_version": _("Cited version"),
        "changed_in": _("Changed in version"),
        "change_label": _("Change"),
        "status_label": _("Status"),
        "effective_from": _("Effective from"),
    }
    list_export = list(export_headings)
    custom_field_preprocess = {"effective_from": {"csv": _local_datetime}}

    def get_queryset(self):
        return upkeep.changed_citations()

    def get_filtered_queryset(self):
        return self.get_queryset()


class StaleContentView(HelpReportMixin, ReportView):
    page_title = _("Stale content")
    header_icon = "time"
    index_url_name = "helpcenter_stale_content"
    index_results_url_name = "helpcenter_stale_content_results"
    export_filename = "stale-content"
    verbose_name_plural = _("articles past their review date")
    columns = [
        ArticleColumn("title", label=_("Article")),
        Column("language", label=_("Language"), accessor="locale.language_code"),
        Column("review_by", label=_("Review by")),
        Column("content_owner", label=_("Owner")),
    ]
    list_export = ["title", "locale.language_code", "review_by", "owner_email"]
    export_headings = {
        "title": _("Article"),
        "locale.language_code": _("Language"),
        "review_by": _("Review by"),
        "owner_email": _("Owner"),
    }

    def get_queryset(self):
        # An annotation, not "content_owner.email": an article without owner
        # must export an empty cell, not fail the whole download.
        return upkeep.stale_articles().annotate(owner_email=F("content_owner__email"))

    def get_filtered_queryset(self):
        return self.get_queryset()


REPORTS = [
    ("search-top", TopSearchesView, "reports/help/top-searches/"),
    ("search-zero", ZeroResultSearchesView, "reports/help/no-results/"),
    ("feedback", ArticleFeedbackReportView, "reports/help/feedback/"),
    ("deflection", DeflectionReportView, "reports/help/deflection/"),
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
    def __init__(self, *args, permissions=(PERMISSION,), **kwargs):
        super().__init__(*args, **kwargs)
        self.permissions = permissions

    def is_shown(self, request):
        return can_view_reports(request.user, self.permissions)


def report_menu_item(index: int) -> MenuItem:
    name, view, _prefix = REPORTS[index]
    return HelpReportMenuItem(
        view.page_title,
        reverse(view.index_url_name),
        name=f"help-{name}",
        icon_name=view.header_icon,
        order=1400 + index,
        permissions=view.permissions,
    )
