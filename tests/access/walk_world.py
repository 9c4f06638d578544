"""Seller A's world for the URL walk (test_url_walk.py), and the enumeration of the
URLs to visit: the admin's (this project's views and models), the staff-only
pages outside it, and the API's operations.

The world is built once per module: `World` only creates rows; the module fixture
holds them in an outer transaction that each test's own transaction nests in.
"""

from __future__ import annotations

import re
import uuid
from decimal import Decimal

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from wagtail.models import Locale

from config.api import api as ninja_api
from helpcenter.models import SearchSynonym, SupportAttachment, SupportReply, SupportRequest
from marketplace.models import ApiToken, Order, SellerMembership
from policy_pages.rules import ShippingMethod
from policy_pages.translations import PolicyVersionTranslation
from policy_pages.versions import PolicyVersion
from return_portal.models import (
    InspectionOutcome,
    InspectionPhoto,
    Refund,
    RejectionReason,
    ReturnMessage,
    ReturnNote,
    ReturnPhoto,
    ReturnReason,
    ReturnRequest,
    ReturnStatus,
    UnitInspection,
)
from screening.models import BlockedEntry
from store_credit import ledger
from store_credit.models import CreditEntry
from tests.factories import StaffUserFactory, UserFactory
from tests.marketplace.factories import OrderFactory, OrderLineFactory, SellerFactory
from tests.return_portal.factories import (
    ReturnLineFactory,
    ReturnRequestFactory,
    returns_staff_user,
)
from tests.return_portal.seller_world import PNG
from webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent

CONVERTER = re.compile(r"<(?:(?P<kind>\w+):)?(?P<name>\w+)>")
OPENAPI_PARAM = re.compile(r"{(?P<name>\w+)}")
PROJECT_APPS = (
    "accounts",
    "core",
    "helpcenter",
    "marketplace",
    "policy_pages",
    "return_portal",
    "screening",
    "store_credit",
    "webhooks",
)

LINE_TITLE = "Walk-A linen shirt, sage"
ENDPOINT_URL = "https://hooks.walk-a.example.com/returns"
NOTE_TEXT = "Walk-A internal note: collar torn"
MESSAGE_TEXT = "Walk-A buyer message: the collar came torn"
SUPPORT_TEXT = "Walk-A support question about my parcel"

# Seller staff get every permission seller staff may hold, so that what stops
# seller B below is the scoping to its seller, not a missing permission.
SELLER_STAFF_PERMISSIONS = (
    "view_returnrequest",
    "change_returnrequest",
    "view_supportrequest",
    "change_supportrequest",
    "view_policyversion",
    "add_webhookendpoint",
    "change_webhookendpoint",
    "delete_webhookendpoint",
    "view_webhookendpoint",
    "change_webhookdelivery",
    "view_webhookdelivery",
)


def _staff_of(seller):
    user = returns_staff_user(operator=False, sellers=[seller], with_totp=True)
    user.user_permissions.add(*Permission.objects.filter(codename__in=SELLER_STAFF_PERMISSIONS))
    return get_user_model().objects.get(pk=user.pk)  # permissions read afresh


def _stored(row, name="photo.png"):
    row.file.save(name, ContentFile(PNG), save=True)
    return row


def _support(user, order_reference, message):
    return SupportRequest.objects.create(
        user=user,
        email=user.email,
        language="en",
        topic="refund",
        order_reference=order_reference,
        message=message,
    )


