"""The staff's receiving and inspection forms on a return's page.

Receiving: one form per line still expecting units (received, lost, wrong item,
not sent, this time), and the receipt's hidden key, drawn with the form: the
same form posted twice counts its units once (receiving.receive). Inspecting:
one form per received unit not yet inspected (the checklist, the outcome, the
deduction and its reason, the justification and what happens to refused goods,
and photos). Each form's prefix names its line
(and unit), taken from the return itself: a posted line or unit of another
return is never read. Bad input is a field error on the page, never a 500; the
action (receiving.receive, inspection.inspect_units) checks everything again.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from core.uploads import ACCEPT

from .. import inspection_photos
from ..inspection import CheckResult, UnitResult, result_errors
from ..inspection_rules import deducts_for_handling, unit_earnings
from ..models import (
    InspectionCheck,
    InspectionOutcome,
    RefusedDisposition,
    ReturnLine,
    ReturnRequest,
    UnitInspection,
)
from ..models.inspection import CHECK_NOTE_MAX_LENGTH, JUSTIFICATION_MAX_LENGTH
from ..receiving import LineReceipt, outstanding, received_under

PASS, FAIL = "pass", "fail"


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several image files (or none); each is checked by content in the form's clean."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data]
        clean_one = super().clean
        return [upload for upload in (clean_one(item, initial) for item in files) if upload]


class Forms:
    """Several forms acting as one (the action's form): valid when each is."""

    def __init__(self, forms_: list[forms.Form]):
        self.forms = forms_
        self._errors: list[str] = []

    def __iter__(self):
        return iter(self.forms)

    def __len__(self):
        return len(self.forms)

    def is_valid(self) -> bool:
        valid = all([form.is_valid() for form in self.forms])  # every form cleans
        return self.clean_together() if valid else False

    def clean_together(self) -> bool:
        return True

    def non_form_errors(self) -> list[str]:
        return self._errors


# --- receiving --------------------------------------------------------------------------


class LineReceiptForm(forms.Form):
    def __init__(self, *args, return_line: ReturnLine, **kwargs):
        super().__init__(*args, **kwargs)
        self.return_line = return_line
        self.expected = outstanding(return_line)
        labels = {
            "received": gettext_lazy("Received"),
            "lost": gettext_lazy("Lost in transit"),
            "wrong_item": gettext_lazy("Wrong item received"),
            "short": gettext_lazy("Not sent (short-shipped)"),
        }
        for name, label in labels.items():
            self.fields[name] = forms.IntegerField(
                label=label,
                min_value=0,
                max_value=self.expected,
                initial=0,
                required=False,
                widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
            )

    def clean(self):
        data = super().clean()
        total = sum(data.get(name) or 0 for name in ("received", "lost", "wrong_item", "short"))
        if total > self.expected:
            self.add_error(
                "received",
                ngettext(
                    "Only %(count)d unit is still expected: the four add up to %(total)d.",
                    "Only %(count)d units are still expected: the four add up to %(total)d.",
                    self.expected,
                )
                % {"count": self.expected, "total": total},
            )
        return data

    def receipt(self) -> LineReceipt:
        data = self.cleaned_data
        return LineReceipt(
            received=data.get("received") or 0,
            lost=data.get("lost") or 0,
            wrong_item=data.get("wrong_item") or 0,
            short=data.get("short") or 0,
        )


class ReceiptKeyForm(forms.Form):
    """The receipt's idempotency key, drawn when the page is drawn."""

    key = forms.CharField(widget=forms.HiddenInput, required=False)


class ReceiptForms(Forms):
    """One receipt: a form per line still expecting units, and its key."""

    def __init__(self, forms_, *, key_form: ReceiptKeyForm, return_request: ReturnRequest):
        super().__init__(forms_)
        self.key_form = key_form
        self.return_request = return_request
        self.done_before = False

    @classmethod
    def for_return(
        cls, return_request: ReturnRequest, data=None, files=None, *, prefix: str, user=None
    ):
        lines = [
            line
            for line in return_request.lines.select_related("order_line").order_by("pk")
            if outstanding(line)
        ]
        return cls(
            [
                LineReceiptForm(data, return_line=line, prefix=f"{prefix}-{line.pk}")
                for line in lines
            ],
            key_form=ReceiptKeyForm(data, prefix=prefix, initial={"key": uuid.uuid4().hex}),
            return_request=return_request,
        )

    @property
    def key(self) -> str:
        return self.key_form.cleaned_data.get("key", "") if self.key_form.is_valid() else ""

    def is_valid(self) -> bool:
        # This very form was recorded already (a double click, a second tab): it
        # is done, whatever the lines expect now; receiving.receive checks again
        # under the return's lock, and records nothing.
        try:
            self.done_before = bool(self.key) and received_under(self.return_request, self.key)
        except ValueError as error:
            self._errors = [str(error)]
            return False
        return True if self.done_before else super().is_valid()

    def clean_together(self) -> bool:
        if not any(form.receipt().total for form in self.forms):
            self._errors = [_("Say how many units arrived or were accounted for otherwise.")]
            return False
        return True

    def receipts(self) -> dict[int, LineReceipt]:
        if self.done_before:
            return {}
        return {form.return_line.pk: form.receipt() for form in self.forms}


# --- inspecting -------------------------------------------------------------------------


class UnitInspectionForm(forms.Form):
    """One unit: the checklist, the outcome and its particulars, and photos."""

    outcome = forms.ChoiceField(
        label=gettext_lazy("Outcome"),
        choices=[("", gettext_lazy("Not inspected yet")), *InspectionOutcome.choices],
        required=False,
    )
    deduction = forms.DecimalField(
        label=gettext_lazy("Deduction"),
        help_text=gettext_lazy(
            "Partial refund only: the loss of value from handling beyond what was "
            "needed to check the item."
        ),
        min_value=Decimal("0"),
        max_digits=12,
        decimal_places=2,
        required=False,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )
    deduction_reason = forms.CharField(
        label=gettext_lazy("Reason for the deduction"), max_length=255, required=False
    )
    justification = forms.CharField(
        label=gettext_lazy("Justification"),
        help_text=gettext_lazy("Required when the unit is refused."),
        max_length=JUSTIFICATION_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    disposition = forms.ChoiceField(
        label=gettext_lazy("The refused goods are"),
        choices=[("", "—"), *RefusedDisposition.choices],
        required=False,
    )
    photos = PhotosField(label=gettext_lazy("Photos of the unit"))

    def __init__(self, *args, return_line: ReturnLine, unit: int, currency: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.return_line, self.unit, self.currency = return_line, unit, currency
        self.earnings = unit_earnings(return_line)
        self.deduction_allowed = deducts_for_handling(return_line)
        self.images: list = []
        self.checks = []
        for check in InspectionCheck:
            self.fields[check.value] = forms.ChoiceField(
                label=check.label,
                choices=[(PASS, _("Pass")), (FAIL, _("Fail"))],
                widget=forms.RadioSelect,
                required=False,
            )
            self.fields[f"{check.value}_note"] = forms.CharField(
                label=_("Note on “%(check)s”") % {"check": check.label},
                max_length=CHECK_NOTE_MAX_LENGTH,
                required=False,
            )
            self.fields[f"{check.value}_photos"] = PhotosField(
                label=_("Photos of “%(check)s”") % {"check": check.label}
            )
            self.checks.append(
                (self[check.value], self[f"{check.value}_note"], self[f"{check.value}_photos"])
            )

    @property
    def chosen(self) -> bool:
        return bool(self.is_bound and getattr(self, "cleaned_data", {}).get("outcome"))

    def clean(self):
        data = super().clean()
        if not data.get("outcome"):
            return data  # left for later: nothing else of this unit is read
        errors = result_errors(
            self._result(data, photos=()),
            earnings=self.earnings,
            deduction_allowed=self.deduction_allowed,
            currency=self.currency,
            exchange=self.return_line.return_request.resolution == "exchange",
        )
        for name, message in errors.items():
            if name not in self.errors:  # a field that did not even clean says so already
                self.add_error(name if name in self.fields else None, message)
        self.images = self._clean_photos(data)
        return data

    def _clean_photos(self, data) -> list:
        named = [("", upload) for upload in data.get("photos") or []]
        for check in InspectionCheck.values:
            named += [(check, upload) for upload in data.get(f"{check}_photos") or []]
        try:  # the unit's photos together, every check's included; counted first
            inspection_photos.clean_photos([], already=len(named))
        except ValidationError as error:
            self.add_error("photos", error)
            return []
        images = []
        for check, upload in named:
            field = f"{check}_photos" if check else "photos"
            try:
                images += [(check, image) for image in inspection_photos.clean_photos([upload])]
            except ValidationError as error:
                self.add_error(field, error)
        return images

    def _result(self, data, photos) -> UnitResult:
        checks = {}
        for check in InspectionCheck.values:
            verdict = data.get(check)
            if verdict in (PASS, FAIL):
                checks[check] = CheckResult(verdict == PASS, data.get(f"{check}_note") or "")
        return UnitResult(
            outcome=data["outcome"],
            checks=checks,
            deduction=data.get("deduction") or Decimal("0"),
            deduction_reason=data.get("deduction_reason") or "",
            justification=data.get("justification") or "",
            disposition=data.get("disposition") or "",
            photos=tuple(photos),
        )

    def result(self) -> UnitResult:
        return self._result(self.cleaned_data, self.images)


class InspectionForms(Forms):
    """The units awaiting inspection, a form each; those given an outcome are recorded."""

    @classmethod
    def for_return(
        cls, return_request: ReturnRequest, data=None, files=None, *, prefix: str, user=None
    ):
        lines = list(return_request.lines.select_related("order_line__pin__version").order_by("pk"))
        inspected = set(
            UnitInspection.objects.filter(return_line__in=lines).values_list(
                "return_line_id", "unit"
            )
        )
        forms_ = []
        for line in lines:
            line.return_request = return_request
            for unit in range(1, (line.received_quantity or 0) + 1):
                if (line.pk, unit) not in inspected:
                    forms_.append(
                        UnitInspectionForm(
                            data,
                            files,
                            return_line=line,
                            unit=unit,
                            currency=return_request.currency,
                            prefix=f"{prefix}-{line.pk}-{unit}",
                        )
                    )
        return cls(forms_)

    def clean_together(self) -> bool:
        if self.forms and not any(form.chosen for form in self.forms):
            self._errors = [_("Choose the outcome of at least one unit.")]
            return False
        return True

    def results(self) -> list[tuple[int, int, UnitResult]]:
        return [
            (form.return_line.pk, form.unit, form.result()) for form in self.forms if form.chosen
        ]
