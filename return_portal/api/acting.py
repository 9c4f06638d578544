"""Who acts when an API token calls an action: the token's acting user.

Every action checks a user (`actors.check`: the "change" permission on returns,
the user's seller scope, and the steps BackOfficeSettings leaves to sellers) and
records them (the return's events, the audit log, a refund's `created_by`).
A token is not a user, so each token acts through a user of its own, made on
its first action and kept in line with the token on every one:

- it holds exactly the token's scope: the operator's permission for an operator
  token, a membership of the token's seller for a seller's, never more (groups,
  staff and superuser flags an administrator may have added are taken away);
- it cannot sign in: no usable password, no verified address (the address is
  under the reserved .invalid domain), not staff;
- the history reads "API <token name>", so staff see which integration acted.

A token acts only while it is valid (`marketplace.auth`): revoking it stops its
user too, since nothing but the token reaches that user.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import IntegrityError, transaction

from marketplace.models import OPERATOR_CODENAME, ApiToken, SellerMembership

from ..actors import CHANGE_PERMISSION

ACTING_DOMAIN = "api-tokens.invalid"  # RFC 2606: never delivered anywhere
ACTING_FIRST_NAME = "API"


def acting_email(token: ApiToken) -> str:
    return f"token-{token.pk}@{ACTING_DOMAIN}"


def _permissions(token: ApiToken) -> set[int]:
    app, codename = CHANGE_PERMISSION.split(".")
    wanted = [(app, codename)]
    if token.seller_id is None:
        wanted.append(("marketplace", OPERATOR_CODENAME))
    found = Permission.objects.filter(
        content_type__app_label__in=[a for a, _c in wanted],
        codename__in=[c for _a, c in wanted],
    ).values_list("pk", "content_type__app_label", "codename")
    return {pk for pk, app_label, code in found if (app_label, code) in wanted}


def _user_for(token: ApiToken):
    users = get_user_model().objects
    email = acting_email(token)
    user = users.filter(email=email).first()
    if user is not None:
        return user
    try:
        with transaction.atomic():
            # No password: set_password(None) makes it unusable.
            return users.create_user(
                email, password=None, first_name=ACTING_FIRST_NAME, last_name=token.name[:150]
            )
    except IntegrityError:  # the token's first two actions at once
        return users.get(email=email)


def _align(user, token: ApiToken) -> None:
    """Give `user` exactly the token's scope."""
    changed = {}
    if user.is_staff or user.is_superuser:
        changed.update(is_staff=False, is_superuser=False)
    if user.last_name != token.name[:150]:
        changed["last_name"] = token.name[:150]
    if changed:
        type(user).objects.filter(pk=user.pk).update(**changed)
    if user.groups.exists():
        user.groups.clear()
    wanted = _permissions(token)
    if set(user.user_permissions.values_list("pk", flat=True)) != wanted:
        user.user_permissions.set(wanted)
    sellers = {token.seller_id} if token.seller_id is not None else set()
    memberships = SellerMembership.objects.filter(user=user)
    if set(memberships.values_list("seller_id", flat=True)) != sellers:
        memberships.exclude(seller_id__in=sellers).delete()
        for seller_id in sellers:
            SellerMembership.objects.get_or_create(user=user, seller_id=seller_id)


def acting_user(token: ApiToken):
    """The user `token`'s actions are taken as, with the token's scope, read fresh
    (permission and scope caches live on the instance)."""
    user = _user_for(token)
    _align(user, token)
    return get_user_model().objects.get(pk=user.pk)
