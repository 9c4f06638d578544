"""Throughput of the policy page, the warm policy embed and a bare Django view,
served by a real server in the same run.

    .venv/bin/python bench/policy_bench.py [--requests 500] [--rounds 3] [--server gunicorn]

Starts gunicorn (or `manage.py runserver --noreload`) from .venv on 127.0.0.1
only, with one worker and one thread, against the seeded database: SQLite
db.sqlite3, or DATABASE_URL when set (run `make seed` first). The settings are
the development ones with DEBUG off and, unless REDIS_URL is set, a file cache
in a temporary directory, so nothing shared is read or written.

Each endpoint gets a warm-up, then a bounded loop of --requests sequential GETs
over one keep-alive connection, for --rounds rounds; the best round counts (the
least disturbed by the machine). The bare view is /healthz (one SELECT 1).
Goal: the warm embed serves at least 0.8x the bare view's requests per second.
"""

from __future__ import annotations

import argparse
import http.client
import os
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
GUNICORN = ROOT / ".venv" / "bin" / "gunicorn"
HOST = "127.0.0.1"

ENDPOINTS = [
    ("bare view", "/healthz"),
    ("policy page", "/policies/return-policy/"),
    ("warm embed", "/policies/embed/?market=FR"),
]
GOAL = 0.8

SETTINGS = """\
from config.settings.dev import *  # noqa: F403
from config.settings.base import REDIS_URL

DEBUG = False
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
if not REDIS_URL:
    CACHES = {{
        "default": {{
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": {cache_dir!r},
        }}
    }}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def server_command(kind: str, port: int) -> list[str]:
    if kind == "gunicorn":
        # gthread keeps connections alive, so the loop measures Django, not TCP set-up.
        return [
            str(GUNICORN),
            "config.wsgi",
            "--bind",
            f"{HOST}:{port}",
            "--workers",
            "1",
            "--worker-class",
            "gthread",
            "--threads",
            "1",
            "--keep-alive",
            "30",
            "--log-level",
            "warning",
        ]
    return [str(PYTHON), "manage.py", "runserver", "--noreload", "--nothreading", f"{HOST}:{port}"]


@contextmanager
def running_server(kind: str):
    with tempfile.TemporaryDirectory(prefix="policy-bench-") as tmp:
        Path(tmp, "policy_bench_settings.py").write_text(
            SETTINGS.format(cache_dir=str(Path(tmp, "cache")))
        )
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "policy_bench_settings",
            "PYTHONPATH": os.pathsep.join([tmp, str(ROOT)]),
        }
        port = free_port()
        log_path = Path(tmp, "server.log")
        with log_path.open("w") as log:
            process = subprocess.Popen(
                server_command(kind, port), cwd=ROOT, env=env, stdout=log, stderr=log
            )
            try:
                wait_until_up(port, process, log_path)
                yield port
            finally:
                # Only the process this script started, by its handle.
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()


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


def fetch(connection: http.client.HTTPConnection, path: str) -> tuple[int, bytes]:
    connection.request("GET", path, headers={"Host": f"{HOST}"})
    response = connection.getresponse()
    return response.status, response.read()


def check_seeded(port: int) -> None:
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    for label, path in ENDPOINTS:
        status, _body = fetch(connection, path)
        if status != 200:
            connection.close()
            sys.exit(
                f"{label} {path} answered {status}. Is the database seeded? "
                "Run `make seed` (or `manage.py seed_demo`), or set DATABASE_URL."
            )
    connection.close()


def timed_round(port: int, path: str, requests: int, warmup: int) -> float:
    """Requests per second over `requests` sequential GETs of one warm path."""
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    try:
        for _ in range(warmup):
            fetch(connection, path)
        started = time.perf_counter()
        for _ in range(requests):
            status, _body = fetch(connection, path)
            if status != 200:
                sys.exit(f"{path} answered {status} during the run")
        elapsed = time.perf_counter() - started
    finally:
        connection.close()
    return requests / elapsed


def run(kind: str, requests: int, rounds: int, warmup: int) -> dict[str, list[float]]:
    results: dict[str, list[float]] = {label: [] for label, _path in ENDPOINTS}
    with running_server(kind) as port:
        check_seeded(port)
        # Interleave the endpoints round by round so drift hits them all alike.
        for _ in range(rounds):
            for label, path in ENDPOINTS:
                results[label].append(timed_round(port, path, requests, warmup))
    return results


def report(results: dict[str, list[float]], requests: int, rounds: int, kind: str) -> bool:
    best = {label: max(rates) for label, rates in results.items()}
    bare = best["bare view"]
    print(f"server: {kind}, 1 worker, 1 thread; {requests} requests x {rounds} rounds, best round")
    print(f"database: {os.environ.get('DATABASE_URL') or 'sqlite db.sqlite3'}")
    print()
    print(f"| {'endpoint':<12} | {'path':<28} | {'req/s':>8} | {'ms/req':>7} | {'x bare':>6} |")
    print(f"| {'-' * 12} | {'-' * 28} | {'-' * 8}:| {'-' * 6}:| {'-' * 5}:|")
    for label, path in ENDPOINTS:
        rate = best[label]
        print(
            f"| {label:<12} | {path:<28} | {rate:>8.0f} | {1000 / rate:>7.2f} | "
            f"{rate / bare:>6.2f} |"
        )
    ratio = best["warm embed"] / bare
    print()
    print(f"embed/bare = {ratio:.2f}   page/bare = {best['policy page'] / bare:.2f}")
    met = ratio >= GOAL
    print(f"goal: warm embed >= {GOAL}x bare view: {'met' if met else 'NOT met'}")
    return met


def main() -> None:
    parser = argparse.ArgumentParser(description=textwrap.dedent(__doc__ or ""))
    parser.add_argument("--requests", type=int, default=500, help="timed requests per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--server", choices=("gunicorn", "runserver"), default="gunicorn")
    args = parser.parse_args()
    requests = max(1, min(args.requests, 100_000))  # bounded, whatever is asked
    results = run(args.server, requests, max(1, args.rounds), max(1, args.warmup))
    sys.exit(0 if report(results, requests, args.rounds, args.server) else 1)


if __name__ == "__main__":
    main()
