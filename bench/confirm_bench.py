"""Confirming a return under load: 20 concurrent buyers on PostgreSQL, over HTTP.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/returnshub_confirmbench \\
    REDIS_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python bench/confirm_bench.py [--buyers 200] [--returns-per-buyer 3]
            [--concurrency 20] [--think 1.0 3.0] [--workers 5] [--threads 1]

PostgreSQL only (the goal is stated for it). Creates the database named by
DATABASE_URL if missing, migrates it and seeds the site, the demo policies and the
return reasons once. Each run then adds its own buyers (`--buyers`), each with
`--returns-per-buyer` delivered orders, signs them in by writing their sessions
directly, and gives each buyer one ready draft per order (the wizard's state
after the shipping step, a `ReturnDraft` row: `return_portal.draft`).

It starts gunicorn (gthread, 127.0.0.1 only; --workers processes x --threads; the
default is gunicorn's advice of 2 x cores + 1 processes of one thread each, since the
request is mostly Python and threads of one process queue on its GIL) on
the development settings with DEBUG off, the cache on Redis when REDIS_URL is set
(the rate limits need a shared cache), and Celery not eager: the relay of the
outbox is only *published* to a broker at commit, as in production. The broker
is the REDIS_URL server on a bench-only database and queue (`--broker-db`), whose
key is deleted afterwards; without REDIS_URL, kombu's in-memory transport.

`--concurrency` client threads play buyers, like locust users: each takes a
buyer, and for each of the buyer's drafts GETs the review step, waits a think
time drawn from `--think MIN MAX` seconds (reading the review), POSTs the
confirm form with the page's CSRF token, expecting a redirect to the new return,
and thinks again (reading the confirmation) before the next draft. The threads
start over the first MAX seconds, like locust's spawn rate.
Latencies are those of the confirm POST (and, reported apart, the review GET).
`--think 0 0` is the stress variant: every client fires again at once, so the
latency is mostly queueing behind 2 cores (Little's law).

Before the run it prints the queries of one `returns.confirm_return` in-process.
Goal: confirm p95 at most 150 ms.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
HOST = "127.0.0.1"
GOAL_P95_MS = 150
BENCH_QUEUE = "confirm-bench"

SETTINGS = """\
from config.settings.dev import *  # noqa: F403

DEBUG = False
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
# Production-like: the on-commit relay is published to the broker, not run inline.
CELERY_TASK_ALWAYS_EAGER = False
CELERY_BROKER_URL = {broker!r}
CELERY_RESULT_BACKEND = None
CELERY_TASK_DEFAULT_QUEUE = {queue!r}
MIDDLEWARE = ["confirm_bench_timing.Timing", *MIDDLEWARE]  # noqa: F405
"""

# Server-side time of each request, inside Django (after gunicorn's queue): wall and
# the CPU of the request's thread. Tells queueing (or a starved CPU) from work.
TIMING = """\
import time

from django.db import connection


class Timing:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        spent = [0.0]

        def timed(execute, sql, params, many, context):
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                spent[0] += time.perf_counter() - started

        wall, cpu = time.perf_counter(), time.thread_time()
        with connection.execute_wrapper(timed):
            response = self.get_response(request)
        response["X-Bench-Server-Ms"] = f"{(time.perf_counter() - wall) * 1000:.2f}"
        response["X-Bench-Cpu-Ms"] = f"{(time.thread_time() - cpu) * 1000:.2f}"
        response["X-Bench-Db-Ms"] = f"{spent[0] * 1000:.2f}"
        return response
