"""A settlement's figures in words, in the active language: what the buyer's page,
the email and the staff page say each amount is for. The staff's own words (a
deduction's reason, a refusal's justification) are quoted as written."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.formatting import format_number

from .models import RefusedDisposition
from .settlement_figures import CREDIT, REFUND, Figure, Reason

_TEXTS = {
    Reason.FULL_REFUND: lambda: _("%(count)d × %(title)s: accepted, refunded in full"),
    Reason.PARTIAL_REFUND: lambda: _("%(count)d × %(title)s: accepted, less the deduction below"),
    Reason.STORE_CREDIT: lambda: _(
        "%(count)d × %(title)s: accepted, as the store credit you chose"
    ),
    Reason.KEPT: lambda: _(
        "%(count)d × %(title)s: yours to keep, refunded in full without a return"
    ),
    Reason.CREDIT_NEEDS_AGREEMENT: lambda: _(
        "%(count)d × %(title)s: accepted and refunded to your means of payment, as store "
        "credit needs your agreement"
    ),
    Reason.RESTOCKING: lambda: _("The policy's restocking fee on %(count)d × %(title)s"),
    Reason.HANDLING: lambda: _("%(title)s, unit %(unit)s: %(note)s"),
    Reason.REFUSED: lambda: _("%(count)d × %(title)s refused: %(note)s"),
    Reason.REPAIRED: lambda: _("%(count)d × %(title)s: repaired and sent back, nothing to refund"),
    Reason.REPLACED: lambda: _("%(count)d × %(title)s: replaced, nothing to refund"),
    Reason.LOST: lambda: _("%(count)d × %(title)s lost in transit: not received, so not refunded"),
    Reason.WRONG_ITEM: lambda: _(
        "%(count)d × %(title)s: another item arrived instead, so not refunded"
    ),
    Reason.SHORT: lambda: _("%(count)d × %(title)s: missing from the parcel, so not refunded"),
    Reason.UNINSPECTED: lambda: _("%(count)d × %(title)s: not checked yet"),
    Reason.WHOLE_WITHDRAWAL: lambda: _(
        "You withdrew from the whole order: the standard delivery is refunded"
    ),
    Reason.EXPRESS_KEPT: lambda: _(
        "The express delivery surcharge of %(amount)s is not refunded: the law lets the "
        "seller keep what you paid above standard delivery"
    ),
    Reason.RETURN_SHIPPING: lambda: _("Return shipping, paid by you as the policy says"),
    Reason.CREDIT_BONUS: lambda: _("The policy's bonus of %(percent)s%% on store credit"),
    Reason.LINE_CAP: lambda: _(
        "%(title)s: limited to what remains of its price after earlier refunds"
    ),
    Reason.PAYMENT_CAP: lambda: _("Limited to what remains of your payment after earlier refunds"),
}

_DISPOSITIONS = {
    RefusedDisposition.RETURN_TO_BUYER: lambda: _("The goods are sent back to you."),
    RefusedDisposition.KEPT_AT_BUYERS_REQUEST: lambda: _("The goods are kept, as you asked."),
}


def describe(figure: Figure, money_of=str) -> str:
    """What the figure is for, in the active language. `money_of` formats an
    amount (the express surcharge kept) for the reader."""
    if figure.reason == Reason.PAID_LATE:
        return ngettext(
            "Paid %(days)d day late: the increase the law adds",
            "Paid %(days)d days late: the increase the law adds",
            figure.quantity,
        ) % {"days": figure.quantity}
    values = {
        "count": figure.quantity,
        "title": figure.title,
        "unit": figure.unit if figure.unit is not None else "",
        "note": figure.note or "—",
        # The reader's digits ("12,5"); the translation places the sign.
        "percent": format_number(figure.detail) if figure.reason == Reason.CREDIT_BONUS else "",
        "amount": money_of(figure.detail) if figure.reason == Reason.EXPRESS_KEPT else "",
    }
    text = _TEXTS[figure.reason]() % values
    disposition = _DISPOSITIONS.get(figure.detail) if figure.reason == Reason.REFUSED else None
    return f"{text}. {disposition()}" if disposition else text


def paid_as_text(paid_as: str) -> str:
    if paid_as == REFUND:
        return _("to your means of payment")
    if paid_as == CREDIT:
        return _("as store credit")
    return ""
