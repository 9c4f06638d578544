"""`{% find_order_form %}`: the "Find my order" form, on the home page, the sign-in
page and the portal (accounts/guest_access.py; the portal answers it)."""

from django import template

from ..guest_access import FindOrderForm

register = template.Library()


@register.inclusion_tag("guest/_find_form.html", takes_context=True)
def find_order_form(context, form=None, heading="h2", intro=True):
    return {
        "form": form or FindOrderForm(),
        "heading": heading,
        "intro": intro,
        "csrf_token": context.get("csrf_token"),
        "request": context.get("request"),
    }
