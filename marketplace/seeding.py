"""Demo marketplace data: the sellers and categories of the demo orders, and
the builders of their payloads (as POST /api/v1/orders takes them).

The orders themselves are seeded from policy_pages.demo_orders: taking an order
in pins its lines to policy versions, which this floor knows nothing of.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import holidays
from django.utils import timezone

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
    "jackets": _category("jackets", "Jackets", "Vestes", "Jacken", APPAREL),
}

# Where the demo buyers' orders were shipped: the sender of their return labels.
ADDRESSES = {
    "buyer@example.com": {
        "name": "Camille Martin",
        "line1": "4 rue Oberkampf",
        "line2": "Bâtiment B, 3e étage",
        "postal_code": "75011",
        "city": "Paris",
        "country": "FR",
    },
    "acheteur@example.com": {
        "name": "Julien Moreau",
        "line1": "27 quai Saint-Vincent",
        "postal_code": "69001",
        "city": "Lyon",
        "country": "FR",
    },
}


def at(day: date, hour: int = 10) -> str:
    """That day at that hour in Paris, but never later than a minute ago."""
    instant = datetime.combine(day, time(hour), tzinfo=PARIS)
    return min(instant, timezone.now() - timedelta(minutes=1)).isoformat()


def variant(sku, title, price, *, in_stock=True, **attributes):
    """An article the line may be exchanged to: variant("MD-JKT-L", "…", "129.00", size="L")."""
    return {
        "sku": sku,
        "title": title,
        "attributes": attributes,
        "unit_price": price,
        "in_stock": in_stock,
    }


def line(ref, seller, sku, title, category, price, *, delivered=None, quantity=1, **flags):
    line = {
        "reference": ref,
        "seller": SELLERS[seller],
        "sku": sku,
        "title": title,
        "category": CATEGORIES[category],
        "quantity": quantity,
        "unit_price": price,
        "delivered_at": at(delivered, 15) if delivered else None,
    }
    line.update(flags)
    return line


def order(ref, email, placed: date, lines, *, info_given=True, express="0.00"):
    total = sum(Decimal(line["unit_price"]) * line["quantity"] for line in lines)
    total += Decimal("4.90") + Decimal(express)
    return {
        "reference": ref,
        "buyer_email": email,
        "market": "FR",
        "currency": "EUR",
        "placed_at": at(placed, 9),
        "withdrawal_info_given": info_given,
        "shipping": {"standard": "4.90", "express_surcharge": express},
        "payment": {
            "method": "card",
            "reference": f"pay-{ref.lower()}",
            "amount": str(total),
        },
        "shipping_address": ADDRESSES.get(email),
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
