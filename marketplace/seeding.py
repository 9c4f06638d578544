"""Demo marketplace data: sellers, categories and orders for the demo buyers.

Orders go through the intake service the API uses, so each line is pinned to the
policy version in force when it was placed. Dates are relative to today, so the
demo shows the same situations whatever day it is seeded. Idempotent: an order
whose reference exists is left alone (its dates were computed on another day).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import holidays
from django.db import transaction
from django.utils import timezone

from policy_pages.versions import policy_in_force

from .intake import Outcome, ingest_order
from .models import Order

PARIS = ZoneInfo("Europe/Paris")

SELLERS = {
    "maison-durand": {
        "reference": "maison-durand",
        "name": "Maison Durand",
        "is_trader": True,
        "country": "FR",
        "returns_address": "Maison Durand, 12 rue des Lilas, 69003 Lyon, France",
    },
    "atelier-lumiere": {
        "reference": "atelier-lumiere",
        "name": "Atelier Lumière",
        "is_trader": True,
        "country": "FR",
        "returns_address": "Atelier Lumière, 8 passage du Désir, 75010 Paris, France",
    },
    "nordlicht": {
        "reference": "nordlicht",
        "name": "Nordlicht Medien GmbH",
        "is_trader": True,
        "country": "DE",
        "returns_address": "Nordlicht Medien GmbH, Hafenstraße 4, 20457 Hamburg, Deutschland",
    },
    "grenier-de-paul": {
        "reference": "grenier-de-paul",
        "name": "Le grenier de Paul (private seller)",
        "is_trader": False,
        "country": "FR",
        "returns_address": "Paul B., 3 impasse du Moulin, 33000 Bordeaux, France",
    },
}


def _category(code, en, fr, de, parent=None):
    category = {"code": code, "name": {"en": en, "fr": fr, "de": de}}
    if parent:
        category["parent"] = parent
    return category


APPAREL = _category("apparel", "Apparel", "Vêtements", "Bekleidung")
BEAUTY = _category("beauty", "Beauty", "Beauté", "Schönheit")
HOME = _category("home", "Home", "Maison", "Wohnen")
CATEGORIES = {
    "shirts": _category("shirts", "Shirts", "Chemises", "Hemden", APPAREL),
    "shoes": _category("shoes", "Shoes", "Chaussures", "Schuhe", APPAREL),
    "hygiene": _category("hygiene", "Hygiene", "Hygiène", "Hygiene", BEAUTY),
    "media": _category(
        "media",
        "Music, films and software",
        "Musique, films et logiciels",
        "Musik, Filme und Software",
    ),
    "food": _category("food", "Food", "Épicerie", "Lebensmittel"),
    "lamps": _category("lamps", "Lamps", "Luminaires", "Leuchten", HOME),
    "jewellery": _category("jewellery", "Jewellery", "Bijoux", "Schmuck"),
    "books": _category("books", "Books", "Livres", "Bücher"),
}


def _at(day: date, hour: int = 10) -> str:
    """That day at that hour in Paris, but never later than a minute ago."""
    instant = datetime.combine(day, time(hour), tzinfo=PARIS)
    return min(instant, timezone.now() - timedelta(minutes=1)).isoformat()


def _line(ref, seller, sku, title, category, price, *, delivered=None, quantity=1, **flags):
    line = {
        "reference": ref,
        "seller": SELLERS[seller],
        "sku": sku,
        "title": title,
        "category": CATEGORIES[category],
        "quantity": quantity,
        "unit_price": price,
        "delivered_at": _at(delivered, 15) if delivered else None,
    }
    line.update(flags)
    return line


def _order(ref, email, placed: date, lines, *, info_given=True, express="0.00"):
    total = sum(Decimal(line["unit_price"]) * line["quantity"] for line in lines)
    total += Decimal("4.90") + Decimal(express)
    return {
        "reference": ref,
        "buyer_email": email,
        "market": "FR",
        "currency": "EUR",
        "placed_at": _at(placed, 9),
        "withdrawal_info_given": info_given,
        "shipping": {"standard": "4.90", "express_surcharge": express},
        "payment": {
            "method": "card",
            "reference": f"pay-{ref.lower()}",
            "amount": str(total),
        },
        "lines": lines,
    }


def holiday_window_delivery(today: date, window_days: int) -> tuple[date, date]:
    """(delivery day, holiday) such that a window of `window_days` days from that
    delivery ends on a French public holiday: the next such holiday within the
    window if there is one (the order is still open), else the latest past one."""
    fr = holidays.country_holidays("FR", years=range(today.year - 1, today.year + 2))
    upcoming = sorted(day for day in fr if today < day <= today + timedelta(days=window_days))
    past = sorted((day for day in fr if day <= today), reverse=True)
    holiday = upcoming[0] if upcoming else past[0]
    return holiday - timedelta(days=window_days), holiday


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
        _order("DEMO-1001", buyer, day(6), [
            _line("1", "maison-durand", "MD-OXF-42", "Oxford shirt, blue, 42", "shirts", "49.90",
                  delivered=day(3)),
            _line("2", "maison-durand", "MD-DRB-43", "Derby shoes, brown, 43", "shoes", "119.00",
                  delivered=day(3)),
        ]),
        # Past both the policy window and the withdrawal period.
        _order("DEMO-1002", buyer, day(75), [
            _line("1", "maison-durand", "MD-LIN-40", "Linen shirt, white, 40", "shirts", "59.00",
                  delivered=day(70)),
        ]),
        # Split delivery: one parcel arrived, the other is on its way.
        _order("DEMO-1003", buyer, day(5), [
            _line("1", "maison-durand", "MD-POLO-M", "Polo shirt, navy, M", "shirts", "35.00",
                  delivered=day(2)),
            _line("2", "nordlicht", "NL-LAMP-01", "Desk lamp, brass", "lamps", "89.00"),
        ]),
        # Item exceptions: custom-made, perishable, sealed hygiene and sealed media.
        _order("DEMO-1004", acheteur, day(8), [
            _line("1", "atelier-lumiere", "AL-RING-ENG", "Engraved silver ring", "jewellery",
                  "120.00", delivered=day(4), custom_made=True),
            _line("2", "maison-durand", "MD-CHOC-250", "Dark chocolate truffles, 250 g", "food",
                  "14.50", delivered=day(4), perishable=True),
            _line("3", "maison-durand", "MD-BRUSH-01", "Electric toothbrush head (sealed)",
                  "hygiene", "9.90", delivered=day(4), sealed_hygiene=True),
            _line("4", "nordlicht", "NL-BLURAY-07", "Concert Blu-ray (sealed)", "media", "24.99",
                  delivered=day(4), sealed_media=True),
        ]),
        # A private seller: no statutory right, only the policy's goodwill.
        _order("DEMO-1005", acheteur, day(9), [
            _line("1", "grenier-de-paul", "GP-BOOK-1954", "Vintage cookbook (1954)", "books",
                  "18.00", delivered=day(5)),
        ]),
        # A window that ends on a French public holiday (moved to the next working day).
        _order("DEMO-1006", buyer, holiday_delivery - timedelta(days=3), [
            _line("1", "maison-durand", "MD-FLAN-L", "Flannel shirt, red check, L", "shirts",
                  "45.00", delivered=holiday_delivery),
        ]),
        # Placed under the previous policy version: pinned to it while a newer one is in force.
        _order("DEMO-1007", acheteur, day(150), [
            _line("1", "maison-durand", "MD-CHAM-39", "Chambray shirt, 39", "shirts", "52.00",
                  delivered=day(146)),
        ]),
        # Withdrawal information was not given: the statutory period is extended by 12 months.
        _order("DEMO-1008", acheteur, day(40), [
            _line("1", "nordlicht", "NL-LAMP-02", "Floor lamp, linen shade", "lamps", "149.00",
                  delivered=day(36)),
        ], info_given=False),
        # Atelier Lumière's own policy (60 days) governs its lines.
        _order("DEMO-1009", buyer, day(30), [
            _line("1", "atelier-lumiere", "AL-LAMP-ARC", "Arc lamp, hand-blown glass", "lamps",
                  "240.00", delivered=day(26)),
        ], express="9.90"),
    ]  # fmt: skip


@transaction.atomic
def seed_marketplace(today: date | None = None) -> list[Order]:
    today = today or timezone.localdate()
    existing = set(
        Order.objects.filter(reference__startswith="DEMO-").values_list("reference", flat=True)
    )
    orders = []
    for payload in demo_orders(today):
        if payload["reference"] in existing:
            continue
        result = ingest_order(payload)
        if result.outcome not in (Outcome.CREATED, Outcome.REPLAYED):
            raise RuntimeError(f"Demo order {payload['reference']}: {dict(result.errors)}")
        orders.append(result.order)
    return orders
