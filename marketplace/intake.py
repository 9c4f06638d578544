"""Persisting intake: the sellers, categories, orders and lines of validated
orders (marketplace/order_schemas.py), in bulk, inside the caller's transaction.

`Resolver.resolve(order)` checks what needs the database: the categories a
payload names only by code must exist, and the category tree must stay a tree.
`Resolver.persist(orders)` upserts the sellers and categories, then creates the
orders (with the buyer's shipping address, when sent), their lines with the
variants each may be exchanged to, and their means of payment (one, or the
`payments` listed, in refund order) and returns them; the lines' product images
are fetched after the commit (marketplace.tasks). Nothing here knows of policies: the
floor above (policy_pages.intake) pins each line to its version, in the same
transaction, and owns idempotency and the import.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.utils.translation import gettext as _

from core.api.errors import ErrorCode

from .fields import CategorySpec, Errors
from .line_schemas import SellerIn
from .models import (
    PATH_SEPARATOR,
    SHIPPING_ADDRESS_KEYS,
    LineVariant,
    Order,
    OrderLine,
    OrderPayment,
    ProductCategory,
    Seller,
)
from .order_schemas import OrderIn
from .tasks import queue_line_images

CategoryPath = tuple[str, ...]


@dataclass
class ResolvedOrder:
    """A valid order whose categories were found in the tree (or in the payload)."""

    order: OrderIn
    category_paths: dict[str, CategoryPath | None] = field(default_factory=dict)


@dataclass
class CreatedOrder:
    row: Order
    lines: list[OrderLine]  # in the payload's order, saved (with their pks)


class Resolver:
    """Database lookups and writes for intake, through per-run caches: one
    resolver serves one API request or a whole import run, reading each seller
    and category once."""

    def __init__(self):
        self._sellers: dict[str, Seller] = {}
        self._categories: dict[str, ProductCategory] = {}
        # Categories described by orders resolved but not yet persisted (same chunk).
        self._pending_paths: dict[str, CategoryPath] = {}

    def forget_writes(self) -> None:
        """After a rollback, cached rows may not exist: read them again."""
        self._sellers.clear()
        self._categories.clear()
        self._pending_paths.clear()

    def remember_categories(self, resolved: ResolvedOrder) -> None:
        """Let later orders of the same chunk name the categories this one describes."""
        for code, spec in resolved.order.categories.items():
            path = resolved.category_paths.get(code)
            if spec.names is not None and path:
                self._pending_paths[code] = path

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

    def resolve(self, order: OrderIn) -> tuple[ResolvedOrder, Errors]:
        """The path of each category of the order, and the errors of the lines
        whose category is unknown or would close a loop."""
        errors = Errors()
        self.load_categories(order.categories)
        resolved = ResolvedOrder(order)
        for index, line in enumerate(order.lines):
            code = line.category.code
            if self._path(code, order.categories, resolved.category_paths, ()) is None:
                errors.add(
                    f"lines[{index}].category",
                    _(
                        "Unknown category %(code)s, or its parents form a loop: describe it "
                        "with its code, names and parent."
                    )
                    % {"code": code},
                    code=ErrorCode.UNKNOWN,
                )
        return resolved, errors

    def _path(self, code, described: dict[str, CategorySpec], paths, visiting):
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
                parent_path = self._path(path[-2], described, paths, (*visiting, code))
                path = None if parent_path is None or code in parent_path else (*parent_path, code)
        elif spec.parent is None:
            path = (code,)
        else:
            parent_path = self._path(spec.parent, described, paths, (*visiting, code))
            path = None if parent_path is None or code in parent_path else (*parent_path, code)
        paths[code] = path
        return path

    # --- writes ---

    def persist(self, orders: list[ResolvedOrder]) -> list[CreatedOrder]:
        """Create the (resolved, valid) orders and their lines. Call inside a
        transaction; an IntegrityError means an order reference already exists."""
        self.load_categories({code for r in orders for code in r.order.categories})
        self._upsert_sellers(orders)
        self._upsert_categories(orders)
        buyers = self._buyers({r.order.buyer_email for r in orders})
        rows = Order.objects.bulk_create([_order_row(r.order, buyers) for r in orders])
        created = []
        for row, resolved in zip(rows, orders, strict=True):
            lines = [
                OrderLine(
                    order_id=row.pk,
                    position=index,
                    reference=line.reference,
                    seller_id=self._sellers[line.seller.reference].pk,
                    seller_is_trader=line.seller.is_trader,  # as the buyer was told
                    sku=line.sku,
                    title=line.title,
                    category_id=self._categories[line.category.code].pk,
                    quantity=line.quantity,
                    unit_price=line.unit_price,
                    delivered_at=line.delivered_at,
                    image_url=line.image_url or "",
                    **line.flags,
                )
                for index, line in enumerate(resolved.order.lines)
            ]
            created.append(CreatedOrder(row, lines))
        OrderLine.objects.bulk_create([line for c in created for line in c.lines], batch_size=2000)
        # Fetched once committed, outside the request's transaction (marketplace.tasks).
        queue_line_images([line.pk for c in created for line in c.lines if line.image_url])
        LineVariant.objects.bulk_create(
            [
                LineVariant(
                    line_id=row.pk,
                    position=position,
                    sku=variant.sku,
                    title=variant.title,
                    attributes=variant.attributes,
                    unit_price=variant.unit_price,
                    in_stock=variant.in_stock,
                )
                for made, resolved in zip(created, orders, strict=True)
                for row, line in zip(made.lines, resolved.order.lines, strict=True)
                for position, variant in enumerate(line.variants)
            ],
            batch_size=2000,
        )
        OrderPayment.objects.bulk_create(
            [
                OrderPayment(
                    order_id=row.pk,
                    position=position,
                    method=method,
                    reference=reference,
                    amount=amount,
                )
                for row, resolved in zip(rows, orders, strict=True)
                for position, (method, reference, amount) in enumerate(
                    resolved.order.payment_rows()
                )
            ],
            batch_size=2000,
        )
        return created

    def _upsert_sellers(self, orders: list[ResolvedOrder]) -> None:
        wanted: dict[str, SellerIn] = {}
        for resolved in orders:
            for line in resolved.order.lines:
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

    def _upsert_categories(self, orders: list[ResolvedOrder]) -> None:
        wanted: dict[str, CategorySpec] = {}
        paths: dict[str, CategoryPath] = {}
        for resolved in orders:
            for code, spec in resolved.order.categories.items():
                if spec.names is not None:
                    wanted[code] = spec
            paths.update({c: p for c, p in resolved.category_paths.items() if p is not None})
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
        rows = EmailAddress.objects.filter(email__in=emails, verified=True).values_list(
            "email", "user_id"
        )
        return {email.lower(): user_id for email, user_id in rows}


def _order_row(order: OrderIn, buyers: dict[str, int]) -> Order:
    express = order.shipping.express_surcharge
    return Order(
        reference=order.reference,
        buyer_id=buyers.get(order.buyer_email),
        buyer_email=order.buyer_email,
        market=order.market,
        currency=order.currency,
        placed_at=order.placed_at,
        withdrawal_info_given=order.withdrawal_info_given,
        withdrawal_info_given_at=order.withdrawal_info_given_at,
        shipping_standard_amount=order.shipping.standard,
        shipping_express_surcharge=express if express is not None else Decimal("0"),
        payment_method=order.payment.method,
        payment_reference=order.payment.reference or "",
        payment_amount=order.payment.amount,
        payload_hash=order.payload_hash,
        **_shipping_address(order),
    )


def _shipping_address(order: OrderIn) -> dict[str, str]:
    address = order.shipping_address
    if address is None:
        return {}
    return {f"shipping_{key}": getattr(address, key) or "" for key in SHIPPING_ADDRESS_KEYS}


def existing_orders(references: Iterable[str]) -> dict[str, str]:
    """Order reference -> payload hash, for the references that exist."""
    return dict(
        Order.objects.filter(reference__in=list(references)).values_list(
            "reference", "payload_hash"
        )
    )
