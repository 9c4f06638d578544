"""The marketplace mirror: sellers, categories, orders and their lines.

This is the ground floor: it knows nothing of policies or returns. Which policy
version governs a line is recorded above it, in `policy_pages.LinePin`
(`line.pin.version`).
"""

from __future__ import annotations

import hashlib
import secrets
import uuid

from babel import Locale, UnknownLocaleError
from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from core.storage import private_storage

from .markets import MARKET_CHOICES

CODE_RE = r"^[a-z0-9][a-z0-9_-]{0,63}$"
OPERATOR_CODENAME = "operate_marketplace"
OPERATOR_PERMISSION = "marketplace." + OPERATOR_CODENAME
PATH_SEPARATOR = "/"


class Seller(models.Model):
    reference = models.CharField(_("reference"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    # Omnibus (Directive 2019/2161, Art. 6a): only a trader owes the statutory rights.
    is_trader = models.BooleanField(
        _("is a trader"),
        default=True,
        help_text=_(
            "A private seller is not a trader: the statutory right of withdrawal "
            "does not apply to what they sell."
        ),
    )
    returns_address = models.TextField(_("returns address"), blank=True)
    country = models.CharField(_("country"), max_length=2)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("seller")
        verbose_name_plural = _("sellers")
        ordering = ["reference"]
        permissions = [
            # The operator's staff: every seller's returns, orders and reports
            # (marketplace.scoping). Seller staff work only their SellerMembership's.
            (OPERATOR_CODENAME, _("Act for the operator, across every seller")),
        ]

    def __str__(self):
        return self.name or self.reference


class SellerMembership(models.Model):
    """A staff user works for this seller: they see and act on its returns,
    orders, photos, messages and reports, and nobody else's."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="seller_memberships",
        verbose_name=_("user"),
    )
    seller = models.ForeignKey(
        Seller, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("seller")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("seller membership")
        verbose_name_plural = _("seller memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "seller"], name="unique_seller_membership"),
        ]

    def __str__(self):
        return f"{self.user} → {self.seller}"


class ProductCategory(models.Model):
    """A node of the marketplace's category tree. `path` holds the codes from
    the root to this node ("apparel/shirts"), kept up to date by the intake
    service when a category moves, so reading it needs no query."""

    code = models.CharField(
        _("code"), max_length=64, unique=True, validators=[RegexValidator(CODE_RE)]
    )
    names = models.JSONField(_("names"), default=dict, blank=True)  # {"en": …, "fr": …, "de": …}
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    path = models.CharField(_("path"), max_length=600, db_index=True)

    class Meta:
        verbose_name = _("product category")
        verbose_name_plural = _("product categories")
        ordering = ["path"]

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        """The name in the active language, else English, else the code."""
        language = (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
        return self.names.get(language) or self.names.get(settings.LANGUAGE_CODE) or self.code

    @property
    def path_codes(self) -> tuple[str, ...]:
        """The codes from the root to this category, e.g. ("apparel", "shirts")."""
        return tuple(self.path.split(PATH_SEPARATOR)) if self.path else (self.code,)


class Order(models.Model):
    # What buyer-facing URLs carry: an order reference can be guessed, this cannot.
    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    reference = models.CharField(_("reference"), max_length=64, unique=True)
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="orders",
        verbose_name=_("buyer"),
    )
    # Kept even once linked: orders for an email arrive before its account exists.
    buyer_email = models.EmailField(_("buyer email"), db_index=True)
    market = models.CharField(_("market"), max_length=2, choices=MARKET_CHOICES)
    currency = models.CharField(_("currency"), max_length=3)
    placed_at = models.DateTimeField(_("placed at"))
    withdrawal_info_given = models.BooleanField(
        _("withdrawal information given"),
        help_text=_("The buyer was told of the right of withdrawal before buying."),
    )
    withdrawal_info_given_at = models.DateTimeField(
        _("withdrawal information given at"),
        null=True,
        blank=True,
        help_text=_("When the information was given late, if it was."),
    )
    shipping_standard_amount = models.DecimalField(
        _("standard shipping paid"), max_digits=12, decimal_places=2
    )
    shipping_express_surcharge = models.DecimalField(
        _("express shipping surcharge"), max_digits=12, decimal_places=2, default=0
    )
    payment_method = models.CharField(_("payment method"), max_length=32)
    payment_reference = models.CharField(_("payment reference"), max_length=128, blank=True)
    payment_amount = models.DecimalField(_("amount paid"), max_digits=12, decimal_places=2)
    # Where it was shipped, as intake was told (all blank when it was not): the
    # sender of a return label. Personal data: blanked when the buyer is deleted.
    shipping_name = models.CharField(_("ship to: name"), max_length=200, blank=True)
    shipping_line1 = models.CharField(_("ship to: address line 1"), max_length=200, blank=True)
    shipping_line2 = models.CharField(_("ship to: address line 2"), max_length=200, blank=True)
    shipping_postal_code = models.CharField(_("ship to: postal code"), max_length=16, blank=True)
    shipping_city = models.CharField(_("ship to: city"), max_length=100, blank=True)
    shipping_country = models.CharField(_("ship to: country"), max_length=2, blank=True)
    # Raised by every refund in the refund's own transaction; the constraint below
    # makes the database refuse any refund that would exceed what was paid.
    refunded_amount = models.DecimalField(
        _("amount refunded"), max_digits=12, decimal_places=2, default=0, editable=False
    )
    # SHA-256 of the canonical intake payload: a replay answers the same, a
    # different payload under the same reference is a conflict.
    payload_hash = models.CharField(_("payload hash"), max_length=64, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-placed_at", "reference"]
        constraints = [
            models.CheckConstraint(
                condition=Q(shipping_standard_amount__gte=0)
                & Q(shipping_express_surcharge__gte=0)
                & Q(payment_amount__gte=0),
                name="order_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(refunded_amount__gte=0)
                & Q(refunded_amount__lte=models.F("payment_amount")),
                name="order_refunds_within_payment",
            ),
            models.CheckConstraint(
                condition=Q(currency__regex=r"^[A-Z]{3}$"), name="order_currency_iso_4217"
            ),
        ]
        indexes = [models.Index(fields=["buyer", "-placed_at"], name="order_buyer_placed_idx")]

    def __str__(self):
        return self.reference

    @property
    def shipping_address(self) -> dict[str, str] | None:
        """The address as intake took it (the API's and the export's shape), or None."""
        if not self.shipping_line1:
            return None
        return {key: getattr(self, f"shipping_{key}") for key in SHIPPING_ADDRESS_KEYS}

    @property
    def sender_lines(self) -> list[str]:
        """The shipping address as printed on a parcel, one line each (the country
        named in the active language); [] without one."""
        if not self.shipping_line1:
            return []
        code, city = self.shipping_postal_code, self.shipping_city
        # British and Irish addresses put the postcode on its own line, after the town.
        locality = [city, code] if self.shipping_country in ("GB", "IE") else [f"{code} {city}"]
        lines = [self.shipping_name, self.shipping_line1, self.shipping_line2, *locality]
        return [line.strip() for line in [*lines, _country_name(self.shipping_country)] if line]


SHIPPING_ADDRESS_KEYS = ("name", "line1", "line2", "postal_code", "city", "country")


def _country_name(code: str) -> str:
    language = (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
    try:
        names = Locale.parse(language).territories
    except (ValueError, UnknownLocaleError):
        names = Locale.parse("en").territories
    return names.get(code, code).upper() if code else ""


class PaymentMethod(models.TextChoices):
    """The vocabulary of `OrderPayment.method`: what a policy's refund order
    (policy_pages.PolicyRules.refund_order) names. Intake still accepts any
    code; a payment whose code is not listed by the policy comes after the
    listed ones, in checkout order."""

    CARD = "card", _("card")
    VOUCHER = "voucher", _("voucher")
    GIFT_CARD = "gift_card", _("gift card")
    STORE_CREDIT = "store_credit", _("store credit")
    BANK_TRANSFER = "bank_transfer", _("bank transfer")
    WALLET = "wallet", _("digital wallet")


class OrderPayment(models.Model):
    """One means the buyer paid the order with (a card, a voucher, store credit):
    refunds go back to them in the order the policy says, and never beyond what
    each received. Every order has at least one; their amounts add up to the
    order's `payment_amount`."""

    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="payments", verbose_name=_("order")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    method = models.CharField(_("means of payment"), max_length=32)
    reference = models.CharField(_("payment reference"), max_length=128, blank=True)
    amount = models.DecimalField(_("amount paid"), max_digits=12, decimal_places=2)
    # Raised by every refund to this means in the refund's own transaction.
    refunded_amount = models.DecimalField(
        _("amount refunded"), max_digits=12, decimal_places=2, default=0, editable=False
    )

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["order_id", "position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="payment_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(refunded_amount__gte=0) & Q(refunded_amount__lte=models.F("amount")),
                name="payment_refunds_within_amount",
            ),
            models.UniqueConstraint(fields=["order", "position"], name="unique_payment_position"),
        ]

    def __str__(self):
        return f"{self.method} {self.amount}"


class OrderLine(models.Model):
    order = models.ForeignKey(
        Order, on_delete=models.CASCADE, related_name="lines", verbose_name=_("order")
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    reference = models.CharField(_("reference"), max_length=64)
    seller = models.ForeignKey(
        Seller, on_delete=models.PROTECT, related_name="order_lines", verbose_name=_("seller")
    )
    # The seller's Omnibus status when the buyer bought: what the buyer was told.
    seller_is_trader = models.BooleanField(_("seller was a trader"))
    sku = models.CharField(_("SKU"), max_length=64)
    title = models.CharField(_("title"), max_length=255)
    category = models.ForeignKey(
        ProductCategory,
        on_delete=models.PROTECT,
        related_name="order_lines",
        verbose_name=_("category"),
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_price = models.DecimalField(_("unit price"), max_digits=12, decimal_places=2)
    custom_made = models.BooleanField(_("custom-made"), default=False)
    perishable = models.BooleanField(_("perishable"), default=False)
    sealed_hygiene = models.BooleanField(_("sealed hygiene goods"), default=False)
    sealed_media = models.BooleanField(_("sealed audio, video or software"), default=False)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    # The product image intake was given, and the thumbnail fetched from it, kept
    # in private storage and served only to the buyer (product_images.py).
    image_url = models.URLField(_("image URL"), max_length=2000, blank=True)
    image = models.FileField(
        _("image"), storage=private_storage, upload_to="line-images/%Y/%m/", blank=True
    )
    image_attempts = models.PositiveSmallIntegerField(
        _("image fetch attempts"), default=0, editable=False
    )
    # The items' part of every refund of this line (RefundLine), capped below.
    refunded_amount = models.DecimalField(
        _("amount refunded"), max_digits=12, decimal_places=2, default=0, editable=False
    )

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["order_id", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["order", "reference"], name="unique_order_line_ref"),
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="order_line_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(unit_price__gte=0), name="order_line_price_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(refunded_amount__gte=0)
                & Q(refunded_amount__lte=models.F("unit_price") * models.F("quantity")),
                name="order_line_refunds_within_price",
            ),
        ]

    def __str__(self):
        return f"{self.order_id}/{self.reference}"

    @property
    def flags(self) -> tuple[str, ...]:
        names = ("custom_made", "perishable", "sealed_hygiene", "sealed_media")
        return tuple(name for name in names if getattr(self, name))


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class ApiToken(models.Model):
    """A bearer token for the machine API. Only its SHA-256 is stored: the
    token itself is shown once, when `create_api_token` makes it."""

    PREFIX = "rh_"

    name = models.CharField(_("name"), max_length=100)
    # A seller's token sees and acts on that seller's orders and returns only;
    # without a seller, the token is the operator's (every seller).
    seller = models.ForeignKey(
        Seller,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="api_tokens",
        verbose_name=_("seller"),
        help_text=_("Leave empty for an operator token, which sees every seller."),
    )
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked = models.BooleanField(_("revoked"), default=False)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self):
        return self.name

    @classmethod
    def issue(cls, name: str, seller: Seller | None = None) -> tuple[ApiToken, str]:
        """A new token row and the token itself (not stored anywhere)."""
        token = cls.PREFIX + secrets.token_urlsafe(32)
        return cls.objects.create(name=name, seller=seller, token_hash=hash_token(token)), token

    @classmethod
    def authenticate(cls, token: str) -> ApiToken | None:
        if not token or len(token) > 200:
            return None
        found = (
            cls.objects.select_related("seller")
            .filter(token_hash=hash_token(token), revoked=False)
            .first()
        )
        if found is None:
            return None
        now = timezone.now()
        # At most one write a minute per token: the API stays read-mostly.
        if found.last_used_at is None or (now - found.last_used_at).total_seconds() > 60:
            cls.objects.filter(pk=found.pk).update(last_used_at=now)
            found.last_used_at = now
        return found


# Defined beside the line it belongs to; imported here so Django registers it.
from .variants import LineVariant  # noqa: E402, F401
