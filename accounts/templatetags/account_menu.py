"""The account menu shown beside every account page (templates/allauth/layouts/manage.html)."""

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

register = template.Library()

# allauth's MFA views that are sign-in steps, not account settings.
_MFA_ENTRANCE = {"mfa_authenticate", "mfa_reauthenticate", "mfa_trust"}


def _is_mfa_page(view_name: str) -> bool:
    return view_name.startswith("mfa_") and view_name not in _MFA_ENTRANCE


# (key, label, URL name, views that belong to the entry). Optional entries
# (allauth.usersessions) appear only when their app is installed.
MENU = (
    ("email", _("Email addresses"), "account_email", {"account_email", "account_change_email"}),
    (
        "password",
        _("Password"),
        "account_change_password",
        {"account_change_password", "account_set_password"},
    ),
    ("mfa", _("Two-factor authentication"), "mfa_index", _is_mfa_page),
    ("sessions", _("Sessions"), "usersessions_list", {"usersessions_list"}),
    (
        "support",
        _("Support requests"),
        "helpcenter:my_requests",
        {"helpcenter:my_requests", "helpcenter:request_detail"},
    ),
    ("my_data", _("My data"), "account_my_data", {"account_my_data"}),
)


def _matches(members, view_name: str) -> bool:
    return members(view_name) if callable(members) else view_name in members


def menu_items(view_name: str) -> list[dict]:
    items = []
    for key, label, url_name, members in MENU:
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue
        items.append(
            {"key": key, "label": label, "url": url, "current": _matches(members, view_name)}
        )
    return items


@register.inclusion_tag("account/_menu.html", takes_context=True)
def account_menu(context):
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    return {"items": menu_items(match.view_name if match else "")}
