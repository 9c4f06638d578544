"""Outbound webhooks: the endpoints, the events emitted, and one delivery of an
event to an endpoint (with its attempts). See webhooks/__init__.py."""

from __future__ import annotations

import contextlib
import uuid

from django.core.cache import cache
from django.db import models, transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .events import EVENT_CHOICES
from .keys import new_secret


class WebhookEndpoint(models.Model):
    """A receiver's URL. Without a seller it is the operator's and gets every
    event; a seller's gets only the events of that seller."""

    seller = models.ForeignKey(
        "marketplace.Seller",
        verbose_name=_("seller"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="webhook_endpoints",
        help_text=_("Blank for the operator's endpoint, which receives every seller's events."),
    )
    url = models.URLField(_("URL"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    events = models.JSONField(_("events"), default=list)
    enabled = models.BooleanField(_("enabled"), default=True)
    secret = models.CharField(_("signing secret"), max_length=100, default=new_secret)
    # After a rotation the old secret signs too, until it expires.
    previous_secret = models.CharField(_("previous secret"), max_length=100, blank=True)
    previous_secret_expires_at = models.DateTimeField(
        _("previous secret expires at"), null=True, blank=True
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")
        ordering = ["id"]

    def __str__(self):
        return self.description or self.url

    def event_labels(self) -> str:
        labels = dict(EVENT_CHOICES)
        return ", ".join(str(labels.get(code, code)) for code in self.events)

    def signing_secrets(self, now=None) -> list[str]:
        """The current secret, and the previous one while its grace lasts."""
        now = now or timezone.now()
        secrets = [self.secret]
        if (
            self.previous_secret
            and self.previous_secret_expires_at
            and self.previous_secret_expires_at > now
        ):
            secrets.append(self.previous_secret)
        return secrets

    def rotate(self, grace, now=None) -> None:
        """A new secret; the old one keeps signing for `grace` (a timedelta)."""
        now = now or timezone.now()
        self.previous_secret = self.secret
        self.previous_secret_expires_at = now + grace
        self.secret = new_secret()


def new_message_id() -> str:
    return "msg_" + uuid.uuid4().hex


class WebhookEvent(models.Model):
    """One event, written in the transaction of the change it reports."""

    message_id = models.CharField(
        _("message id"), max_length=40, unique=True, default=new_message_id
    )
    event_type = models.CharField(_("event type"), max_length=64, choices=EVENT_CHOICES)
    payload = models.JSONField(_("payload"))
    seller_ids = models.JSONField(_("sellers"), default=list)
    ordering_key = models.CharField(_("ordering key"), max_length=100)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("webhook event")
        verbose_name_plural = _("webhook events")
        ordering = ["id"]

    def __str__(self):
        return f"{self.event_type} {self.message_id}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    DELIVERED = "delivered", _("delivered")
    FAILED = "failed", _("failed")


class WebhookDelivery(models.Model):
    """An event for one endpoint: sent at least once, in order per ordering key."""

    endpoint = models.ForeignKey(
        WebhookEndpoint,
        verbose_name=_("endpoint"),
        on_delete=models.CASCADE,
        related_name="deliveries",
    )
    event = models.ForeignKey(
        WebhookEvent, verbose_name=_("event"), on_delete=models.CASCADE, related_name="deliveries"
    )
    ordering_key = models.CharField(_("ordering key"), max_length=100)
    status = models.CharField(
        _("status"), max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(_("last status code"), null=True)
    last_error = models.TextField(_("last error"), blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-id"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status="pending"),
                name="webhooks_delivery_due_idx",
            ),
            models.Index(
                fields=["endpoint", "ordering_key", "id"], name="webhooks_delivery_key_idx"
            ),
        ]

    def __str__(self):
        return f"{self.event.event_type} → {self.endpoint}"


class WebhookAttempt(models.Model):
    """One HTTP request of a delivery: what the receiver answered, or the error."""

    delivery = models.ForeignKey(
        WebhookDelivery,
        verbose_name=_("delivery"),
        on_delete=models.CASCADE,
        related_name="attempt_log",
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    status_code = models.PositiveSmallIntegerField(_("status code"), null=True)
    error = models.TextField(_("error"), blank=True)
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)

    class Meta:
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")
        ordering = ["id"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.status_code or self.error}"


# Whether any endpoint is enabled, cached so that an action emitting an event
# costs no query while no endpoint is configured (outbox.emit). Forgotten on
# every change of an endpoint, and again after its commit.
ANY_ENABLED_CACHE_KEY = "webhooks:any-enabled"


def forget_enabled_endpoints() -> None:
    # The cache down: nothing is cached either.
    with contextlib.suppress(Exception):
        cache.delete(ANY_ENABLED_CACHE_KEY)


@receiver(post_save, sender=WebhookEndpoint, dispatch_uid="webhooks_endpoint_saved")
@receiver(post_delete, sender=WebhookEndpoint, dispatch_uid="webhooks_endpoint_deleted")
def _endpoint_changed(**kwargs):
    forget_enabled_endpoints()
    transaction.on_commit(forget_enabled_endpoints)
