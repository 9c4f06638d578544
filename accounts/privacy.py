"""A buyer's personal data: export it, and delete the account.

Apps register what they hold about a user. Deleting an account anonymises
the person (name, email, login) but keeps financial and compliance records
(orders, refunds, policy approvals), which the law requires us to keep;
those records then point to an anonymous user.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.db import transaction
from django.utils import timezone

Exporter = Callable[[Any], Any]
Anonymiser = Callable[[Any], None]

_exporters: dict[str, Exporter] = {}
_anonymisers: dict[str, Anonymiser] = {}


def register_exporter(section: str, exporter: Exporter) -> None:
    """`exporter(user)` returns JSON-serialisable data for the export's `section`."""
    _exporters[section] = exporter


def register_anonymiser(name: str, anonymiser: Anonymiser) -> None:
    """`anonymiser(user)` removes personal data an app keeps outside the user row."""
    _anonymisers[name] = anonymiser


def _profile(user) -> dict:
    return {
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "preferred_language": user.preferred_language,
        "date_joined": user.date_joined.isoformat(),
        "last_login": user.last_login.isoformat() if user.last_login else None,
        "email_addresses": [
            {"email": address.email, "verified": address.verified, "primary": address.primary}
            for address in EmailAddress.objects.filter(user=user).order_by("email")
        ],
    }


def export_user_data(user) -> dict:
    data = {"exported_at": timezone.now().isoformat(), "account": _profile(user)}
    for section, exporter in sorted(_exporters.items()):
        data[section] = exporter(user)
    return data


def anonymised_email(user) -> str:
    return f"deleted-user-{user.pk}@invalid.example"


@transaction.atomic
def delete_account(user) -> None:
    """Anonymise the account; keep the records the law requires."""
    for anonymiser in _anonymisers.values():
        anonymiser(user)
    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    user.email = anonymised_email(user)
    user.first_name = ""
    user.last_name = ""
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    user.set_unusable_password()
    user.save()
    user.groups.clear()
    user.user_permissions.clear()
    # Every other session ends by itself: Django checks each session against
    # a hash of the password, which has just changed.
