"""A return's files for its buyer: the prepaid label and the packing slip (PDF),
the drop-off QR code (SVG) and the buyer's own photos, each private to them and never cached.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from policy_pages.rules import ShippingMethod

from .. import labels, packing_slip
from ..models import ReturnPhoto
from .detail_page import SHIPPABLE_STATUSES, buyer_return


def _private(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _sender(user, order) -> str:
    """The buyer: the order's shipping address, or without one the name (when
    given) and the email intake knows."""
    name = user.get_full_name()
    email = order.buyer_email or user.email
    return "\n".join(labels.sender_lines(order.sender_lines, name=name, email=email))


def _seller_of(return_request):
    line = return_request.lines.select_related("order_line__seller").first()
    if line is None:
        raise Http404
    return return_request.seller or line.order_line.seller


@login_required
@require_GET
def label(request, return_id):
    return_request = buyer_return(request, return_id)
    if (
        return_request.shipping_method != ShippingMethod.PREPAID_LABEL
        or return_request.status not in SHIPPABLE_STATUSES
    ):
        raise Http404
    seller = _seller_of(return_request)
    pdf = labels.prepaid_label_pdf(
        rma=return_request.rma,
        order_reference=return_request.order.reference,
        return_to="\n".join(labels.address_lines(seller.name, seller.returns_address)),
        sender=_sender(request.user, return_request.order),
        qr=labels.qr_payload(return_request.rma),
        tracking=return_request.carrier_tracking if return_request.carrier else "",
        text=labels.LabelText(
            title=_("Return label"),
            return_to=_("Return to"),
            sender=_("From"),
            order=_("Order"),
            carrier=_("Prepaid — no postage needed"),
            tracking=_("Tracking"),
        ),
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{return_request.rma}.pdf"'
    return _private(response)


def packing_slip_response(return_request) -> HttpResponse:
    """The packing slip of a return (its buyer's page and the staff admin)."""
    response = HttpResponse(packing_slip.for_return(return_request), content_type="application/pdf")
    filename = f"{return_request.rma}-packing-slip.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return _private(response)


@login_required
@require_GET
def slip(request, return_id):
    return_request = buyer_return(request, return_id)
    if return_request.status not in SHIPPABLE_STATUSES:
        raise Http404
    return packing_slip_response(return_request)


@login_required
@require_GET
def qr(request, return_id):
    return_request = buyer_return(request, return_id)
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
