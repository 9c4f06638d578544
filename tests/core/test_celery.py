import os
import subprocess
import sys
import time

import pytest
from django.conf import settings

from config.celery import app
from core import tasks
from webhooks import outbox as webhooks_outbox

REDIS_URL = os.environ.get("REDIS_URL")


def test_tasks_run_eagerly_in_tests():
    assert tasks.ping.delay("eager").get(timeout=1) == "pong:eager"


def test_beat_publishes_scheduled_pages_every_minute():
    entry = settings.CELERY_BEAT_SCHEDULE["publish-scheduled-pages"]

    assert entry["task"] == "core.tasks.publish_scheduled"
    assert entry["schedule"] <= 60
    assert entry["task"] in app.tasks


@pytest.mark.worker
@pytest.mark.skipif(not REDIS_URL, reason="REDIS_URL is not set: no Redis to run a worker on")
def test_a_real_worker_round_trips_a_task_through_redis():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "--concurrency=1",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=WARNING",
        ],
        cwd=settings.BASE_DIR,
        env=env,
    )
    previous = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        app.conf.broker_url = REDIS_URL
        app.conf.result_backend = REDIS_URL
        token = f"round-trip-{time.time_ns()}"
        result = tasks.ping.apply_async(args=[token])

        assert result.get(timeout=60) == f"pong:{token}"
        # The webhooks' relay goes to its own queue: a worker started as `make worker`
        # starts it (no -Q) consumes that one too.
        on_webhooks = tasks.ping.apply_async(args=[token], queue=webhooks_outbox.QUEUE)
        assert on_webhooks.get(timeout=60) == f"pong:{token}"
    finally:
        app.conf.task_always_eager = previous
        worker.terminate()
        worker.wait(timeout=30)
