"""A return as its buyer sees it: the RMA, what is returned and why, the
confirmed estimate, the timeline (refreshed with htmx until the return is
final), how to send the parcel (QR code, label or address), the message thread
and cancelling. Every lookup goes through the signed-in buyer: another buyer's
return, photo or label is a 404.
"""

from __future__ import annotations

import re
import uuid
from decimal import Decimal

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core import ratelimit
from core.api.text import control_message, has_control_characters
from policy_pages.rules import ShippingMethod

from .. import labels, lifecycle
from ..buyer_messages import MAX_LENGTH, KeyReused, post_buyer_message
from ..citations import PolicyLinks
from ..legal_calendar import market_timezone
from ..models import FINAL_STATUSES, ActorKind, ReturnPhoto, ReturnRequest, ReturnStatus
from ..refunds.estimate import stored_figures

S = ReturnStatus
POLL_SECONDS = 20
MESSAGE_LIMIT = (10, 60 * 60)  # messages per buyer per hour
TOO_MANY_REQUESTS = 429
CONFLICT = 409
UNPROCESSABLE = 422
# The label and the QR code are for sending the parcel: useless (and misleading)
# before approval or once the return is over.
SHIPPABLE_STATUSES = (S.APPROVED, S.IN_TRANSIT)
# Carriers' numbers: letters and digits, sometimes grouped with spaces or hyphens.
TRACKING_NUMBER = re.compile(r"[A-Za-z0-9][A-Za-z0-9 -]{3,62}[A-Za-z0-9]")


def _buyer_return(request, return_id) -> ReturnRequest:
    return get_object_or_404(
        ReturnRequest.objects.select_related("order", "reason"),
        buyer=request.user,
        public_id=return_id,
    )


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- what the page shows ---------------------------------------------------------------


def next_step(return_request: ReturnRequest) -> str:
    """What the buyer should do (or wait for) now."""
    status, method = return_request.status, return_request.shipping_method
    if status == S.REQUESTED:
        return _("We are checking your request and will answer by email.")
    if status == S.APPROVED:
        if method == ShippingMethod.DROP_OFF:
            return _("Take the parcel to a drop-off point and show the QR code on this page.")
        if method == ShippingMethod.PREPAID_LABEL:
            return _("Print the label, stick it on the parcel and hand it to the carrier.")
        return _("Send the parcel to the address below with the carrier of your choice.")
    return {
        S.IN_TRANSIT: _("Your parcel is on its way. We will tell you when it arrives."),
        S.RECEIVED: _("Your parcel has arrived; the items are being checked."),
        S.INSPECTED: _("The items have been checked; your refund is being prepared."),
        S.RESOLVED: _("Your return is settled."),
        S.CLOSED: _("This return is closed."),
        S.REJECTED: _("This return was not accepted. The reason is in the timeline."),
        S.CANCELLED: _("You cancelled this return."),
        S.EXPIRED: _("Nothing was sent by the date given, so this return has expired."),
    }.get(status, "")


def _timeline_context(request, return_request: ReturnRequest) -> dict:
    final = return_request.status in FINAL_STATUSES
    return {
        "return": return_request,
        "zone": market_timezone(return_request.order.market),
        "events": list(return_request.events.all()),
        "next_step": next_step(return_request),
        "polling": not final,
        "poll_seconds": POLL_SECONDS,
        "status_url": reverse("return_portal:status", args=[return_request.public_id]),
    }


def _figures(return_request: ReturnRequest, version, links: PolicyLinks) -> list[dict]:
    """The confirmed estimate's figures with their labels and citations."""
    return [
        {
            "label": figure.label,
            "amount": figure.amount,
            "citation": links.cite(version, figure.clause, figure.statute),
        }
        for figure in stored_figures(return_request.estimate or {})
    ]


def _thread_context(request, return_request: ReturnRequest, **extra) -> dict:
    context = {
        "return": return_request,
        "zone": market_timezone(return_request.order.market),
        "thread": list(return_request.messages.all()),
        "message_key": uuid.uuid4().hex,
        "messages_url": reverse("return_portal:messages", args=[return_request.public_id]),
        "max_length": MAX_LENGTH,
        "body": "",
        "error": "",
        "sent": False,
    }
    context.update(extra)
    return context


def _detail_context(request, return_request: ReturnRequest, **extra) -> dict:
    lines = list(
        return_request.lines.select_related(
            "order_line__seller", "order_line__pin__version__policy"
        )
    )
    seller = lines[0].order_line.seller if lines else None
    version = lines[0].order_line.pin.version if lines else None
    method = return_request.shipping_method
    shippable = return_request.status in SHIPPABLE_STATUSES
    estimate = return_request.estimate or {}
    context = {
        **_timeline_context(request, return_request),
        **_thread_context(request, return_request),
        "lines": lines,
        "seller": seller,
        "figures": _figures(return_request, version, PolicyLinks(request)),
        "currency": estimate.get("currency") or return_request.currency,
        "total": return_request.estimated_total,
        "express_kept": Decimal(estimate.get("express_surcharge_kept") or "0"),
        "show_qr": shippable and method == ShippingMethod.DROP_OFF and return_request.drop_off_code,
        "show_label": shippable and method == ShippingMethod.PREPAID_LABEL,
        "show_address": shippable and method == ShippingMethod.OWN_CARRIER,
        "photos": list(return_request.photos.all()),
        "cancel_error": "",
        "cancel_refused": False,
        # Own carrier: the buyer tells us the parcel left, with its tracking number.
        "ask_tracking": return_request.status == S.APPROVED
        and method == ShippingMethod.OWN_CARRIER,
        "tracking_error": "",
        "tracking_value": "",
    }
    context.update(extra)
    return context


