"""Time `manage.py import_orders`: orders per second into a real database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/returnshub_importbench \\
        .venv/bin/python bench/import_bench.py [--orders 20000] [--chunk-size 1000] [--keep]

The database must be migrated and hold the demo policies (`manage.py seed_demo`).
Without DATABASE_URL it uses the SQLite file of the dev settings (db.sqlite3).

Generates N realistic orders as JSON Lines in a temporary directory (1 to 4 lines
each, 40 sellers including Atelier Lumière and private sellers, a small category
tree, eight markets, placing dates over the last 250 days so that lines pin to
different policy versions, most lines delivered), then times the command on them.
The references carry a run id, so runs do not collide; the imported orders are
deleted afterwards unless --keep is given.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402

from marketplace.models import Order, OrderLine  # noqa: E402
from policy_pages.timeline import policy_in_force  # noqa: E402

MARKETS = ["FR"] * 5 + ["DE"] * 3 + ["BE", "NL", "IT", "ES", "AT", "LU"]
CATEGORIES = [
    ("shirts", "Shirts", ("apparel", "Apparel")),
    ("shoes", "Shoes", ("apparel", "Apparel")),
    ("hygiene", "Hygiene", ("beauty", "Beauty")),
    ("lamps", "Lamps", ("home", "Home")),
    ("media", "Media", None),
    ("food", "Food", None),
    ("books", "Books", None),
]


def seller(index: int) -> dict:
    if index == 0:
        reference, trader = "atelier-lumiere", True
    else:
        reference, trader = f"bench-seller-{index}", index % 10 != 0  # a tenth are private
    return {
        "reference": reference,
        "name": reference.replace("-", " ").title(),
        "is_trader": trader,
        "country": "FR",
        "returns_address": f"{index} rue du Banc, 75011 Paris",
    }


def category(index: int) -> dict:
    code, name, parent = CATEGORIES[index]
    data = {"code": code, "name": {"en": name}}
    if parent:
        data["parent"] = {"code": parent[0], "name": {"en": parent[1]}}
    return data


def make_orders(count: int, run: str, rng: random.Random) -> list[str]:
    now = timezone.now()
    sellers = [seller(i) for i in range(40)]
    categories = [category(i) for i in range(len(CATEGORIES))]
    rows = []
    for n in range(count):
        placed = now - timedelta(days=rng.uniform(2, 250), minutes=rng.randint(0, 600))
        lines = []
        for index in range(rng.choice([1, 1, 2, 2, 3, 4])):
            delivered = placed + timedelta(days=rng.uniform(1, 5))
            lines.append(
                {
                    "reference": str(index + 1),
                    "seller": rng.choice(sellers),
                    "sku": f"SKU-{rng.randint(1, 5000)}",
                    "title": "Bench item",
                    "category": rng.choice(categories),
                    "quantity": rng.randint(1, 3),
                    "unit_price": f"{rng.randint(100, 30000) / 100:.2f}",
                    "delivered_at": delivered.isoformat() if delivered < now else None,
                    "sealed_media": rng.random() < 0.05,
                }
            )
        rows.append(
            json.dumps(
                {
                    "reference": f"BENCH-{run}-{n}",
                    "buyer_email": f"bench{n % 5000}@example.com",
                    "market": rng.choice(MARKETS),
                    "currency": "EUR",
                    "placed_at": placed.isoformat(),
                    "withdrawal_info_given": rng.random() > 0.02,
                    "shipping": {"standard": "4.90", "express_surcharge": "0.00"},
                    "payment": {"method": "card", "reference": f"pi_{n}", "amount": "99.00"},
                    "lines": lines,
                }
            )
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=20_000)
    parser.add_argument("--chunk-size", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the imported orders")
    args = parser.parse_args()

    if policy_in_force("FR", "", "", timezone.now()) is None:
        sys.exit("No return policy in force: run `manage.py seed_demo` on this database first.")
    run = uuid.uuid4().hex[:8]
    rows = make_orders(args.orders, run, random.Random(args.seed))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "orders.jsonl"
        path.write_text("\n".join(rows) + "\n", encoding="utf-8")
        out, err = io.StringIO(), io.StringIO()
        started = time.perf_counter()
        try:
            call_command(
                "import_orders", str(path), chunk_size=args.chunk_size, stdout=out, stderr=err
            )
        finally:
            elapsed = time.perf_counter() - started
    created = Order.objects.filter(reference__startswith=f"BENCH-{run}-").count()
    lines = OrderLine.objects.filter(order__reference__startswith=f"BENCH-{run}-").count()
    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    print(f"orders: {created:,} of {args.orders:,} imported, {lines:,} lines")
    print(
        f"time: {elapsed:.2f} s -> {created / elapsed:,.0f} orders/s, "
        f"{lines / elapsed:,.0f} lines/s"
    )
    if err.getvalue():
        print("errors (first 5):", *err.getvalue().splitlines()[:5], sep="\n  ")
    if not args.keep:
        Order.objects.filter(reference__startswith=f"BENCH-{run}-").delete()


if __name__ == "__main__":
    main()
