"""The settlement section of a return's page (admin/_settlement.html): the
settlement decided, or what it would be so far, figure by figure; what resolving
will book on each means of payment (admin/actions/_resolve.html); and the forms
"Refund an amount" and "Goodwill refund" (admin/actions/_refund.html).

The goodwill form of a return's page can be about the order alone (no return
needed: a late delivery...): staff reach any order that has a return this way,
and integrations use the API for the others. The runners call the actions
(refunds.manual.refund_return, refunds.goodwill.goodwill_refund), which check
the staff member, lock, book, record and email; actions.py lists them.
"""

from __future__ import annotations

import uuid
from decimal import Decimal

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from marketplace.scoping import scope_of_user

from .. import actors
from ..actors import Step
from ..models import RELEASED_STATUSES, ActorKind, ReturnRequest, ReturnStatus
from ..refunds import RefundTooLarge, booking, goodwill, manual
from ..settlement_figures import REFUND

REFUND_ACTION = "refund-amount"
GOODWILL_ACTION = "goodwill-refund"
ZERO = Decimal("0.00")


class AmountForm(forms.Form):
    amount = forms.DecimalField(
        label=gettext_lazy("Amount"),
        min_value=Decimal("0.01"),
        max_digits=12,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01"}),
        error_messages={"required": gettext_lazy("Give the amount to refund.")},
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        help_text=gettext_lazy("The buyer reads it, in the email and on their page."),
        max_length=manual.REASON_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": gettext_lazy("Say why: the buyer reads it.")},
    )
    key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {"key": uuid.uuid4().hex})
        super().__init__(*args, **kwargs)


class GoodwillForm(AmountForm):
    order_only = forms.BooleanField(
        label=gettext_lazy("A gesture on the order, not about this return"),
        required=False,
    )


def refund_amount(r: ReturnRequest, user, form) -> None:
    """The runner of "Refund an amount": a refusal (beyond what remains, say) is
    the page's error message, with what remains."""
    data = form.cleaned_data
    manual.refund_return(r, data["amount"], data["reason"], actor=user, key=data["key"])


def goodwill_amount(r: ReturnRequest, user, form) -> None:
    data = form.cleaned_data
    try:
        goodwill.goodwill_refund(
            r.order,
            data["amount"],
            data["reason"],
            actor=user,
            key=data["key"],
            return_request=None if data["order_only"] else r,
        )
    except actors.ActionDenied:
        if not data["order_only"]:
            raise
        raise ValueError(
            _("A gesture on the whole order is for staff of every seller of the order.")
        ) from None


def split_preview(r: ReturnRequest, settlement) -> list[tuple[str, Decimal]]:
    """What resolving would book on each means of payment (and as store credit)."""
    read = booking.lock_order(r.order_id, lock=False, return_request=r)
    rows = []
    if settlement.refund > 0:
        try:
            shares = booking.split(
                settlement.refund, settlement.line_amounts(REFUND), read.payments
            )
        except RefundTooLarge:
            shares = []
        rows += [(share.payment.method, share.amount) for share in shares]
    if settlement.store_credit > 0:
        rows.append((_("store credit"), settlement.store_credit))
    return rows


def section_context(r: ReturnRequest, bound: dict, can_act: bool, user) -> dict:
    """What _settlement.html and actions/_resolve.html show."""
    context: dict = {"settlement_preview": None, "settlement_split": []}
    if r.status == ReturnStatus.INSPECTED:
        preview = booking.preview(r)
        context["settlement_preview"] = preview
        context["settlement_split"] = split_preview(r, preview)
        context["settlement_operator_only"] = not actors.may_act(
            r, user, ActorKind.STAFF, Step.SETTLE, preview.total
        )
    can_refund = can_act and r.status not in (*RELEASED_STATUSES, ReturnStatus.REQUESTED)
    context["refund_form"] = (
        (bound.get(REFUND_ACTION) or AmountForm(prefix=REFUND_ACTION)) if can_refund else None
    )
    context["refund_remaining"] = manual.remaining_for(r) if can_refund else None
    context["goodwill_form"] = (
        (bound.get(GOODWILL_ACTION) or GoodwillForm(prefix=GOODWILL_ACTION)) if can_act else None
    )
    if context["goodwill_form"] is not None:
        read = booking.lock_order(r.order_id, lock=False)
        context["goodwill_remaining"] = read.payments_left
        # The order as a whole is for staff who cover each of its sellers.
        scope = scope_of_user(user)
        if not all(scope.allows(line.seller_id) for line in read.lines.values()):
            del context["goodwill_form"].fields["order_only"]
    return context
