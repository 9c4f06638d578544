"""The forms of the staff's actions on a return: reject, in transit and reply
(receiving and inspecting: inspection_forms.py), and what the assign forms share
(`AssigneeChoice`: the page's, sections.py, and the queue's, bulk.py)."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import rejection, support


class RejectForm(forms.Form):
    """A reason of the list (in the staff's language; the buyer reads it in theirs)
    and, optionally, the staff's own words: required with "Other reason"."""

    code = forms.ChoiceField(
        label=gettext_lazy("Reason for the rejection"),
        widget=forms.RadioSelect,
        error_messages={
            "required": gettext_lazy("Choose the reason for the rejection."),
            "invalid_choice": gettext_lazy("Choose one of the reasons offered."),
        },
    )
    note = forms.CharField(
        label=gettext_lazy("Explanation for the buyer"),
        help_text=gettext_lazy(
            "Sent to the buyer with the reason, in the words you write. "
            "Required with “Other reason”."
        ),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["code"].choices = [
            (reason.code, reason.label) for reason in rejection.active_reasons()
        ]

    def clean(self):
        data = super().clean()
        if data.get("code") == rejection.OTHER_REASON and not data.get("note", "").strip():
            self.add_error("note", _("Say why the return is rejected."))
        return data


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


def chosen_staff(pk: str):
    """The staff account of an assign form's choice, None for nobody ("").

    The choices are the staff as the form was built: an account deleted since,
    or an id that names none, is the form's error, never a 500."""
    if not pk:
        return None
    User = get_user_model()
    try:
        return User.objects.get(pk=pk)
    except (User.DoesNotExist, ValueError, ValidationError):
        raise ValidationError(
            _("This account no longer exists. Choose someone else."), code="invalid_choice"
        ) from None


class AssigneeChoice:
    """For a form with an `assignee` choice of staff ids: cleaned to the account
    (chosen_staff), which `chosen()` returns."""

    def clean_assignee(self):
        return chosen_staff(self.cleaned_data["assignee"])

    def chosen(self):
        return self.cleaned_data["assignee"]
