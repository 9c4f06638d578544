"""A buyer's photo, for staff: streamed from private storage, never by URL; and a
return's packing slip."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.generic import View
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin

from marketplace.scoping import scope_of_user

from .. import packing_slip
from ..models import ReturnPhoto, ReturnRequest


class ReturnPhotoView(PermissionCheckedMixin, View):
    """A buyer's photo from private storage, to staff who may view returns."""

    model = ReturnRequest
    any_permission_required = ["view", "change"]
    http_method_names = ["get"]

    def get(self, request, photo_id):
        # Another seller's photo answers 404, as if it did not exist.
        photos = scope_of_user(request.user).filter(
            ReturnPhoto.objects.filter(return_request__isnull=False), "return_request__seller"
        )
        photo = get_object_or_404(photos, public_id=photo_id)
        try:
            handle = photo.file.open("rb")
        except (FileNotFoundError, OSError):
            raise Http404(_("This photo is no longer stored.")) from None
        response = FileResponse(handle, content_type=photo.content_type)
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        response["Content-Disposition"] = "inline"
        return response


class PackingSlipView(PermissionCheckedMixin, View):
    """A return's packing slip (PDF), to staff who may view the return; another
    seller's return answers 404, as if it did not exist."""

    model = ReturnRequest
    any_permission_required = ["view", "change"]
    http_method_names = ["get"]

    def get(self, request, pk):
        returns = scope_of_user(request.user).filter(ReturnRequest.objects.all(), "seller")
        return_request = get_object_or_404(returns.select_related("order", "seller"), pk=pk)
        response = HttpResponse(
            packing_slip.for_return(return_request), content_type="application/pdf"
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        filename = f"{return_request.rma}-packing-slip.pdf"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
