"""The refunds section of a return's page: each refund with its surcharge, days
late and state, a failed one's "Retry the payment", and "Record a refund paid
outside the hub". The runners call the actions (refunds.payout.retry,
refunds.external.record_external_refund), which check the staff member, lock,
record the event and write the audit log; actions.py lists them."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.admin.widgets import AdminDateTimeInput

from ..models import RELEASED_STATUSES, ActorKind, ReturnRequest
from ..refunds import RefundTooLarge, external, payout, report

RETRY = "retry-refund"
EXTERNAL = "external-refund"


class RetryRefundForm(forms.Form):
    refund = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class ExternalRefundForm(forms.Form):
    amount = forms.DecimalField(
        label=gettext_lazy("Amount paid"),
        min_value=Decimal("0.01"),
        max_digits=12,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01"}),
        error_messages={"required": gettext_lazy("Give the amount that was paid.")},
    )
    paid_at = forms.DateTimeField(
        label=gettext_lazy("Paid at"),
        widget=AdminDateTimeInput,
        error_messages={"required": gettext_lazy("Give the date and time it was paid.")},
    )
    reference = forms.CharField(
        label=gettext_lazy("Payment reference"),
        help_text=gettext_lazy("The reference in the payment system that paid it."),
        max_length=128,
        required=False,
    )
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=500, required=False)
    key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def clean_paid_at(self):
        paid_at = self.cleaned_data["paid_at"]
        if paid_at > timezone.now():
            raise forms.ValidationError(_("The payment date cannot be in the future."))
        return paid_at


def retry_payment(r: ReturnRequest, user, form) -> None:
    refund = r.refunds.filter(pk=form.cleaned_data["refund"]).first()
    if refund is None:
        raise ValueError(_("This refund is not one of this return's. Reload the page."))
    if not payout.retry(refund, actor=user, actor_kind=ActorKind.STAFF):
        raise ValueError(_("This refund is being paid already: nothing to retry."))


def record_external(r: ReturnRequest, user, form) -> None:
    data = form.cleaned_data
    try:
        external.record_external_refund(
            r,
            data["amount"],
            data["paid_at"],
            actor=user,
            actor_kind=ActorKind.STAFF,
            key=data["key"],
            reference=data["reference"],
            reason=data["reason"],
        )
    except RefundTooLarge as error:
        raise ValueError(str(error)) from None


def section_context(r: ReturnRequest, bound: dict, can_act: bool) -> dict:
    """What _refunds.html shows: the refunds, and the forms staff may use."""
    can_record = can_act and r.status not in RELEASED_STATUSES
    return {
        "refund_rows": report.refunds_of(r),
        "refund_can_act": can_act,
        "external_refund_form": (
            bound.get(EXTERNAL)
            or ExternalRefundForm(prefix=EXTERNAL, initial={"key": uuid.uuid4().hex})
        )
        if can_record
        else None,
    }
