"""Demo accounts created by `manage.py seed_demo`."""

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction

DEMO_PASSWORD = "returns-demo-2026"  # noqa: S105 - printed by `make run`, demo only


@dataclass(frozen=True)
class DemoUser:
    email: str
    first_name: str
    last_name: str
    role: str
    groups: tuple[str, ...] = ()
    is_staff: bool = False
    is_superuser: bool = False
    language: str = "en"


DEMO_USERS = (
    DemoUser(
        "admin@example.com", "Ada", "Admin", "administrator", is_staff=True, is_superuser=True
    ),
    DemoUser("editor@example.com", "Emma", "Editor", "policy editor", ("Policy editors",), True),
    DemoUser("legal@example.com", "Louis", "Legal", "legal approver", ("Legal approvers",), True),
    DemoUser(
        "operator@example.com",
        "Olivia",
        "Operator",
        "operator staff (every seller)",
        ("Returns staff",),
        True,
    ),
    DemoUser(
        "returns@example.com",
        "Rita",
        "Returns",
        "returns staff (operator)",
        ("Returns staff",),
        True,
    ),
    # Members of one seller each (return_portal.seeding.DEMO_SELLER_STAFF: accounts
    # knows no sellers).
    DemoUser(
        "seller@example.com",
        "Sam",
        "Seller",
        "seller staff (Maison Durand)",
        ("Seller staff",),
        True,
    ),
    DemoUser(
        "seller2@example.com",
        "Lena",
        "Lumière",
        "seller staff (Atelier Lumière)",
        ("Seller staff",),
        True,
    ),
    DemoUser("buyer@example.com", "Bea", "Buyer", "buyer", language="en"),
    DemoUser("acheteur@example.com", "Camille", "Martin", "buyer (French)", language="fr"),
)

# Every staff group may enter the Wagtail admin; finer permissions are added
# by the apps that own the content (policy pages, help center, returns).
STAFF_GROUPS = ("Policy editors", "Legal approvers", "Returns staff", "Seller staff")


def ensure_staff_groups() -> dict[str, Group]:
    access_admin = Permission.objects.get(
        content_type__app_label="wagtailadmin", codename="access_admin"
    )
    groups = {}
    for name in STAFF_GROUPS:
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.add(access_admin)
        groups[name] = group
    return groups


@transaction.atomic
def seed_users() -> list[DemoUser]:
    User = get_user_model()
    groups = ensure_staff_groups()
    for spec in DEMO_USERS:
        user, created = User.objects.get_or_create(
            email=spec.email,
            defaults={
                "first_name": spec.first_name,
                "last_name": spec.last_name,
                "is_staff": spec.is_staff,
                "is_superuser": spec.is_superuser,
                "preferred_language": spec.language,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        EmailAddress.objects.get_or_create(
            user=user, email=spec.email, defaults={"verified": True, "primary": True}
        )
        user.groups.add(*(groups[name] for name in spec.groups))
        if (
            spec.is_staff
            and not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        ):
            # Staff need TOTP for the admin; `manage.py demo_totp EMAIL` prints
            # the current code so a newcomer can try it without a phone.
            TOTP.activate(user, generate_totp_secret())
    return list(DEMO_USERS)
