"""What happened to a return and what was said about it: its events (one per
transition, appended by lifecycle.py) and the messages between buyer and support."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .returns import ReturnRequest, ReturnStatus


class ActorKind(models.TextChoices):
    BUYER = "buyer", _("buyer")
    STAFF = "staff", _("staff")
    SYSTEM = "system", _("system")


class ReturnEvent(models.Model):
    """One transition of a return, appended by lifecycle.py and never changed."""

    return_request = models.ForeignKey(
        ReturnRequest, on_delete=models.CASCADE, related_name="events", verbose_name=_("return")
    )
    from_status = models.CharField(
        _("from"), max_length=24, choices=ReturnStatus.choices, blank=True
    )
    to_status = models.CharField(_("to"), max_length=24, choices=ReturnStatus.choices)
    at = models.DateTimeField(_("at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    actor_kind = models.CharField(_("actor"), max_length=8, choices=ActorKind.choices)
    note = models.TextField(_("note"), blank=True)
    # "" for a change of status; otherwise what happened without one (units
    # received, a unit inspected, a refund paid…): lifecycle.record_event.
    code = models.CharField(_("event"), max_length=32, blank=True)
    # A receipt's form key (receiving.receive): the same form posted twice (a
    # double click, two tabs) counts its units once. Set on the receipt's event
    # in the transaction that appends it; None for every other event.
    idempotency_key = models.CharField(max_length=64, unique=True, null=True, blank=True)

    class Meta:
        verbose_name = _("return event")
        verbose_name_plural = _("return events")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.return_request_id}: {self.from_status} → {self.to_status}"


class ReturnMessage(models.Model):
    return_request = models.ForeignKey(
        ReturnRequest,
        on_delete=models.CASCADE,
        related_name="messages",
        verbose_name=_("return"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("author"),
    )
    from_staff = models.BooleanField(_("from support"), default=False)
    # Seller staff answer as their seller; None is the marketplace's own support.
    as_seller = models.ForeignKey(
        "marketplace.Seller",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answered as"),
    )
    body = models.TextField(_("message"), max_length=4000)
    # A retried htmx post carries the same key and adds nothing.
    idempotency_key = models.CharField(max_length=64, unique=True, null=True, blank=True)
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("return message")
        verbose_name_plural = _("return messages")
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.return_request_id}: {self.body[:40]}"
