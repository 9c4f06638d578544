"""The carriers' tracking webhook:

    POST /api/v1/carriers/{carrier}/tracking

Signed per Standard Webhooks (headers webhook-id, webhook-timestamp,
webhook-signature) with the carrier's secret (RETURNS_CARRIER_WEBHOOK_SECRETS).
A missing or bad signature, or a carrier without a secret, is a 401 and nothing
changes. The body is {"type": "tracking.scan", "data": {"tracking_number",
"event", "occurred_at", "location"}}; bad UTF-8, bad JSON, control characters or
a body over 16 KB are a 400. An unknown tracking number is a 404 with code
`unknown`. The same webhook id again is done once (200, `replayed: true`).
"""

from __future__ import annotations

import json
from typing import Literal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Router, Schema
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from core.api.errors import ApiError, ErrorCode, error_responses
from core.api.headers import no_store
from core.api.text import text

from .. import carriers, tracking
from ..scan_events import Scan

router = Router(tags=["carriers"])
router.add_decorator(no_store, mode="view")

MAX_BODY = 16 * 1024
CarrierCode = Path(..., max_length=32, pattern=r"^[a-z0-9_-]+$")


class ScanData(BaseModel):
    model_config = ConfigDict(extra="ignore")

    tracking_number: text(64, min_length=1)
    event: Scan
    occurred_at: AwareDatetime | None = None
    location: text(200) = ""


class ScanIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    type: Literal["tracking.scan"]
    data: ScanData


class ScanOut(Schema):
    rma: str
    status: str = Field(description="The return's status after the scan.")
    replayed: bool = Field(description="This webhook id was received before: nothing done.")


def _unauthorized() -> ApiError:
    return ApiError(401, _("The webhook signature is missing or not valid."))


def _invalid(errors: dict[str, list[str]] | None = None) -> ApiError:
    message = _("The webhook body is not valid.")
    return ApiError(400, message, errors=errors or {"body": [message]})


def _verified(carrier: str, body: bytes, headers) -> str:
    secret = carriers.webhook_secret(carrier)
    if not secret:
        raise _unauthorized()
    try:
        payload = body.decode("utf-8")
    except UnicodeDecodeError:
        raise _invalid() from None
    try:
        Webhook(secret).verify(payload, dict(headers.items()), json_parse=False)
    except (WebhookVerificationError, ValueError, TypeError):
        raise _unauthorized() from None
    return payload


def _refuse(name: str):
    raise ValueError(name)


def _parsed(payload: str) -> ScanIn:
    try:
        data = json.loads(payload, parse_constant=_refuse)
    except (ValueError, RecursionError):
        raise _invalid() from None
    try:
        return ScanIn.model_validate(data)
    except ValidationError as error:
        errors: dict[str, list[str]] = {}
        for item in error.errors():
            path = ".".join(str(part) for part in item["loc"]) or "body"
            errors.setdefault(path, []).append(item["msg"])
        raise _invalid(errors) from None


@router.post(
    "/carriers/{carrier}/tracking",
    response={200: ScanOut, **error_responses(400, 401, 404, 413)},
    summary="A carrier's tracking scan (Standard Webhooks)",
    auth=None,
)
def tracking_webhook(request: HttpRequest, carrier: str = CarrierCode):
    body = request.body
    if len(body) > MAX_BODY:
        raise _invalid()
    payload = _verified(carrier, body, request.headers)
    scan = _parsed(payload)
    try:
        result = tracking.receive_scan(
            carrier=carrier,
            webhook_id=request.headers["webhook-id"][:128],
            number=scan.data.tracking_number,
            scan=scan.data.event,
            at=scan.data.occurred_at,
            location=scan.data.location,
        )
    except tracking.UnknownTracking:
        raise ApiError(
            404,
            _("No return has this tracking number."),
            code=ErrorCode.UNKNOWN,
            errors={"data.tracking_number": [_("No return has this tracking number.")]},
        ) from None
    r = result.return_request
    return {"rma": r.rma, "status": r.status, "replayed": result.replayed}
