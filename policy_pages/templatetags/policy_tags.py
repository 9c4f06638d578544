from django import template
from django.utils.safestring import mark_safe

from ..presentation import describe_rules
from ..prose import render_html, render_text
from ..rules import PolicyRules

register = template.Library()


@register.simple_tag
def rule_lines(version):
    return describe_rules(version.rules)


@register.simple_tag(takes_context=True)
def policy_route(context, name, *args):
    """URL of a route of the current policy page (versions, v/<n>, compare)."""
    page = context["page"]
    return page.url + page.reverse_subpage(name, args=args)


@register.simple_tag
def policy_rules(source):
    """The rules that fill a text's placeholders: a version's, or a page's own."""
    if hasattr(source, "build_rules"):
        return source.build_rules()
    rules = getattr(source, "rules", None)
    return rules if isinstance(rules, PolicyRules) else None  # not a policy: no values


@register.filter
def prose_html(html, rules):
    """Clause HTML with its rule values, in the reader's language (prose.py)."""
    return render_html(html, rules) if rules is not None else mark_safe(html)  # noqa: S308


@register.filter
def prose_text(text, rules):
    """The summary with its rule values, in the reader's language (prose.py)."""
    return render_text(text, rules) if rules is not None else text
