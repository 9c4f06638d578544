"""The forms of the staff's actions on a return: reject, in transit, reply, and the
inspection (one form per returned line)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import support
from ..lifecycle import LineInspection
from ..models import ReturnLine


class RejectForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("Reason for the rejection"),
        help_text=gettext_lazy("Sent to the buyer with the decision."),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": gettext_lazy("State why the return is rejected.")},
    )


class TransitForm(forms.Form):
    tracking = forms.CharField(label=gettext_lazy("Tracking number"), max_length=64, required=False)


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=gettext_lazy("Reply to the buyer"),
        help_text=gettext_lazy("Emailed to the buyer and shown on their return page."),
        max_length=support.REPLY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": gettext_lazy("Write the reply before sending it.")},
    )
    key = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)


class LineInspectionForm(forms.Form):
    line = forms.IntegerField(widget=forms.HiddenInput)
    received = forms.IntegerField(label=gettext_lazy("Units received"), min_value=0)
    damaged = forms.IntegerField(label=gettext_lazy("Units damaged"), min_value=0, initial=0)
    deduction = forms.DecimalField(
        label=gettext_lazy("Deduction"),
        help_text=gettext_lazy("For loss of value from handling beyond trying the item on."),
        min_value=Decimal("0"),
        max_digits=12,
        decimal_places=2,
        initial=Decimal("0"),
        widget=forms.NumberInput(attrs={"step": "0.01"}),
    )
    deduction_reason = forms.CharField(
        label=gettext_lazy("Reason for the deduction"), max_length=255, required=False
    )

    def __init__(self, *args, return_line: ReturnLine, **kwargs):
        super().__init__(*args, **kwargs)
        self.return_line = return_line

    def clean(self):
        data = super().clean()
        line = self.return_line
        if data.get("line") not in (None, line.pk):
            raise forms.ValidationError(_("The lines of this return changed. Reload the page."))
        received, damaged = data.get("received"), data.get("damaged")
        if received is not None and received > line.quantity:
            self.add_error(
                "received",
                _("At most %(count)d units were returned.") % {"count": line.quantity},
            )
        elif received is not None and damaged is not None and damaged > received:
            self.add_error("damaged", _("More units damaged than received."))
        if data.get("deduction") and not data.get("deduction_reason", "").strip():
            self.add_error("deduction_reason", _("State the reason for the deduction."))
        return data


class InspectionFormSet(forms.BaseFormSet):
    """One form per returned line, in the lines' order."""

    def __init__(self, *args, lines: list[ReturnLine], **kwargs):
        self.lines = lines
        kwargs.setdefault(
            "initial",
            [
                {"line": line.pk, "received": line.quantity, "damaged": 0, "deduction": 0}
                for line in lines
            ],
        )
        super().__init__(*args, **kwargs)

    def total_form_count(self):
        return len(self.lines)

    def get_form_kwargs(self, index):
        return {"return_line": self.lines[index]}

    def results(self) -> dict[int, LineInspection]:
        return {
            form.return_line.pk: LineInspection(
                received=form.cleaned_data["received"],
                damaged=form.cleaned_data["damaged"],
                deduction=form.cleaned_data["deduction"],
                deduction_reason=form.cleaned_data["deduction_reason"],
            )
            for form in self.forms
        }


InspectionForms = forms.formset_factory(
    LineInspectionForm, formset=InspectionFormSet, extra=0, max_num=1000
)
