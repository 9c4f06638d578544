"""The data of the returns-queue bench (queue_bench.py): `generate` creates, once,
the returns of SELLERS sellers with their orders, lines, buyers, events, refunds
and photos in bulk (bulk_create in batches of BATCH), created over the last 180
days: recent returns open, older ones settled (STATUSES_BY_AGE), STALE of them
left open past their deadlines. Everything it makes is named with BENCH_PREFIX
(the returns' RMAs start "RMA-Q"), so a second run finds and reuses them.
Needs Django set up (queue_bench.main does it).
"""

from __future__ import annotations

import random
import time
import uuid
from datetime import timedelta
from decimal import Decimal

SELLERS = 40
BATCH = 5000
BENCH_PREFIX = "qbench"
# (days old up to, {status: weight}): recent returns are open, old ones settled,
# and STALE of the rest stay open past their deadlines (the overdue backlog).
STATUSES_BY_AGE = [
    (3, {"requested": 40, "approved": 40, "in_transit": 20}),
    (
        14,
        {
            "requested": 5,
            "approved": 25,
            "in_transit": 30,
            "received": 15,
            "inspected": 10,
            "resolved": 10,
            "rejected": 3,
            "cancelled": 2,
        },
    ),
    (
        30,
        {
            "received": 5,
            "inspected": 5,
            "resolved": 30,
            "closed": 50,
            "rejected": 5,
            "cancelled": 5,
        },
    ),
    (10_000, {"closed": 85, "rejected": 5, "cancelled": 5, "expired": 5}),
]
STALE = 0.02
OPEN = ["requested", "approved", "in_transit", "received", "inspected"]


def status_for(rng: random.Random, age_days: float) -> str:
    if rng.random() < STALE:
        return rng.choice(OPEN)
    for up_to, weights in STATUSES_BY_AGE:
        if age_days <= up_to:
            return rng.choices(list(weights), weights=list(weights.values()))[0]
    return "closed"


