"""Seller A's world for the cross-seller test (test_seller_scoping.py): A's return
with everything staff can open, B's own, and the enumeration of what to visit:
the `returns` admin URLs, the API operations, and every identifier of A's objects
to fill their parameters with."""

from __future__ import annotations

import itertools
import json
import re
import uuid
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db import models
from django.urls import get_resolver
from django.utils import timezone

from config.api import api as ninja_api
from marketplace.models import ApiToken
from return_portal.models import (
    InspectionOutcome,
    InspectionPhoto,
    Refund,
    ReturnMessage,
    ReturnNote,
    ReturnPhoto,
    ReturnStatus,
    UnitInspection,
)
from tests.marketplace.factories import OrderFactory, OrderLineFactory, SellerFactory
from tests.return_portal.factories import (
    ReturnLineFactory,
    ReturnRequestFactory,
    returns_staff_user,
)

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00"
    b"\x00\x00\x00IEND\xaeB`\x82"
)
CONVERTER = re.compile(r"<(?:(?P<kind>\w+):)?(?P<name>\w+)>")
OPENAPI_PARAM = re.compile(r"{(?P<name>\w+)}")
PRIVATE_TEXT = "Fragile: the collar is torn (internal)"


class World:
    """Seller A's return with everything staff can open, and seller B's own."""

    def __init__(self, buyer):
        self.seller_a = SellerFactory(reference="scope-seller-a")
        self.seller_b = SellerFactory(reference="scope-seller-b")
        self.staff_a = returns_staff_user(operator=False, sellers=[self.seller_a], with_totp=True)
        self.staff_b = returns_staff_user(operator=False, sellers=[self.seller_b], with_totp=True)
        self.buyer = buyer
        self.order = OrderFactory(buyer=buyer, reference="SCOPE-A-0001")
        line = OrderLineFactory(order=self.order, seller=self.seller_a, reference="A1", quantity=2)
        self.return_a = ReturnRequestFactory(
            order=self.order, status=ReturnStatus.APPROVED, estimated_total=Decimal("49.90")
        )
        return_line = ReturnLineFactory(return_request=self.return_a, order_line=line, quantity=1)
        self.return_a.refresh_from_db()
        self.photo = self._file(
            ReturnPhoto(
                buyer=buyer,
                draft=self.return_a.idempotency_key or uuid.uuid4(),
                return_request=self.return_a,
                original_name="collar.png",
                content_type="image/png",
                size=len(PNG),
            )
        )
        ReturnMessage.objects.create(
            return_request=self.return_a, author=buyer, body="The collar came torn."
        )
        ReturnNote.objects.create(
            return_request=self.return_a, author=self.staff_a, body=PRIVATE_TEXT
        )
        Refund.objects.create(
            order=self.order,
            return_request=self.return_a,
            amount=Decimal("10.00"),
            currency="EUR",
            resolution="refund",
            idempotency_key="scoping:refund-a",
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
        self._file(
            InspectionPhoto(
                inspection=inspection,
                original_name="unit.png",
                content_type="image/png",
                size=len(PNG),
            )
        )
        # Seller B has work of its own: its listing is not empty by accident.
        order_b = OrderFactory(buyer=buyer, reference="SCOPE-B-0001")
        line_b = OrderLineFactory(order=order_b, seller=self.seller_b, reference="B1")
        self.return_b = ReturnRequestFactory(order=order_b, status=ReturnStatus.APPROVED)
        ReturnLineFactory(return_request=self.return_b, order_line=line_b, quantity=1)
        self.token_a = ApiToken.issue("seller a", seller=self.seller_a)[1]
        self.token_b = ApiToken.issue("seller b", seller=self.seller_b)[1]

    @staticmethod
    def _file(row):
        row.file.save(row.original_name, ContentFile(PNG), save=True)
        return row

    @property
    def secrets(self) -> list[str]:
        """What must never reach anyone outside seller A."""
        return [self.return_a.rma, self.order.reference, PRIVATE_TEXT]

    def candidates(self) -> dict[str, list]:
        """Every identifier of A's objects, by kind, less any that also names one of
        B's own (a line's pk may equal B's return's: B would rightly open that)."""
        mine = identifiers(self.return_a, self.order)
        theirs = identifiers(self.return_b, self.return_b.order)
        return {kind: sorted(mine[kind] - theirs[kind], key=str) for kind in mine}

    def own_candidates(self) -> dict[str, list]:
        """Every identifier of A's objects, for A's own staff. Nothing is taken out:
        on PostgreSQL the sequences run on across tests, so A's return's pk may
        equal one of B's line pks, and taking it out would leave A's own return
        unreachable (the flake of sessions 9 and 10)."""
        mine = identifiers(self.return_a, self.order)
        return {kind: sorted(values, key=str) for kind, values in mine.items()}


def identifiers(return_request, order) -> dict[str, set]:
    """The pks and UUIDs of a return, its order and anything hanging off either
    (relations walked four deep), and their RMA and reference."""
    found = {"int": set(), "uuid": set(), "str": {return_request.rma, order.reference}}
    seen = set()
    frontier = [return_request, order]
    for _depth in range(4):
        following = []
        for obj in frontier:
            if (type(obj), obj.pk) in seen:
                continue
            seen.add((type(obj), obj.pk))
            found["int"].add(obj.pk)
            for field in obj._meta.concrete_fields:
                if isinstance(field, models.UUIDField) and getattr(obj, field.attname):
                    found["uuid"].add(getattr(obj, field.attname))
            for relation in obj._meta.related_objects:
                if relation.one_to_many:
                    following.extend(getattr(obj, relation.get_accessor_name()).all()[:20])
                elif relation.one_to_one:
                    following.append(getattr(obj, relation.get_accessor_name(), None))
        frontier = [obj for obj in following if obj is not None]
    found["slug"] = found["path"] = found["str"]
    return found


def admin_patterns():
    """(url name, route) of every URL in the `returns` admin namespace."""
    prefix, resolver = get_resolver().namespace_dict["returns"]

    def walk(patterns, route):
        for pattern in patterns:
            if hasattr(pattern, "url_patterns"):
                yield from walk(pattern.url_patterns, route + str(pattern.pattern))
            else:
                yield pattern.name, route + str(pattern.pattern)

    return list(walk(resolver.url_patterns, "/" + prefix))


def fillings(route: str, candidates: dict[str, list]) -> list[str]:
    """Every way to fill the route's parameters with A's identifiers."""
    params = [(m.group("kind") or "str", m.group(0)) for m in CONVERTER.finditer(route)]
    choices = [candidates.get(kind, candidates["str"]) for kind, _token in params]
    urls = []
    for values in itertools.product(*choices):
        url = route
        for (_kind, token), value in zip(params, values, strict=True):
            url = url.replace(token, str(value), 1)
        urls.append(url)
    return urls


def contains_secret(response, secrets) -> list[str]:
    if getattr(response, "streaming", False):
        body = b"".join(response.streaming_content)
    else:
        body = response.content
    text = body.decode("utf-8", "replace")
    return [secret for secret in secrets if secret in text]


# Not a seller's to call: the operator's own API (a buyer's store credit, refused
# to every seller's token alike) and the carriers' tracking webhooks (signed by the
# carrier, no token): tests/access/test_url_walk.py and test_tracking.py.
OPERATOR_ONLY_API = ("/api/v1/buyers/", "/api/v1/carriers/")


def api_operations():
    """(method, path, operation) of every operation of the generated document that
    a seller's token may call."""
    for path, item in ninja_api.get_openapi_schema()["paths"].items():
        if path.startswith(OPERATOR_ONLY_API):
            continue
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield method, path, operation


def example_body(operation) -> dict:
    """The request body's documented example, else an empty object."""
    content = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
    if "example" in content:
        return content["example"]
    for example in content.get("examples", {}).values():
        if isinstance(example, dict) and "value" in example:
            return example["value"]
    return {}


def api_call(client, method, url, operation, token=None):
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if method == "get":
        return client.get(url, headers=headers)
    body = json.dumps(example_body(operation))
    return getattr(client, method)(url, body, content_type="application/json", headers=headers)


def api_fillings(path, world, *, own: bool = False) -> list[tuple[str, str]]:
    """(A's url, the same url naming nothing) for each way to fill the path; with
    `own`, for A's own token (every identifier of A's, see World.own_candidates)."""
    candidates = world.own_candidates() if own else world.candidates()
    names = [m.group("name") for m in OPENAPI_PARAM.finditer(path)]
    choices = [candidates["str"] + [str(v) for v in candidates["int"]] for _n in names]
    fillings = []
    for values in itertools.product(*choices):
        mine, nothing = path, path
        for name, value in zip(names, values, strict=True):
            mine = mine.replace("{" + name + "}", str(value), 1)
            nothing = nothing.replace("{" + name + "}", lookalike(str(value)), 1)
        fillings.append((mine, nothing))
    return fillings


def lookalike(value: str) -> str:
    """An identifier of the same shape that names nothing: its prefix (up to the
    last "-") kept, its letters and digits after it swapped."""
    prefix, dash, tail = value.rpartition("-")

    def swap(c):
        if c.isdigit():
            return "8" if c == "9" else "9"
        if c.isalpha():
            return "Y" if c == "Z" else "Z"
        return c

    return prefix + dash + "".join(swap(c) for c in tail)