class World:
    """Seller A's order and return with everything staff can open (photos,
    messages, notes, refunds, an inspection and its photo, a support request and
    its attachment, its own policy version, its staff's membership, its API
    token), seller B's own work, and who visits: both sellers' staff, an
    operator, the buyer of A's order and another buyer."""

    def __init__(self):
        reference = (
            PolicyVersion.objects.exclude(seller_ref="")
            .order_by("pk")
            .values_list("seller_ref", flat=True)
            .first()
        )
        assert reference, "the seeded demo policies include a seller's own policy"
        self.seller_a = SellerFactory(reference=reference)
        self.seller_b = SellerFactory(reference="walk-seller-b")
        self.staff_a = _staff_of(self.seller_a)
        self.staff_b = _staff_of(self.seller_b)
        self.operator = StaffUserFactory(with_totp=True, is_superuser=True)
        self.buyer = UserFactory()
        self.other_buyer = UserFactory()

        self.order = OrderFactory(buyer=self.buyer, reference="WALK-A-0001")
        line = OrderLineFactory(
            order=self.order, seller=self.seller_a, reference="A1", quantity=2, title=LINE_TITLE
        )
        self.return_a = ReturnRequestFactory(
            order=self.order,
            status=ReturnStatus.APPROVED,
            estimated_total=Decimal("49.90"),
            shipping_method=ShippingMethod.PREPAID_LABEL,
        )
        return_line = ReturnLineFactory(return_request=self.return_a, order_line=line, quantity=1)
        self.return_a.refresh_from_db()
        # The other unit, to be dropped off (the QR code's return).
        self.drop_off = ReturnRequestFactory(
            order=self.order,
            status=ReturnStatus.APPROVED,
            shipping_method=ShippingMethod.DROP_OFF,
            drop_off_code="WALKA1",
        )
        ReturnLineFactory(return_request=self.drop_off, order_line=line, quantity=1)
        self.photo = _stored(
            ReturnPhoto(
                buyer=self.buyer,
                draft=uuid.uuid4(),
                return_request=self.return_a,
                original_name="collar.png",
                content_type="image/png",
                size=len(PNG),
            )
        )
        ReturnMessage.objects.create(
            return_request=self.return_a, author=self.buyer, body=MESSAGE_TEXT
        )
        ReturnNote.objects.create(return_request=self.return_a, author=self.staff_a, body=NOTE_TEXT)
        Refund.objects.create(
            order=self.order,
            return_request=self.return_a,
            amount=Decimal("10.00"),
            currency="EUR",
            resolution="refund",
            idempotency_key="walk:refund-a",
        )
        type(return_line).objects.filter(pk=return_line.pk).update(received_quantity=1)
        inspection = UnitInspection.objects.create(
            return_line=return_line,
            unit=1,
            checks={},
            outcome=InspectionOutcome.FULL_REFUND,
            earnings=Decimal("49.90"),
            inspected_by=self.staff_a,
            inspected_at=timezone.now(),
        )
        self.inspection_photo = _stored(
            InspectionPhoto(
                inspection=inspection,
                original_name="unit.png",
                content_type="image/png",
                size=len(PNG),
            )
        )
        self.support = _support(self.buyer, self.order.reference, SUPPORT_TEXT)
        attachment = SupportAttachment(
            request=self.support, original_name="a.png", content_type="image/png"
        )
        attachment.size = len(PNG)
        self.attachment = _stored(attachment, "a.png")
        self.membership = SellerMembership.objects.get(user=self.staff_a, seller=self.seller_a)
        self.token_row, self.token_a = ApiToken.issue("walk seller a", seller=self.seller_a)
        self.token_b = ApiToken.issue("walk seller b", seller=self.seller_b)[1]
        self.version = PolicyVersion.objects.filter(seller_ref=reference).order_by("pk").first()
        self.translation = self.version.translations.order_by("pk").first() or (
            PolicyVersionTranslation.objects.create(
                version=self.version,
                locale=Locale.objects.exclude(pk=self.version.policy.locale_id).first(),
                title="Walk-A translation",
                clauses=[],
                status="submitted",
                translated_by=self.staff_a,
                submitted_at=timezone.now(),
            )
        )

        # Seller A's webhook endpoint and a delivery to it; the operator's blocklist;
        # the buyer's store credit (the operator's API only).
        self.endpoint = WebhookEndpoint.objects.create(
            url=ENDPOINT_URL, seller=self.seller_a, events=["return.approved"]
        )
        event = WebhookEvent.objects.create(
            event_type="return.approved",
            seller_ids=[self.seller_a.pk],
            ordering_key=f"return:{self.return_a.rma}",
            payload={"type": "return.approved", "data": {"rma": self.return_a.rma}},
        )
        self.delivery = WebhookDelivery.objects.create(endpoint=self.endpoint, event=event)
        self.blocked = BlockedEntry.objects.create(
            kind="email", value="walk-blocked@example.com", reason="Walk-A blocklist reason"
        )
        ledger.issue(self.buyer.email, Decimal("20.00"), "EUR", key="walk:credit")
        self.spend = ledger.spend(self.buyer.email, Decimal("5.00"), "EUR", key="walk:spend").entry

        # Seller B has work of its own: its listings are not empty by accident.
        order_b = OrderFactory(buyer=self.buyer, reference="WALK-B-0001")
        line_b = OrderLineFactory(order=order_b, seller=self.seller_b, reference="B1")
        self.return_b = ReturnRequestFactory(order=order_b, status=ReturnStatus.APPROVED)
        ReturnLineFactory(return_request=self.return_b, order_line=line_b, quantity=1)
        self.support_b = _support(self.buyer, order_b.reference, "About seller B's parcel")

    @property
    def secrets(self) -> list[str]:
        """What must never reach anyone outside seller A (and the buyer's own pages)."""
        return [
            self.return_a.rma,
            self.drop_off.rma,
            self.order.reference,
            LINE_TITLE,
            NOTE_TEXT,
            MESSAGE_TEXT,
            SUPPORT_TEXT,
            self.support.reference,
            ENDPOINT_URL,
            self.blocked.reason,
        ]

    def fingerprint(self) -> dict:
        """What a POST that got through would change."""
        return_a = ReturnRequest.objects.get(pk=self.return_a.pk)
        support = SupportRequest.objects.get(pk=self.support.pk)
        return {
            "return": (return_a.status, return_a.assignee_id, return_a.updated_at),
            "notes": ReturnNote.objects.filter(return_request=return_a).count(),
            "messages": ReturnMessage.objects.filter(return_request=return_a).count(),
            "refunds": Refund.objects.filter(order=self.order).count(),
            "lines": list(
                Order.objects.get(pk=self.order.pk).lines.values_list(
                    "delivered_at", "quantity", "title"
                )
            ),
            "support": (support.status, support.assignee_id, support.updated_at),
            "replies": SupportReply.objects.filter(request=support).count(),
            "attachments": SupportAttachment.objects.filter(request=support).count(),
            "membership": SellerMembership.objects.filter(pk=self.membership.pk).exists(),
            "token": ApiToken.objects.filter(pk=self.token_row.pk, revoked=False).exists(),
            "translation": PolicyVersionTranslation.objects.filter(pk=self.translation.pk)
            .values_list("status", "reviewed_by")
            .first(),
            "endpoint": WebhookEndpoint.objects.filter(pk=self.endpoint.pk)
            .values_list("url", "enabled", "secret", "events")
            .first(),
            "delivery": WebhookDelivery.objects.filter(pk=self.delivery.pk)
            .values_list("status", "attempts", "next_attempt_at")
            .first(),
            "blocked": BlockedEntry.objects.filter(pk=self.blocked.pk)
            .values_list("value", "reason", "expires_at")
            .first(),
            "credit": list(
                CreditEntry.objects.filter(buyer_email=self.buyer.email.lower()).values_list(
                    "pk", flat=True
                )
            ),
            "staff_a": get_user_model()
            .objects.filter(pk=self.staff_a.pk)
            .values_list("is_active", "email")
            .first(),
        }

    def objects_by_model(self) -> dict:
        """The object of seller A's that a `pk` in a model's admin URLs names."""
        return {
            ReturnRequest: self.return_a,
            SupportRequest: self.support,
            SellerMembership: self.membership,
            ApiToken: self.token_row,
            get_user_model(): self.staff_a,
            # The operator's taxonomies: no seller's, staff-only all the same.
            ReturnReason: ReturnReason.objects.order_by("pk").first(),
            RejectionReason: RejectionReason.objects.order_by("pk").first()
            or RejectionReason.objects.create(code="walk", label="Walk"),
            WebhookEndpoint: self.endpoint,
            WebhookDelivery: self.delivery,
            BlockedEntry: self.blocked,
            SearchSynonym: SearchSynonym.objects.order_by("pk").first()
            or SearchSynonym.objects.create(language="en", terms="refund, money back"),
        }

    def by_name(self) -> dict:
        """Parameters named after the URL that carries them."""
        return {
            ("returns:photo", "photo_id"): self.photo.public_id,
            ("webhook_deliveries:resend", "pk"): self.delivery.pk,
            ("returns:inspection_photo", "photo_id"): self.inspection_photo.public_id,
            ("policy_pages_archive_download", "version_id"): self.version.pk,
            ("policy_pages_archive_download", "language"): "en",
            ("policy_pages_translate_version", "version_id"): self.version.pk,
            ("policy_pages_translate_version", "language"): self.translation.locale.language_code,
            ("policy_pages_review_translation", "translation_id"): self.translation.pk,
            ("helpcenter:attachment", "pk"): self.attachment.pk,
            ("return_portal:qr", "return_id"): self.drop_off.public_id,
        }


