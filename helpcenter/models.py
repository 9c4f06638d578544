"""Help center pages (help home → category → article), search analytics,
article feedback, view counts and the contact desk's support requests.

The bottom floor of the app: it imports no service module. What the pages
list (articles, related, popular) their templates read through
templatetags/help_pages.py; the desk's state changes live in desk.py."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel, PageChooserPanel
from wagtail.fields import StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index
from wagtail.url_routing import RouteResult
from wagtail_localize.fields import SynchronizedField, TranslatableField

from core.storage import private_storage
from policy_pages.cache import policy_cache_generation

from .blocks import ArticleBodyBlock
from .choices import FeedbackReason, SupportStatus, SupportTopic
from .locales import default_locale, locale_for, locale_for_id
from .seo import alternates, article_jsonld

__all__ = [
    "FeedbackReason",
    "SupportStatus",
    "SupportTopic",
    "private_storage",  # named by migration 0001 as helpcenter.models.private_storage
]

# --- pages -------------------------------------------------------------------


class HelpPageMixin:
    """What every help page shares: slugs kept equal across languages (stable
    links), and sitemap entries naming their translations (hreflang)."""

    def get_sitemap_urls(self, request=None):
        urls = super().get_sitemap_urls(request)
        links = alternates(self, request)
        if len(links) > 1:
            for url in urls:
                url["alternates"] = [
                    {"lang_code": link["lang"], "location": link["url"]} for link in links
                ]
        return urls


class HelpCenterPage(HelpPageMixin, Page):
    """The help home, one per locale (translations of each other), slug "help"."""

    intro = models.CharField(_("intro"), max_length=300, blank=True)

    parent_page_types = ["core.HomePage"]
    subpage_types = ["helpcenter.HelpCategoryPage"]
    max_count_per_parent = 1

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    translatable_fields = [
        TranslatableField("title"),
        TranslatableField("seo_title"),
        TranslatableField("search_description"),
        TranslatableField("intro"),
        SynchronizedField("slug"),
    ]

    class Meta:
        verbose_name = _("help center")


class HelpCategoryPage(HelpPageMixin, Page):
    description = models.CharField(_("description"), max_length=300, blank=True)

    parent_page_types = ["helpcenter.HelpCenterPage"]
    subpage_types = ["helpcenter.HelpArticlePage"]

    content_panels = [*Page.content_panels, FieldPanel("description")]
    translatable_fields = [
        TranslatableField("title"),
        TranslatableField("seo_title"),
        TranslatableField("search_description"),
        TranslatableField("description"),
        SynchronizedField("slug"),
    ]

    class Meta:
        verbose_name = _("help category")
        verbose_name_plural = _("help categories")

    def route(self, request, path_components):
        """An article address in this category's language that has no live
        article (/de/help/<category>/<slug>/ before the German translation
        is published) serves the source-language article there, with the
        notice of an untranslated article; its canonical link names the
        source page. Slugs are the same in every language, so the address
        keeps working once the translation is published."""
        try:
            return super().route(request, path_components)
        except Http404:
            page = self.untranslated_article(path_components)
            if page is None:
                raise
            if page.locale_id == self.locale_id:
                return RouteResult(page)
            return RouteResult(page, kwargs={"untranslated": True})

    def untranslated_article(self, path_components) -> HelpArticlePage | None:
        """The live source-language article at that address (or its live
        translation if it moved to another category), else None."""
        source_locale = default_locale()
        if len(path_components) != 1 or self.locale_id == source_locale.pk:
            return None
        source_category = self.get_translation_or_none(source_locale)
        if source_category is None:
            return None
        article = (
            HelpArticlePage.objects.child_of(source_category)
            .live()
            .filter(slug=path_components[0])
            .first()
        )
        if article is None:
            return None
        translated = (
            HelpArticlePage.objects.live()
            .filter(translation_key=article.translation_key, locale_id=self.locale_id)
            .first()
        )
        return translated or article


class HelpArticlePage(HelpPageMixin, Page):
    summary = models.CharField(
        _("summary"),
        max_length=300,
        help_text=_(
            "One or two sentences: shown in listings, search results and to search engines."
        ),
    )
    body = StreamField(ArticleBodyBlock(), verbose_name=_("body"))
    review_by = models.DateField(
        _("review by"),
        null=True,
        blank=True,
        help_text=_("After this date the article is listed in the “Stale content” report."),
    )
    content_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("content owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Who keeps this article true."),
    )

    parent_page_types = ["helpcenter.HelpCategoryPage"]
    subpage_types: list[str] = []

    search_fields = [
        *Page.search_fields,
        index.SearchField("summary", boost=2),
        index.SearchField("body"),
        index.AutocompleteField("summary"),
        # Prefixes in the body too: "rembours" finds "remboursement" wherever it is.
        index.AutocompleteField("body"),
    ]
    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        FieldPanel("body"),
        InlinePanel("related_articles", label=_("Related article")),
        MultiFieldPanel(
            [FieldPanel("review_by"), FieldPanel("content_owner")], heading=_("Upkeep")
        ),
    ]
    translatable_fields = [
        TranslatableField("title"),
        TranslatableField("seo_title"),
        TranslatableField("search_description"),
        TranslatableField("summary"),
        TranslatableField("body"),
        SynchronizedField("slug"),
        SynchronizedField("review_by"),
        SynchronizedField("content_owner"),
        SynchronizedField("related_articles"),
    ]

    class Meta:
        verbose_name = _("help article")
        verbose_name_plural = _("help articles")
        permissions = [
            ("view_help_reports", _("Can view help center reports")),
            # Narrower, for policy editors: which articles a policy change leaves
            # out of date, without the search logs and buyers' feedback comments.
            (
                "view_changed_citations",
                _("Can view the report of articles citing changed policy clauses"),
            ),
        ]

    # A view is counted by the before_serve_page hook (wagtail_hooks.py).

    def get_context(self, request, *args, **kwargs):
        """The page's head (canonical, hreflang, JSON-LD) and language; the
        related articles and the vote form come from the template's tags."""
        context = super().get_context(request, *args, **kwargs)
        reader_locale = locale_for(getattr(request, "LANGUAGE_CODE", "")) or self.locale
        context.update(
            policy_generation=policy_cache_generation(),
            is_fallback=bool(kwargs.get("untranslated")),
            alternates=alternates(self, request),
            canonical_url=self.get_full_url(request),
            jsonld=article_jsonld(self, request),
            content_language=(locale_for_id(self.locale_id) or reader_locale).language_code,
        )
        return context


