from django import template

from ..presentation import describe_rules

register = template.Library()


@register.simple_tag
def rule_lines(version):
    return describe_rules(version.rules)


@register.simple_tag(takes_context=True)
def policy_route(context, name, *args):
    """URL of a route of the current policy page (versions, v/<n>, compare)."""
    page = context["page"]
    return page.url + page.reverse_subpage(name, args=args)
