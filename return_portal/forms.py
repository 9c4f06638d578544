"""The forms of the "start a return" steps.

They only parse what the buyer sent; whether it is allowed is the service's
call (`steps.check_*`), whose errors the views attach to these forms so
every message shows next to its field.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.uploads import ACCEPT

YES, NO = "yes", "no"


def quantity_field_name(index: int) -> str:
    return f"qty-{index}"


def opened_field_name(index: int) -> str:
    return f"opened-{index}"


class ItemsForm(forms.Form):
    """One quantity per line that can be returned (a checkbox when only one unit
    can be), and, for sealed goods, whether the buyer unsealed them.

    `rows` are the order's lines as the items step shows them (views.wizard.LineRow).
    """

    def __init__(self, *args, rows, draft, **kwargs):
        self.rows = rows
        initial = {}
        for row in rows:
            units = draft.quantities.get(row.line.reference, 0)
            initial[quantity_field_name(row.index)] = bool(units) if row.single else units
            if row.sealed and row.line.reference in draft.opened:
                initial[opened_field_name(row.index)] = YES
            elif row.sealed and units:
                initial[opened_field_name(row.index)] = NO
        super().__init__(*args, initial=initial, **kwargs)
        for row in rows:
            if not row.selectable:
                continue
            if row.single:
                self.fields[quantity_field_name(row.index)] = forms.BooleanField(
                    label=_("Return this item"), required=False
                )
            else:
                self.fields[quantity_field_name(row.index)] = forms.IntegerField(
                    label=_("Quantity to return"),
                    required=False,
                    min_value=0,
                    max_value=row.returnable,
                    error_messages={
                        "max_value": _("You can return at most %(limit_value)s of these."),
                        "min_value": _("Enter 0 or more."),
                        "invalid": _("Enter a whole number."),
                    },
                    widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
                )
            if row.sealed:
                self.fields[opened_field_name(row.index)] = forms.ChoiceField(
                    label=_("Have you unsealed it since delivery?"),
                    choices=[(YES, _("Yes")), (NO, _("No"))],
                    required=False,
                    widget=forms.RadioSelect,
                )

    def clean(self):
        cleaned = super().clean()
        for row in self.rows:
            if (
                row.selectable
                and row.sealed
                and self.units(row)
                and not cleaned.get(opened_field_name(row.index))
            ):
                self.add_error(
                    opened_field_name(row.index),
                    _("Tell us whether you unsealed it since delivery."),
                )
        return cleaned

    def units(self, row) -> int:
        value = self.cleaned_data.get(quantity_field_name(row.index))
        if row.single:
            return 1 if value else 0
        return value or 0

    def quantities(self) -> dict[str, int]:
        return {
            row.line.reference: self.units(row)
            for row in self.rows
            if row.selectable and self.units(row)
        }

    def opened(self) -> list[str]:
        return [
            row.line.reference
            for row in self.rows
            if row.sealed and self.cleaned_data.get(opened_field_name(row.index)) == YES
        ]


class MultipleImageInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Any number of files, unchecked here: photos.add_photos checks each one by
    content and the count against what the draft already has."""

    widget = MultipleImageInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data]
        return [upload for upload in files if upload]


class ReasonForm(forms.Form):
    """Reason (a leaf of the taxonomy), condition, comment; photos ride along when
    the page works without JavaScript (with it, each photo uploads at once)."""

    reason = forms.CharField(required=False)
    condition = forms.CharField(required=False)
    comment = forms.CharField(
        label=_("Anything we should know? (optional)"),
        required=False,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": 2000}),
    )
    photos = PhotosField(
        label=_("Add photos (optional)"),
        required=False,
        widget=MultipleImageInput(attrs={"accept": ACCEPT}),
    )


class ResolutionForm(forms.Form):
    """The resolution and, for an exchange, the variant wanted per line
    (`exchange-<line reference>`) and the means the difference is settled on."""

    resolution = forms.CharField(required=False)
    difference_by = forms.CharField(required=False, max_length=16)

    def __init__(self, *args, references=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.references = tuple(references)
        for reference in self.references:
            self.fields[f"exchange-{reference}"] = forms.CharField(required=False, max_length=64)

    def exchange_skus(self) -> dict[str, str]:
        return {
            reference: self.cleaned_data.get(f"exchange-{reference}", "")
            for reference in self.references
        }


class ShippingForm(forms.Form):
    shipping_method = forms.CharField(required=False)


def withdrawal_units_name(index: int) -> str:
    return f"units-{index}"


def withdrawal_method_name(index: int) -> str:
    return f"method-{index}"


class WithdrawalForm(forms.Form):
    """The withdrawal button's first step: the units withdrawn from each line (a
    checkbox when one unit is left) and, for each seller with units chosen, the
    return method among those its pinned policy offers.

    `groups` are the seller groups the step shows (views.withdrawal.SellerGroup):
    each with `index`, `rows` (each with `index` and `units`, the units left) and
    `methods` (each with `value`). Whether the choice still holds is the
    service's call (withdrawal.withdraw); this only parses what was sent.
    """

    def __init__(self, *args, groups, **kwargs):
        self.groups = groups
        super().__init__(*args, **kwargs)
        for group in groups:
            for row in group.rows:
                if row.units == 1:
                    field = forms.BooleanField(required=False)
                else:
                    field = forms.IntegerField(
                        required=False,
                        min_value=0,
                        max_value=row.units,
                        error_messages={
                            "max_value": _(
                                "You can withdraw from at most %(limit_value)s of these."
                            ),
                            "min_value": _("Enter 0 or more."),
                            "invalid": _("Enter a whole number."),
                        },
                    )
                self.fields[withdrawal_units_name(row.index)] = field
            if group.methods:
                self.fields[withdrawal_method_name(group.index)] = forms.ChoiceField(
                    label=_("How will you send these items back?"),
                    choices=[(method.value, method.value) for method in group.methods],
                    required=False,
                    error_messages={
                        "invalid_choice": _("Choose how you will send the parcel back.")
                    },
                )

    def units(self, row) -> int:
        value = self.cleaned_data.get(withdrawal_units_name(row.index))
        if row.units == 1:
            return 1 if value else 0
        return value or 0

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        chosen_any = False
        for group in self.groups:
            chosen = any(self.units(row) for row in group.rows)
            chosen_any = chosen_any or chosen
            name = withdrawal_method_name(group.index)
            if chosen and group.methods and not cleaned.get(name):
                self.add_error(name, _("Choose how you will send the parcel back."))
        if not chosen_any:
            self.add_error(None, _("Choose at least one item to withdraw from."))
        return cleaned

    def quantities(self) -> dict[str, int]:
        """Line reference -> units chosen (lines left at 0 are not listed)."""
        return {
            row.line.reference: self.units(row)
            for group in self.groups
            for row in group.rows
            if self.units(row)
        }

    def methods(self) -> dict[int, str]:
        """Seller id -> the method chosen, for the sellers with units chosen."""
        return {
            group.seller.pk: self.cleaned_data.get(withdrawal_method_name(group.index), "")
            for group in self.groups
            if any(self.units(row) for row in group.rows)
        }
