"""The filters of the compliance audit report (audit.py): policy, kind, market,
seller (or marketplace-wide), status and the dates a version was in force."""

from __future__ import annotations

import django_filters
from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from wagtail.admin.filters import DateRangePickerWidget, WagtailFilterSet

from marketplace.markets import MARKET_CHOICES

from .audit_rows import STATUS_LABELS
from .models import PolicyKind, PolicyPage
from .versions import PolicyVersion

# Value of the seller filter for marketplace-wide policies (blank seller_ref).
MARKETPLACE_WIDE = "-"


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
