"""The buyers' store-credit ledger.

A buyer is an email address, lowercased: the one the storefront knows and the
one orders carry (`Order.buyer_email`), so credit can be issued for an order
that arrived before its buyer had an account. The portal shows a signed-in
buyer the balances of their verified addresses (as orders are linked to them).

Every movement is a `CreditEntry`, written once and never changed or removed:
the model refuses it, and so does the database (triggers, migration 0001). The
balance of each (buyer, currency) is a `CreditBalance` row, moved with F() under
its row lock in the same transaction as the entry; a CheckConstraint keeps it
at 0 or more, so no spend (however concurrent) takes it below zero.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ImmutableEntryError(Exception):
    """Raised on any attempt to change or remove a ledger entry."""


class EntryKind(models.TextChoices):
    ISSUE = "issue", _("credit issued")
    BONUS = "bonus", _("bonus")
    SPEND = "spend", _("spent")
    EXPIRY = "expiry", _("expired")
    REVERSAL = "reversal", _("spend reversed")


# What adds to the balance; the other kinds take from it.
CREDITS = (EntryKind.ISSUE, EntryKind.BONUS, EntryKind.REVERSAL)
DEBITS = (EntryKind.SPEND, EntryKind.EXPIRY)
# What may expire (the credit given), and what expiry leaves alone.
GRANTS = (EntryKind.ISSUE, EntryKind.BONUS)


class CreditBalance(models.Model):
    buyer_email = models.EmailField(_("buyer email"))
    currency = models.CharField(_("currency"), max_length=3)
    balance = models.DecimalField(_("balance"), max_digits=12, decimal_places=2, default=0)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("store-credit balance")
        verbose_name_plural = _("store-credit balances")
        ordering = ["buyer_email", "currency"]
        constraints = [
            models.UniqueConstraint(
                fields=["buyer_email", "currency"], name="credit_balance_per_buyer_currency"
            ),
            models.CheckConstraint(condition=Q(balance__gte=0), name="credit_balance_not_negative"),
        ]

    def __str__(self):
        return f"{self.buyer_email}: {self.balance} {self.currency}"


class CreditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ImmutableEntryError("Store-credit entries cannot be updated.")

    def delete(self):
        raise ImmutableEntryError("Store-credit entries cannot be deleted.")


class CreditEntry(models.Model):
    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    buyer_email = models.EmailField(_("buyer email"))
    currency = models.CharField(_("currency"), max_length=3)
    kind = models.CharField(_("kind"), max_length=16, choices=EntryKind.choices)
    # Signed: more than 0 for what adds to the balance, less for what takes from it.
    amount = models.DecimalField(_("amount"), max_digits=12, decimal_places=2)
    balance_after = models.DecimalField(_("balance after"), max_digits=12, decimal_places=2)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    order = models.ForeignKey(
        "marketplace.Order",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credit_entries",
        verbose_name=_("order"),
    )
    # Idempotency: the same key books once (a refund's key, an API call's key).
    key = models.CharField(_("idempotency key"), max_length=80, unique=True, null=True, blank=True)
    # What the request under `key` asked for: the same key with another is refused.
    fingerprint = models.CharField(_("request fingerprint"), max_length=64, blank=True)
    # A reversal's spend (reversed once), an expiry's grant (expired once).
    reverses = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversal",
        verbose_name=_("reverses"),
    )
    expires = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="expiry",
        verbose_name=_("expiry of"),
    )
    # A grant's end of validity: what is left of it then expires (sweep, FIFO).
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"))

    objects = CreditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("store-credit entry")
        verbose_name_plural = _("store-credit entries")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["buyer_email", "currency", "created_at"], name="credit_entry_idx")
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind__in=CREDITS, amount__gt=0) | Q(kind__in=DEBITS, amount__lt=0)),
                name="credit_entry_sign_of_kind",
            ),
            models.CheckConstraint(
                condition=Q(balance_after__gte=0), name="credit_entry_balance_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(reverses__isnull=True) | Q(kind=EntryKind.REVERSAL),
                name="credit_entry_only_reversal_reverses",
            ),
        ]

    def __str__(self):
        return f"{self.kind} {self.amount} {self.currency}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableEntryError(f"Store-credit entry {self.pk} cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ImmutableEntryError(f"Store-credit entry {self.pk} cannot be deleted.")
