"""Compliance audit report: every policy version, who published and approved
it, which locales it has, when it governed, and whether its hash chain holds.

A Wagtail report (Reports menu, /admin/reports/policy-versions/) with filters
and CSV, XLSX and JSON exports. Access needs the `policy_pages.view_policyversion`
permission (Django's built-in "view" permission of PolicyVersion, so no model
change): superusers have it; grant it to a group under Settings → Groups.

The rows and their query are in audit_rows.py, the filters in audit_filters.py.
"""

from __future__ import annotations

import datetime
import json

from django.http import HttpResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.functional import Promise, cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.reports import ReportView
from wagtail.admin.widgets.button import Button
from wagtail.permissions import policy_registry

from .audit_filters import PolicyVersionAuditFilterSet
from .audit_rows import AuditRow, audit_queryset, versions_for
from .integrity import chain_statuses
from .versions import PolicyVersion

INDEX_URL_NAME = "policy_pages_audit"
RESULTS_URL_NAME = "policy_pages_audit_results"


def can_view_audit(user) -> bool:
    return policy_registry.get_by_type(PolicyVersion).user_has_permission(user, "view")


# --- the report view -------------------------------------------------------------------


def _json_value(value):
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if isinstance(value, Promise):
        return force_str(value)
    return value


class PolicyVersionAuditView(ReportView):
    model = PolicyVersion
    permission_required = "view"  # policy_pages.view_policyversion
    page_title = _("Policy versions audit")
    header_icon = "clipboard-list"
    results_template_name = "policy_pages/audit/results.html"
    filterset_class = PolicyVersionAuditFilterSet
    index_url_name = INDEX_URL_NAME
    index_results_url_name = RESULTS_URL_NAME
    verbose_name_plural = _("policy versions")

    FORMAT_JSON = "json"
    FORMATS = (*ReportView.FORMATS, FORMAT_JSON)

    list_export = [
        "policy_title",
        "policy_slug",
        "number",
        "kind",
        "seller",
        "markets",
        "locales_present",
        "locales_missing",
        "effective_from",
        "effective_to",
        "status_label",
        "publisher",
        "submitter",
        "approver",
        "approved_at",
        "approval_comment",
        "change_reason",
        "hash",
        "previous_hash",
        "chain_status",
        "chain_reasons",
        "orders",
        "orders_shown",
        "orders_mismatched",
    ]
    export_headings = {
        "policy_title": _("Policy"),
        "policy_slug": _("Slug"),
        "number": _("Version"),
        "kind": _("Kind"),
        "seller": _("Seller"),
        "markets": _("Markets"),
        "locales_present": _("Locales present"),
        "locales_missing": _("Locales missing"),
        "effective_from": _("Effective from"),
        "effective_to": _("Effective to"),
        "status_label": _("Status"),
        "publisher": _("Published by"),
        "submitter": _("Submitted by"),
        "approver": _("Approved by"),
        "approved_at": _("Approved at"),
        "approval_comment": _("Approval comment"),
        "change_reason": _("Reason for the change"),
        "hash": _("Hash"),
        "previous_hash": _("Previous hash"),
        "chain_status": _("Chain"),
        "chain_reasons": _("Chain problems"),
        "orders": _("Orders governed"),
        "orders_shown": _("Orders with proof of display"),
        "orders_mismatched": _("Orders shown another version"),
    }

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # Problems may contain commas; keep them apart in one spreadsheet cell.
        self.custom_field_preprocess = {
            **self.custom_field_preprocess,
            "chain_reasons": {self.FORMAT_CSV: "; ".join, self.FORMAT_XLSX: "; ".join},
        }

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        # One instant for the whole request, so status and filters agree.
        self.now = timezone.now()

    def get_queryset(self):
        self.queryset = versions_for(self.request.user, audit_queryset(self.now))
        return super().get_queryset()

    def get_filtered_queryset(self):
        # BaseListingView.get_queryset already applies the filters; applying
        # them again (as ReportView does) would join the market table twice.
        return self.get_queryset()

    def decorate_paginated_queryset(self, object_list):
        versions = list(object_list)
        statuses = chain_statuses({v.policy_id for v in versions}) if versions else {}
        return [
            AuditRow.build(version, statuses.get(version.pk), self.permalink(version))
            for version in versions
        ]

    def permalink(self, version) -> str:
        """Public URL of the version (…/policies/<slug>/v/<n>/), if the page is routable."""
        url = version.policy.get_url(self.request)
        return url + version.policy.reverse_subpage("version", args=[version.number]) if url else ""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        from .chain import last_verification  # the scheduled run (tasks.verify_chain)

        context["last_verification"] = last_verification()
        return context

    def get_filename(self):
        return f"policy-versions-audit-{self.now:%Y-%m-%d}"

    def as_spreadsheet(self, queryset, spreadsheet_format):
        if spreadsheet_format == self.FORMAT_JSON:
            return self.json_response(queryset)
        return super().as_spreadsheet(queryset, spreadsheet_format)

    def json_response(self, rows):
        """The same columns as the CSV, with JSON types (lists, null, ISO dates)."""
        payload = {
            "generated_at": self.now.isoformat(),
            "versions": [
                {field: _json_value(getattr(row, field)) for field in self.list_export}
                for row in rows
            ],
        }
        response = HttpResponse(
            json.dumps(payload, ensure_ascii=False, indent=2),
            content_type="application/json",
        )
        response["Content-Disposition"] = f'attachment; filename="{self.get_filename()}.json"'
        return response

    @cached_property
    def header_more_buttons(self):
        buttons = super().header_more_buttons.copy()
        buttons.append(
            Button(
                _("Download JSON"),
                url=self.get_export_url(self.FORMAT_JSON),
                icon_name="download",
                priority=110,
            )
        )
        return buttons


# --- registration (called from wagtail_hooks) ------------------------------------------


class PolicyAuditMenuItem(MenuItem):
    def is_shown(self, request):
        return can_view_audit(request.user)


def audit_urls():
    return [
        path("reports/policy-versions/", PolicyVersionAuditView.as_view(), name=INDEX_URL_NAME),
        path(
            "reports/policy-versions/results/",
            PolicyVersionAuditView.as_view(results_only=True),
            name=RESULTS_URL_NAME,
        ),
    ]


def audit_menu_item():
    return PolicyAuditMenuItem(
        _("Policy versions audit"),
        reverse(INDEX_URL_NAME),
        name="policy-versions-audit",
        icon_name="clipboard-list",
        order=1300,
    )


def audit_permissions():
    """Offer the "view policy version" permission in the group editor."""
    from django.contrib.auth.models import Permission

    return Permission.objects.filter(
        content_type__app_label="policy_pages", codename="view_policyversion"
    )
