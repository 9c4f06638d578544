"""The demo orders of the demo buyers, taken in like any order (policy_pages.intake),
so each line is pinned to the policy version in force when it was placed.

Dates are relative to today, so the demo shows the same situations whatever day
it is seeded. Idempotent: an order whose reference exists is left alone (its
dates were computed on another day).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from marketplace.models import Order
from marketplace.seeding import PARIS, holiday_window_delivery, line, order, variant

from .intake import Intake, Outcome, ingest_order
from .timeline import policy_in_force


def holiday_order_delivery(today: date) -> date:
    """The delivery day of the demo order whose policy window ends on a French public
    holiday, under the window of the marketplace version in force when it was placed."""
    window = 30
    for _attempt in range(3):  # the version at the placing date sets the window
        delivery, _holiday = holiday_window_delivery(today, window)
        placed = datetime.combine(delivery - timedelta(days=3), time(9), tzinfo=PARIS)
        version = policy_in_force("FR", "", "", placed)
        if version is None or version.rules.window_days == window:
            return delivery
        window = version.rules.window_days
    return delivery


def demo_orders(today: date) -> list[dict]:
    buyer, acheteur = "buyer@example.com", "acheteur@example.com"
    day = lambda n: today - timedelta(days=n)  # noqa: E731 - "n days ago"
    holiday_delivery = holiday_order_delivery(today)
    return [
        # In its window: delivered three days ago.
        order("DEMO-1001", buyer, day(6), [
            line("1", "maison-durand", "MD-OXF-42", "Oxford shirt, blue, 42", "shirts", "49.90",
                  delivered=day(3)),
            line("2", "maison-durand", "MD-DRB-43", "Derby shoes, brown, 43", "shoes", "119.00",
                  delivered=day(3)),
            # Exchangeable: the same size again, a dearer size, and one out of stock.
            line("3", "maison-durand", "MD-JKT-M", "Waxed field jacket, olive, M", "jackets",
                  "129.00", delivered=day(3), variants=[
                variant("MD-JKT-L", "Waxed field jacket, olive, L", "129.00", size="L"),
                variant("MD-JKT-XL", "Waxed field jacket, olive, XL", "139.00", size="XL"),
                variant("MD-JKT-S", "Waxed field jacket, olive, S", "129.00", in_stock=False,
                        size="S"),
            ]),
        ]),
        # Past both the policy window and the withdrawal period.
        order("DEMO-1002", buyer, day(75), [
            line("1", "maison-durand", "MD-LIN-40", "Linen shirt, white, 40", "shirts", "59.00",
                  delivered=day(70)),
        ]),
        # Split delivery: one parcel arrived, the other is on its way.
        order("DEMO-1003", buyer, day(5), [
            line("1", "maison-durand", "MD-POLO-M", "Polo shirt, navy, M", "shirts", "35.00",
                  delivered=day(2)),
            line("2", "nordlicht", "NL-LAMP-01", "Desk lamp, brass", "lamps", "89.00"),
        ]),
        # Item exceptions: custom-made, perishable, sealed hygiene and sealed media.
        order("DEMO-1004", acheteur, day(8), [
            line("1", "atelier-lumiere", "AL-RING-ENG", "Engraved silver ring", "jewellery",
                  "120.00", delivered=day(4), custom_made=True),
            line("2", "maison-durand", "MD-CHOC-250", "Dark chocolate truffles, 250 g", "food",
                  "14.50", delivered=day(4), perishable=True),
            line("3", "maison-durand", "MD-BRUSH-01", "Electric toothbrush head (sealed)",
                  "hygiene", "9.90", delivered=day(4), sealed_hygiene=True),
            line("4", "nordlicht", "NL-BLURAY-07", "Concert Blu-ray (sealed)", "media", "24.99",
                  delivered=day(4), sealed_media=True),
        ]),
        # A private seller: no statutory right, only the policy's goodwill.
        order("DEMO-1005", acheteur, day(9), [
            line("1", "grenier-de-paul", "GP-BOOK-1954", "Vintage cookbook (1954)", "books",
                  "18.00", delivered=day(5)),
        ]),
        # A window that ends on a French public holiday (moved to the next working day).
        order("DEMO-1006", buyer, holiday_delivery - timedelta(days=3), [
            line("1", "maison-durand", "MD-FLAN-L", "Flannel shirt, red check, L", "shirts",
                  "45.00", delivered=holiday_delivery),
        ]),
        # Placed under the previous policy version: pinned to it while a newer one is in force.
        order("DEMO-1007", acheteur, day(150), [
            line("1", "maison-durand", "MD-CHAM-39", "Chambray shirt, 39", "shirts", "52.00",
                  delivered=day(146)),
        ]),
        # Withdrawal information was not given: the statutory period is extended by 12 months.
        order("DEMO-1008", acheteur, day(40), [
            line("1", "nordlicht", "NL-LAMP-02", "Floor lamp, linen shade", "lamps", "149.00",
                  delivered=day(36)),
        ], info_given=False),
        # Atelier Lumière's own policy (60 days) governs its lines.
        order("DEMO-1009", buyer, day(30), [
            line("1", "atelier-lumiere", "AL-LAMP-ARC", "Arc lamp, hand-blown glass", "lamps",
                  "240.00", delivered=day(26)),
        ], express="9.90"),
        # Atelier Lumière lets a buyer keep glass that arrived damaged (its keep-it rule, 5.1).
        order("DEMO-1010", acheteur, day(4), [
            line("1", "atelier-lumiere", "AL-VASE-07", "Hand-blown glass vase, amber", "lamps",
                  "65.00", delivered=day(2)),
        ]),
    ]  # fmt: skip


@transaction.atomic
def seed_demo_orders(today: date | None = None) -> list[Order]:
    today = today or timezone.localdate()
    existing = set(
        Order.objects.filter(reference__startswith="DEMO-").values_list("reference", flat=True)
    )
    orders = []
    intake = Intake()
    for payload in demo_orders(today):
        if payload["reference"] in existing:
            continue
        result = ingest_order(payload, intake=intake)
        if result.outcome not in (Outcome.CREATED, Outcome.REPLAYED):
            raise RuntimeError(f"Demo order {payload['reference']}: {dict(result.errors)}")
        orders.append(result.order)
    return orders
