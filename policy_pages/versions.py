"""Immutable policy versions, their per-locale texts and the hash chain (the
in-force lookup is timeline.py).

A version is written once, when a policy is published, and never changes:
the model refuses updates and deletes, and so does the database (triggers,
see migrations). Each version's hash covers its canonical content plus the
previous version's hash, so any later alteration breaks the chain.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .rules import PolicyRules, canonical_json

GENESIS_HASH = "0" * 64


class ImmutableRecordError(Exception):
    """Raised on any attempt to change or remove a policy version or its text."""


class ImmutableQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ImmutableRecordError(f"{self.model.__name__} rows cannot be updated.")

    def delete(self):
        raise ImmutableRecordError(f"{self.model.__name__} rows cannot be deleted.")


class ImmutableModel(models.Model):
    objects = ImmutableQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableRecordError(f"{type(self).__name__} {self.pk} cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableRecordError(f"{type(self).__name__} {self.pk} cannot be deleted.")


def _utc(instant: datetime | None) -> str | None:
    # The same instant must hash the same whatever zone it was loaded in.
    return instant.astimezone(UTC).isoformat() if instant else None


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class PolicyVersion(ImmutableModel):
    policy = models.ForeignKey(
        "policy_pages.PolicyPage",
        on_delete=models.PROTECT,
        related_name="versions",
        verbose_name=_("policy"),
    )
    number = models.PositiveIntegerField(_("version"))
    kind = models.CharField(_("kind"), max_length=16)
    seller_ref = models.CharField(_("seller reference"), max_length=64, blank=True)
    effective_from = models.DateTimeField(_("effective from"))
    rules_json = models.TextField(_("rules (canonical JSON)"))
    revision = models.ForeignKey("wagtailcore.Revision", on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField(_("published at"))
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    # Nullable so adding them leaves stored rows (and SQLite's triggers) untouched:
    # versions written before four eyes have NULL here and hash in format 1.
    approval_comment = models.TextField(_("approval comment"), null=True, blank=True)
    change_reason = models.TextField(_("change reason"), null=True, blank=True)
    hash_format = models.PositiveSmallIntegerField(_("hash format"), null=True, blank=True)
    previous_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("policy version")
        verbose_name_plural = _("policy versions")
        ordering = ["policy_id", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "number"], name="unique_policy_version_number"
            )
        ]
        indexes = [models.Index(fields=["policy", "effective_from"])]

    def __str__(self):
        return f"{self.policy_id} v{self.number}"

    @property
    def rules(self) -> PolicyRules:
        return PolicyRules.from_json(self.rules_json)

    # Format 2 adds the change reason and the approval comment; format 1 (NULL)
    # rows keep hashing exactly as they were written.
    HASH_FORMAT = 2

    def hashed_content(self, source_text: PolicyVersionText) -> str:
        """What the hash covers: identity, scope, dates, rules, source text and
        the approval trail (who submitted, approved and published, and when,
        and from format 2 why it changed and what the approver said)."""
        content = {
            "policy": str(self.policy.translation_key),
            "number": self.number,
            "kind": self.kind,
            "seller": self.seller_ref,
            "effective_from": _utc(self.effective_from),
            "rules": self.rules_json,
            "source_text": source_text.hashed_content(),
            "revision": self.revision_id,
            "published_at": _utc(self.published_at),
            "published_by": self.published_by_id,
            "submitted_by": self.submitted_by_id,
            "approved_by": self.approved_by_id,
            "approved_at": _utc(self.approved_at),
        }
        if (self.hash_format or 1) >= 2:
            content["change_reason"] = self.change_reason or ""
            content["approval_comment"] = self.approval_comment or ""
        return canonical_json(content)

    def compute_hash(self, source_text: PolicyVersionText) -> str:
        return sha256_hex(self.hashed_content(source_text) + self.previous_hash)


class PolicyVersionMarketQuerySet(ImmutableQuerySet):
    def mark_superseded(self, by: PolicyVersion, at: datetime) -> int:
        """The one change these rows accept (the database triggers allow it and
        nothing else): a scheduled version replaced before it came into force
        leaves the timeline, once and for good."""
        return models.QuerySet.update(
            self.filter(superseded_by__isnull=True), superseded_by=by, superseded_at=at
        )


class PolicyVersionMarket(ImmutableModel):
    """One row per market of a version: the index the in-force lookup reads.
    Scope columns are copied from the version so the lookup is one index scan.

    Two live rows of one scope never share an instant (the database refuses
    it): no reader has to guess which of two versions is in force."""

    version = models.ForeignKey(PolicyVersion, on_delete=models.PROTECT, related_name="markets")
    market = models.CharField(max_length=2)
    kind = models.CharField(max_length=16)
    seller_ref = models.CharField(max_length=64, blank=True)
    effective_from = models.DateTimeField()
    superseded_by = models.ForeignKey(
        PolicyVersion,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("superseded by"),
    )
    superseded_at = models.DateTimeField(_("superseded at"), null=True, blank=True)

    objects = PolicyVersionMarketQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["version", "market"], name="unique_version_market"),
            models.UniqueConstraint(
                fields=["market", "kind", "seller_ref", "effective_from"],
                condition=models.Q(superseded_by__isnull=True),
                name="one_version_per_scope_instant",
                violation_error_message=_(
                    "Another version of this scope already takes effect at this instant."
                ),
            ),
        ]
        indexes = [
            models.Index(
                fields=["market", "kind", "seller_ref", "effective_from"],
                name="policy_in_force_idx",
            )
        ]

    def __str__(self):
        return f"{self.version} in {self.market}"


class PolicyVersionText(ImmutableModel):
    """The published text of one version in one locale."""

    version = models.ForeignKey(PolicyVersion, on_delete=models.PROTECT, related_name="texts")
    locale = models.ForeignKey("wagtailcore.Locale", on_delete=models.PROTECT, related_name="+")
    page = models.ForeignKey("policy_pages.PolicyPage", on_delete=models.PROTECT, related_name="+")
    revision = models.ForeignKey("wagtailcore.Revision", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=255)
    summary = models.CharField(max_length=255, blank=True)
    clauses = models.JSONField(default=list)  # [{"anchor", "heading", "html"}]
    published_at = models.DateTimeField()
    # A translation's translator and legal signer (translations.py). Nullable
    # so that adding them left stored rows and SQLite's triggers untouched;
    # NULL hash_format marks texts hashed without them.
    translated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    signed_off_at = models.DateTimeField(null=True)
    hash_format = models.PositiveSmallIntegerField(null=True)
    hash = models.CharField(max_length=64)

    HASH_FORMAT = 2

    class Meta:
        verbose_name = _("policy version text")
        constraints = [
            models.UniqueConstraint(fields=["version", "locale"], name="unique_version_locale_text")
        ]

    def __str__(self):
        return f"{self.version} ({self.locale_id})"

    def hashed_content(self) -> str:
        content = {
            "locale": self.locale.language_code,
            "title": self.title,
            "summary": self.summary,
            "clauses": self.clauses,
        }
        if (self.hash_format or 1) >= 2:
            content["translated_by"] = self.translated_by_id
            content["signed_off_by"] = self.signed_off_by_id
            content["signed_off_at"] = _utc(self.signed_off_at)
        return canonical_json(content)

    @property
    def is_source(self) -> bool:
        return self.page_id == self.version.policy_id

    def compute_hash(self) -> str:
        # Chained to the version it translates: a text cannot be moved to another.
        return sha256_hex(self.hashed_content() + self.version.hash)

    def clause(self, anchor: str) -> dict | None:
        return next((clause for clause in self.clauses if clause["anchor"] == anchor), None)


class PolicyChainHead(ImmutableModel):
    """An append-only record of each policy chain's head, one row per version
    written in the same transaction. Kept apart from the versions so that
    deleting the newest version (or any other) leaves a witness: the verifier
    compares the versions against these rows."""

    policy = models.ForeignKey(
        "policy_pages.PolicyPage",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("policy"),
    )
    number = models.PositiveIntegerField(_("version"))
    hash = models.CharField(_("hash"), max_length=64)
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("policy chain head")
        verbose_name_plural = _("policy chain heads")
        ordering = ["policy_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "number"], name="unique_policy_chain_head")
        ]

    def __str__(self):
        return f"{self.policy_id} head v{self.number}"
