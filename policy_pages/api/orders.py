"""The intake API (token-authenticated; answers are never cached):

    POST /api/v1/orders                       take in an order (idempotent by reference)
    POST /api/v1/orders/<ref>/deliveries      set delivered_at on lines (idempotent)

Both answer with the order as stored, each line with the policy version it is
pinned to, so they live on this floor (the pin is policy_pages'); the views
only translate HTTP to the intake (policy_pages.intake) and to the deliveries
service (marketplace.services) and back.

A seller's token (marketplace.scoping) takes in only orders whose every line
is its seller's (else 403 `forbidden`, naming each other line's seller), sees
an order only when it has a line of its seller (else 404, as an unknown
reference), and sees and delivers only its own lines of it.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Schema, Status
from pydantic import Field

from core.api.errors import ApiError, ErrorCode, error_responses
from core.api.headers import no_store
from core.api.lang import DEFAULT_LANG, Lang
from core.api.late_body import parse_body, request_body
from core.api.text import text
from marketplace.auth import token_auth
from marketplace.delivery_schemas import DeliveriesIn
from marketplace.fields import Errors
from marketplace.models import ApiToken, Order
from marketplace.order_schemas import OrderIn
from marketplace.scoping import scope_of_token
from marketplace.services import record_deliveries

from ..intake import Outcome, ingest
from ..pinning import order_data, order_for_api
from .schemas import DATE_TIME, DisplayedPolicy, PinnedPolicy

router = Router(tags=["orders"])
router.add_decorator(no_store, mode="view")

STATUS = {Outcome.CREATED: 201, Outcome.REPLAYED: 200}

OrderReference = text(64, min_length=1, description="The order's reference.")


class LangParams(Schema):
    lang: Lang = DEFAULT_LANG


class VariantOut(Schema):
    """An article the buyer may exchange the line to, as intake was told."""

    sku: str
    title: str
    attributes: dict[str, str] = Field(examples=[{"size": "L", "colour": "navy"}])
    unit_price: str
    in_stock: bool


class ShippingAddressOut(Schema):
    name: str
    line1: str
    line2: str = Field(description="Empty when not given.")
    postal_code: str
    city: str
    country: str = Field(description="ISO 3166-1 alpha-2.")


class OrderLineOut(Schema):
    reference: str
    seller: str = Field(description="The seller's reference.")
    seller_is_trader: bool = Field(description="As the buyer was told when buying.")
    sku: str
    title: str
    category: str
    category_path: list[str] = Field(description="Codes from the root to the category.")
    quantity: int
    unit_price: str
    custom_made: bool
    perishable: bool
    sealed_hygiene: bool
    sealed_media: bool
    delivered_at: str | None = Field(json_schema_extra=DATE_TIME)
    policy: PinnedPolicy = Field(
        description="The version in force at placed_at for the market and seller; it never changes."
    )
    displayed_policy: DisplayedPolicy | None = Field(
        description="Proof of display: the version the buyer was shown at checkout, if the "
        "storefront sent it (null otherwise)."
    )
    variants: list[VariantOut] = Field(
        description="What the buyer may exchange this line to, in the order sent."
    )


class ShippingOut(Schema):
    standard: str
    express_surcharge: str


class PaymentOut(Schema):
    method: str
    reference: str
    amount: str


class OrderOut(Schema):
    """The order as stored."""

    reference: str
    buyer_email: str
    market: str
    currency: str
    placed_at: str = Field(json_schema_extra=DATE_TIME)
    withdrawal_info_given: bool
    withdrawal_info_given_at: str | None = Field(json_schema_extra=DATE_TIME)
    shipping: ShippingOut
    shipping_address: ShippingAddressOut | None = Field(
        description="The buyer's postal address, if intake was given it (null otherwise)."
    )
    payment: PaymentOut
    payments: list[PaymentOut] = Field(
        description="The means the order was paid with, in the order refunds go back to them."
    )
    lines: list[OrderLineOut]


@router.post(
    "/orders",
    auth=token_auth,
    response={201: OrderOut, 200: OrderOut, **error_responses(400, 401, 403, 409, 413, 415)},
    operation_id="createOrder",
    summary="Take in an order",
    description="All or nothing; idempotent by order reference: the same order again "
    "answers 200 with the same body, other content under a known reference 409. Sellers and "
    "categories are created or updated from the lines. Each line is pinned to the return "
    "policy version in force at placed_at for its market and seller; a line without one is "
    "refused (400 on lines[i]), as is a category neither known nor described. Errors name "
    "the field, e.g. lines[1].quantity. An optional displayed_policy (slug, version, hash, "
    "per order or per line) records the version shown at checkout: one that names no "
    "known version is refused (400 unknown, e.g. lines[0].displayed_policy.hash); another "
    "version than the one in force is accepted and flagged (displayed_policy.matches false). "
    "A seller's token sends only orders whose every line is its seller's: another seller's "
    "line is refused (403 forbidden, on lines[i].seller.reference).",
    url_name="orders",
)
def create_order(request: HttpRequest, payload: OrderIn, params: Query[LangParams]):
    _only_own_lines(payload, request.auth)
    result = ingest(payload)
    if result.outcome == Outcome.INVALID:
        raise _invalid(result.errors)
    if result.outcome == Outcome.CONFLICT:
        raise ApiError(409, errors=result.errors)
    return Status(
        STATUS[result.outcome], _as_seen_by(request.auth, order_for_api(result.order.reference))
    )


@router.post(
    "/orders/{reference}/deliveries",
    auth=token_auth,
    response={200: OrderOut, **error_responses(400, 401, 404, 413, 415)},
    operation_id="recordDeliveries",
    summary="Record when lines were delivered",
    description="Sets delivered_at on the given lines, all or nothing. Sending the same date "
    "again changes nothing; a recorded date cannot be moved. An unknown order answers 404 "
    "whatever the body. A seller's token sees only orders with a line of its seller (another "
    "order answers 404) and delivers and sees only its own lines.",
    url_name="deliveries",
    openapi_extra=request_body(DeliveriesIn),
)
def deliveries(request: HttpRequest, reference: Path[OrderReference], params: Query[LangParams]):
    scope = scope_of_token(request.auth)
    order = order_for_api(reference)
    if order is None or not any(scope.allows(line.seller_id) for line in order.lines.all()):
        raise ApiError(404, _("No order has this reference."))
    errors = record_deliveries(order, parse_body(request, DeliveriesIn), scope)
    if errors:
        raise _invalid(errors)
    return _as_seen_by(request.auth, order_for_api(reference))


def _only_own_lines(payload: OrderIn, token: ApiToken) -> None:
    """A seller's token takes in its own orders only: every line its seller's."""
    if token.seller_id is None:
        return
    own = token.seller.reference
    others = [i for i, line in enumerate(payload.lines) if line.seller.reference != own]
    if others:
        message = _("This token is %(seller)s's: it sends only that seller's lines.") % {
            "seller": own
        }
        raise ApiError(
            403,
            message,
            code=ErrorCode.FORBIDDEN,
            errors={f"lines[{i}].seller.reference": [message] for i in others},
        )


def _as_seen_by(token: ApiToken, order: Order) -> dict:
    """The order's answer, with only the token's seller's lines for a seller's token."""
    data = order_data(order)
    if token.seller_id is not None:
        own = token.seller.reference
        data["lines"] = [line for line in data["lines"] if line["seller"] == own]
    return data


def _invalid(errors: Errors) -> ApiError:
    # The schema passed: what remains are domain refusals ("unknown", "constraint").
    return ApiError(400, code=errors.code, errors=errors)
