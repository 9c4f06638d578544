from django.contrib.contenttypes.fields import GenericForeignKey
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.search import index


class HomePage(Page):
    """The site's root page, one per locale (translations of each other)."""

    intro = models.CharField(_("intro"), max_length=300, blank=True)
    body = RichTextField(_("body"), blank=True, features=["bold", "italic", "link", "ul"])

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["policy_pages.PolicyIndexPage", "helpcenter.HelpCenterPage"]
    max_count_per_parent = 1

    content_panels = [*Page.content_panels, FieldPanel("intro"), FieldPanel("body")]
    search_fields = [*Page.search_fields, index.SearchField("intro")]

    class Meta:
        verbose_name = _("home page")


class OutboxMessage(models.Model):
    """An email written in the same transaction as the change it reports.

    Every app's emails go through here (`core.outbox.queue_email`): Celery relays
    them after commit, and beat relays whatever is still unsent, so none is lost
    when the broker is down at commit. `about` names the record the email is about
    (a return, a support request), for the history and for privacy erasure.
    """

    kind = models.CharField(_("kind"), max_length=64)
    recipient = models.EmailField(_("recipient"), max_length=320)
    language = models.CharField(_("language"), max_length=8)
    subject = models.CharField(_("subject"), max_length=255)
    body = models.TextField(_("body"))
    # Where the buyer's answer goes: a thread's own inbound address (core.inbound_email).
    reply_to = models.EmailField(_("reply to"), max_length=320, blank=True)
    about_type = models.ForeignKey(
        "contenttypes.ContentType",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    about_id = models.PositiveBigIntegerField(null=True, blank=True)
    about = GenericForeignKey("about_type", "about_id")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=models.Q(sent_at__isnull=True),
                name="core_outbox_unsent_idx",
            ),
            models.Index(fields=["about_type", "about_id"], name="core_outbox_about_idx"),
        ]

    def __str__(self):
        return f"{self.kind} → {self.recipient}"
