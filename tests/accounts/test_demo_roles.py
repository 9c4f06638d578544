"""The demo's staff roles: the operator's staff see every seller, each seller's
staff only their seller, and seller staff may act on their returns (within the
steps the back-office settings give sellers)."""

import pytest
from django.contrib.auth import get_user_model

from accounts.demo import DEMO_USERS, seed_users
from core.management.commands.seed_demo import SEEDERS
from marketplace.models import Seller
from marketplace.scoping import scope_of_user
from policy_pages.demo_orders import seed_demo_orders
from return_portal.seeding import seed_seller_staff, seed_staff_permissions
from tests.policy_pages.conftest import policies  # the demo policies

__all__ = ["policies"]

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(policies):
    seed_users()
    seed_demo_orders()
    seed_staff_permissions()
    seed_seller_staff()
    users = get_user_model().objects
    return lambda email: users.get(email=email)  # permissions read afresh each time


def _ids(*references):
    return frozenset(Seller.objects.filter(reference__in=references).values_list("pk", flat=True))


def test_the_operator_sees_every_seller(demo):
    for email in ("operator@example.com", "returns@example.com"):
        assert scope_of_user(demo(email)).is_operator, email


def test_each_seller_staff_sees_their_seller_only(demo):
    seller, seller2 = demo("seller@example.com"), demo("seller2@example.com")

    assert scope_of_user(seller).seller_ids == _ids("maison-durand")
    assert scope_of_user(seller2).seller_ids == _ids("atelier-lumiere")
    assert not scope_of_user(seller).is_operator
    for user in (seller, seller2):
        assert user.has_perm("return_portal.change_returnrequest")
        assert user.authenticator_set.filter(type="totp").exists()


def test_the_seller_staff_seed_is_idempotent_and_in_the_demo(demo):
    assert seed_seller_staff() == 0
    assert SEEDERS.index("return_portal.seeding.seed_seller_staff") > SEEDERS.index(
        "policy_pages.demo_orders.seed_demo_orders"
    )


def test_every_demo_account_keeps_working(demo):
    emails = {user.email for user in DEMO_USERS}
    assert {
        "admin@example.com",
        "editor@example.com",
        "legal@example.com",
        "returns@example.com",
        "operator@example.com",
        "seller@example.com",
        "seller2@example.com",
        "buyer@example.com",
        "acheteur@example.com",
    } <= emails
    assert get_user_model().objects.filter(email__in=emails).count() == len(emails)
