"""The store-credit ledger through the API, for the marketplace's operator:

    GET  /api/v1/buyers/{email}/credit                          balances and entries
    POST /api/v1/buyers/{email}/credit/spends                   spend (Idempotency-Key)
    POST /api/v1/buyers/{email}/credit/spends/{id}/reversal     give a spend back, once

A buyer is their email address (any letter case), the one the storefront knows
and orders carry: credit is kept per address and currency. Only an operator's
token (no seller) may read or move credit, which spans every seller: a seller's
token is a 403 `forbidden`. A spend above the balance is a 400 `constraint` with
`balance` (nothing is spent).
"""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from typing import Annotated, Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Header, Path, Router, Schema, Status
from pydantic import BaseModel, ConfigDict, Field, field_validator

from core.api.body import JSON_BODY_ERRORS
from core.api.constraints import constraint_error
from core.api.errors import ApiError, ErrorCode, error_responses
from core.api.late_body import parse_body, request_body
from core.api.text import text
from marketplace.auth import token_auth
from marketplace.fields import (
    NONBLANK_PATTERN,
    REFERENCE_PATTERN,
    STATE_KEY,
    Amount,
    Currency,
    Seen,
)
from marketplace.models import ApiToken, Order

from . import ledger
from .models import CreditEntry, EntryKind

router = Router(tags=["store credit"])

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255

# What Django's email validator accepts, less what a URL path cannot carry as is
# ("/", "?", "#", "%"): the storefront's addresses in practice.
_ATOM = r"[A-Za-z0-9!$&'*+=^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
EMAIL_PATTERN = rf"^{_ATOM}(?:\.{_ATOM})*@(?:{_LABEL}\.)+[A-Za-z]{{2,63}}$"
BuyerEmail = text(
    254,
    min_length=3,
    pattern=EMAIL_PATTERN,
    pattern_message=gettext_lazy("Enter a valid email address."),
    description="The buyer's email address (any letter case): the one their orders carry.",
    examples=["buyer@example.com"],
)
EntryId = text(
    36,
    min_length=36,
    pattern=r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
    pattern_message=gettext_lazy("Use the id of a spend, as the ledger gave it."),
    description="The spend's id (its entry's `id`).",
    examples=["6f1c2a4e-93d1-4f7e-9c1a-2b9f0e5d7a10"],
)
IdempotencyKey = text(
    MAX_KEY_LENGTH,
    min_length=1,
    pattern=rf"^[\x21-\x7e]{{1,{MAX_KEY_LENGTH}}}$",
    pattern_message=gettext_lazy("Use at most 255 visible ASCII characters, without spaces."),
    description="A key of your own per spend: the same spend again with it is done once.",
)
RequiredKey = Annotated[IdempotencyKey, Header(alias=HEADER)]


class SpendIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # The currency first: the amount's decimals are checked against it.
    currency: Currency
    amount: Amount
    order: text(64, min_length=1, pattern=REFERENCE_PATTERN) | None = Field(
        None, description="The reference of the order the credit pays for, if known."
    )
    reason: text(500, min_length=1, pattern=NONBLANK_PATTERN) | None = None

    @field_validator("amount")
    @classmethod
    def _positive(cls, amount: Decimal) -> Decimal:
        if amount <= 0:
            raise constraint_error(_("The amount must be more than 0."))
        return amount


class EntryOut(Schema):
    id: str
    kind: str
    amount: str
    currency: str
    balance_after: str
    reason: str
    order: str | None
    reverses: str | None
    expires_at: str | None
    created_at: str


class BalanceOut(Schema):
    currency: str
    balance: str


class CreditOut(Schema):
    buyer: str
    balances: list[BalanceOut]
    entries: list[EntryOut]


class SpendOut(Schema):
    buyer: str
    entry: EntryOut
    balance: str


def _money(amount: Decimal, currency: str) -> str:
    return format(ledger.quantize(amount, currency), "f")


def entry_data(entry: CreditEntry) -> dict[str, Any]:
    return {
        "id": str(entry.public_id),
        "kind": entry.kind,
        "amount": _money(entry.amount, entry.currency),
        "currency": entry.currency,
        "balance_after": _money(entry.balance_after, entry.currency),
        "reason": entry.reason,
        "order": entry.order.reference if entry.order_id else None,
        "reverses": str(entry.reverses.public_id) if entry.reverses_id else None,
        "expires_at": entry.expires_at.isoformat() if entry.expires_at else None,
        "created_at": entry.created_at.isoformat(),
    }


