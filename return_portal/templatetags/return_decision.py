"""The decision on a request, as the buyer and staff read it: the rejection reason
in the language being rendered (the page's, or the email's: the buyer's) and the
rule that approved it without a decision."""

from django import template

from ..approval import RULE_LABELS
from ..rejection import reason_label

register = template.Library()


@register.simple_tag
def rejection_reason(return_request) -> str:
    """The label of the return's rejection reason in the active language."""
    return reason_label(return_request.rejection_code)


@register.filter
def approval_rule(code: str) -> str:
    return str(RULE_LABELS.get(code, code))
