"""Signing staff in as the real login does: `Client.force_login` alone opens a
session that passed no TOTP, which staff-only pages refuse (accounts.mfa).

tests/conftest.py makes every `client.force_login(user)` record the TOTP step
for a user who has an authenticator, as signing in with password then code
does; `login_without_mfa` opens the bare password session instead.
"""

from __future__ import annotations

from types import SimpleNamespace

from allauth.account.internal.flows.login import record_authentication
from allauth.mfa.models import Authenticator
from django.test import Client
from django.test.client import ClientMixin

# Django's own (conftest patches Client's, never ClientMixin's).
_force_login = ClientMixin.force_login


def record_mfa(client: Client, user) -> None:
    """Add allauth's authentication steps (password, then TOTP) to the client's session."""
    authenticator = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if authenticator is None:
        return
    session = client.session
    request = SimpleNamespace(session=session)
    record_authentication(request, user, "password", email=user.email)
    record_authentication(request, user, "mfa", id=authenticator.pk, type=authenticator.type)
    session.save()


def force_login_with_mfa(client: Client, user, backend=None) -> None:
    _force_login(client, user, backend)
    record_mfa(client, user)


def login_without_mfa(client: Client, user, backend=None) -> None:
    """A session that signed in by password only (no TOTP step recorded)."""
    _force_login(client, user, backend)