def _operator(request: HttpRequest) -> ApiToken:
    token = request.auth
    if token.seller_id is not None:
        raise ApiError(403, _("Only the marketplace operator's token may use store credit."))
    return token


def _buyer(email: str) -> str:
    try:
        validate_email(email)
    except DjangoValidationError:
        raise ApiError.field("email", _("Enter a valid email address.")) from None
    return ledger.buyer_key(email)


def _balance(email: str, currency: str) -> Decimal:
    return ledger.balances([email]).get(currency, Decimal(0))


def _spend_answer(email: str, entry: CreditEntry) -> dict[str, Any]:
    return {
        "buyer": email,
        "entry": entry_data(entry),
        "balance": _money(_balance(email, entry.currency), entry.currency),
    }


def _hash(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


@router.get(
    "/buyers/{email}/credit",
    auth=token_auth,
    response={200: CreditOut, **error_responses(400, 401, 403)},
    operation_id="getBuyerCredit",
    summary="A buyer's store credit: balances and entries",
    description="The balance per currency and every entry of the ledger, newest first. "
    "An address without credit has no balances. Operator tokens only (a seller's: 403).",
)
def get_credit(request: HttpRequest, email: Path[BuyerEmail]):
    _operator(request)
    email = _buyer(email)
    return {
        "buyer": email,
        "balances": [
            {"currency": currency, "balance": _money(amount, currency)}
            for currency, amount in ledger.balances([email]).items()
        ],
        "entries": [entry_data(entry) for entry in ledger.history([email])],
    }


@router.post(
    "/buyers/{email}/credit/spends",
    auth=token_auth,
    response={201: SpendOut, **error_responses(400, 401, 403, 404, 409, *JSON_BODY_ERRORS)},
    operation_id="spendBuyerCredit",
    summary="Spend a buyer's store credit",
    description="Idempotency-Key is required: the same spend again is done once and "
    "answers the same (Idempotent-Replayed: true); the key with another request is a 409 "
    "conflict. Above the balance: 400 constraint with `balance`, nothing spent. An unknown "
    "order reference: 400 unknown.",
    openapi_extra=request_body(SpendIn),
)
def spend(
    request: HttpRequest,
    response: HttpResponse,
    email: Path[BuyerEmail],
    idempotency_key: RequiredKey,
):
    token = _operator(request)
    email = _buyer(email)
    body = parse_body(request, SpendIn, context={STATE_KEY: Seen()})
    order = None
    if body.order is not None:
        order = Order.objects.filter(reference=body.order).first()
        if order is None:
            raise ApiError.field("order", _("No order has this reference."), code=ErrorCode.UNKNOWN)
    key = f"api:{_hash(token.pk, 'spend', idempotency_key)[:40]}"
    fingerprint = _hash(email, format(body.amount, "f"), body.currency, body.order, body.reason)
    try:
        booked = ledger.spend(
            email,
            body.amount,
            body.currency,
            key=key,
            fingerprint=fingerprint,
            reason=body.reason or "",
            order=order,
        )
    except ledger.InsufficientCredit as refused:
        message = _("This is more than the buyer's store credit.")
        raise ApiError(
            400,
            message,
            code=ErrorCode.CONSTRAINT,
            errors={"amount": [message]},
            extra={
                "balance": _money(refused.balance, refused.currency),
                "currency": refused.currency,
            },
        ) from None
    except ledger.KeyReused:
        message = _("This Idempotency-Key was already used for another request.")
        raise ApiError(409, message, code=ErrorCode.CONFLICT, errors={HEADER: [message]}) from None
    if booked.replayed:
        response[REPLAYED_HEADER] = "true"
    return Status(201, _spend_answer(email, booked.entry))


@router.post(
    "/buyers/{email}/credit/spends/{entry_id}/reversal",
    auth=token_auth,
    response={201: SpendOut, **error_responses(400, 401, 403, 404)},
    operation_id="reverseBuyerCreditSpend",
    summary="Give a spend of store credit back",
    description="A reversal entry restoring the spend, once: the same call again answers "
    "the first reversal (Idempotent-Replayed: true). A spend this buyer did not make: 404.",
)
def reverse(
    request: HttpRequest, response: HttpResponse, email: Path[BuyerEmail], entry_id: Path[EntryId]
):
    _operator(request)
    email = _buyer(email)
    spent = CreditEntry.objects.filter(
        public_id=entry_id, buyer_email=email, kind=EntryKind.SPEND
    ).first()
    if spent is None:
        raise ApiError(404)
    booked = ledger.reverse(spent)
    if booked.replayed:
        response[REPLAYED_HEADER] = "true"
    return Status(201, _spend_answer(email, booked.entry))
