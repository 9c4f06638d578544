"""The returns API, for the sellers' and the operator's own systems
(token-authenticated; answers are never cached):

    GET  /api/v1/returns                     list, by last change, with a cursor
    GET  /api/v1/returns/{rma}               one return: lines, events, settlement, refunds
    POST /api/v1/returns/{rma}/approve …     the back office's actions (return_actions.py)

A token sees its seller's returns (or, the operator's, every seller's):
another seller's return answers 404, as one that does not exist.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Path, Query

from core.api.errors import ApiError, error_responses
from marketplace.auth import token_auth

from . import cursor
from .lookups import scoped_return, visible_returns
from .returns_data import detail_data, details, summaries, summary_data
from .returns_router import router
from .returns_schemas import LangParams, ReturnListParams, ReturnOut, ReturnPageOut, Rma

MAX_UNKNOWN_REPORTED = 10


def refuse_unknown_parameters(request: HttpRequest, params: type) -> None:
    """A filter misspelt (`update_since`) would list everything: a synchronising
    client must hear of it, so a parameter the list does not know is a 400."""
    unknown = sorted(set(request.GET) - set(params.model_fields))[:MAX_UNKNOWN_REPORTED]
    if unknown:
        raise ApiError(400, errors={name or "query": [_("Unknown parameter.")] for name in unknown})


@router.get(
    "/returns",
    auth=token_auth,
    response={200: ReturnPageOut, **error_responses(400, 401)},
    operation_id="listReturns",
    summary="The returns, by last change",
    description="Returns in the order of their last change (then id), a page at a time: "
    "send next_cursor as cursor for the next page. A synchronising client keeps the last "
    "cursor (or the time of its last run, as updated_since): a return changed since comes "
    "again, later in the walk. A seller's token lists its own returns only. A cursor this "
    "API did not give out is a 400 (unknown).",
    url_name="returns",
)
def list_returns(request: HttpRequest, params: Query[ReturnListParams]):
    refuse_unknown_parameters(request, ReturnListParams)
    returns = visible_returns(request.auth, summaries())
    if params.status is not None:
        returns = returns.filter(status=params.status)
    if params.updated_since is not None:
        returns = returns.filter(updated_at__gte=params.updated_since)
    if params.seller is not None:
        returns = returns.filter(seller__reference=params.seller)
    if params.cursor is not None:
        returns = cursor.after(returns, cursor.decode(params.cursor))
    rows, next_cursor = cursor.page(returns, params.limit)
    return {"items": [summary_data(r) for r in rows], "next_cursor": next_cursor}


@router.get(
    "/returns/{rma}",
    auth=token_auth,
    response={200: ReturnOut, **error_responses(400, 401, 404)},
    operation_id="getReturn",
    summary="One return, in full",
    description="Its status; each line with the units requested, received (and lost, "
    "wrong or not sent) and inspected, unit by unit; the events; the settlement once "
    "decided; the refund due date; and each refund with its paid date, days late and "
    "late surcharge.",
    url_name="return",
)
def get_return(request: HttpRequest, rma: Path[Rma], params: Query[LangParams]):
    return detail_data(scoped_return(request.auth, rma, details()))


# The other operations of the router: imported for their registration.
from . import creation, exchange_reply, refund_actions, return_actions  # noqa: E402, F401
