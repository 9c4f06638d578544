"""Guest access: a buyer without an account opens one order by a magic link.

django-sesame signs the link's token for a user, so the buyer known only by an
order's email has one: a *guest* user (`User.is_guest`) per email, with no
usable password and no allauth email address, created when the email first asks
for a link. The token is scoped to one order (`scope(order_id)`), expires after
`SESAME_MAX_AGE` and works once (`SESAME_ONE_TIME`: signing in changes the
user's last login, which every earlier token of that user signed).

Opening the link signs the guest in with a *guest session*: it remembers the
orders whose links were opened in it (`granted`), and the portal shows only
those (return_portal.guest_scope). Account pages, store credit and support
requests are not a guest's (`GuestSessionMiddleware`: 404). Staff never get a
link, and a link never signs staff in.

The guest row becomes an account, keeping its orders, returns and messages,
when its buyer sets a password through the reset link emailed to its address
(`promote_guest_on_password_reset`). Signing up with that email answers as for
any existing account (allauth emails "an account already exists", with the
reset link): a sign-up form proves nothing, so it never sets a password on
someone's guest row.

Nothing here knows orders (accounts imports no app): the portal calls these.
"""

from __future__ import annotations

import re

from allauth.account.models import EmailAddress
from django import forms
from django.contrib.auth import get_user_model, login
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from sesame.utils import get_token, get_user

SESAME_BACKEND = "sesame.backends.ModelBackend"
# core.api.text's class of control characters (accounts does not import core):
# C0 but tab and line breaks, and DEL. Django's fields refuse NUL already.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# Session keys: the order ids (str) opened by a link in this session, and the
# mark of a session a link opened (restricted even if the user signs up meanwhile).
GRANTS = "guest_orders"
GUEST_SESSION = "guest_session"
MAX_GRANTS = 20  # a session opening more links keeps the latest ones

# What a guest session may not open: the account (allauth and My data), two-factor,
# store credit and support requests. /admin/ is staff's, and no guest is staff; it
# answers 404 too rather than a sign-in page.
DENIED_PREFIXES = ("account_", "mfa_")
# Signing out, and the entrance pages (allauth sends a signed-in visitor on), and
# confirming an email (a sign-up made elsewhere): never the account's settings.
ALLOWED_ACCOUNT_VIEWS = {
    "account_logout",
    "account_login",
    "account_signup",
    "account_confirm_email",
}
DENIED_VIEWS = {
    "return_portal:credit",
    "helpcenter:my_requests",
    "helpcenter:request_detail",
}
ADMIN_PREFIX = "/admin/"


def scope(order_id) -> str:
    """The one purpose of a guest token: opening this order (its public id)."""
    return f"guest-order:{order_id}"


def is_staff(user) -> bool:
    return bool(user.is_staff or user.is_superuser or user.has_perm("wagtailadmin.access_admin"))


def email_has_account(email: str) -> bool:
    """Someone signed up with `email` (as their address or another of theirs):
    such a buyer signs in; no guest row may take the email from them."""
    return (
        get_user_model().objects.filter(email__iexact=email, is_guest=False).exists()
        or EmailAddress.objects.filter(
            email__iexact=email, user__is_guest=False, verified=True
        ).exists()
    )


def holder_of(email: str):
    """The user `email` belongs to (their address, or another address of theirs), or None."""
    user = get_user_model().objects.filter(email__iexact=email).first()
    if user is None:
        # An address someone added but never verified is not theirs.
        address = (
            EmailAddress.objects.filter(email__iexact=email, verified=True)
            .select_related("user")
            .first()
        )
        user = address.user if address is not None else None
    return user


def new_guest(email: str, language: str):
    """A guest row for an email nobody holds: no password, no email address record."""
    User = get_user_model()
    user = User(email=email.strip().lower(), is_guest=True, preferred_language=language)
    user.set_unusable_password()
    try:
        with transaction.atomic():  # two requests at once: the second finds the first's
            user.save()
    except IntegrityError:
        return User.objects.get(email=user.email)
    return user


def may_get_link(user) -> bool:
    return bool(user.is_guest and user.is_active and not is_staff(user))


def token_for(user, order_id) -> str:
    return get_token(user, scope=scope(order_id))


def user_of_token(token: str, order_id):
    """The guest the token was made for, if it is still good for this order
    (signature, scope, age, not used since); None otherwise. Uses nothing up:
    only `sign_in` does."""
    if not token or len(token) > 200:
        return None
    user = get_user(token, scope=scope(order_id), update_last_login=False)
    if user is None or not may_get_link(user):
        return None
    return user


def sign_in(request, user, order_id) -> None:
    """Sign the guest in for this order. Django's login records the last login,
    which revokes this token and every earlier one of the guest (one-time)."""
    same = request.user.is_authenticated and request.user.pk == user.pk
    kept = granted(request) if same and is_guest_session(request) else []
    login(request, user, backend=SESAME_BACKEND)
    order = str(order_id)
    request.session[GRANTS] = ([g for g in kept if g != order] + [order])[-MAX_GRANTS:]
    request.session[GUEST_SESSION] = True


def is_guest_session(request) -> bool:
    return bool(getattr(request, "session", None) and request.session.get(GUEST_SESSION))


def restricted(request) -> bool:
    """This request sees only the orders its session opened by link: a guest
    session, or a guest user signed in otherwise (a sign-up not confirmed yet)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    return is_guest_session(request) or bool(getattr(user, "is_guest", False))


def granted(request) -> list[str]:
    value = request.session.get(GRANTS, []) if hasattr(request, "session") else []
    return [str(item) for item in value] if isinstance(value, list) else []


class GuestSessionMiddleware:
    """A guest session opens its orders and public pages, never the account."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        # A guest session, or a guest row signed in any other way: only its orders.
        if not restricted(request):
            return None
        if request.path_info.startswith(ADMIN_PREFIX):
            raise Http404
        match = getattr(request, "resolver_match", None)
        name = match.view_name if match is not None else ""
        if name in DENIED_VIEWS:
            raise Http404
        if name.startswith(DENIED_PREFIXES) and name not in ALLOWED_ACCOUNT_VIEWS:
            raise Http404
        return None


def promote_guest_on_password_reset(sender, request, user, **kwargs):
    """A guest row becomes an account when its buyer sets a password through the
    reset link sent to its email: that link, not a sign-up form, proves the
    address. (Signing up with a guest's email is "an account already exists":
    allauth emails a reset link, so nobody can set a password on another's row.)"""
    if not getattr(user, "is_guest", False):
        return
    user.is_guest = False
    user.save(update_fields=["is_guest"])
    address, _created = EmailAddress.objects.get_or_create(
        user=user, email__iexact=user.email, defaults={"email": user.email, "primary": True}
    )
    if not address.verified:
        address.verified = True
        address.save(update_fields=["verified"])


class FindOrderForm(forms.Form):
    """An order reference and the email it was placed with. Bounded and free of
    control characters (Django's fields refuse NUL), so bad input is a form error."""

    reference = forms.CharField(
        label=_("Order reference"),
        max_length=64,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    email = forms.EmailField(
        label=_("Email address of the order"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:  # the message is read with the field
                self.fields[name].widget.attrs["aria-describedby"] = f"id_{name}-error"

    def clean_reference(self):
        value = self.cleaned_data["reference"].strip()
        if CONTROL_CHARACTERS.search(value):
            raise forms.ValidationError(_("Control characters are not allowed."))
        return value

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()
