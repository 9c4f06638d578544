"""The dashboard's filter form: a GET form, so every view is a shareable URL."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from marketplace.markets import MARKET_CHOICES
from marketplace.models import ProductCategory, Seller
from marketplace.scoping import SellerScope
from return_portal.models import ReturnReason

from .filters import DEFAULT_DAYS, MAX_DAYS, Filters

# The breakdowns metrics.BREAKDOWNS knows.
BREAKDOWN_CHOICES = [
    ("category", _("Category")),
    ("seller", _("Seller")),
    ("sku", _("Product (SKU)")),
    ("market", _("Market")),
    ("period", _("Week or month")),
]
CURRENCIES = [("EUR", "EUR"), ("GBP", "GBP"), ("SEK", "SEK"), ("PLN", "PLN"), ("CZK", "CZK")]


def reason_options(language: str) -> list[tuple[str, str]]:
    """Every reason, parents first with their leaves indented, in one language."""
    rows = list(
        ReturnReason.objects.filter(locale__language_code=language)
        .select_related("parent")
        .order_by("position", "label")
    ) or list(ReturnReason.objects.filter(locale__language_code="en").select_related("parent"))
    parents = [r for r in rows if r.parent_id is None]
    options = []
    for parent in parents:
        options.append((parent.code, parent.label))
        options += [(r.code, f"— {r.label}") for r in rows if r.parent_id == parent.pk]
    return options


class DashboardFilterForm(forms.Form):
    start = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    market = forms.ChoiceField(label=_("Market"), required=False)
    seller = forms.ChoiceField(label=_("Seller"), required=False)
    category = forms.ChoiceField(label=_("Category"), required=False)
    sku = forms.CharField(label=_("Product (SKU)"), required=False, max_length=64)
    reason = forms.ChoiceField(label=_("Reason"), required=False)
    currency = forms.ChoiceField(label=_("Currency"), required=False, choices=CURRENCIES)
    by = forms.ChoiceField(label=_("Break down by"), required=False, choices=BREAKDOWN_CHOICES)

    def __init__(self, data, *, scope: SellerScope, language: str):
        super().__init__(data)
        self.scope = scope
        sellers = scope.filter(Seller.objects.order_by("name"), field="pk")
        self.fields["seller"].choices = [("", _("All my sellers"))] + [
            (str(seller.pk), seller.name) for seller in sellers
        ]
        self.fields["market"].choices = [("", _("All markets")), *list(MARKET_CHOICES)]
        self.fields["category"].choices = [("", _("All categories"))] + [
            (category.path, "· " * (category.path.count("/")) + category.name)
            for category in ProductCategory.objects.order_by("path")
        ]
        self.reasons = reason_options(language)
        self.fields["reason"].choices = [("", _("All reasons")), *self.reasons]

    def seller_outside_scope(self) -> bool:
        """A seller id in the URL that is not one of the viewer's: 404, not a hint."""
        wanted = (self.data.get("seller") or "").strip()
        if not wanted:
            return False
        if not wanted.isdigit() or len(wanted) > 18:
            return True
        return not self.scope.filter(Seller.objects.filter(pk=int(wanted)), field="pk").exists()

    def clean_start(self):
        return self._plausible(self.cleaned_data.get("start"))

    def clean_end(self):
        return self._plausible(self.cleaned_data.get("end"))

    def _plausible(self, day):
        """Roll-ups start with the marketplace: a date before 2000 or after next
        year is a typing slip (and 0001-01-01 minus a period does not exist)."""
        if day is not None and not (2000 <= day.year <= timezone.localdate().year + 1):
            raise forms.ValidationError(
                _("Choose a date between 2000 and next year."), code="range"
            )
        return day

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        today = timezone.localdate()
        end = data.get("end") or today
        start = data.get("start") or end - dt.timedelta(days=DEFAULT_DAYS - 1)
        if end < start:
            raise forms.ValidationError(_("The period ends before it starts."), code="order")
        if (end - start).days + 1 > MAX_DAYS:
            raise forms.ValidationError(_("A period is at most five years."), code="too_long")
        data["start"], data["end"] = start, end
        return data

    def filters(self) -> Filters:
        data = self.cleaned_data
        if data.get("seller"):
            seller_ids = frozenset({int(data["seller"])})
        elif self.scope.everything:
            seller_ids = None
        else:
            seller_ids = frozenset(self.scope.seller_ids)
        reason = data.get("reason") or ""
        codes = frozenset()
        if reason:
            children = {
                code
                for code in ReturnReason.objects.filter(parent__code=reason).values_list(
                    "code", flat=True
                )
            }
            codes = frozenset(children or {reason})
        return Filters(
            start=data["start"],
            end=data["end"],
            seller_ids=seller_ids,
            market=data.get("market") or "",
            category_path=data.get("category") or "",
            sku=(data.get("sku") or "").strip(),
            reason_codes=codes,
            currency=data.get("currency") or "EUR",
        )


def check_scope(form: DashboardFilterForm) -> None:
    if form.seller_outside_scope():
        raise Http404
