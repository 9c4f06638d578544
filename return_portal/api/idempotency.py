"""`Idempotency-Key`: the same action sent twice is done once and answers the same.

An action sent with a key runs in one transaction with the key's row
(models.ApiIdempotencyKey): the row holds the answer, and the unique (token,
key) makes a concurrent second call wait for the first and then replay its
answer (on PostgreSQL the second insert waits on the first's index entry). A
replay answers the stored status and body with `Idempotent-Replayed: true`.
The same key with another request (operation, target or body) is a 409: the
client reused a key by mistake, and answering the first call's result would
hide it. A refused call stores nothing, so it can be corrected and sent again
under the same key.

The actions that create something (a refund, a return) also pass a key of
their own down (`provider_key`): those providers are idempotent by it too, so
even a call that reaches them twice books once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Header

from core.api.errors import ApiError, ErrorCode
from core.api.text import text
from marketplace.fields import payload_hash
from marketplace.models import ApiToken

from ..models.api_keys import MAX_KEY_LENGTH, ApiIdempotencyKey

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
# Visible ASCII: a header value that proxies pass through untouched.
KEY_PATTERN = rf"^[\x21-\x7e]{{1,{MAX_KEY_LENGTH}}}$"


IdempotencyKey = text(
    MAX_KEY_LENGTH,
    min_length=1,
    pattern=KEY_PATTERN,
    pattern_message=gettext_lazy("Use at most 255 visible ASCII characters, without spaces."),
    description="A key of your own, unique per action (a UUID, say): sending the same "
    "action again with it does it once and answers the same (Idempotent-Replayed: true). "
    "The same key with another request is a 409.",
    examples=["6f1c2a4e-93d1-4f7e-9c1a-2b9f0e5d7a10"],
)
# The header as an operation's parameter: `key: OptionalKey = None` where it may
# be left out, `key: RequiredKey` where it must be sent.
RequiredKey = Annotated[IdempotencyKey, Header(alias=HEADER)]
OptionalKey = Annotated[IdempotencyKey, Header(None, alias=HEADER)]


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any
    replayed: bool = False


def fingerprint(operation: str, target: str, payload: Any) -> str:
    return payload_hash({"operation": operation, "target": target, "body": payload})


def provider_key(token: ApiToken, operation: str, key: str) -> str:
    """The key handed to a provider's own idempotency (at most 64 characters,
    as Refund.idempotency_key): one per token, operation and client key."""
    digest = hashlib.sha256(f"{token.pk}\n{operation}\n{key}".encode()).hexdigest()
    return f"api:{digest[:40]}"


def _replay(row: ApiIdempotencyKey, operation: str, print_: str) -> Answer:
    if row.operation != operation or row.fingerprint != print_:
        message = _("This Idempotency-Key was already used for another request.")
        raise ApiError(409, message, code=ErrorCode.CONFLICT, errors={HEADER: [message]})
    return Answer(row.status_code, row.response, replayed=True)


def _stored(token: ApiToken, key: str) -> ApiIdempotencyKey | None:
    return ApiIdempotencyKey.objects.filter(token=token, key=key).first()


def once(
    token: ApiToken,
    key: str | None,
    operation: str,
    print_: str,
    run: Callable[[], tuple[int, Any]],
) -> Answer:
    """Run `run` (→ status, JSON body) once per (token, key); without a key, run it."""
    if key is None:
        status, body = run()
        return Answer(status, body)
    row = _stored(token, key)
    if row is not None:
        return _replay(row, operation, print_)
    with transaction.atomic():
        try:
            with transaction.atomic():
                row = ApiIdempotencyKey.objects.create(
                    token=token,
                    key=key,
                    operation=operation,
                    fingerprint=print_,
                    status_code=0,  # never committed so: set below, in this transaction
                )
        except IntegrityError:  # a concurrent call with this key committed first
            row = _stored(token, key)
            if row is None:
                raise
            return _replay(row, operation, print_)
        status, body = run()
        row.status_code, row.response = status, body
        row.save(update_fields=["status_code", "response"])
    return Answer(status, body)
