"""A product image of one of the buyer's order lines, from the private storage
(marketplace/product_images.py): looked up by the order's opaque id and the
line's reference, scoped to the signed-in buyer (another buyer's answers 404).

The page's URL carries the image's version (`?v=`), so the browser may keep it a
day; the cache stays the buyer's own (private). A line without a kept image,
or one whose file is gone, answers the placeholder the pages draw inline.
"""

from __future__ import annotations

import re

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from marketplace.fields import REFERENCE_PATTERN
from marketplace.models import OrderLine

from ..templatetags.line_images import placeholder_svg

IMAGE_MAX_AGE = 24 * 60 * 60
PLACEHOLDER_MAX_AGE = 5 * 60  # the image may be fetched meanwhile
_REFERENCE_RE = re.compile(REFERENCE_PATTERN)


def _headers(response: HttpResponse, max_age: int) -> HttpResponse:
    response["Cache-Control"] = f"private, max-age={max_age}"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


@login_required
@require_GET
def line_image(request, order_id, line):
    if not _REFERENCE_RE.fullmatch(line):  # no line has it (NUL would reach the database)
        raise Http404
    item = get_object_or_404(
        OrderLine.objects.only("pk", "title", "image"),
        order__public_id=order_id,
        order__buyer=request.user,
        reference=line,
    )
    if item.image:
        try:
            handle = item.image.open("rb")
        except (FileNotFoundError, ValueError):
            handle = None
        if handle is not None:
            response = FileResponse(handle, content_type="image/webp")
            response["Content-Disposition"] = "inline"
            return _headers(response, IMAGE_MAX_AGE)
    svg = placeholder_svg(item.title, standalone=True)
    return _headers(HttpResponse(svg, content_type="image/svg+xml"), PLACEHOLDER_MAX_AGE)
