"""Settings → Seller staff and Settings → API tokens: the operator's staff give
staff users sellers and manage tokens (created once, revoked, never shown
again); seller staff see neither."""

import re

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from marketplace.models import ApiToken, SellerMembership, hash_token
from marketplace.scoping import scope_of_user
from tests.factories import StaffUserFactory, UserFactory
from tests.marketplace.factories import SellerFactory

pytestmark = pytest.mark.django_db


def _operator():
    user = StaffUserFactory(with_totp=True)
    user.user_permissions.add(Permission.objects.get(codename="operate_marketplace"))
    return user


@pytest.fixture
def seller(db):
    return SellerFactory(reference="maison-durand")


@pytest.fixture
def seller_staff(seller):
    user = StaffUserFactory(with_totp=True)
    SellerMembership.objects.create(user=user, seller=seller)
    return user


def test_the_operator_gives_a_staff_user_a_seller(client, site_tree, seller):
    newcomer = StaffUserFactory(with_totp=True)
    assert not scope_of_user(newcomer).allows(seller.pk)
    client.force_login(_operator())

    menu = client.get(reverse("wagtailadmin_home")).content.decode()
    assert reverse("seller_staff:index") in menu and reverse("api_tokens:index") in menu
    form = client.get(reverse("seller_staff:add")).content.decode()
    buyer = UserFactory()
    assert f'<option value="{newcomer.pk}"' in form
    assert f'<option value="{buyer.pk}"' not in form  # only staff accounts are offered
    response = client.post(reverse("seller_staff:add"), {"user": newcomer.pk, "seller": seller.pk})

    assert response.status_code == 302
    newcomer = type(newcomer).objects.get(pk=newcomer.pk)
    assert scope_of_user(newcomer).allows(seller.pk)
    listing = client.get(reverse("seller_staff:index")).content.decode()
    assert str(seller) in listing


def test_a_buyer_cannot_be_made_seller_staff(client, site_tree, seller):
    client.force_login(_operator())
    response = client.post(
        reverse("seller_staff:add"), {"user": UserFactory().pk, "seller": seller.pk}
    )
    assert response.status_code == 200  # the form again, with its error
    assert not SellerMembership.objects.exists()


def test_seller_staff_see_neither_admin(client, site_tree, seller_staff):
    client.force_login(seller_staff)
    menu = client.get(reverse("wagtailadmin_home")).content.decode()
    assert reverse("seller_staff:index") not in menu
    assert reverse("api_tokens:index") not in menu
    for url in (
        reverse("seller_staff:index"),
        reverse("seller_staff:add"),
        reverse("api_tokens:index"),
        reverse("api_tokens:add"),
    ):
        assert client.get(url).status_code in (302, 403), url
    response = client.post(
        reverse("seller_staff:add"),
        {"user": seller_staff.pk, "seller": SellerFactory(reference="other").pk},
    )
    assert response.status_code in (302, 403)
    assert SellerMembership.objects.filter(user=seller_staff).count() == 1


def test_a_token_created_in_the_admin_is_shown_once(client, site_tree, seller):
    client.force_login(_operator())

    response = client.post(reverse("api_tokens:add"), {"name": "durand-erp", "seller": seller.pk})

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    token = re.search(r"rh_[\w-]{20,}", response.content.decode()).group(0)
    row = ApiToken.objects.get(name="durand-erp")
    assert row.token_hash == hash_token(token) and row.seller == seller
    assert ApiToken.authenticate(token) == row
    # Never again: neither the listing nor the edit page holds it.
    for url in (reverse("api_tokens:index"), reverse("api_tokens:edit", args=[row.pk])):
        page = client.get(url)
        assert page.status_code == 200
        assert token not in page.content.decode()


def test_the_operator_revokes_a_token_for_good(client, site_tree):
    row, token = ApiToken.issue("checkout")
    client.force_login(_operator())
    edit = reverse("api_tokens:edit", args=[row.pk])

    assert client.post(edit, {"name": "checkout", "revoked": "on"}).status_code == 302
    assert ApiToken.authenticate(token) is None

    again = client.post(edit, {"name": "checkout"})
    assert again.status_code == 200  # the form's error
    row.refresh_from_db()
    assert row.revoked
    # Tokens are not deleted: their rows record who had access.
    assert client.get(f"/admin/api_tokens/delete/{row.pk}/").status_code in (302, 403, 404)
    assert ApiToken.objects.filter(pk=row.pk).exists()
