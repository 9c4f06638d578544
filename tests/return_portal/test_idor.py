"""No buyer reaches another buyer's order, draft, return or photo through any
portal URL: every one answers 404 to the other buyer (never 200, a redirect to
the data, or a 403 that would confirm it exists). The test walks the URL
patterns themselves, so a URL added later is covered without editing it."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.test import Client
from django.urls import URLPattern, reverse
from django.urls.converters import IntConverter, UUIDConverter
from django.utils import timezone

from return_portal import lifecycle
from return_portal import urls as portal_urls
from return_portal.confirm import confirm_return
from return_portal.draft import Draft
from return_portal.models import ReturnPhoto
from tests.marketplace.factories import OrderFactory, OrderLineFactory
from tests.return_portal.factories import returns_staff_user

NOT_ALLOWED = 405


def ago(days):
    return timezone.now() - timedelta(days=days)


def patterns() -> list[URLPattern]:
    return [p for p in portal_urls.urlpatterns if isinstance(p, URLPattern)]


def converters(pattern: URLPattern) -> dict:
    return pattern.pattern.converters


@pytest.fixture
def owner_data(policies, reasons, buyer, monkeypatch, tmp_path):
    """Buyer A's order, draft (in A's session), returns (one per shipping method
    with its own page: QR code, label) and photos (one attached, one in the draft)."""
    monkeypatch.setattr(
        ReturnPhoto._meta.get_field("file"), "storage", FileSystemStorage(location=tmp_path)
    )
    order = OrderFactory(buyer=buyer, placed_at=ago(8), payment_amount=Decimal("204.70"))
    OrderLineFactory(order=order, reference="A", quantity=3)

    def returned(shipping):
        draft = Draft(
            order_id=order.pk,
            quantities={"A": 1},
            reason_code="too-small",
            condition="like_new",
            resolution="refund",
            shipping_method=shipping,
        )
        # Approved, so that the owner reaches its QR code and label (the control below).
        return lifecycle.approve(
            confirm_return(buyer, order, draft)[0], actor=staff, actor_kind="staff"
        )

    staff = returns_staff_user()

    returns = [returned("drop_off"), returned("prepaid_label")]
    owner = Client()
    owner.force_login(buyer)
    started = owner.post(reverse("return_portal:start", args=[order.public_id]))
    assert started.status_code == 302, "the wizard starts a draft"
    draft_id = uuid.UUID(started["Location"].split("/drafts/")[1].split("/")[0])

    def photo(**where):
        item = ReturnPhoto(
            buyer=buyer, original_name="p.jpg", content_type="image/jpeg", size=4, **where
        )
        item.file.save("p.jpg", ContentFile(b"\xff\xd8\xff\xe0"), save=True)
        return item

    photos = [photo(draft=uuid.uuid4(), return_request=returns[0]), photo(draft=draft_id)]
    return {
        "client": owner,
        "order_id": [order.public_id],
        "draft_id": [draft_id],
        "return_id": [r.public_id for r in returns],
        "photo_id": [p.public_id for p in photos],
        "step": ["items"],
        "line": ["A"],  # a line's reference, under the order's id (its product image)
    }


def every_url(pattern: URLPattern, values: dict) -> list[str]:
    """The pattern's URL for every combination of buyer A's ids."""
    names = list(converters(pattern))
    unknown = set(names) - set(values)
    assert not unknown, f"{pattern.name}: give the IDOR test ids for {unknown}"
    combinations = [{}]
    for name in names:
        combinations = [{**c, name: value} for c in combinations for value in values[name]]
    return [reverse(f"return_portal:{pattern.name}", kwargs=c) for c in combinations]


def test_portal_urls_carry_uuids_never_integer_ids():
    for pattern in patterns():
        for name, converter in converters(pattern).items():
            assert not isinstance(converter, IntConverter), pattern.name
            if name.endswith("_id"):
                assert isinstance(converter, UUIDConverter), f"{pattern.name}: {name}"


def test_another_buyer_gets_404_from_every_portal_url(owner_data, other_buyer):
    intruder = Client()
    intruder.force_login(other_buyer)
    random_ids = {
        name: [uuid.uuid4()] if name.endswith("_id") else values
        for name, values in owner_data.items()
        if name != "client"
    }
    checked = 0
    for pattern in patterns():
        if not converters(pattern):
            continue  # the buyer's own list: nothing of another buyer's in its URL
        for url in every_url(pattern, owner_data):
            for method in ("get", "post"):
                response = getattr(intruder, method)(url, {"key": uuid.uuid4().hex})
                if response.status_code == NOT_ALLOWED:
                    # Refused for the method whatever the id: reveals nothing.
                    [unknown] = every_url(pattern, random_ids)[:1]
                    assert getattr(intruder, method)(unknown).status_code == NOT_ALLOWED
                    continue
                assert response.status_code == 404, f"{method.upper()} {url} ({pattern.name})"
                checked += 1
    assert checked >= len(patterns())


def test_the_ids_used_are_real_the_owner_reaches_every_url(owner_data, other_buyer):
    """The control for the test above: buyer A does not get 404 from every URL."""
    owner = owner_data["client"]
    for pattern in patterns():
        if not converters(pattern):
            continue
        statuses = [
            getattr(owner, method)(url).status_code
            for url in every_url(pattern, owner_data)
            for method in ("get", "post")
        ]
        assert any(status not in (404, NOT_ALLOWED) for status in statuses), pattern.name


def test_signed_out_visitors_are_sent_to_log_in_from_every_url(owner_data, client):
    for pattern in patterns():
        for url in every_url(pattern, owner_data)[:1]:
            for method in ("get", "post"):
                response = getattr(client, method)(url)
                assert response.status_code == 302, f"{method.upper()} {url}"
                assert "/accounts/login/" in response["Location"]
