"""Money with its currency, in the reader's language ("49,90 €", "€49.90")."""

from decimal import Decimal, InvalidOperation

from babel.numbers import format_currency
from django import template
from django.conf import settings
from django.utils.translation import get_language, to_locale

register = template.Library()


@register.filter
def money(amount, currency):
    try:
        value = Decimal(str(amount))
    except (InvalidOperation, ValueError):
        return ""
    locale = to_locale(get_language() or settings.LANGUAGE_CODE)
    return format_currency(value, currency, locale=locale)


@register.filter
def money_abs(amount, currency):
    """The amount without its sign (the words around it say which way it goes)."""
    try:
        return money(abs(Decimal(str(amount))), currency)
    except (InvalidOperation, ValueError):
        return ""
