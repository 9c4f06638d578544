"""The exchange section's actions on a return's page: "Retry the payment" of a
difference that was declined, and "Record the shop's reply" (the replacement
order, shipped) for a platform that does not answer through the API. The runners
call the actions (exchanges.actions.retry_payment, exchanges.reply.record_reply),
which check the staff member, lock, record the event and write the audit log."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..exchanges import actions as exchange_actions
from ..exchanges.reply import Reply, ReplyRefused, record_reply
from ..models import ActorKind, Exchange, ExchangeStatus, ReturnRequest

RETRY = "retry-exchange-payment"
REPLY = "exchange-replacement"


class RetryExchangePaymentForm(forms.Form):
    """Nothing to fill: the button says it all."""


class ReplacementForm(forms.Form):
    order_reference = forms.CharField(
        label=gettext_lazy("Replacement order reference"),
        max_length=64,
        error_messages={"required": gettext_lazy("Give the replacement order's reference.")},
    )
    shipped = forms.BooleanField(label=gettext_lazy("It has shipped"), required=False)
    carrier = forms.CharField(label=gettext_lazy("Carrier"), max_length=64, required=False)
    tracking = forms.CharField(label=gettext_lazy("Tracking number"), max_length=64, required=False)


def retry(r: ReturnRequest, user, form) -> None:
    if not exchange_actions.retry_payment(r, actor=user, actor_kind=ActorKind.STAFF):
        raise ValueError(_("The payment was declined again: the exchange still waits for it."))


def replacement(r: ReturnRequest, user, form) -> None:
    data = form.cleaned_data
    reply = Reply(
        data["order_reference"].strip(),
        shipped=data["shipped"],
        carrier=data["carrier"].strip(),
        tracking=data["tracking"].strip(),
    )
    try:
        record_reply(r, reply, actor=user, actor_kind=ActorKind.STAFF)
    except ReplyRefused as refused:
        raise ValueError(refused.message) from refused


def section_context(r: ReturnRequest, bound: dict, can_act: bool) -> dict:
    """The structured exchange staff work from (each line from its SKU to the
    replacement's, the difference and how it was settled, the shop's reply) and,
    when the viewer may approve (the step), its forms."""
    exchange = (
        Exchange.objects.filter(return_request=r).first() if r.resolution == "exchange" else None
    )
    if exchange is None:
        return {"exchange": None, "exchange_retry": False, "exchange_reply_form": None}
    lines = [line for line in r.lines.select_related("order_line") if line.exchange_sku]
    open_for_reply = can_act and exchange.status in (
        ExchangeStatus.REQUESTED,
        ExchangeStatus.ORDERED,
    )
    return {
        "exchange": {"exchange": exchange, "lines": lines},
        "exchange_retry": can_act and exchange.status == ExchangeStatus.PAYMENT_FAILED,
        "exchange_reply_form": (bound.get(REPLY) or ReplacementForm(prefix=REPLY))
        if open_for_reply
        else None,
    }
