"""Compliance audit report: every policy version, who published and approved
it, which locales it has, when it governed, and whether its hash chain holds.

A Wagtail report (Reports menu, /admin/reports/policy-versions/) with filters
and CSV, XLSX and JSON exports. Access needs the `policy_pages.view_policyversion`
permission (Django's built-in "view" permission of PolicyVersion, so no model
change): superusers have it; grant it to a group under Settings → Groups.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field

import django_filters
from django import forms
from django.conf import settings
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import HttpResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.functional import Promise, cached_property
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet
from wagtail.admin.menu import MenuItem
from wagtail.admin.views.reports import ReportView
from wagtail.admin.widgets.button import Button
from wagtail.permissions import policy_registry

from marketplace.markets import MARKET_CHOICES

from .integrity import ChainStatus, chain_statuses
from .models import PolicyKind, PolicyPage
from .pins import LinePin
from .timeline import VersionStatus
from .versions import PolicyVersion, PolicyVersionMarket, PolicyVersionText

INDEX_URL_NAME = "policy_pages_audit"
RESULTS_URL_NAME = "policy_pages_audit_results"

# Value of the seller filter for marketplace-wide policies (blank seller_ref).
MARKETPLACE_WIDE = "-"

KIND_LABELS = dict(PolicyKind.choices)
STATUS_LABELS = {
    VersionStatus.IN_FORCE: _("In force"),
    VersionStatus.SCHEDULED: _("Scheduled"),
    VersionStatus.PREVIOUS: pgettext_lazy("policy version status", "Previous"),
    VersionStatus.SUPERSEDED: pgettext_lazy("policy version status", "Superseded, never in force"),
}


def can_view_audit(user) -> bool:
    return policy_registry.get_by_type(PolicyVersion).user_has_permission(user, "view")


# --- orders governed ------------------------------------------------------------------


def governed_orders(**pins):
    """Number of distinct orders whose lines are pinned to each version (and whose
    pins match `pins`: say, those with a proof of display): a correlated
    subquery, so it neither multiplies rows nor costs a query per version."""
    counts = (
        LinePin.objects.filter(version=OuterRef("pk"), **pins)
        .order_by()
        .values("version")
        .annotate(n=Count("line__order", distinct=True))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), 0)


# --- the listing -------------------------------------------------------------------


def audit_queryset(now: datetime.datetime):
    """Every version with what the report shows, in a constant number of queries:
    users and policy by join, texts by one prefetch, effective-to and status
    as subqueries."""

    # Same rules as timeline.PolicyTimeline: superseded versions leave the
    # timeline, on which numbers follow effective instants.
    def superseded():
        return Exists(
            PolicyVersionMarket.objects.filter(version=OuterRef("pk"), superseded_by__isnull=False)
        )

    later = PolicyVersion.objects.filter(
        policy=OuterRef("policy"), number__gt=OuterRef("number")
    ).exclude(superseded())
    versions = (
        PolicyVersion.objects.select_related(
            "policy", "policy__locale", "published_by", "submitted_by", "approved_by"
        )
        .prefetch_related(
            Prefetch(
                "texts",
                queryset=PolicyVersionText.objects.select_related(
                    "locale", "translated_by", "signed_off_by"
                ),
            )
        )
        .annotate(
            audit_superseded=superseded(),
            audit_effective_to=Case(
                When(audit_superseded=True, then=Value(None)),
                default=Subquery(later.order_by("number").values("effective_from")[:1]),
            ),
            # The latest version already effective is in force, earlier ones previous.
            audit_status=Case(
                When(audit_superseded=True, then=Value(VersionStatus.SUPERSEDED)),
                When(effective_from__gt=now, then=Value(VersionStatus.SCHEDULED)),
                When(
                    Exists(later.filter(effective_from__lte=now)),
                    then=Value(VersionStatus.PREVIOUS),
                ),
                default=Value(VersionStatus.IN_FORCE),
                output_field=CharField(),
            ),
        )
        .order_by("policy__title", "policy_id", "number")
    )
    return versions.annotate(
        audit_orders=governed_orders(),
        # Proof of display: orders whose storefront said which version it showed,
        # and those where it showed another than the one in force.
        audit_orders_shown=governed_orders(displayed_version__isnull=False),
        audit_orders_mismatched=governed_orders(display_matches=False),
    )


def content_language_codes() -> list[str]:
    return [code for code, _name in settings.WAGTAIL_CONTENT_LANGUAGES]


def person(user) -> str:
    """Name and email: names are not unique, an audit trail must identify."""
    if user is None:
        return ""
    name = user.get_full_name().strip()
    return f"{name} <{user.email}>" if name else user.email


@dataclass(frozen=True)
class AuditRow:
    version: PolicyVersion
    locales_present: list[str]
    locales_missing: list[str]
    chain: ChainStatus | None
    orders: int
    permalink: str = ""
    orders_shown: int = 0
    orders_mismatched: int = 0
    # Per translated language: who translated and who signed off (blank for
    # texts written before sign-offs were recorded).
    signatures: list = field(default_factory=list)

    @classmethod
    def build(cls, version: PolicyVersion, chain: ChainStatus | None, permalink="") -> AuditRow:
        expected = content_language_codes()
        present = {text.locale.language_code for text in version.texts.all()}
        return cls(
            version=version,
            locales_present=[code for code in expected if code in present]
            + sorted(present - set(expected)),
            locales_missing=[code for code in expected if code not in present],
            signatures=[
                {
                    "language": text.locale.language_code,
                    "translator": person(text.translated_by),
                    "signer": person(text.signed_off_by),
                }
                for text in version.texts.all()
                if text.page_id != version.policy_id
            ],
            chain=chain,
            orders=version.audit_orders,
            permalink=permalink,
            orders_shown=version.audit_orders_shown,
            orders_mismatched=version.audit_orders_mismatched,
        )

    # Flat values, shared by the table, the CSV/XLSX columns and the JSON keys.
    policy_title = property(lambda self: self.version.policy.title)
    policy_slug = property(lambda self: self.version.policy.slug)
    number = property(lambda self: self.version.number)
    kind = property(lambda self: KIND_LABELS.get(self.version.kind, self.version.kind))
    seller = property(lambda self: self.version.seller_ref or _("Marketplace-wide"))
    effective_from = property(lambda self: self.version.effective_from)
    effective_to = property(lambda self: self.version.audit_effective_to)
    status = property(lambda self: self.version.audit_status)
    status_label = property(lambda self: STATUS_LABELS[self.version.audit_status])
    publisher = property(lambda self: person(self.version.published_by))
    submitter = property(lambda self: person(self.version.submitted_by))
    approver = property(lambda self: person(self.version.approved_by))
    approval_comment = property(lambda self: self.version.approval_comment or "")
    change_reason = property(lambda self: self.version.change_reason or "")
    approved_at = property(lambda self: self.version.approved_at)
    hash = property(lambda self: self.version.hash)
    previous_hash = property(lambda self: self.version.previous_hash)
    chain_status = property(lambda self: self.chain.state if self.chain else "")
    chain_reasons = property(lambda self: list(self.chain.reasons) if self.chain else [])

    @property
    def markets(self) -> list[str]:
        # A row altered behind the model's back must still be listed (as broken).
        try:
            return list(json.loads(self.version.rules_json).get("markets", []))
        except (ValueError, AttributeError, TypeError):
            return []


# --- filters -------------------------------------------------------------------------


def versioned_policies(request):
    return PolicyPage.objects.filter(pk__in=PolicyVersion.objects.values("policy_id")).order_by(
        "title"
    )


def seller_choices():
    refs = (
        PolicyVersion.objects.exclude(seller_ref="")
        .order_by("seller_ref")
        .values_list("seller_ref", flat=True)
        .distinct()
    )
    return [(MARKETPLACE_WIDE, _("Marketplace-wide")), *((ref, ref) for ref in refs)]


class PolicyVersionAuditFilterSet(WagtailFilterSet):
    policy = django_filters.ModelChoiceFilter(
        label=_("Policy"), queryset=versioned_policies, empty_label=_("All")
    )
    kind = django_filters.ChoiceFilter(
        label=_("Kind"), choices=PolicyKind.choices, empty_label=_("All"), widget=forms.RadioSelect
    )
    market = django_filters.ChoiceFilter(
        label=_("Market"), choices=MARKET_CHOICES, empty_label=_("All"), method="filter_market"
    )
    seller = django_filters.ChoiceFilter(
        label=_("Seller"), choices=seller_choices, empty_label=_("All"), method="filter_seller"
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"),
        field_name="audit_status",
        choices=list(STATUS_LABELS.items()),
        empty_label=_("All"),
        widget=forms.RadioSelect,
    )
    effective = django_filters.DateFromToRangeFilter(
        label=_("In force between"),
        method="filter_in_force_between",
        widget=DateRangePickerWidget,
        help_text=_("Versions that governed at any time between these dates."),
    )

    class Meta:
        model = PolicyVersion
        fields = ["policy", "kind", "market", "seller", "status", "effective"]

    def filter_market(self, queryset, name, value):
        # One market row per version and market: the join adds no duplicates.
        return queryset.filter(markets__market=value)

    def filter_seller(self, queryset, name, value):
        return queryset.filter(seller_ref="" if value == MARKETPLACE_WIDE else value)

    def filter_in_force_between(self, queryset, name, value):
        # Overlap of [effective_from, effective_to) with the chosen days.
        if value.start:
            queryset = queryset.filter(
                Q(audit_effective_to__isnull=True) | Q(audit_effective_to__gt=value.start)
            )
        if value.stop:
            queryset = queryset.filter(effective_from__lte=value.stop)
        return queryset


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
        self.queryset = audit_queryset(self.now)
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
