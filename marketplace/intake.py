"""Order intake: one validation and creation service for the API, the
`import_orders` command and the demo seed.

Three steps, each usable alone:

1. `validate_order(data)` checks the shape and values of one JSON order. Pure:
   no database, no clock except the `now` it is given. Errors are keyed by the
   path of the field ("lines[1].quantity") and translated in the active language.
2. `Resolver.resolve(order)` looks up what the database knows: the categories a
   payload names, and the policy version in force for each line at placed_at.
   It reads through caches, so a bulk import asks each scope once.
3. `Resolver.persist(orders)` upserts sellers and categories, then creates the
   orders and their lines in bulk, inside the caller's transaction.

`ingest_order(data)` ties them together for one order, all or nothing, idempotent
by order reference (a replay answers "replayed", a different payload under the same
reference "conflict"), safe against concurrent identical submissions.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache

from babel import Locale
from babel.numbers import get_currency_precision, list_currencies
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from policy_pages.markets import normalize_market

from .models import (
    PATH_SEPARATOR,
    Order,
    OrderLine,
    ProductCategory,
    Seller,
)
from .policies import PolicyTimelines

# Order and line references travel in URLs and comma-separated lists.
REFERENCE_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")
# Seller references match policy_pages' seller scope: opaque, no spaces or controls.
SELLER_REFERENCE_RE = re.compile(r"[^\s\x00-\x1f\x7f]{1,64}")
CODE_RE = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
PAYMENT_METHOD_RE = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")
AMOUNT_RE = re.compile(r"-?[0-9]{1,20}(\.[0-9]{1,20})?")
MAX_LINES = 500
MAX_QUANTITY = 100_000
MAX_AMOUNT = Decimal("9999999999.99")  # DecimalField(max_digits=12, decimal_places=2)
MAX_CATEGORY_DEPTH = 8
# Clocks differ: a date up to this far ahead of ours is not "in the future".
CLOCK_SKEW = timedelta(minutes=5)
FLAGS = ("custom_made", "perishable", "sealed_hygiene", "sealed_media")

ORDER_FIELDS = {
    "reference",
    "buyer_email",
    "market",
    "currency",
    "placed_at",
    "withdrawal_info_given",
    "withdrawal_info_given_at",
    "shipping",
    "payment",
    "lines",
}
LINE_FIELDS = {
    "reference",
    "seller",
    "sku",
    "title",
    "category",
    "quantity",
    "unit_price",
    "delivered_at",
    *FLAGS,
}
SELLER_FIELDS = {"reference", "name", "is_trader", "country", "returns_address"}
CATEGORY_FIELDS = {"code", "name", "parent"}


@lru_cache(maxsize=1)
def currencies() -> frozenset[str]:
    """ISO 4217 codes (Babel's list), without the testing and "no currency" codes."""
    return frozenset(list_currencies()) - {"XTS", "XXX"}


@lru_cache(maxsize=1)
def countries() -> frozenset[str]:
    """ISO 3166-1 alpha-2 codes, from Babel's territory names."""
    reserved = {"ZZ", "EU", "EZ", "UN", "QO", "XA", "XB"}
    return frozenset(
        code
        for code in Locale.parse("en").territories
        if len(code) == 2 and code.isalpha() and code not in reserved
    )


def languages() -> tuple[str, ...]:
    return tuple(code for code, _name in settings.LANGUAGES)


def payload_hash(data) -> str:
    """SHA-256 of the canonical JSON of a payload: key order and spacing do not count."""
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- errors ------------------------------------------------------------------------------


class Errors(dict):
    """Messages per field path, e.g. {"lines[1].quantity": ["…"]}."""

    def add(self, path: str, message) -> None:
        self.setdefault(path or "body", []).append(str(message))


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


# --- typed values --------------------------------------------------------------------------


@dataclass
class SellerInput:
    reference: str
    name: str
    is_trader: bool
    country: str
    returns_address: str | None  # None: keep what is known

    def values(self) -> dict:
        values = {"name": self.name, "is_trader": self.is_trader, "country": self.country}
        if self.returns_address is not None:
            values["returns_address"] = self.returns_address
        return values


@dataclass
class CategoryInput:
    code: str
    names: dict[str, str] | None  # None: only named (by code, as a parent), not described
    parent: str | None = None


@dataclass
class LineInput:
    index: int
    reference: str
    seller: SellerInput
    sku: str
    title: str
    category: str
    quantity: int
    unit_price: Decimal
    flags: dict[str, bool]
    delivered_at: datetime | None


@dataclass
class OrderInput:
    reference: str
    buyer_email: str
    market: str
    currency: str
    placed_at: datetime
    withdrawal_info_given: bool
    withdrawal_info_given_at: datetime | None
    shipping_standard_amount: Decimal
    shipping_express_surcharge: Decimal
    payment_method: str
    payment_reference: str
    payment_amount: Decimal
    lines: list[LineInput]
    categories: dict[str, CategoryInput]  # every category the payload describes
    payload_hash: str
    # Filled in by the resolver:
    pins: list = field(default_factory=list)
    category_paths: dict = field(default_factory=dict)


# --- step 1: validation (pure) -------------------------------------------------------------


class _Reader:
    """Reads one JSON object's fields, recording errors under their paths."""

    def __init__(self, data, path: str, errors: Errors, allowed: set[str]):
        self.path, self.errors = path, errors
        self.ok = isinstance(data, dict)
        self.data = data if self.ok else {}
        if data is None:
            errors.add(path, _("This field is required."))
            return
        if not self.ok:
            errors.add(path, _("Expected a JSON object."))
            return
        for key in data:
            if key not in allowed:
                errors.add(_join(path, str(key)), _("Unknown field."))

    def _missing(self, key: str) -> None:
        self.errors.add(_join(self.path, key), _("This field is required."))

    def present(self, key: str) -> bool:
        return self.data.get(key) is not None

    def string(self, key, *, max_length=255, required=True, pattern=None, message=str):
        value = self.data.get(key)
        path = _join(self.path, key)
        if value is None:
            if required:
                self._missing(key)
            return None
        if not isinstance(value, str):
            self.errors.add(path, _("Expected a string."))
            return None
        value = value.strip()
        if required and not value:
            self.errors.add(path, _("This field cannot be blank."))
            return None
        if len(value) > max_length:
            self.errors.add(
                path, _("At most %(max)d characters are allowed.") % {"max": max_length}
            )
            return None
        if pattern is not None and value and not pattern.fullmatch(value):
            self.errors.add(path, message())  # built only when needed: gettext costs
            return None
        return value

    def boolean(self, key, *, required=True, default=None):
        value = self.data.get(key)
        if value is None:
            if required:
                self._missing(key)
            return default
        if not isinstance(value, bool):
            self.errors.add(_join(self.path, key), _("Expected true or false."))
            return default
        return value

    def integer(self, key):
        value = self.data.get(key)
        path = _join(self.path, key)
        if value is None:
            self._missing(key)
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.errors.add(path, _("Expected a whole number, such as 1."))
            return None
        return value

    def amount(self, key, places: int, *, required=True):
        """A decimal string such as "39.90"; never a JSON number (floats lose cents)."""
        value = self.data.get(key)
        path = _join(self.path, key)
        if value is None:
            if required:
                self._missing(key)
            return None
        if isinstance(value, bool) or not isinstance(value, str):
            self.errors.add(
                path, _('Send amounts as decimal strings, such as "39.90", not as numbers.')
            )
            return None
        text = value.strip()
        amount = Decimal(text) if AMOUNT_RE.fullmatch(text) else None
        if amount is None:
            self.errors.add(path, _('Use a decimal amount such as "39.90".'))
            return None
        if amount < 0:
            self.errors.add(path, _("An amount cannot be negative."))
            return None
        if amount > MAX_AMOUNT:
            self.errors.add(path, _("This amount is too large."))
            return None
        if -amount.as_tuple().exponent > places:
            self.errors.add(
                path,
                _("At most %(places)d decimal places are allowed in this currency.")
                % {"places": places},
            )
            return None
        return amount

    def instant(self, key, now: datetime, *, required=True, not_before=None, before_label=""):
        value = self.data.get(key)
        path = _join(self.path, key)
        if value is None:
            if required:
                self._missing(key)
            return None
        parsed = parse_instant(value)
        if isinstance(parsed, str):
            self.errors.add(path, parsed)
            return None
        if parsed > now + CLOCK_SKEW:
            self.errors.add(path, _("This date is in the future."))
            return None
        if not_before is not None and parsed < not_before:
            self.errors.add(path, _("This date is before %(field)s.") % {"field": before_label})
            return None
        return parsed


def _malformed_instant() -> str:
    return _("Use an ISO 8601 date and time with a time zone, such as 2026-05-01T10:00:00Z.")


def parse_instant(value) -> datetime | str:
    """An aware datetime (UTC) from an ISO 8601 string, or the error message."""
    if not isinstance(value, str) or len(value) > 64:
        return _malformed_instant()
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        return _malformed_instant()
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        return _("Include a time zone, such as Z or +02:00.")
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        return _("This date is out of range.")


def validate_order(data, now: datetime | None = None) -> tuple[OrderInput | None, Errors]:
    """Check one JSON order. Pure: returns (order, {}) or (None, errors)."""
    now = now or timezone.now()
    errors = Errors()
    order = _Reader(data, "", errors, ORDER_FIELDS)
    if not order.ok:
        errors.clear()
        errors.add("body", _("Send the order as a JSON object."))
        return None, errors

    reference = order.string(
        "reference",
        max_length=64,
        pattern=REFERENCE_RE,
        message=_reference_message,
    )
    email = order.string("buyer_email", max_length=254)
    if email:
        try:
            validate_email(email)
            email = email.lower()
        except ValidationError:
            errors.add("buyer_email", _("Enter a valid email address."))
            email = None
    market = None
    raw_market = order.string("market", max_length=8)
    if raw_market:
        market = normalize_market(raw_market)
        if market is None:
            errors.add(
                "market",
                _(
                    "Unknown market: use the ISO 3166-1 code of an EU country or the United "
                    "Kingdom, such as FR, DE or GB."
                ),
            )
    currency = order.string("currency", max_length=3)
    places = 2
    if currency is not None:
        currency = currency.upper()
        if currency not in currencies():
            errors.add("currency", _("Unknown currency: use an ISO 4217 code such as EUR."))
            currency = None
        else:
            places = min(2, get_currency_precision(currency))
    placed_at = order.instant("placed_at", now)
    info_given = order.boolean("withdrawal_info_given")
    info_given_at = order.instant(
        "withdrawal_info_given_at",
        now,
        required=False,
        not_before=placed_at,
        before_label="placed_at",
    )
    if info_given and info_given_at is not None:
        errors.add(
            "withdrawal_info_given_at",
            _("Give this date only when the information was not given before the purchase."),
        )

    shipping = _Reader(data.get("shipping"), "shipping", errors, {"standard", "express_surcharge"})
    standard = shipping.amount("standard", places) if shipping.ok else None
    express = shipping.amount("express_surcharge", places, required=False) if shipping.ok else None

    payment = _Reader(data.get("payment"), "payment", errors, {"method", "reference", "amount"})
    method = reference_paid = amount = None
    if payment.ok:
        method = payment.string(
            "method",
            max_length=32,
            pattern=PAYMENT_METHOD_RE,
            message=lambda: _("Use a payment method code such as card or paypal."),
        )
        reference_paid = payment.string("reference", max_length=128, required=False)
        amount = payment.amount("amount", places)

    lines, categories = _validate_lines(data.get("lines"), errors, now, placed_at, places)

    if errors:
        return None, errors
    return (
        OrderInput(
            reference=reference,
            buyer_email=email,
            market=market,
            currency=currency,
            placed_at=placed_at,
            withdrawal_info_given=info_given,
            withdrawal_info_given_at=info_given_at,
            shipping_standard_amount=standard,
            shipping_express_surcharge=express if express is not None else Decimal("0"),
            payment_method=method,
            payment_reference=reference_paid or "",
            payment_amount=amount,
            lines=lines,
            categories=categories,
            payload_hash=payload_hash(data),
        ),
        errors,
    )


def _validate_lines(raw, errors: Errors, now, placed_at, places):
    lines: list[LineInput] = []
    categories: dict[str, CategoryInput] = {}
    sellers: dict[str, SellerInput] = {}
    if raw is None:
        errors.add("lines", _("This field is required."))
        return lines, categories
    if not isinstance(raw, list):
        errors.add("lines", _("Expected a list of order lines."))
        return lines, categories
    if not raw:
        errors.add("lines", _("An order has at least one line."))
        return lines, categories
    if len(raw) > MAX_LINES:
        errors.add("lines", _("At most %(max)d lines per order.") % {"max": MAX_LINES})
        return lines, categories
    seen: set[str] = set()
    for index, item in enumerate(raw):
        path = f"lines[{index}]"
        line = _Reader(item, path, errors, LINE_FIELDS)
        if not line.ok:
            continue
        reference = line.string(
            "reference",
            max_length=64,
            pattern=REFERENCE_RE,
            message=_reference_message,
        )
        if reference is not None:
            if reference in seen:
                errors.add(f"{path}.reference", _("Another line of this order has this reference."))
            seen.add(reference)
        seller = _validate_seller(item.get("seller"), f"{path}.seller", errors, sellers)
        category = _validate_category(
            item.get("category"), f"{path}.category", errors, categories, depth=0
        )
        sku = line.string("sku", max_length=64)
        title = line.string("title", max_length=255)
        quantity = line.integer("quantity")
        if quantity is not None and quantity <= 0:
            errors.add(f"{path}.quantity", _("The quantity must be at least 1."))
            quantity = None
        elif quantity is not None and quantity > MAX_QUANTITY:
            errors.add(
                f"{path}.quantity",
                _("The quantity must be at most %(max)d.") % {"max": MAX_QUANTITY},
            )
            quantity = None
        unit_price = line.amount("unit_price", places)
        flags = {flag: line.boolean(flag, required=False, default=False) for flag in FLAGS}
        delivered_at = line.instant(
            "delivered_at", now, required=False, not_before=placed_at, before_label="placed_at"
        )
        lines.append(
            LineInput(
                index=index,
                reference=reference,
                seller=seller,
                sku=sku,
                title=title,
                category=category,
                quantity=quantity,
                unit_price=unit_price,
                flags=flags,
                delivered_at=delivered_at,
            )
        )
    return lines, categories


def _validate_seller(raw, path, errors: Errors, sellers: dict[str, SellerInput]):
    if raw is None:
        errors.add(path, _("This field is required."))
        return None
    seller = _Reader(raw, path, errors, SELLER_FIELDS)
    if not seller.ok:
        return None
    reference = seller.string(
        "reference",
        max_length=64,
        pattern=SELLER_REFERENCE_RE,
        message=lambda: _("Use the seller's reference: at most 64 characters, without spaces."),
    )
    name = seller.string("name", max_length=200)
    is_trader = seller.boolean("is_trader")
    country = seller.string("country", max_length=2)
    if country is not None:
        country = country.upper()
        if country not in countries():
            errors.add(f"{path}.country", _("Use an ISO 3166-1 country code such as FR."))
            country = None
    address = seller.string("returns_address", max_length=1000, required=False)
    if None in (reference, name, is_trader, country):
        return None
    parsed = SellerInput(reference, name, is_trader, country, address)
    known = sellers.setdefault(reference, parsed)
    if known != parsed:
        errors.add(path, _("This seller is described differently on another line."))
        return None
    return parsed


def _validate_category(raw, path, errors: Errors, categories: dict[str, CategoryInput], depth):
    """The code of the category a line (or a child category) names. `raw` is an
    object describing it, or for a parent, its code alone (a known category)."""
    if raw is None:
        if depth == 0:
            errors.add(path, _("This field is required."))
        return None
    if isinstance(raw, str) and depth > 0:
        code = raw.strip()
        if not CODE_RE.fullmatch(code):
            errors.add(path, _code_message())
            return None
        categories.setdefault(code, CategoryInput(code, None))
        return code
    if depth >= MAX_CATEGORY_DEPTH:
        errors.add(path, _("Categories are nested too deeply."))
        return None
    category = _Reader(raw, path, errors, CATEGORY_FIELDS)
    if not category.ok:
        return None
    code = category.string("code", max_length=64, pattern=CODE_RE, message=_code_message)
    names = _validate_names(raw.get("name"), f"{path}.name", errors)
    parent = None
    if raw.get("parent") is not None:
        parent = _validate_category(
            raw["parent"], f"{path}.parent", errors, categories, depth=depth + 1
        )
        if parent is None:
            return None
        if parent == code:
            errors.add(f"{path}.parent", _("A category cannot be its own parent."))
            return None
    if code is None or names is None:
        return None
    parsed = CategoryInput(code, names, parent)
    known = categories.get(code)
    if known is None or known.names is None:
        categories[code] = parsed
    elif known != parsed:
        errors.add(path, _("This category is described differently on another line."))
        return None
    return code


def _reference_message() -> str:
    return _(
        "Use at most 64 letters, digits, dots, colons, underscores and hyphens, starting with "
        "a letter or a digit."
    )


def _code_message() -> str:
    return _(
        "Use a category code such as apparel: lowercase letters, digits, hyphens and underscores."
    )


def _validate_names(raw, path, errors: Errors) -> dict[str, str] | None:
    if raw is None:
        errors.add(path, _("This field is required."))
        return None
    if not isinstance(raw, dict) or not raw:
        errors.add(path, _('Give the name per language, such as {"en": "Shirts"}.'))
        return None
    names = {}
    for language, text in raw.items():
        if language not in languages():
            errors.add(
                f"{path}.{language}",
                _("Use one of these language codes: %(codes)s.")
                % {"codes": ", ".join(languages())},
            )
        elif not isinstance(text, str) or not text.strip() or len(text) > 100:
            errors.add(f"{path}.{language}", _("Give a name of 1 to 100 characters."))
        else:
            names[language] = text.strip()
    return names if len(names) == len(raw) else None


# --- step 2 and 3: resolution and persistence ------------------------------------------------


class Outcome(StrEnum):
    CREATED = "created"
    REPLAYED = "replayed"
    CONFLICT = "conflict"
    INVALID = "invalid"


@dataclass
class IntakeResult:
    outcome: Outcome
    order: Order | None = None
    errors: Errors = field(default_factory=Errors)


class Resolver:
    """Database lookups and writes for intake, through per-run caches.

    One resolver serves one API request, or a whole import run: sellers,
    categories and policy timelines are read once per run. Policy versions
    published during a run take effect from their publication onward, so they
    cannot govern an order placed before it (and placed_at is never in the
    future): the timelines stay true for the whole run.
    """

    def __init__(self):
        self.timelines = PolicyTimelines()
        self._sellers: dict[str, Seller] = {}
        self._categories: dict[str, ProductCategory] = {}
        # Categories described by orders resolved but not yet persisted (same chunk).
        self._pending_paths: dict[str, tuple[str, ...]] = {}

    def forget_writes(self) -> None:
        """After a rollback, cached rows may not exist: read them again."""
        self._sellers.clear()
        self._categories.clear()
        self._pending_paths.clear()

    def remember_categories(self, order: OrderInput) -> None:
        for code, spec in order.categories.items():
            if spec.names is not None and order.category_paths.get(code):
                self._pending_paths[code] = order.category_paths[code]

    # --- reads ---

    def load_categories(self, codes: Iterable[str]) -> None:
        missing = [code for code in codes if code not in self._categories]
        if missing:
            for category in ProductCategory.objects.filter(code__in=missing):
                self._categories[category.code] = category

    def load_sellers(self, references: Iterable[str]) -> None:
        missing = [ref for ref in references if ref not in self._sellers]
        if missing:
            for seller in Seller.objects.filter(reference__in=missing):
                self._sellers[seller.reference] = seller

    def resolve(self, order: OrderInput) -> Errors:
        """Check what needs the database: the categories named only by code, the
        category tree staying a tree, and a policy in force for each line."""
        errors = Errors()
        self.load_categories(order.categories)
        paths: dict[str, tuple[str, ...] | None] = {}
        for line in order.lines:
            path = self._path(line.category, order.categories, paths, ())
            if path is None:
                errors.add(
                    f"lines[{line.index}].category",
                    _(
                        "Unknown category %(code)s, or its parents form a loop: describe it "
                        "with its code, names and parent."
                    )
                    % {"code": line.category},
                )
        order.pins = []
        for line in order.lines:
            version = self.timelines.in_force(order.market, line.seller.reference, order.placed_at)
            if version is None:
                errors.add(
                    f"lines[{line.index}]",
                    _(
                        "No return policy was in force for this market and seller when the "
                        "order was placed; a marketplace cannot sell without one."
                    ),
                )
            order.pins.append(version)
        order.category_paths = paths
        return errors

    def _path(self, code, described, paths, visiting) -> tuple[str, ...] | None:
        if code in paths:
            return paths[code]
        if code in visiting:
            return None  # a loop
        spec = described.get(code)
        if spec is None or spec.names is None:  # named by code: must exist
            known = self._categories.get(code)
            path = known.path_codes if known is not None else self._pending_paths.get(code)
            # A known category under a parent this payload moves: follow the payload.
            if path is not None and len(path) > 1 and any(p in described for p in path[:-1]):
                parent = path[-2]
                parent_path = self._path(parent, described, paths, (*visiting, code))
                path = None if parent_path is None or code in parent_path else (*parent_path, code)
        elif spec.parent is None:
            path = (code,)
        else:
            parent_path = self._path(spec.parent, described, paths, (*visiting, code))
            path = None if parent_path is None or code in parent_path else (*parent_path, code)
        paths[code] = path
        return path

    # --- writes ---

    def persist(self, orders: list[OrderInput]) -> list[Order]:
        """Create the (resolved, valid) orders and their lines. Call inside a
        transaction; an IntegrityError means an order reference already exists."""
        self.load_categories({code for order in orders for code in order.categories})
        self._upsert_sellers(orders)
        self._upsert_categories(orders)
        buyers = self._buyers({order.buyer_email for order in orders})
        created = Order.objects.bulk_create(
            [
                Order(
                    reference=order.reference,
                    buyer_id=buyers.get(order.buyer_email),
                    buyer_email=order.buyer_email,
                    market=order.market,
                    currency=order.currency,
                    placed_at=order.placed_at,
                    withdrawal_info_given=order.withdrawal_info_given,
                    withdrawal_info_given_at=order.withdrawal_info_given_at,
                    shipping_standard_amount=order.shipping_standard_amount,
                    shipping_express_surcharge=order.shipping_express_surcharge,
                    payment_method=order.payment_method,
                    payment_reference=order.payment_reference,
                    payment_amount=order.payment_amount,
                    payload_hash=order.payload_hash,
                )
                for order in orders
            ]
        )
        lines = []
        for row, order in zip(created, orders, strict=True):
            for line, version in zip(order.lines, order.pins, strict=True):
                seller = self._sellers[line.seller.reference]
                lines.append(
                    OrderLine(
                        order_id=row.pk,
                        position=line.index,
                        reference=line.reference,
                        seller_id=seller.pk,
                        seller_is_trader=line.seller.is_trader,  # as the buyer was told
                        sku=line.sku,
                        title=line.title,
                        category_id=self._categories[line.category].pk,
                        quantity=line.quantity,
                        unit_price=line.unit_price,
                        delivered_at=line.delivered_at,
                        policy_version_id=version.pk,
                        **line.flags,
                    )
                )
        OrderLine.objects.bulk_create(lines, batch_size=2000)
        return created

    def _upsert_sellers(self, orders: list[OrderInput]) -> None:
        wanted: dict[str, SellerInput] = {}
        for order in orders:
            for line in order.lines:
                wanted[line.seller.reference] = line.seller  # the latest description wins
        self.load_sellers(wanted)
        for reference, spec in wanted.items():
            values = spec.values()
            seller = self._sellers.get(reference)
            if seller is None:
                seller, created = Seller.objects.get_or_create(reference=reference, defaults=values)
                self._sellers[reference] = seller
                if created:
                    continue
            changed = [key for key, value in values.items() if getattr(seller, key) != value]
            if changed:
                for key in changed:
                    setattr(seller, key, values[key])
                seller.save(update_fields=[*changed, "updated_at"])

    def _upsert_categories(self, orders: list[OrderInput]) -> None:
        wanted: dict[str, CategoryInput] = {}
        paths: dict[str, tuple[str, ...]] = {}
        for order in orders:
            for code, spec in order.categories.items():
                if spec.names is not None:
                    wanted[code] = spec
            paths.update({c: p for c, p in order.category_paths.items() if p is not None})
        if not wanted:
            return
        # Parents before children.
        for code in sorted(wanted, key=lambda c: len(paths.get(c, ()))):
            spec = wanted[code]
            path = PATH_SEPARATOR.join(paths[code])
            parent_id = self._categories[spec.parent].pk if spec.parent else None
            category = self._categories.get(code)
            if category is None:
                category, created = ProductCategory.objects.get_or_create(
                    code=code, defaults={"names": spec.names, "parent_id": parent_id, "path": path}
                )
                self._categories[code] = category
                if created:
                    continue
            names = {**category.names, **spec.names}
            if (category.names, category.parent_id, category.path) == (names, parent_id, path):
                continue
            old_path = category.path
            category.names, category.parent_id, category.path = names, parent_id, path
            category.save(update_fields=["names", "parent", "path"])
            if old_path != path:
                self._move_descendants(old_path, path)

    def _move_descendants(self, old_path: str, new_path: str) -> None:
        prefix = old_path + PATH_SEPARATOR
        moved = list(ProductCategory.objects.filter(path__startswith=prefix))
        for child in moved:
            child.path = new_path + PATH_SEPARATOR + child.path[len(prefix) :]
            self._categories[child.code] = child
        ProductCategory.objects.bulk_update(moved, ["path"])

    def _buyers(self, emails: set[str]) -> dict[str, int]:
        """Users whose verified email matches: an order joins an account only once its
        owner proved the address (see signals.py for accounts made later)."""
        from allauth.account.models import EmailAddress

        rows = EmailAddress.objects.filter(email__in=emails, verified=True).values_list(
            "email", "user_id"
        )
        return {email.lower(): user_id for email, user_id in rows}


def existing_orders(references: Iterable[str]) -> dict[str, str]:
    """Order reference -> payload hash, for the references that exist."""
    return dict(
        Order.objects.filter(reference__in=list(references)).values_list(
            "reference", "payload_hash"
        )
    )


def _replay_or_conflict(reference: str, data_hash: str, known_hash: str) -> IntakeResult:
    order = Order.objects.get(reference=reference)
    if known_hash == data_hash:
        return IntakeResult(Outcome.REPLAYED, order)
    errors = Errors()
    errors.add("reference", _conflict_message())
    return IntakeResult(Outcome.CONFLICT, order, errors)


def _conflict_message() -> str:
    return _("An order with this reference exists with different content; it cannot be changed.")


def ingest_order(data, *, now: datetime | None = None, resolver: Resolver | None = None):
    """Validate and create one order, all or nothing. Idempotent by reference."""
    resolver = resolver or Resolver()
    order, errors = validate_order(data, now)
    if order is None:
        return IntakeResult(Outcome.INVALID, errors=errors)
    known = existing_orders([order.reference])
    if order.reference in known:
        return _replay_or_conflict(order.reference, order.payload_hash, known[order.reference])
    errors = resolver.resolve(order)
    if errors:
        return IntakeResult(Outcome.INVALID, errors=errors)
    try:
        with transaction.atomic():
            (created,) = resolver.persist([order])
    except IntegrityError:
        # Most likely the same order, submitted concurrently and committed first.
        resolver.forget_writes()
        known = existing_orders([order.reference])
        if order.reference not in known:
            raise
        return _replay_or_conflict(order.reference, order.payload_hash, known[order.reference])
    return IntakeResult(Outcome.CREATED, created)


# --- bulk import -------------------------------------------------------------------------------


@dataclass
class ImportReport:
    created: int = 0
    replayed: int = 0
    failed: dict[int, Errors] = field(default_factory=dict)  # line number -> errors

    def fail(self, number: int, errors: Errors) -> None:
        self.failed[number] = errors


def import_orders(
    lines: Iterable[str], *, chunk_size: int = 1000, now: datetime | None = None
) -> ImportReport:
    """Import JSON Lines orders (one order per line, numbered from 1) with the
    validation of `ingest_order`. Each order stands alone: a bad one is reported
    with its line number and the others go in. Orders are created in chunks, each
    in one transaction with bulk inserts."""
    now = now or timezone.now()
    resolver = Resolver()
    report = ImportReport()
    chunk: list[tuple[int, object]] = []
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            data = json.loads(text)
        except (ValueError, RecursionError):
            errors = Errors()
            errors.add("body", _("This line is not valid JSON."))
            report.fail(number, errors)
            continue
        chunk.append((number, data))
        if len(chunk) >= chunk_size:
            _import_chunk(chunk, resolver, report, now)
            chunk = []
    if chunk:
        _import_chunk(chunk, resolver, report, now)
    return report


def _import_chunk(chunk, resolver: Resolver, report: ImportReport, now: datetime) -> None:
    valid = []
    for number, data in chunk:
        order, errors = validate_order(data, now)
        if order is None:
            report.fail(number, errors)
        else:
            valid.append((number, data, order))
    known = existing_orders(order.reference for _n, _d, order in valid)
    batch = []
    pending: dict[str, str] = {}  # reference -> payload hash, for this chunk
    for number, data, order in valid:
        seen = known.get(order.reference) or pending.get(order.reference)
        if seen is not None:
            if seen == order.payload_hash:
                report.replayed += 1
            else:
                errors = Errors()
                errors.add("reference", _conflict_message())
                report.fail(number, errors)
            continue
        errors = resolver.resolve(order)
        if errors:
            report.fail(number, errors)
            continue
        resolver.remember_categories(order)
        pending[order.reference] = order.payload_hash
        batch.append((number, data, order))
    if not batch:
        return
    try:
        with transaction.atomic():
            resolver.persist([order for _n, _d, order in batch])
        report.created += len(batch)
    except IntegrityError:
        # Someone else created one of these references meanwhile: one by one.
        resolver.forget_writes()
        for number, data, _order in batch:
            result = ingest_order(data, now=now, resolver=resolver)
            if result.outcome == Outcome.CREATED:
                report.created += 1
            elif result.outcome == Outcome.REPLAYED:
                report.replayed += 1
            else:
                report.fail(number, result.errors)
