"""Guest access pages: "Find my order" (`find_order`) and the emailed link
(`open_order`). See return_portal/guest.py and accounts/guest_access.py.

The find form answers one way whatever was asked (the same page, status and
text): rate limits per client address and per email come first, then the
request, which emails only when the pair matches. The link's GET shows a button
and only its POST signs in: mail scanners that fetch links would otherwise use
up the one-time token before the buyer clicks.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts import guest_access
from accounts.guest_access import FindOrderForm
from core import ratelimit

from .. import guest

UNPROCESSABLE = 422
TOO_MANY_REQUESTS = 429
GONE = 410
# (requests, seconds) per client address and per email asked about.
LIMITS = {"ip": (20, 60 * 60), "email": (5, 60 * 60)}


def _page(request, template, status=200, **context):
    context = {
        "login_url": reverse("account_login"),
        "link_minutes": settings.SESAME_MAX_AGE // 60,
        "form": FindOrderForm(),
        **context,
    }
    return render(request, template, context, status=status)


def _retry_after(period: int) -> int:
    """Seconds to the end of the limiter's fixed window (core.ratelimit)."""
    return period - int(time.time()) % period


def _limited(request, email: str) -> int:
    """0, or the seconds to wait when the address or the email asked too often."""
    wait = 0
    checks = [("ip", request.META.get("REMOTE_ADDR", ""))] + ([("email", email)] if email else [])
    for scope, key in checks:
        limit, period = LIMITS[scope]
        if not ratelimit.consume(f"guest-find-{scope}", key, limit=limit, period=period):
            wait = max(wait, _retry_after(period))
    return wait


@never_cache
@require_http_methods(["GET", "POST"])
def find_order(request):
    if request.method == "GET":
        return _page(request, "guest/find.html")
    form = FindOrderForm(request.POST)
    if not form.is_valid():
        _limited(request, "")  # bad input counts against the address too
        return _page(request, "guest/find.html", UNPROCESSABLE, form=form)
    email = form.cleaned_data["email"]
    wait = _limited(request, email)
    if wait:
        response = _page(request, "guest/find.html", TOO_MANY_REQUESTS, form=form, limited=True)
        response["Retry-After"] = str(wait)
        return response
    guest.request_link(form.cleaned_data["reference"], email, get_language())
    return _page(request, "guest/sent.html")


def _expired(request):
    return _page(request, "guest/expired.html", GONE)


@never_cache
@require_http_methods(["GET", "POST"])
def open_order(request, order_id):
    if request.method == "GET":
        token = request.GET.get("sesame", "")
        if guest_access.user_of_token(token, order_id) is None:
            response = _expired(request)
        else:
            response = _page(request, "guest/open.html", token=token)
    else:
        order = guest.open_order(request, order_id, request.POST.get("sesame", ""))
        if order is None:
            response = _expired(request)
        else:
            messages.success(
                request,
                _("You are viewing order %(reference)s as a guest.")
                % {"reference": order.reference},
            )
            response = redirect("return_portal:orders")
    # The token is in this page's address: never send it on to another site
    # ("no-referrer" would also make the button's POST come from Origin null,
    # which CSRF protection refuses).
    response["Referrer-Policy"] = "same-origin"
    return response
