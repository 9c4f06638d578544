"""Latency of the returns queue (the staff listing) with 100,000 returns on
PostgreSQL, beside a bare one-view Django app, in the same run.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rh_queuebench \\
        .venv/bin/python bench/queue_bench.py [--returns 100000] [--requests 40]

Migrates the database named by DATABASE_URL (PostgreSQL only: the search's
trigram indexes are PostgreSQL's), seeds the demo site once (`seed_demo`), and
once generates `--returns` returns of 40 sellers with their orders, lines,
buyers, events, refunds and photos in bulk (bulk_create in batches), created
over the last 180 days: recent returns open, older ones settled, 2 % left open
past their deadlines; reasons, statutory withdrawals, refunds (5 % failed) and
photos spread like a busy back office (queue_bench_data.py). Then ANALYZE. A
second run reuses them.

Then, in-process through Django's test client (the whole middleware stack,
signed in with a TOTP-enrolled staff account, DEBUG off), it times GETs of
the listing as an operator (every seller) and as a seller's staff member, plain,
filtered, searched (RMA, email, SKU) and paged deep, after a warm-up, and the
same number of GETs of a bare app: one view answering "ok", no middleware
(`ROOT_URLCONF` and `MIDDLEWARE` overridden). It prints p50, p95 and max per
path and the queries each one made. Goal: listing p95 at most 300 ms.
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import time
import types
from pathlib import Path

from queue_bench_data import BENCH_PREFIX, generate

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
os.environ.setdefault("DEBUG", "0")
# The demo seed's emails and page logs are not the bench's output.
os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")

GOAL_MS = 300.0


def bare_app() -> str:
    """A URLconf with one view: the bare Django app the listing is compared with."""
    from django.http import HttpResponse
    from django.urls import path

    module = types.ModuleType("queue_bench_bare_urls")
    module.urlpatterns = [path("", lambda request: HttpResponse("ok"))]
    sys.modules[module.__name__] = module
    return module.__name__


def staff(email: str, *, operator: bool, seller=None):
    """A TOTP-enrolled staff member who may act on returns (operator or a seller's)."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission

    from marketplace.models import OPERATOR_CODENAME, SellerMembership

    user, _ = get_user_model().objects.get_or_create(email=email, defaults={"is_staff": True})
    codenames = ["access_admin", "change_returnrequest", "view_returnrequest"]
    if operator:
        codenames.append(OPERATOR_CODENAME)
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    if seller is not None:
        SellerMembership.objects.get_or_create(user=user, seller=seller)
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, generate_totp_secret())
    return user


def sign_in(client, user) -> None:
    """As the real sign-in does: password, then the TOTP step (staff pages need
    a session that passed it, accounts.mfa)."""
    from types import SimpleNamespace

    from allauth.account.internal.flows.login import record_authentication
    from allauth.mfa.models import Authenticator

    client.force_login(user)
    authenticator = Authenticator.objects.get(user=user, type=Authenticator.Type.TOTP)
    session = client.session
    request = SimpleNamespace(session=session)
    record_authentication(request, user, "password", email=user.email)
    record_authentication(request, user, "mfa", id=authenticator.pk, type=authenticator.type)
    session.save()


def scenarios(sample) -> list[tuple[str, dict]]:
    return [
        ("plain", {}),
        ("status=requested", {"status": "requested"}),
        ("deadline: any overdue", {"overdue": "any"}),
        ("refund due in 48 h", {"overdue": "refund_soon"}),
        ("unassigned, defect, photos", {"assignee": "none", "flags": ["defect", "photos"]}),
        ("search RMA", {"q": sample.rma}),
        ("search buyer email", {"q": sample.order.buyer_email.split("@")[0]}),
        ("search SKU", {"q": sample.lines.first().order_line.sku}),
        (
            "search SKU part + status",
            {"q": sample.lines.first().order_line.sku[:7], "status": "approved"},
        ),
        # A word in every buyer's email: the count must test every return.
        ("broad search (all emails)", {"q": "example.org"}),
        ("broad search + status", {"q": "example.org", "status": "approved"}),
        ("page 200", {"p": "200"}),
    ]


def time_get(client, url: str, params, requests: int, warmup: int):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(warmup):
        client.get(url, params)
    timings = []
    connection.ensure_connection()
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    # Counted now: each later request resets the connection's query log.
    query_count = len(queries)
    if response.status_code != 200:
        sys.exit(f"{url} {params} answered {response.status_code}")
    for _ in range(requests):
        started = time.perf_counter()
        client.get(url, params)
        timings.append((time.perf_counter() - started) * 1000)
    return timings, query_count


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--returns", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--warmup", type=int, default=3)
    args = parser.parse_args()
    count = max(1, min(args.returns, 1_000_000))

    import django

    django.setup()
    logging.disable(logging.INFO)
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client, override_settings
    from django.urls import reverse

    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database of its own (e.g. rh_queuebench).")
    call_command("migrate", verbosity=0)
    from return_portal.models import ReturnRequest

    if not ReturnRequest.objects.exists():
        call_command("seed_demo", verbosity=0)
    generate(count)

    from marketplace.models import Seller

    seller = Seller.objects.get(reference=f"{BENCH_PREFIX}-seller-0")
    users = {
        "operator": staff(f"{BENCH_PREFIX}.operator@example.com", operator=True),
        "seller": staff(f"{BENCH_PREFIX}.seller@example.com", operator=False, seller=seller),
    }
    sample = ReturnRequest.objects.filter(seller=seller).select_related("order").order_by("pk")[100]
    url = reverse("returns:index")
    total = ReturnRequest.objects.count()
    print(
        f"database: {settings.DATABASES['default']['NAME']} (PostgreSQL), {total:,} returns, "
        f"{ReturnRequest.objects.filter(seller=seller).count():,} of the seller's"
    )
    print(f"{args.requests} timed GETs per path after {args.warmup} warm-up, in-process client")
    print()
    heading = ("who", "path", "queries", "p50 ms", "p95 ms", "max ms")
    print("| {:<8} | {:<28} | {:>7} | {:>7} | {:>7} | {:>7} |".format(*heading))
    print(f"| {'-' * 8} | {'-' * 28} | {'-' * 6}:| {'-' * 6}:| {'-' * 6}:| {'-' * 6}:|")

    bare_client = Client()
    with override_settings(ROOT_URLCONF=bare_app(), MIDDLEWARE=[]):
        timings, queries = time_get(bare_client, "/", {}, args.requests, args.warmup)
    bare = statistics.median(timings)
    print(
        f"| {'-':<8} | {'bare one-view app':<28} | {queries:>7} | {bare:>7.2f} | "
        f"{p95(timings):>7.2f} | {max(timings):>7.2f} |"
    )
    worst = 0.0
    for who, user in users.items():
        client = Client()
        sign_in(client, user)
        for label, params in scenarios(sample):
            timings, queries = time_get(client, url, params, args.requests, args.warmup)
            worst = max(worst, p95(timings))
            print(
                f"| {who:<8} | {label:<28} | {queries:>7} | {statistics.median(timings):>7.1f} | "
                f"{p95(timings):>7.1f} | {max(timings):>7.1f} |"
            )
    print()
    met = worst <= GOAL_MS
    print(f"worst listing p95: {worst:.1f} ms (bare app p50 {bare:.2f} ms)")
    print(f"goal: listing p95 <= {GOAL_MS:.0f} ms: {'met' if met else 'NOT met'}")
    sys.exit(0 if met else 1)


if __name__ == "__main__":
    main()
