"""Celery entry points of the marketplace: caching the product images of order
lines. Intake queues them after its commit (`queue_line_images`); when the
broker is down, beat's sweep fetches what is still missing, and the pages draw a
placeholder meanwhile. The task names are what beat and the workers know.
"""

from __future__ import annotations

import logging

from celery import shared_task
from django.db import transaction

from . import product_images
from .models import OrderLine

logger = logging.getLogger(__name__)


@shared_task(name="marketplace.tasks.cache_line_images", ignore_result=True)
def cache_line_images(line_ids: list[int]) -> int:
    """Fetch and keep the images of these lines; the number kept."""
    lines = OrderLine.objects.filter(pk__in=line_ids, image="").exclude(image_url="")
    return sum(product_images.cache_line_image(line) for line in lines)


@shared_task(name="marketplace.tasks.sweep_line_images", ignore_result=True)
def sweep_line_images() -> int:
    """Beat: the images intake could not have fetched (broker down, host failing)."""
    return sum(product_images.cache_line_image(line) for line in product_images.pending_lines())


def queue_line_images(line_ids: list[int]) -> None:
    """After the caller's transaction commits, fetch these lines' images."""
    if line_ids:
        transaction.on_commit(lambda: _send(list(line_ids)))


def _send(line_ids: list[int]) -> None:
    try:
        cache_line_images.delay(line_ids)
    except Exception:  # the broker is down: beat's sweep fetches them later
        logger.warning("Line images not queued; the beat sweep will fetch them.")
