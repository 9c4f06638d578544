"""The list's cursor: where the previous page ended, in the (updated_at, id)
order, signed so that a client can only hand back a cursor we gave it.

Walking by last change suits a synchronising client: it keeps the last cursor
(or `updated_since`) and asks again later. A return changed meanwhile moves to
the end of the walk, so the client sees it again, with its new state; a return
never changed since is never seen twice. The index `return_updated_idx`
serves the walk.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core import signing
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from core.api.errors import ApiError, ErrorCode

SALT = "return_portal.api.returns.cursor"
MAX_CURSOR_LENGTH = 200


@dataclass(frozen=True)
class Position:
    updated_at: datetime
    pk: int


def encode(position: Position) -> str:
    return signing.dumps([position.updated_at.isoformat(), position.pk], salt=SALT)


def decode(cursor: str) -> Position:
    """The position a cursor names, or a 400 (code unknown: well formed, but not
    one this API gave out)."""
    try:
        updated_at, pk = signing.loads(cursor, salt=SALT)
        position = Position(datetime.fromisoformat(updated_at), int(pk))
    except (signing.BadSignature, ValueError, TypeError):
        message = _("This cursor is not valid: use the next_cursor of a previous page.")
        raise ApiError(400, message, code=ErrorCode.UNKNOWN, errors={"cursor": [message]}) from None
    return position


def after(queryset: QuerySet, position: Position) -> QuerySet:
    """The rows after `position` in the (updated_at, id) order."""
    return queryset.filter(
        Q(updated_at__gt=position.updated_at)
        | Q(updated_at=position.updated_at, pk__gt=position.pk)
    )


def page(queryset: QuerySet, limit: int) -> tuple[list, str | None]:
    """One page of `queryset` (ordered by updated_at, id) and the cursor of the
    next, None when this page is the last."""
    rows = list(queryset.order_by("updated_at", "pk")[: limit + 1])
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    last = rows[-1]
    return rows, encode(Position(last.updated_at, last.pk))