"""


# --- the database ---------------------------------------------------------------------


def ensure_database(url: str) -> None:
    """Create the bench database if it does not exist (PostgreSQL)."""
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if not exists:
            connection.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")


def setup_django():
    import django

    django.setup()


def seed_once() -> None:
    from django.core.management import call_command
    from django.test import TestCase

    from core.seeding import seed_site
    from policy_pages.models import PolicyPage
    from policy_pages.seeding import seed_policies
    from return_portal.seeding import seed_reasons

    call_command("migrate", verbosity=0)
    if not PolicyPage.objects.filter(slug="return-policy").exists():
        # wagtail-localize publishes translations on commit; run them as the tests do.
        with TestCase.captureOnCommitCallbacks(execute=True):
            home = seed_site()
        with TestCase.captureOnCommitCallbacks(execute=True):
            seed_policies(home)
        print("seeded the site and the demo policies")
    seed_reasons()


@dataclass
class BenchBuyer:
    email: str
    session_key: str
    drafts: list[str] = field(default_factory=list)  # draft keys (uuid hex)


def make_buyers(run: str, count: int, per_buyer: int) -> list[BenchBuyer]:
    """Buyers with `per_buyer` delivered one-line orders each, signed in, with a
    ready draft per order in their session."""
    from django.conf import settings
    from django.contrib.auth import (
        BACKEND_SESSION_KEY,
        HASH_SESSION_KEY,
        SESSION_KEY,
        get_user_model,
    )
    from django.contrib.sessions.backends.db import SessionStore
    from django.db import transaction
    from django.utils import timezone

    from marketplace.models import Order, OrderLine, ProductCategory, Seller
    from policy_pages.pins import LinePin
    from policy_pages.timeline import policy_in_force
    from return_portal.draft import create_draft, save_draft

    User = get_user_model()
    now = timezone.now()
    placed = now - timedelta(days=6)
    seller, _ = Seller.objects.get_or_create(
        reference="maison-durand",
        defaults={"name": "Maison Durand", "is_trader": True, "country": "FR"},
    )
    category, _ = ProductCategory.objects.get_or_create(
        code="shirts", defaults={"names": {"en": "Shirts"}, "path": "shirts"}
    )
    version = policy_in_force("FR", seller.reference, category.code, placed)
    if version is None:
        sys.exit("No policy in force for FR shirts: is the database seeded?")
    backend = settings.AUTHENTICATION_BACKENDS[0]
    buyers = []
    with transaction.atomic():
        users = User.objects.bulk_create(
            User(email=f"bench-{run}-{n}@example.com", first_name="Bench", last_name=str(n))
            for n in range(count)
        )
        orders = Order.objects.bulk_create(
            Order(
                reference=f"CB-{run}-{n}-{k}",
                buyer=user,
                buyer_email=user.email,
                market="FR",
                currency="EUR",
                placed_at=placed,
                withdrawal_info_given=True,
                shipping_standard_amount=Decimal("4.90"),
                payment_method="card",
                payment_reference=f"pi_{run}_{n}_{k}",
                payment_amount=Decimal("104.70"),
                payload_hash=uuid.uuid4().hex + uuid.uuid4().hex,
            )
            for n, user in enumerate(users)
            for k in range(per_buyer)
        )
        lines = OrderLine.objects.bulk_create(
            OrderLine(
                order=order,
                position=0,
                reference="1",
                seller=seller,
                seller_is_trader=True,
                sku="SKU-OXFORD",
                title="Oxford shirt",
                category=category,
                quantity=2,
                unit_price=Decimal("49.90"),
                delivered_at=placed + timedelta(days=3),
            )
            for order in orders
        )
        LinePin.objects.bulk_create(LinePin(line=line, version=version) for line in lines)
    by_buyer: dict[int, list] = {}
    for order in orders:
        by_buyer.setdefault(order.buyer_id, []).append(order)
    for user in users:
        drafts = []
        for order in by_buyer[user.pk]:
            draft = create_draft(user, order)
            draft.quantities = {"1": 1}
            draft.reason_code = "too-small"
            draft.condition = "like_new"
            draft.comment = "Bench: one size too small."
            draft.resolution = "refund"
            draft.shipping_method = "drop_off"
            save_draft(user, draft)
            drafts.append(draft.key)
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = backend
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        buyers.append(BenchBuyer(user.email, session.session_key, drafts))
    return buyers


def confirm_query_count(run: str) -> tuple[int, list[str]]:
    """The SQL of one confirm_return, in-process (the bench's own extra buyer)."""
    from unittest import mock

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from core.tasks import relay_outbox
    from marketplace.models import Order
    from return_portal.confirm import confirm_return
    from return_portal.draft import Draft, buyer_order

    buyer = make_buyers(f"{run}q", 1, 1)[0]
    order = Order.objects.get(buyer__email=buyer.email)
    loaded = buyer_order(order.buyer, order.public_id)
    draft = Draft(
        order_id=order.pk,
        quantities={"1": 1},
        reason_code="too-small",
        condition="like_new",
        resolution="refund",
        shipping_method="drop_off",
    )
    # As in production, the relay is only published after commit: not counted here.
    with mock.patch.object(relay_outbox, "delay"), CaptureQueriesContext(connection) as queries:
        confirm_return(order.buyer, loaded, draft)
    return len(queries), [q["sql"][:110] for q in queries.captured_queries]


# --- the server -----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def broker_url(broker_db: int) -> str:
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        return "memory://"
    parsed = urlparse(redis_url)
    return parsed._replace(path=f"/{broker_db}").geturl()


@contextmanager
def running_server(workers: int, threads: int, broker: str):
    with tempfile.TemporaryDirectory(prefix="confirm-bench-") as tmp:
        Path(tmp, "confirm_bench_settings.py").write_text(
            SETTINGS.format(broker=broker, queue=BENCH_QUEUE)
        )
        Path(tmp, "confirm_bench_timing.py").write_text(TIMING)
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "confirm_bench_settings",
            "PYTHONPATH": os.pathsep.join([tmp, str(ROOT)]),
        }
        port = free_port()
        log_path = Path(tmp, "server.log")
        command = [
            str(GUNICORN),
            "config.wsgi",
            "--bind",
            f"{HOST}:{port}",
            "--workers",
            str(workers),
            "--worker-class",
            "gthread",
            "--threads",
            str(threads),
            "--keep-alive",
            "30",
            "--log-level",
            "warning",
        ]
        with log_path.open("w") as log:
            process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=log)
            try:
                wait_until_up(port, process, log_path)
                yield port
            finally:
                # Only the process this script started, by its handle.
                process.terminate()
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                errors = log_path.read_text()
                if "Traceback" in errors:
                    print("server log:\n" + errors[-3000:])