def generate(count: int) -> None:
    """The sellers, buyers, orders, lines and returns, once (idempotent by prefix)."""
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction
    from django.utils import timezone

    from marketplace.models import Order, OrderLine, ProductCategory, Seller
    from return_portal.models import (
        Refund,
        ReturnEvent,
        ReturnLine,
        ReturnPhoto,
        ReturnReason,
        ReturnRequest,
    )

    if ReturnRequest.objects.filter(rma__startswith="RMA-Q").count() >= count:
        print(f"reusing the {count:,} generated returns")
        return
    started = time.perf_counter()
    rng = random.Random(12)
    now = timezone.now()
    User = get_user_model()
    category, _ = ProductCategory.objects.get_or_create(
        code=f"{BENCH_PREFIX}-shirts", defaults={"names": {"en": "Shirts"}, "path": "shirts"}
    )
    sellers = [
        Seller.objects.get_or_create(
            reference=f"{BENCH_PREFIX}-seller-{n}",
            defaults={"name": f"Bench Seller {n}", "country": "FR"},
        )[0]
        for n in range(SELLERS)
    ]
    reasons = list(ReturnReason.objects.filter(children__isnull=True, locale__language_code="en"))
    buyers_count = max(1, count // 4)
    agents = [
        User.objects.get_or_create(email=f"{BENCH_PREFIX}.agent{n}@example.com", is_staff=True)[
            0
        ].pk
        for n in range(5)
    ]
    with transaction.atomic():
        User.objects.bulk_create(
            [
                User(email=f"{BENCH_PREFIX}.buyer{n}@example.net", password="!")
                for n in range(buyers_count)
            ],
            batch_size=BATCH,
            ignore_conflicts=True,
        )
        buyers = list(
            User.objects.filter(email__startswith=f"{BENCH_PREFIX}.buyer").values_list(
                "pk", flat=True
            )
        )
        for start in range(0, count, BATCH):
            size = min(BATCH, count - start)
            orders = Order.objects.bulk_create(
                [
                    Order(
                        reference=f"QB-{start + i:07d}",
                        buyer_id=rng.choice(buyers) if rng.random() < 0.8 else None,
                        buyer_email=f"shopper{rng.randrange(count)}@example.org",
                        market="FR",
                        currency="EUR",
                        placed_at=now - timedelta(days=rng.randrange(5, 200)),
                        withdrawal_info_given=True,
                        shipping_standard_amount=Decimal("4.90"),
                        payment_method="card",
                        payment_amount=Decimal("120.00"),
                        payload_hash=f"{start + i:064d}",
                    )
                    for i in range(size)
                ]
            )
            lines = OrderLine.objects.bulk_create(
                [
                    OrderLine(
                        order=order,
                        reference="A",
                        seller=sellers[(start + i) % SELLERS],
                        seller_is_trader=True,
                        sku=f"SKU-{rng.choice('ABCDEFGH')}{rng.randrange(100000):05d}",
                        title="Oxford shirt",
                        category=category,
                        quantity=2,
                        unit_price=Decimal("49.90"),
                        delivered_at=order.placed_at + timedelta(days=2),
                    )
                    for i, order in enumerate(orders)
                ]
            )
            returns = []
            for i, (order, line) in enumerate(zip(orders, lines, strict=True)):
                age = timedelta(minutes=rng.randrange(180 * 24 * 60))
                created = now - age
                status = status_for(rng, age.total_seconds() / 86400)
                reason = rng.choice(reasons) if reasons else None
                returns.append(
                    ReturnRequest(
                        rma=f"RMA-Q{start + i:07d}",
                        order=order,
                        buyer_id=order.buyer_id,
                        status=status,
                        kind="withdrawal" if rng.random() < 0.15 else "return",
                        reason=reason,
                        reason_is_defect=bool(reason and reason.is_defect),
                        currency="EUR",
                        estimated_total=Decimal("49.90"),
                        statutory=rng.random() < 0.3,
                        seller_id=line.seller_id,
                        assignee_id=rng.choice(agents)
                        if status in OPEN and rng.random() < 0.5
                        else None,
                        approval_due_by=created + timedelta(hours=48),
                        ship_by=created + timedelta(days=14),
                        refund_due_by=created + timedelta(days=14)
                        if status not in ("requested", "rejected", "cancelled")
                        else None,
                        goods_or_proof_at=created + timedelta(days=5)
                        if status in ("received", "inspected", "resolved", "closed")
                        else None,
                    )
                )
            returns = ReturnRequest.objects.bulk_create(returns)
            ReturnLine.objects.bulk_create(
                [
                    ReturnLine(return_request=r, order_line=line, quantity=1)
                    for r, line in zip(returns, lines, strict=True)
                ]
            )
            ReturnEvent.objects.bulk_create(
                [
                    ReturnEvent(
                        return_request=r,
                        from_status="",
                        to_status=r.status,
                        at=now - timedelta(days=rng.randrange(1, 10)),
                        actor_kind="system",
                    )
                    for r in returns
                ]
            )
            Refund.objects.bulk_create(
                [
                    Refund(
                        order_id=r.order_id,
                        return_request=r,
                        amount=Decimal("49.90"),
                        currency="EUR",
                        resolution="refund",
                        idempotency_key=f"{BENCH_PREFIX}:{r.pk}",
                        status="failed" if rng.random() < 0.05 else "succeeded",
                    )
                    for r in returns
                    if r.status in ("resolved", "closed")
                ]
            )
            ReturnPhoto.objects.bulk_create(
                [
                    ReturnPhoto(
                        buyer_id=r.buyer_id,
                        draft=uuid.uuid4(),
                        return_request=r,
                        file="return-photos/bench.png",
                        original_name="bench.png",
                        content_type="image/png",
                        size=1,
                    )
                    for r in returns
                    if r.buyer_id and rng.random() < 0.08
                ]
            )
            print(f"  {start + size:,} returns", flush=True)
        # created_at is auto_now_add: spread it over the last 180 days afterwards.
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE return_portal_returnrequest SET created_at = "
                "approval_due_by - interval '48 hours' WHERE rma LIKE 'RMA-Q%%'"
            )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(f"generated {count:,} returns in {time.perf_counter() - started:.0f} s")
