"""The product image of an order line, as the portal's pages show it beside the
line's title: the kept thumbnail (served by views/line_images.py), or a
placeholder tile with the product's first letter. Both are decorative (alt="",
aria-hidden): the title next to them names the product. Width and height are
set, so nothing moves when the image arrives.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from ..views.seller_groups import by_seller as group_by_seller

register = template.Library()

SIZE = 56  # CSS pixels, a square: thumbnails are kept square (product_images.py)


def _initial(title: str) -> str:
    return next((char.upper() for char in title or "" if char.isalnum()), "")


def placeholder_svg(title: str, *, size: int = SIZE, standalone: bool = False) -> SafeString:
    """A neutral tile with the product's first letter (or a parcel's outline)."""
    initial = _initial(title)
    if initial:
        mark = format_html(
            '<text x="50%" y="50%" dy="0.35em" text-anchor="middle" font-size="24" '
            'font-family="system-ui, sans-serif" font-weight="600" fill="#4b5563">{}</text>',
            initial,
        )
    else:
        mark = format_html(
            '<path d="M14 22l14-7 14 7v14l-14 7-14-7z M14 22l14 7 14-7 M28 29v14" '
            'fill="none" stroke="#4b5563" stroke-width="2" stroke-linejoin="round"/>'
        )
    return format_html(
        '<svg{} class="line-thumb line-thumb-placeholder" width="{}" height="{}" '
        'viewBox="0 0 56 56" aria-hidden="true" focusable="false">'
        '<rect width="56" height="56" rx="6" fill="#e5e7eb"/>{}</svg>',
        SafeString(' xmlns="http://www.w3.org/2000/svg"') if standalone else "",
        size,
        size,
        mark,
    )


@register.simple_tag
def line_image(line, order, size: int = SIZE) -> SafeString:
    """`{% line_image line order %}`: the line's thumbnail, or its placeholder."""
    if not line.image:
        return placeholder_svg(line.title, size=size)
    url = reverse("return_portal:line_image", args=[order.public_id, line.reference])
    return format_html(
        '<img class="line-thumb" src="{}?v={}" width="{}" height="{}" alt="" '
        'loading="lazy" decoding="async">',
        url,
        PurePosixPath(line.image.name).stem,
        size,
        size,
    )


@register.filter
def by_seller(items):
    """`{% for group in row.lines|by_seller %}`: rows with a `.line`, by its seller."""
    return group_by_seller(items, lambda item: item.line)
