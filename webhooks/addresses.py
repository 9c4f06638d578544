"""Where a webhook may go: endpoints are typed in by seller staff, so a URL that
reaches the hub's own network (loopback, private, link-local ranges: a cloud's
metadata service, the database) is refused unless the operator allows it
(`WEBHOOKS_ALLOW_PRIVATE_ADDRESSES`, on in development and tests, whose
receivers run on this machine).

The form refuses such an address when it is written as one; each delivery
checks what the host name resolves to just before it is sent.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

LOCAL_NAMES = {"localhost", "localhost.localdomain"}


def allowed_everywhere() -> bool:
    return bool(getattr(settings, "WEBHOOKS_ALLOW_PRIVATE_ADDRESSES", False))


def _internal(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def literal_refusal(url: str) -> str | None:
    """Why `url` may not be an endpoint, judged without DNS (the form's check)."""
    if allowed_everywhere():
        return None
    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    if host in LOCAL_NAMES or host.endswith(".localhost"):
        return _("Webhooks cannot be sent to this machine or its private network.")
    try:
        if _internal(host):
            return _("Webhooks cannot be sent to this machine or its private network.")
    except ValueError:  # a host name, checked when it is resolved
        return None
    return None


def resolved_refusal(url: str) -> str | None:
    """Why a delivery to `url` is not sent now, after resolving its host (the
    sender's check); None to send it. Not translated: it goes to the log."""
    if allowed_everywhere():
        return None
    parts = urlsplit(url)
    host = parts.hostname or ""
    if literal_refusal(url):
        return "refused: the endpoint is on a private or local address"
    try:
        infos = socket.getaddrinfo(host, parts.port or None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as failed:
        return f"refused: {host} does not resolve ({failed})"[:1000]
    if any(_internal(info[4][0]) for info in infos):
        return "refused: the endpoint resolves to a private or local address"
    return None
