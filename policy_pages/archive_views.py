"""The admin download of a version's archive (archive.py) in a chosen
language, linked per version and language from the compliance audit report
and open to whoever may read that report."""

from __future__ import annotations

from django.http import Http404
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.views import View
from wagtail.admin.auth import permission_denied
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.models import Locale

from .archive import ArchiveUnavailable, archive_response
from .audit import INDEX_URL_NAME, can_view_audit
from .audit_rows import versions_for
from .versions import PolicyVersion

DOWNLOAD_URL_NAME = "policy_pages_archive_download"


class ArchiveDownloadView(WagtailAdminTemplateMixin, View):
    template_name = "policy_pages/audit/archive_unavailable.html"
    page_title = _("Archived copy unavailable")
    header_icon = "warning"

    def get(self, request, version_id: int, language: str):
        if not can_view_audit(request.user):
            return permission_denied(request)
        # Seller staff read another seller's versions in no report: 404, as unknown.
        versions = versions_for(request.user, PolicyVersion.objects.select_related("policy"))
        version = versions.filter(pk=version_id).first()
        locale = Locale.objects.filter(language_code=language).first()
        if version is None or locale is None:
            raise Http404
        try:
            return archive_response(version, locale, version.policy.slug)
        except ArchiveUnavailable:
            context = self.get_context_data(
                version=version, language=language, report_url=reverse(INDEX_URL_NAME)
            )
            return self.render_to_response(context, status=503)

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse(INDEX_URL_NAME), "label": _("Policy versions audit")},
            {"url": "", "label": self.get_page_title()},
        ]


def archive_urls():
    return [
        path(
            "reports/policy-versions/<int:version_id>/archive/<str:language>.pdf",
            ArchiveDownloadView.as_view(),
            name=DOWNLOAD_URL_NAME,
        )
    ]
