"""Template filters of core/formatting.py, in the active language:
{{ amount|money:currency }}, {{ rate|percent }}, {{ value|number }},
{{ citation.statute|statute }}."""

from django import template

from core import formatting

register = template.Library()


@register.filter
def money(amount, currency):
    """ "€3.90" (en), "3,90 €" (fr, de)."""
    return formatting.format_money(amount, currency)


@register.filter
def percent(value):
    """A percentage given in percent: "10%" (en), "10 %" (fr, de)."""
    return formatting.format_percent(value)


@register.filter
def number(value):
    """A plain number: "2.5" (en), "2,5" (fr, de)."""
    return formatting.format_number(value)


@register.filter
def statute(value):
    """A canonical citation with the statute names in the reader's language."""
    return formatting.statute_text(value)
