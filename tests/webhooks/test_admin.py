"""The admin: endpoints and deliveries scoped to the staff's sellers (another
seller's answers 404), "Resend", rotation from the form, and bad input in the
form answered with errors, never a 500."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone
from standardwebhooks import Webhook

import webhooks
from marketplace.models import OPERATOR_CODENAME, SellerMembership
from tests.factories import StaffUserFactory
from tests.webhooks.conftest import endpoint
from webhooks import outbox
from webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint

pytestmark = pytest.mark.django_db

PERMISSIONS = [
    "add_webhookendpoint",
    "change_webhookendpoint",
    "delete_webhookendpoint",
    "view_webhookendpoint",
    "view_webhookdelivery",
    "change_webhookdelivery",
]


def staff(*, sellers=(), operator=False, codenames=PERMISSIONS):
    user = StaffUserFactory(with_totp=True)
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="webhooks", codename__in=codenames)
    )
    if operator:
        user.user_permissions.add(
            Permission.objects.get(
                content_type__app_label="marketplace", codename=OPERATOR_CODENAME
            )
        )
    for seller in sellers:
        SellerMembership.objects.create(user=user, seller=seller)
    return user


def delivered_to(hook, key="return:R-1"):
    webhooks.emit("return.approved", {"rma": "R-1"}, seller_ids={hook.seller_id}, ordering_key=key)
    return WebhookDelivery.objects.filter(endpoint=hook).latest("id")


def form_data(**fields):
    return {
        "url": "https://example.com/hook",
        "description": "",
        "events": ["return.approved"],
        "enabled": "on",
        **fields,
    }


def test_seller_staff_see_only_their_sellers_endpoints(client, seller_a, seller_b):
    hook_a = endpoint("https://a.example/hook", seller=seller_a)
    hook_b = endpoint("https://b.example/hook", seller=seller_b)
    operator_hook = endpoint("https://operator.example/hook")
    client.force_login(staff(sellers=[seller_b]))
    index = client.get(reverse("webhook_endpoints:index"))
    assert index.status_code == 200
    assert b"b.example" in index.content
    assert b"a.example" not in index.content and b"operator.example" not in index.content
    for hook in (hook_a, operator_hook):
        assert client.get(reverse("webhook_endpoints:edit", args=[hook.pk])).status_code == 404
        assert (
            client.post(reverse("webhook_endpoints:edit", args=[hook.pk]), form_data()).status_code
            == 404
        )
        assert client.post(reverse("webhook_endpoints:delete", args=[hook.pk])).status_code == 404
    assert WebhookEndpoint.objects.filter(pk=hook_a.pk, url="https://a.example/hook").exists()
    page = client.get(reverse("webhook_endpoints:edit", args=[hook_b.pk]))
    assert page.status_code == 200
    assert hook_b.secret.encode() in page.content


def test_seller_staff_cannot_create_for_another_seller_or_the_operator(client, seller_a, seller_b):
    client.force_login(staff(sellers=[seller_b]))
    url = reverse("webhook_endpoints:add")
    for seller in ("", str(seller_a.pk)):
        response = client.post(url, form_data(seller=seller))
        assert response.status_code == 200  # the form again, with its error
        assert not WebhookEndpoint.objects.exists()
    response = client.post(url, form_data(seller=str(seller_b.pk)))
    assert response.status_code == 302
    created = WebhookEndpoint.objects.get()
    assert created.seller == seller_b and created.events == ["return.approved"]
    assert created.secret.startswith("whsec_")


def test_operator_creates_an_operator_endpoint(client):
    client.force_login(staff(operator=True))
    response = client.post(reverse("webhook_endpoints:add"), form_data(seller=""))
    assert response.status_code == 302
    assert WebhookEndpoint.objects.get().seller is None


@pytest.mark.parametrize(
    "fields",
    [
        {"url": "ftp://example.com/hook"},
        {"url": "javascript:alert(1)"},
        {"url": "file:///etc/passwd"},
        {"url": "https://example.com/\x00hook"},
        {"description": "bad\x00"},
        {"url": "https://example.com/" + "a" * 600},
        {"description": "d" * 300},
        {"events": ["return.exploded"]},
        {"events": []},
    ],
)
def test_bad_input_is_a_form_error(client, fields):
    client.force_login(staff(operator=True))
    response = client.post(reverse("webhook_endpoints:add"), form_data(seller="", **fields))
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not WebhookEndpoint.objects.exists()


def test_rotation_from_the_form_keeps_the_old_secret_for_the_grace(client, seller_a):
    hook = endpoint("https://a.example/hook", seller=seller_a)
    old = hook.secret
    client.force_login(staff(sellers=[seller_a]))
    response = client.post(
        reverse("webhook_endpoints:edit", args=[hook.pk]),
        form_data(seller=str(seller_a.pk), rotate_secret="on", secret="whsec_forged"),
    )
    assert response.status_code == 302
    hook.refresh_from_db()
    assert hook.secret not in (old, "whsec_forged") and hook.previous_secret == old
    assert hook.previous_secret_expires_at > timezone.now() + timedelta(hours=23)
    assert hook.signing_secrets() == [hook.secret, old]


def test_delivery_log_is_scoped(client, seller_a, seller_b):
    delivery_a = delivered_to(endpoint("https://a.example/hook", seller=seller_a))
    delivery_b = delivered_to(endpoint("https://b.example/hook", seller=seller_b), key="B")
    client.force_login(staff(sellers=[seller_b]))
    index = client.get(reverse("webhook_deliveries:index"))
    assert index.status_code == 200
    assert b"b.example" in index.content and b"a.example" not in index.content
    assert (
        client.get(reverse("webhook_deliveries:inspect", args=[delivery_a.pk])).status_code == 404
    )
    resend = reverse("webhook_deliveries:resend", args=[delivery_a.pk])
    assert client.post(resend).status_code == 404
    assert (
        client.get(reverse("webhook_deliveries:inspect", args=[delivery_b.pk])).status_code == 200
    )


def test_resend_from_the_admin(client, receiver, seller_a):
    hook = endpoint(receiver.url, seller=seller_a)
    delivery = delivered_to(hook)
    outbox.relay()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    client.force_login(staff(sellers=[seller_a]))
    page = client.get(reverse("webhook_deliveries:inspect", args=[delivery.pk]))
    assert page.status_code == 200
    resend = reverse("webhook_deliveries:resend", args=[delivery.pk])
    assert resend.encode() in page.content
    assert b"200" in page.content  # the attempt's status code
    assert client.get(resend).status_code == 200  # asks first
    assert len(receiver.requests) == 1
    response = client.post(resend)
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING
    outbox.relay()
    assert len(receiver.requests) == 2
    Webhook(hook.secret).verify(receiver.requests[1]["body"], receiver.requests[1]["headers"])
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 2


def test_resend_needs_the_change_permission(client, seller_a):
    delivery = delivered_to(endpoint("https://a.example/hook", seller=seller_a))
    client.force_login(staff(sellers=[seller_a], codenames=["view_webhookdelivery"]))
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.DELIVERED)
    resend = reverse("webhook_deliveries:resend", args=[delivery.pk])
    response = client.post(resend)  # Wagtail answers a refusal with the dashboard
    assert response.status_code == 302 and response["Location"] == reverse("wagtailadmin_home")
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    page = client.get(reverse("webhook_deliveries:inspect", args=[delivery.pk]))
    assert resend.encode() not in page.content


def test_the_staff_groups_keep_their_endpoints_and_read_the_delivery_log(db):
    from django.contrib.auth.models import Group

    from return_portal.seeding import seed_staff_permissions

    seed_staff_permissions()
    for name in ("Returns staff", "Seller staff"):
        codenames = set(Group.objects.get(name=name).permissions.values_list("codename", flat=True))
        assert {"add_webhookendpoint", "view_webhookdelivery", "change_webhookdelivery"} <= (
            codenames
        ), name