class HelpArticleRelated(Orderable):
    page = ParentalKey(HelpArticlePage, on_delete=models.CASCADE, related_name="related_articles")
    article = models.ForeignKey(
        HelpArticlePage, verbose_name=_("article"), on_delete=models.CASCADE, related_name="+"
    )

    panels = [PageChooserPanel("article")]

    class Meta(Orderable.Meta):
        verbose_name = _("related article")


# --- search analytics ------------------------------------------------------------


class SearchQueryLog(models.Model):
    """One row per submitted search: the normalised query, its language and
    how many results it had. No user, session or address is stored."""

    MAX_LENGTH = 200

    query = models.CharField(_("query"), max_length=MAX_LENGTH)
    language = models.CharField(_("language"), max_length=8)
    results = models.PositiveIntegerField(_("results"))
    created_at = models.DateTimeField(_("searched at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("search")
        verbose_name_plural = _("searches")
        indexes = [models.Index(fields=["created_at", "results"], name="help_search_zero_idx")]

    def __str__(self):
        return self.query


# --- feedback --------------------------------------------------------------------


class ArticleFeedback(models.Model):
    """A "Was this helpful?" vote: one per visitor per article, per user when
    signed in, per session otherwise (enforced by the database)."""

    article = models.ForeignKey(
        HelpArticlePage,
        on_delete=models.CASCADE,
        related_name="feedback",
        verbose_name=_("article"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    session_key = models.CharField(max_length=64, blank=True)
    helpful = models.BooleanField(_("helpful"))
    reason = models.CharField(_("reason"), max_length=16, choices=FeedbackReason, blank=True)
    comment = models.TextField(_("comment"), max_length=1000, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("article feedback")
        verbose_name_plural = _("article feedback")
        constraints = [
            models.UniqueConstraint(
                fields=["article", "user"],
                condition=Q(user__isnull=False),
                name="help_one_vote_per_user",
            ),
            models.UniqueConstraint(
                fields=["article", "session_key"],
                condition=Q(user__isnull=True),
                name="help_one_vote_per_session",
            ),
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(session_key=""),
                name="help_vote_has_voter",
            ),
        ]

    def __str__(self):
        return f"{self.article_id}: {'yes' if self.helpful else 'no'}"


# --- popularity ------------------------------------------------------------------


class ArticleDailyViews(models.Model):
    """Views of an article on one day, flushed from the cache by Celery beat."""

    article = models.ForeignKey(HelpArticlePage, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    views = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("article views per day")
        constraints = [
            models.UniqueConstraint(fields=["article", "day"], name="help_views_article_day")
        ]
        indexes = [models.Index(fields=["day", "article"], name="help_views_day_idx")]

    def __str__(self):
        return f"{self.article_id} {self.day}: {self.views}"


# --- contact desk ----------------------------------------------------------------


class ReferenceCounter(models.Model):
    """The last request number given out in a year (SR-2026-000123)."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.year}: {self.last}"

    @classmethod
    def issue(cls, now: datetime.datetime | None = None) -> str:
        """The next reference, SR-<year>-<6 digits>, from this year's row
        locked for update."""
        year = timezone.localtime(now or timezone.now()).year
        with transaction.atomic():
            try:
                with transaction.atomic():
                    cls.objects.get_or_create(year=year)
            except IntegrityError:  # a concurrent first request of the year made it
                pass
            counter = cls.objects.select_for_update().get(year=year)
            counter.last += 1
            counter.save(update_fields=["last"])
        return f"SR-{year}-{counter.last:06d}"


class SupportRequest(ClusterableModel):
    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("buyer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="support_requests",
    )
    email = models.EmailField(_("email"))
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    topic = models.CharField(_("topic"), max_length=16, choices=SupportTopic)
    order_reference = models.CharField(_("order reference"), max_length=32, blank=True)
    message = models.TextField(_("message"))
    status = models.CharField(
        _("status"), max_length=16, choices=SupportStatus, default=SupportStatus.NEW, db_index=True
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        limit_choices_to={"is_staff": True},
    )
    suggestions_opened = models.JSONField(
        _("suggested articles opened"),
        default=list,
        blank=True,
        help_text=_("Help articles the buyer opened from the suggestions before writing."),
    )
    created_at = models.DateTimeField(_("received at"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("support request")
        verbose_name_plural = _("support requests")
        ordering = ["-created_at"]

    def __str__(self):
        return self.reference

    def save(self, *args, **kwargs):
        if not self.reference:
            self.reference = ReferenceCounter.issue()
        super().save(*args, **kwargs)


def attachment_path(instance, filename):
    return f"support/{instance.request.created_at:%Y/%m}/{filename}"


class SupportAttachment(models.Model):
    """An image the buyer attached, re-encoded without metadata and kept in
    private storage; served only through an ownership-checked view."""

    request = models.ForeignKey(
        SupportRequest, on_delete=models.CASCADE, related_name="attachments"
    )
    # The buyer's reply it came with; None for the request's own attachments.
    reply = models.ForeignKey(
        "SupportReply",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="attachments",
    )
    file = models.FileField(upload_to=attachment_path, storage=private_storage, max_length=255)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=32)
    size = models.PositiveIntegerField()

    class Meta:
        verbose_name = _("attachment")

    def __str__(self):
        return self.original_name


class SupportReply(models.Model):
    request = ParentalKey(SupportRequest, on_delete=models.CASCADE, related_name="replies")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(_("reply"))
    # The buyer's own answer (on the request page or by email), not staff's.
    from_buyer = models.BooleanField(_("from the buyer"), default=False)
    via_email = models.BooleanField(_("received by email"), default=False)
    # The page's form key or the email's Message-ID: a double submit or a
    # provider's retry adds nothing (helpcenter.buyer_reply).
    idempotency_key = models.CharField(max_length=64, unique=True, null=True, blank=True)
    # Whether it was emailed is the outbox's sent_at (core.outbox, about=reply).
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("reply")
        verbose_name_plural = _("replies")
        ordering = ["created_at"]

    def __str__(self):
        return f"{self.request_id} reply {self.pk}"


class SuggestionOpen(models.Model):
    """A suggested article opened from the contact form (deflection), counted
    without identity: it tells editors which articles answer before contact."""

    article = models.ForeignKey(HelpArticlePage, on_delete=models.CASCADE, related_name="+")
    language = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self):
        return f"{self.article_id} {self.created_at:%Y-%m-%d}"


# --- search synonyms and self-service ----------------------------------------------


class SearchSynonym(models.Model):
    """Words and phrases that mean the same to a reader in one language
    ("refund, money back"): a search for any of them finds the others.
    Managed by editors in the admin (Snippets → Search synonyms)."""

    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    terms = models.CharField(
        _("synonyms"),
        max_length=500,
        help_text=_("Words or phrases that mean the same, separated by commas."),
    )

    class Meta:
        verbose_name = _("search synonym")
        verbose_name_plural = _("search synonyms")
        ordering = ["language", "terms"]

    def __str__(self):
        return f"{self.language}: {self.terms}"

    def phrases(self) -> list[str]:
        return [" ".join(p.split()).lower() for p in self.terms.split(",") if p.strip()]


class HelpSessionDay(models.Model):
    """Browser sessions that used the help center (an article or a search) on
    a day, per language: counted once per session, without identity. The help
    report divides them by the support requests submitted (self-service score)."""

    day = models.DateField()
    language = models.CharField(max_length=8)
    sessions = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["day", "language"], name="help_session_day_unique")
        ]

    def __str__(self):
        return f"{self.day} {self.language}: {self.sessions}"
