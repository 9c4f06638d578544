"""Buyer satisfaction surveys (CSAT): one per closed return, answered once
through a signed link that needs no login."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

COMMENT_MAX_LENGTH = 2000


class CsatSurvey(models.Model):
    return_request = models.OneToOneField(
        "return_portal.ReturnRequest",
        on_delete=models.CASCADE,
        related_name="csat_survey",
        verbose_name=_("return"),
    )
    # The link carries a random token; only its SHA-256 is kept, so a copy of
    # the database opens no survey.
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    language = models.CharField(_("language"), max_length=8)
    sent_at = models.DateTimeField(_("sent at"))
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    rating = models.PositiveSmallIntegerField(_("rating"), null=True, blank=True)
    comment = models.TextField(_("comment"), max_length=COMMENT_MAX_LENGTH, blank=True)

    class Meta:
        verbose_name = _("satisfaction survey")
        verbose_name_plural = _("satisfaction surveys")
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="csat_rating_one_to_five",
            ),
            # An answer has a rating, and only an answer has one.
            models.CheckConstraint(
                condition=Q(answered_at__isnull=True, rating__isnull=True)
                | Q(answered_at__isnull=False, rating__isnull=False),
                name="csat_answer_has_rating",
            ),
        ]

    def __str__(self):
        return f"CSAT {self.return_request_id}"


class CsatOptOut(models.Model):
    """An address that asked for no more surveys."""

    email = models.EmailField(_("email"), unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("survey opt-out")
        verbose_name_plural = _("survey opt-outs")

    def __str__(self):
        return self.email
