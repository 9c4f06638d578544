"""A photo taken at inspection, for staff: streamed from private storage, never by
URL, and only within the staff's seller scope (as admin/photos.py does for the
buyers' photos)."""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.views.generic import View
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin

from marketplace.scoping import scope_of_user

from ..models import InspectionPhoto, ReturnRequest


class InspectionPhotoView(PermissionCheckedMixin, View):
    """An inspection photo from private storage, to staff who may view returns."""

    model = ReturnRequest
    any_permission_required = ["view", "change"]
    http_method_names = ["get"]

    def get(self, request, photo_id):
        # Another seller's photo answers 404, as if it did not exist.
        photos = scope_of_user(request.user).filter(
            InspectionPhoto.objects.all(), "inspection__return_line__return_request__seller"
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