def wait_until_up(port: int, process: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"The server stopped:\n{log.read_text()}")
        try:
            with socket.create_connection((HOST, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    sys.exit(f"The server did not start within {timeout:.0f}s:\n{log.read_text()}")


def delete_bench_queue(broker: str) -> None:
    """Drop the relay messages this run published (only the bench's own key)."""
    if not broker.startswith("redis://"):
        return
    import redis

    client = redis.Redis.from_url(broker)
    client.delete(BENCH_QUEUE)
    client.close()


# --- the buyers -----------------------------------------------------------------------

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
RETURN_PAGE = re.compile(r"^/returns/[0-9a-f-]{36}/$")


@dataclass
class Timings:
    review: list[float] = field(default_factory=list)
    confirm: list[float] = field(default_factory=list)
    confirm_server: list[float] = field(default_factory=list)  # inside Django, seconds
    confirm_cpu: list[float] = field(default_factory=list)
    confirm_db: list[float] = field(default_factory=list)  # waiting on queries, seconds
    failures: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)


class BuyerClient:
    """One buyer's browser: a keep-alive connection and its cookies."""

    def __init__(self, port: int, buyer: BenchBuyer):
        self.connection = http.client.HTTPConnection(HOST, port, timeout=60)
        self.cookies = {"sessionid": buyer.session_key}

    def request(self, method: str, path: str, body: str | None = None, headers=None):
        headers = {
            "Host": HOST,
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
            **(headers or {}),
        }
        started = time.perf_counter()
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        content = response.read()
        elapsed = time.perf_counter() - started
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                cookie_name, _, rest = value.partition("=")
                self.cookies[cookie_name] = rest.split(";", 1)[0]
        return response, content, elapsed

    def close(self):
        self.connection.close()


def play(port: int, buyer: BenchBuyer, think: tuple[float, float], timings: Timings, rng) -> None:
    from django.urls import reverse
    from django.utils import translation

    client = BuyerClient(port, buyer)
    try:
        for key in buyer.drafts:
            draft_id = uuid.UUID(key)
            with translation.override("en"):
                review = reverse("return_portal:step", args=[draft_id, "review"])
                confirm = reverse("return_portal:confirm", args=[draft_id])
            response, content, review_time = client.request("GET", review)
            token = CSRF_INPUT.search(content.decode("utf-8", "replace"))
            if response.status != 200 or token is None:
                with timings.lock:
                    timings.failures.append(f"review {response.status} {review}")
                continue
            time.sleep(rng.uniform(*think))
            body = f"csrfmiddlewaretoken={token.group(1)}"
            response, _content, confirm_time = client.request(
                "POST",
                confirm,
                body=body,
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
            location = response.getheader("Location", "")
            with timings.lock:
                timings.review.append(review_time)
                if response.status == 302 and RETURN_PAGE.match(urlparse(location).path):
                    timings.confirm.append(confirm_time)
                    server = response.getheader("X-Bench-Server-Ms")
                    cpu = response.getheader("X-Bench-Cpu-Ms")
                    db = response.getheader("X-Bench-Db-Ms")
                    if server and cpu and db:
                        timings.confirm_server.append(float(server) / 1000)
                        timings.confirm_cpu.append(float(cpu) / 1000)
                        timings.confirm_db.append(float(db) / 1000)
                else:
                    timings.failures.append(f"confirm {response.status} {location}")
            time.sleep(rng.uniform(*think))  # reads the confirmation before the next one
    finally:
        client.close()


def run_buyers(port, buyers, concurrency, think, seed) -> tuple[Timings, float]:
    timings = Timings()
    queue = list(buyers)
    queue_lock = threading.Lock()

    def worker(index: int) -> None:
        rng = random.Random(seed + index)
        time.sleep(rng.uniform(0, think[1]))  # buyers arrive over a few seconds, not at once
        while True:
            with queue_lock:
                if not queue:
                    return
                buyer = queue.pop()
            play(port, buyer, think, timings, rng)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        for future in [pool.submit(worker, i) for i in range(concurrency)]:
            future.result()
    return timings, time.perf_counter() - started


def warm_up(port: int, buyers: list[BenchBuyer], workers: int, threads: int) -> None:
    """Warm every server process (imports, templates, connections) with the whole
    path, review and confirm, of the warm-up buyers; their timings are discarded.
    Several short connections each, so that every worker accepts some."""
    discarded = Timings()
    rng = random.Random(0)

    def visit(buyer):
        for key in buyer.drafts:
            play(port, BenchBuyer(buyer.email, buyer.session_key, [key]), (0, 0), discarded, rng)

    with ThreadPoolExecutor(max_workers=max(1, workers * threads)) as pool:
        list(pool.map(visit, buyers))
    if discarded.failures:
        sys.exit(f"The warm-up failed: {discarded.failures[:5]}")


# --- the report -----------------------------------------------------------------------


def load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def describe(label: str, seconds: list[float]) -> str:
    ms = [value * 1000 for value in seconds]
    return (
        f"| {label:<14} | {len(ms):>6} | {percentile(ms, 0.50):>7.1f} | "
        f"{percentile(ms, 0.95):>7.1f} | {percentile(ms, 0.99):>7.1f} | "
        f"{max(ms):>7.1f} | {statistics.fmean(ms):>7.1f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=textwrap.dedent(__doc__ or ""))
    parser.add_argument("--buyers", type=int, default=200)
    parser.add_argument("--returns-per-buyer", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--think", type=float, nargs=2, default=(1.0, 3.0), metavar=("MIN", "MAX"))
    parser.add_argument("--workers", type=int, default=5)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--broker-db", type=int, default=13)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    # Bounded whatever is asked (a bench, not a load generator for someone else's server).
    buyers_count = max(args.concurrency, min(args.buyers, 5000))
    per_buyer = max(1, min(args.returns_per_buyer, 9))  # the portal allows 10 an hour
    think = (max(0.0, args.think[0]), max(args.think[0], args.think[1], 0.0))

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL to a PostgreSQL database (the goal is stated for PostgreSQL).")
    ensure_database(url)
    setup_django()
    seed_once()

    run = uuid.uuid4().hex[:8]
    count, sql = confirm_query_count(run)
    print(f"one confirm_return in-process: {count} queries")
    for statement in sql:
        print(f"    {statement}")
    buyers = make_buyers(run, buyers_count, per_buyer)
    warmers = make_buyers(f"{run}w", args.workers * args.threads * 2, 2)
    broker = broker_url(args.broker_db)
    print(
        f"run {run}: {len(buyers)} buyers x {per_buyer} returns, {args.concurrency} concurrent, "
        f"think {think[0]:.1f}-{think[1]:.1f}s; gunicorn gthread {args.workers}x{args.threads}; "
        f"broker {broker.split('@')[-1]}"
    )
    load_before = load()
    try:
        with running_server(args.workers, args.threads, broker) as port:
            warm_up(port, warmers, args.workers, args.threads)
            timings, elapsed = run_buyers(port, buyers, args.concurrency, think, args.seed)
    finally:
        delete_bench_queue(broker)

    from return_portal.models import ReturnRequest

    created = ReturnRequest.objects.filter(buyer__email__startswith=f"bench-{run}-").count()
    print()
    print(f"machine: {os.cpu_count()} cores, load average {load_before} before, {load()} after")
    print(
        f"| {'request':<14} | {'count':>6} | {'p50 ms':>7} | {'p95 ms':>7} | {'p99 ms':>7} | "
        f"{'max ms':>7} | {'mean ms':>7} |"
    )
    print(
        f"| {'-' * 14} | {'-' * 5}: | {'-' * 6}: | {'-' * 6}: | {'-' * 6}: | {'-' * 6}: | "
        f"{'-' * 6}: |"
    )
    if timings.review:
        print(describe("review (GET)", timings.review))
    if timings.confirm:
        print(describe("confirm (POST)", timings.confirm))
    if timings.confirm_server:
        print(describe("  in Django", timings.confirm_server))
        print(describe("  its CPU", timings.confirm_cpu))
        print(describe("  its queries", timings.confirm_db))
    print()
    print(
        f"{len(timings.confirm)} returns confirmed in {elapsed:.1f}s: "
        f"{len(timings.confirm) / elapsed:.1f} confirms/s "
        f"({(len(timings.confirm) + len(timings.review)) / elapsed:.1f} requests/s); "
        f"{created} returns in the database; {len(timings.failures)} failures"
    )
    for failure in timings.failures[:10]:
        print(f"    {failure}")
    if not timings.confirm:
        sys.exit(1)
    p95 = percentile([t * 1000 for t in timings.confirm], 0.95)
    met = p95 <= GOAL_P95_MS and not timings.failures
    print(f"goal: confirm p95 <= {GOAL_P95_MS} ms: {'met' if met else 'NOT met'} ({p95:.1f} ms)")
    sys.exit(0 if met else 1)


if __name__ == "__main__":
    main()