# --- views -----------------------------------------------------------------------------


@login_required
@require_GET
def detail(request, return_id):
    return_request = _buyer_return(request, return_id)
    return render(request, "return_portal/detail.html", _detail_context(request, return_request))


@login_required
@require_GET
def status(request, return_id):
    """The timeline alone: what the detail page polls every 20 s until final."""
    return_request = _buyer_return(request, return_id)
    return render(
        request, "return_portal/_timeline.html", _timeline_context(request, return_request)
    )


def _thread_response(request, return_request, *, status=200, **extra):
    if request.htmx:
        # htmx swaps only 2xx answers: errors come back as 200 with the error inline.
        return render(
            request,
            "return_portal/_messages.html",
            _thread_context(request, return_request, **extra),
            status=200 if status >= 400 else status,
        )
    return render(
        request,
        "return_portal/detail.html",
        _detail_context(request, return_request, **extra),
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def messages(request, return_id):
    return_request = _buyer_return(request, return_id)
    if request.method == "GET":
        return render(
            request, "return_portal/_messages.html", _thread_context(request, return_request)
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
    return_request = _buyer_return(request, return_id)
    if not return_request.cancellable:
        return render(
            request,
            "return_portal/detail.html",
            _detail_context(request, return_request, cancel_refused=True),
            status=CONFLICT,
        )
    if request.POST.get("confirm") != "yes":
        return render(
            request,
            "return_portal/detail.html",
            _detail_context(
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
            _detail_context(request, return_request, cancel_refused=True),
            status=CONFLICT,
        )
    flash.success(request, _("Your return %(rma)s is cancelled.") % {"rma": return_request.rma})
    return redirect("return_portal:detail", return_id=return_request.public_id)


@login_required
@require_POST
def tracking(request, return_id):
    """Own carrier: the buyer gives the tracking number, and the return is in transit."""
    return_request = _buyer_return(request, return_id)
    number = " ".join(request.POST.get("tracking", "").split())
    context = _detail_context(request, return_request, tracking_value=number)
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
        context = _detail_context(request, return_request)
        return render(request, "return_portal/detail.html", context, status=CONFLICT)
    flash.success(request, _("Thank you: your parcel is on its way to the seller."))
    return redirect("return_portal:detail", return_id=return_request.public_id)


def _sender(user) -> str:
    name = user.get_full_name().strip()
    return f"{name}\n{user.email}" if name else user.email


@login_required
@require_GET
def label(request, return_id):
    return_request = _buyer_return(request, return_id)
    if (
        return_request.shipping_method != ShippingMethod.PREPAID_LABEL
        or return_request.status not in SHIPPABLE_STATUSES
    ):
        raise Http404
    line = return_request.lines.select_related("order_line__seller").first()
    if line is None:
        raise Http404
    seller = line.order_line.seller
    pdf = labels.prepaid_label_pdf(
        rma=return_request.rma,
        order_reference=return_request.order.reference,
        return_to="\n".join(part for part in (seller.name, seller.returns_address) if part),
        sender=_sender(request.user),
        qr=labels.qr_payload(return_request.rma),
        text=labels.LabelText(
            title=_("Return label"),
            return_to=_("Return to"),
            sender=_("From"),
            order=_("Order"),
            carrier=_("Prepaid — no postage needed"),
        ),
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{return_request.rma}.pdf"'
    return _private(response)


@login_required
@require_GET
def qr(request, return_id):
    return_request = _buyer_return(request, return_id)
    if (
        return_request.shipping_method != ShippingMethod.DROP_OFF
        or not return_request.drop_off_code
        or return_request.status not in SHIPPABLE_STATUSES
    ):
        raise Http404
    svg = labels.qr_svg(
        labels.qr_payload(return_request.rma, return_request.drop_off_code),
        title=_("QR code for drop-off, %(rma)s") % {"rma": return_request.rma},
    )
    return _private(HttpResponse(svg, content_type="image/svg+xml"))


@login_required
@require_GET
def photo(request, photo_id):
    item = get_object_or_404(ReturnPhoto, buyer=request.user, public_id=photo_id)
    try:
        handle = item.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    response = FileResponse(handle, content_type=item.content_type)
    response["Content-Disposition"] = "inline"
    response["Content-Security-Policy"] = "default-src 'none'"
    return _private(response)
