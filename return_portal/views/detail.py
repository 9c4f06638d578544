"""A return as its buyer sees it: the page (its context is in detail_page), the
timeline refreshed with htmx until the return is final, the message thread, the
tracking number of an own-carrier parcel, and cancelling. The label, QR code and
photos are served by return_files.
"""

from __future__ import annotations

import re
import uuid

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core import ratelimit
from core.api.text import control_message, has_control_characters

from .. import lifecycle
from ..buyer_messages import MAX_LENGTH, KeyReused, post_buyer_message
from ..models import ActorKind
from .detail_page import buyer_return, detail_context, thread_context, timeline_context

MESSAGE_LIMIT = (10, 60 * 60)  # messages per buyer per hour
TOO_MANY_REQUESTS = 429
CONFLICT = 409
UNPROCESSABLE = 422
# Carriers' numbers: letters and digits, sometimes grouped with spaces or hyphens.
TRACKING_NUMBER = re.compile(r"[A-Za-z0-9][A-Za-z0-9 -]{3,62}[A-Za-z0-9]")


@login_required
@require_GET
def detail(request, return_id):
    return_request = buyer_return(request, return_id)
    return render(request, "return_portal/detail.html", detail_context(request, return_request))


@login_required
@require_GET
def status(request, return_id):
    """The timeline alone: what the detail page polls every 20 s until final."""
    return_request = buyer_return(request, return_id)
    response = render(
        request, "return_portal/_timeline.html", timeline_context(request, return_request)
    )
    shown = request.GET.get("shown")
    if request.htmx and shown and shown != return_request.status:
        response["HX-Refresh"] = "true"
    return response


def _thread_response(request, return_request, *, status=200, **extra):
    if request.htmx:
        # htmx swaps only 2xx answers: errors come back as 200 with the error inline.
        return render(
            request,
            "return_portal/_messages.html",
            thread_context(request, return_request, **extra),
            status=200 if status >= 400 else status,
        )
    return render(
        request,
        "return_portal/detail.html",
        detail_context(request, return_request, **extra),
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def messages(request, return_id):
    return_request = buyer_return(request, return_id)
    if request.method == "GET":
        return render(
            request, "return_portal/_messages.html", thread_context(request, return_request)
        )
    body = request.POST.get("body", "").strip()
    key = request.POST.get("key", "")
    try:
        key = uuid.UUID(key).hex
    except ValueError:
        return _thread_response(
            request,
            return_request,
            status=UNPROCESSABLE,
            body=body,
            error=_("The form has expired. Please send your message again."),
        )
    error = ""
    if has_control_characters(body):  # never stored: PostgreSQL refuses NUL
        error = control_message()
    elif not body:
        error = _("Write your message before sending it.")
    elif len(body) > MAX_LENGTH:
        error = _("Keep your message under %(max)s characters.") % {
            "max": number_format(MAX_LENGTH, force_grouping=True)
        }
    if error:
        return _thread_response(
            request, return_request, status=UNPROCESSABLE, body=body, error=error
        )
    if not ratelimit.consume(
        "return-message",
        ratelimit.client_key(request),
        limit=MESSAGE_LIMIT[0],
        period=MESSAGE_LIMIT[1],
    ):
        return _thread_response(
            request,
            return_request,
            status=TOO_MANY_REQUESTS,
            body=body,
            error=_("You have sent many messages in a short time. Please try again later."),
        )
    try:
        post_buyer_message(return_request, request.user, body, key)
    except KeyReused:
        return _thread_response(
            request,
            return_request,
            status=UNPROCESSABLE,
            body=body,
            error=_("The form has expired. Please send your message again."),
        )
    if request.htmx:
        return _thread_response(request, return_request, sent=True)
    flash.success(request, _("Your message was sent."))
    return redirect(reverse("return_portal:detail", args=[return_request.public_id]) + "#messages")


@login_required
@require_POST
def cancel(request, return_id):
    return_request = buyer_return(request, return_id)
    if not return_request.cancellable:
        return render(
            request,
            "return_portal/detail.html",
            detail_context(request, return_request, cancel_refused=True),
            status=CONFLICT,
        )
    if request.POST.get("confirm") != "yes":
        return render(
            request,
            "return_portal/detail.html",
            detail_context(
                request,
                return_request,
                cancel_error=_("Tick the box to confirm that you want to cancel this return."),
            ),
            status=UNPROCESSABLE,
        )
    try:
        lifecycle.cancel(return_request, actor=request.user)
    except lifecycle.TransitionError:  # it moved on meanwhile (e.g. the carrier scanned it)
        return_request.refresh_from_db()
        return render(
            request,
            "return_portal/detail.html",
            detail_context(request, return_request, cancel_refused=True),
            status=CONFLICT,
        )
    flash.success(request, _("Your return %(rma)s is cancelled.") % {"rma": return_request.rma})
    return redirect("return_portal:detail", return_id=return_request.public_id)


@login_required
@require_POST
def tracking(request, return_id):
    """Own carrier: the buyer gives the tracking number, and the return is in transit."""
    return_request = buyer_return(request, return_id)
    number = " ".join(request.POST.get("tracking", "").split())
    context = detail_context(request, return_request, tracking_value=number)
    if not context["ask_tracking"]:
        return render(request, "return_portal/detail.html", context, status=CONFLICT)
    if not TRACKING_NUMBER.fullmatch(number):
        context["tracking_error"] = _(
            "Enter the tracking number the carrier gave you: 5 to 64 letters and digits."
        )
        return render(request, "return_portal/detail.html", context, status=UNPROCESSABLE)
    try:
        lifecycle.mark_in_transit(
            return_request, actor=request.user, actor_kind=ActorKind.BUYER, tracking=number
        )
    except lifecycle.TransitionError:  # cancelled or scanned meanwhile
        return_request.refresh_from_db()
        context = detail_context(request, return_request)
        return render(request, "return_portal/detail.html", context, status=CONFLICT)
    flash.success(request, _("Thank you: your parcel is on its way to the seller."))
    return redirect("return_portal:detail", return_id=return_request.public_id)