# --- enumeration ----------------------------------------------------------------------------


class Route:
    """One URL pattern: its qualified name, its route and the model its view is of."""

    def __init__(self, name, route, model=None, module=""):
        self.name, self.route, self.model, self.module = name, route, model, module

    @property
    def params(self) -> list[str]:
        return [m.group("name") for m in CONVERTER.finditer(self.route)]

    @property
    def label(self) -> str:
        return self.name or self.route

    def url(self, values: dict) -> str:
        return CONVERTER.sub(lambda m: str(values[m.group("name")]), self.route)


def _routes(patterns, prefix="/", namespaces=()):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            spaces = (*namespaces, pattern.namespace) if pattern.namespace else namespaces
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern), spaces)
        elif isinstance(pattern, URLPattern):
            callback = pattern.callback
            view_class = getattr(callback, "view_class", None)
            module = (view_class or callback).__module__ or ""
            model = getattr(callback, "view_initkwargs", {}).get("model")
            if isinstance(model, str):
                model = apps.get_model(model)
            name = ":".join((*namespaces, pattern.name)) if pattern.name else ""
            yield Route(name, prefix + str(pattern.pattern), model, module)


def all_routes() -> list[Route]:
    return list(_routes(get_resolver().url_patterns))


def is_projects(route: Route) -> bool:
    """Served by this project's code, or a Wagtail view of one of its models."""
    if route.module.split(".")[0] in PROJECT_APPS:
        return True
    return route.model is not None and route.model._meta.app_label in PROJECT_APPS


def admin_routes() -> list[Route]:
    return [r for r in all_routes() if r.route.startswith("/admin/") and is_projects(r)]


def api_operations() -> list[tuple[str, str, dict]]:
    """(method, path, operation) of the ninja API's generated document."""
    found = []
    for path, item in ninja_api.get_openapi_schema()["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                found.append((method, path, operation))
    return found


def api_routes() -> list[Route]:
    return [r for r in all_routes() if r.route.startswith("/api/")]


def body_of(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")
