"""A buyer's photo, for staff: streamed from private storage, never by URL."""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.generic import View
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin

from ..models import ReturnPhoto, ReturnRequest


class ReturnPhotoView(PermissionCheckedMixin, View):
    """A buyer's photo from private storage, to staff who may view returns."""

    model = ReturnRequest
    any_permission_required = ["view", "change"]
    http_method_names = ["get"]

    def get(self, request, photo_id):
        photo = get_object_or_404(ReturnPhoto, public_id=photo_id, return_request__isnull=False)
        try:
            handle = photo.file.open("rb")
        except (FileNotFoundError, OSError):
            raise Http404(_("This photo is no longer stored.")) from None
        response = FileResponse(handle, content_type=photo.content_type)
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        response["Content-Disposition"] = "inline"
        return response
