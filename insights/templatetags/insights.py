"""Figures on the dashboard, in the admin's language."""

from decimal import ROUND_HALF_UP, Decimal

from django import template

from core.formatting import format_money, format_number, format_percent

register = template.Library()


@register.filter
def rate(value):
    """A fraction as a percentage with one decimal ("12.5%", "12,5 %"); a dash for none."""
    if value is None:
        return "–"
    percent = (Decimal(str(value)) * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return format_percent(percent)


@register.filter
def one_decimal(value):
    if value is None:
        return "–"
    return format_number(Decimal(str(value)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


@register.filter
def amount(value, currency):
    return format_money(value, currency)


@register.filter
def count(value):
    return format_number(value or 0)
