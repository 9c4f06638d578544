"""Time the eligibility decision in-process: decisions per second.

    .venv/bin/python bench/eligibility_bench.py [--lines 100000] [--repeat 3]

Builds a realistic, seeded mix of policies and order lines (EU and UK markets, split
deliveries, category overrides, item exceptions, non-trader sellers, missing withdrawal
information, undelivered lines, partly returned quantities), then times `decide` over
all of them with time.perf_counter. The first pass starts with empty calendar caches
(as after a deploy); the next passes are warm (as in a long-running worker).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django

django.setup()

from policy_pages.rules import (  # noqa: E402
    CategoryOverride,
    Condition,
    ItemException,
    ItemFlag,
    OverrideKind,
    PolicyRules,
    WindowStart,
)
from return_portal import legal_calendar  # noqa: E402
from return_portal.eligibility import LineFacts, decide  # noqa: E402

MARKETS = ["FR"] * 40 + ["DE"] * 25 + ["UK"] * 10 + ["IT", "ES", "NL", "BE", "PL"] * 4 + ["CH"] * 5
CATEGORY_PATHS = [
    ("fashion", "shoes"),
    ("fashion", "dresses"),
    ("fashion", "underwear"),
    ("home", "kitchen"),
    ("home", "bedding", "mattresses"),
    ("electronics", "phones"),
    ("electronics", "software"),
    ("beauty", "cosmetics"),
    ("food", "fresh"),
    ("books",),
]
ALL_EXCEPTIONS = (
    ItemException(ItemFlag.CUSTOM_MADE, "4.1"),
    ItemException(ItemFlag.PERISHABLE, "4.2"),
    ItemException(ItemFlag.SEALED_HYGIENE, "4.3"),
    ItemException(ItemFlag.SEALED_MEDIA, "4.4"),
)


def build_policies() -> list[PolicyRules]:
    base = PolicyRules(
        currency="EUR",
        markets=("FR", "DE", "IT", "ES", "NL", "BE", "PL", "GB", "CH"),
        window_days=30,
        window_start=WindowStart.DELIVERY,
        window_clause="2.1",
        conditions=(Condition.ORIGINAL_PACKAGING,),
        conditions_clause="2.3",
    )
    return [
        base,  # marketplace-wide, no overrides
        PolicyRules(
            **{
                **base.__dict__,
                "seller": "S-1",
                "window_days": 100,
                "category_overrides": (
                    CategoryOverride("fashion", OverrideKind.DAYS, "3.1", days=60),
                    CategoryOverride("underwear", OverrideKind.NOT_RETURNABLE, "3.2"),
                    CategoryOverride(
                        "electronics",
                        OverrideKind.CONDITIONS,
                        "3.3",
                        conditions=(Condition.ACCESSORIES, Condition.UNUSED),
                    ),
                ),
                "item_exceptions": ALL_EXCEPTIONS,
            }
        ),
        PolicyRules(
            **{
                **base.__dict__,
                "seller": "S-2",
                "window_days": 14,
                "window_start": WindowStart.ORDER,
                "category_overrides": (
                    CategoryOverride("food", OverrideKind.NOT_RETURNABLE, "3.1"),
                    CategoryOverride("home", OverrideKind.DAYS, "3.2", days=45),
                    CategoryOverride("mattresses", OverrideKind.DAYS, "3.3", days=100),
                ),
                "item_exceptions": ALL_EXCEPTIONS[:2],
            }
        ),
        PolicyRules(
            **{
                **base.__dict__,
                "seller": "S-3",
                "window_days": 0,
                "item_exceptions": ALL_EXCEPTIONS[2:],
            }
        ),
    ]


def build_line(rng: random.Random, now: datetime) -> LineFacts:
    placed = now - timedelta(days=rng.uniform(0, 400), seconds=rng.uniform(0, 86400))
    delivered = placed + timedelta(days=rng.uniform(1, 6), hours=rng.uniform(0, 12))
    roll = rng.random()
    if roll < 0.05:  # still on its way
        delivered_at, last = None, None
    elif roll < 0.20:  # split delivery: another item came later
        delivered_at, last = delivered, delivered + timedelta(days=rng.uniform(1, 10))
    elif roll < 0.23:  # split delivery, other items still on their way
        delivered_at, last = delivered, None
    else:
        delivered_at, last = delivered, delivered
    informed = rng.random() > 0.02
    info_at = None
    if not informed and rng.random() < 0.5:
        info_at = placed + timedelta(days=rng.uniform(0, 300))
    flags = frozenset()
    if rng.random() < 0.06:
        flags = frozenset({rng.choice(list(ItemFlag))})
    quantity = rng.choice([1, 1, 1, 1, 2, 3])
    return LineFacts(
        order_placed_at=placed,
        market=rng.choice(MARKETS),
        delivered_at=delivered_at,
        order_last_delivered_at=last,
        withdrawal_info_given=informed,
        withdrawal_info_given_at=info_at,
        seller_is_trader=rng.random() > 0.1,
        category_path=rng.choice(CATEGORY_PATHS),
        flags=flags,
        quantity=quantity,
        quantity_returned_or_open=rng.choice([0, 0, 0, 0, 0, 1]) if quantity else 0,
    )


def clear_calendar_caches() -> None:
    for cached in (
        legal_calendar.period_end,
        legal_calendar.months_period_end,
        legal_calendar._public_holidays,
    ):
        cached.cache_clear()


def run(cases: list[tuple[PolicyRules, LineFacts, datetime]]) -> tuple[float, int]:
    eligible = 0
    started = time.perf_counter()
    for rules, facts, at in cases:
        eligible += decide(rules, facts, at).eligible
    return time.perf_counter() - started, eligible


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    rng = random.Random(20260619)  # a reproducible mix
    now = datetime(2026, 6, 19, 12, tzinfo=UTC)
    policies = build_policies()
    cases = [
        (rng.choice(policies), build_line(rng, now), now - timedelta(hours=rng.uniform(0, 48)))
        for _ in range(args.lines)
    ]

    clear_calendar_caches()
    cold, eligible = run(cases)
    warm = [run(cases)[0] for _ in range(args.repeat)]

    count = len(cases)
    print(
        f"eligibility: {count:,} decisions ({eligible:,} eligible), Python {sys.version.split()[0]}"
    )
    print(f"  cold caches: {rate(count, cold)}")
    print(f"  warm, best of {args.repeat}: {rate(count, min(warm))}")
    print(f"  warm, median: {rate(count, statistics.median(warm))}")


def rate(count: int, seconds: float) -> str:
    return f"{count / seconds:,.0f} decisions/s ({seconds * 1e6 / count:.1f} µs each)"


if __name__ == "__main__":
    main()
