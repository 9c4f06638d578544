"""Which product image addresses intake takes, and which the fetcher may open.

A line's `image_url` comes from outside (a storefront, an import file), and the
hub fetches it itself: an address that reaches the hub's own machine or network
(loopback, private, link-local ranges: a cloud's metadata service, the database)
would turn the fetch into a request forgery. Such addresses, and plain http, are
refused unless `PRODUCT_IMAGES_ALLOW_PRIVATE_ADDRESSES` is on (development and
the tests, whose image server runs on 127.0.0.1); http is also taken with DEBUG.

Intake refuses an address written as a private one (no DNS at intake); the
fetcher checks what the host name resolves to, before the request and at every
redirect (product_images.py).
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Annotated
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _
from pydantic import AfterValidator, Field

from core.api.constraints import constraint_error
from core.api.text import text

MAX_URL_LENGTH = 2000  # OrderLine.image_url
LOCAL_NAMES = {"localhost", "localhost.localdomain"}
# What the schema says of the address: http(s), then visible characters only.
IMAGE_URL_PATTERN = r"^[hH][tT][tT][pP][sS]?://[^\x00-\x20\x7f]+$"
_VALID_URL = URLValidator(schemes=["http", "https"])


def private_allowed() -> bool:
    return bool(getattr(settings, "PRODUCT_IMAGES_ALLOW_PRIVATE_ADDRESSES", False))


def http_allowed() -> bool:
    return private_allowed() or bool(settings.DEBUG)


def internal_address(address: str) -> bool:
    """An IP address on this machine or a private, link-local or reserved network."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def _local_host(host: str) -> bool:
    if host in LOCAL_NAMES or host.endswith(".localhost"):
        return True
    try:
        return internal_address(host)
    except ValueError:  # a host name: judged once it is resolved
        return False


def refusal(url: str):
    """Why intake does not take `url` as an image address (a translated message),
    judged without DNS; None when it is taken."""
    if len(url) > MAX_URL_LENGTH:
        return _("Give an address of at most 2000 characters.")
    try:
        _VALID_URL(url)
    except ValidationError:
        return _("Give the image's address as a web address, such as https://example.com/a.jpg.")
    parts = urlsplit(url)
    if parts.scheme.lower() != "https" and not http_allowed():
        return _("The image's address must start with https://.")
    if parts.username or parts.password:
        return _("The image's address cannot carry a user name or password.")
    host = (parts.hostname or "").rstrip(".").lower()
    if not private_allowed() and _local_host(host):
        return _("Images cannot be fetched from this machine or its private network.")
    return None


def resolved_refusal(url: str) -> str | None:
    """Why the fetcher does not open `url` now, after resolving its host; None to
    open it. Not translated: it goes to the log."""
    if refusal(url) is not None:
        return "refused: not an image address intake would take"
    if private_allowed():
        return None
    parts = urlsplit(url)
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError, ValueError) as failed:
        return f"refused: {parts.hostname} does not resolve ({failed})"[:500]
    if any(internal_address(info[4][0]) for info in infos):
        return "refused: the host resolves to a private or local address"
    return None


def _taken(value: str) -> str:
    message = refusal(value)
    if message is not None:
        # Well formed by the schema, refused by a rule it cannot state.
        raise constraint_error(message)
    return value


ImageUrl = Annotated[
    text(
        MAX_URL_LENGTH,
        min_length=1,
        pattern=IMAGE_URL_PATTERN,
        pattern_message=_("Give the image's address as a web address, such as https://…"),
        description="The product image's address (https; at most 2000 characters). The hub "
        "fetches it once, keeps a small copy and shows it to the buyer only.",
        examples=["https://cdn.example.com/products/oxford-shirt.jpg"],
    ),
    AfterValidator(_taken),
    Field(),
]
