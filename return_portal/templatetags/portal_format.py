"""Money with its currency, in the reader's language ("49,90 €", "€49.90"):
the portal's templates load this library; the formatting is core/formatting.py's."""

from decimal import Decimal, InvalidOperation

from django import template

from core.formatting import format_money

register = template.Library()


@register.filter
def money(amount, currency):
    return format_money(amount, currency)


@register.filter
def money_abs(amount, currency):
    """The amount without its sign (the words around it say which way it goes)."""
    try:
        return format_money(abs(Decimal(str(amount))), currency)
    except (InvalidOperation, ValueError, TypeError):
        return ""
