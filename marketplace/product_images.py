"""Product images of order lines: fetched once from the address intake was given,
checked by content, re-encoded to a small WebP thumbnail and kept in the private
storage (core/storage.py), which the buyer's portal serves to the order's buyer only.

`fetch(url)` is the one network call: http(s) only, a timeout, at most
`MAX_BYTES`, an image content type, at most `MAX_REDIRECTS` redirects, each to
an address the hub may open (image_urls.py: never its own machine or network,
unless allowed). `thumbnail(content)` re-encodes through core.uploads (content
check, pixel cap, metadata dropped) and bounds the size. `cache_line_image(line)`
does both and stores the result; a failure counts an attempt, and beat's sweep
(marketplace.tasks) tries again a few times. Pages draw a placeholder meanwhile.
"""

from __future__ import annotations

import logging
import urllib.error
import urllib.request
import uuid
from io import BytesIO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db.models import F
from PIL import Image

from core.uploads import clean_image

from . import image_urls
from .models import OrderLine

logger = logging.getLogger(__name__)

MAX_BYTES = 5 * 1024 * 1024
MAX_REDIRECTS = 3
THUMBNAIL_PIXELS = 400  # the longer side, at most
MAX_ATTEMPTS = 3  # fetches per line before the placeholder stays for good
SWEEP_BATCH = 50
USER_AGENT = "ReturnsHub-ImageFetcher/1.0"


class ImageError(Exception):
    """The image could not be fetched or is not one we keep (logged, not shown)."""


class _CheckedRedirects(urllib.request.HTTPRedirectHandler):
    """Follows a redirect only to an address the fetcher may open, a few times."""

    max_redirections = MAX_REDIRECTS

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        refused = image_urls.resolved_refusal(newurl)
        if refused is not None:
            raise ImageError(f"redirect {refused}")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _opener() -> urllib.request.OpenerDirector:
    # No ProxyHandler from the environment, no file:, ftp: or data: handlers:
    # only the two schemes an image address may have.
    opener = urllib.request.OpenerDirector()
    for handler in (
        urllib.request.HTTPHandler(),
        urllib.request.HTTPSHandler(),
        urllib.request.HTTPDefaultErrorHandler(),
        urllib.request.HTTPErrorProcessor(),
        _CheckedRedirects(),
    ):
        opener.add_handler(handler)
    return opener


def fetch(url: str, *, max_bytes: int = MAX_BYTES) -> bytes:
    """The body of the image at `url`, or ImageError (why, for the log)."""
    refused = image_urls.resolved_refusal(url)
    if refused is not None:
        raise ImageError(refused)
    headers = {"User-Agent": USER_AGENT, "Accept": "image/*"}
    # http(s) only: checked above, and the opener has no other handler.
    request = urllib.request.Request(url, headers=headers)  # noqa: S310
    timeout = float(getattr(settings, "PRODUCT_IMAGE_TIMEOUT", 5))
    try:
        with _opener().open(request, timeout=timeout) as response:
            content_type = response.headers.get_content_type()
            if not content_type.startswith("image/"):
                raise ImageError(f"not an image: {content_type}")
            length = response.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise ImageError(f"too large: {length} bytes")
            body = response.read(max_bytes + 1)
    except ImageError:
        raise
    except (urllib.error.URLError, OSError, ValueError) as failed:
        raise ImageError(f"fetch failed: {type(failed).__name__}: {failed}"[:500]) from failed
    if len(body) > max_bytes:
        raise ImageError(f"too large: more than {max_bytes} bytes")
    return body


def thumbnail(content: bytes) -> bytes:
    """A WebP of at most THUMBNAIL_PIXELS a side, without metadata, from an image
    checked by content (JPEG, PNG or WebP, bounded in bytes and pixels)."""
    try:
        clean = clean_image(ContentFile(content, name="product-image"), max_bytes=MAX_BYTES)
    except ValidationError as refused:
        raise ImageError(f"not kept: {refused.code}") from refused
    with Image.open(BytesIO(clean.content)) as image:
        image.load()
        has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
        mode = "RGBA" if has_alpha else "RGB"
        small = image.convert(mode)
        small.thumbnail((THUMBNAIL_PIXELS, THUMBNAIL_PIXELS))
    # Square, the product centred: pages give the tile a fixed width and height
    # (no layout shift) and it never stretches, with or without their CSS.
    side = max(small.size)
    tile = Image.new(mode, (side, side), (0, 0, 0, 0) if has_alpha else (255, 255, 255))
    tile.paste(small, ((side - small.width) // 2, (side - small.height) // 2))
    out = BytesIO()
    tile.save(out, format="WEBP", quality=80)
    return out.getvalue()


def store(line: OrderLine, content: bytes) -> None:
    """Keep `content` (a thumbnail) as the line's image, replacing any older one."""
    old = line.image.name if line.image else ""
    line.image.save(f"{uuid.uuid4().hex}.webp", ContentFile(content), save=False)
    OrderLine.objects.filter(pk=line.pk).update(image=line.image.name)
    if old:
        line.image.storage.delete(old)


def cache_line_image(line: OrderLine) -> bool:
    """Fetch, re-encode and keep the line's image; False (an attempt counted,
    the reason logged) when it cannot be."""
    if not line.image_url or line.image:
        return bool(line.image)
    try:
        store(line, thumbnail(fetch(line.image_url)))
    except ImageError as failed:
        OrderLine.objects.filter(pk=line.pk).update(image_attempts=F("image_attempts") + 1)
        logger.warning("Image of order line %s not kept: %s", line.pk, failed)
        return False
    return True


def pending_lines(limit: int = SWEEP_BATCH):
    """Lines with an image address and no image yet, not given up on."""
    return OrderLine.objects.filter(
        image="", image_attempts__lt=MAX_ATTEMPTS, image_url__gt=""
    ).order_by("pk")[:limit]
