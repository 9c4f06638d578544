"""The commerce platform's reply to `exchange.requested`:

    POST /api/v1/returns/{rma}/exchange/replacement

the replacement order it created (`status` ordered) and, later, that it shipped.
It calls exchanges.reply.record_reply as the token's acting user, in the
token's scope (another seller's return: 404). The same reply again changes
nothing and answers the same; another order reference for the same exchange is
a 409 `conflict`; a return that is not an exchange waiting for its replacement
is a 409 `transition`."""

from __future__ import annotations

from typing import Literal

from django.http import HttpRequest, HttpResponse
from ninja import Path, Query
from pydantic import Field

from core.api.errors import ApiError, ErrorCode
from core.api.text import text
from marketplace.auth import token_auth
from marketplace.fields import REFERENCE_PATTERN

from ..exchanges.reply import Reply, ReplyRefused, record_reply
from ..models import ActorKind
from .idempotency import OptionalKey
from .return_actions import ACTION_DESCRIPTION, ACTION_RESPONSES, act, body_doc
from .returns_inputs import ActionIn
from .returns_router import router
from .returns_schemas import LangParams, Rma


class ReplacementIn(ActionIn):
    order_reference: text(64, min_length=1, pattern=REFERENCE_PATTERN) = Field(
        description="The replacement order's reference in the commerce platform."
    )
    status: Literal["ordered", "shipped"] = "ordered"
    carrier: text(64) = ""
    tracking: text(64) = ""


def _refused(error: ReplyRefused) -> ApiError:
    code = ErrorCode.CONFLICT if error.code == "conflict" else ErrorCode.TRANSITION
    return ApiError(409, error.message, code=code)


@router.post(
    "/returns/{rma}/exchange/replacement",
    auth=token_auth,
    response=ACTION_RESPONSES,
    operation_id="recordExchangeReplacement",
    summary="Record the replacement order of an exchange",
    description="The platform's reply to exchange.requested: the replacement order "
    "(status ordered), then shipped with its carrier and tracking. The same reply again "
    "changes nothing; another order reference for the exchange is a 409 conflict."
    + ACTION_DESCRIPTION,
    openapi_extra=body_doc(ReplacementIn),
)
def record_replacement(
    request: HttpRequest,
    response: HttpResponse,
    rma: Path[Rma],
    params: Query[LangParams],
    idempotency_key: OptionalKey = None,
):
    def do(r, body: ReplacementIn, user, at):
        reply = Reply(
            body.order_reference,
            shipped=body.status == "shipped",
            carrier=body.carrier.strip(),
            tracking=body.tracking.strip(),
        )
        try:
            record_reply(r, reply, actor=user, actor_kind=ActorKind.STAFF, at=at)
        except ReplyRefused as refused:
            raise _refused(refused) from None

    return act(
        request, response, rma, idempotency_key, "recordExchangeReplacement", ReplacementIn, do
    )
