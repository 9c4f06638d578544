"""The return's outbound webhook events (webhooks.emit), in the action's
transaction: the status changes of lifecycle.transition, the creation
(confirm.record_creation), the withdrawal notice and the refund's outcome.

The data names the return, its seller and order and the amounts (strings, with
the currency); never the staff's notes nor the buyer's details."""

from __future__ import annotations

import webhooks
from webhooks import events as E

from .models import ReturnRequest, ReturnStatus

S = ReturnStatus
STATUS_EVENTS = {
    S.APPROVED: E.RETURN_APPROVED,
    S.REJECTED: E.RETURN_REJECTED,
    S.IN_TRANSIT: E.RETURN_IN_TRANSIT,
    S.RECEIVED: E.RETURN_RECEIVED,
    S.INSPECTED: E.RETURN_INSPECTED,
    S.RESOLVED: E.RETURN_RESOLVED,
    S.CLOSED: E.RETURN_CLOSED,
    S.CANCELLED: E.RETURN_CANCELLED,
}


def _money(amount, currency: str) -> dict | None:
    return None if amount is None else {"amount": str(amount), "currency": currency}


def return_data(return_request: ReturnRequest) -> dict:
    seller = return_request.seller
    return {
        "rma": return_request.rma,
        "status": return_request.status,
        "kind": return_request.kind,
        "resolution": return_request.resolution,
        "seller": {"id": seller.pk, "reference": seller.reference},
        "order_reference": return_request.order.reference,
        "estimated_total": _money(return_request.estimated_total, return_request.currency),
        "settled_total": _money(return_request.settled_total, return_request.currency),
    }


def _emit(event_type: str, return_request: ReturnRequest) -> None:
    webhooks.emit(
        event_type,
        lambda: return_data(return_request),
        seller_ids={return_request.seller_id},
        ordering_key=f"return:{return_request.rma}",
    )


def status_changed(return_request: ReturnRequest, to: str) -> None:
    if to in STATUS_EVENTS:
        _emit(STATUS_EVENTS[to], return_request)


def requested(return_request: ReturnRequest) -> None:
    _emit(E.RETURN_REQUESTED, return_request)


def exchange_requested(return_request: ReturnRequest, exchange) -> None:
    """On approval: what the commerce platform needs to create the replacement
    order, line by line (from this SKU to that one), the difference and how it
    was settled, and when to ship (an instant exchange: now)."""

    def data():
        currency = exchange.currency
        return {
            **return_data(return_request),
            "exchange": {
                "id": str(exchange.public_id),
                "instant": exchange.instant,
                "ship": "now" if exchange.instant else "on_receipt",
                "lines": [
                    {
                        "order_line": line.order_line.reference,
                        "quantity": line.quantity,
                        "from_sku": line.order_line.sku,
                        "to_sku": line.exchange_sku,
                        "to_title": line.exchange_title,
                        "to_attributes": line.exchange_attributes,
                        "to_unit_price": _money(line.exchange_unit_price, currency),
                    }
                    for line in return_request.lines.select_related("order_line")
                    if line.exchange_sku
                ],
                "difference": _money(exchange.balance, currency),
                "settled_by": exchange.settle_by,
                "settlement_reference": exchange.settlement_reference,
                "shipping_address": return_request.order.shipping_address,
            },
        }

    webhooks.emit(
        E.EXCHANGE_REQUESTED,
        data,
        seller_ids={return_request.seller_id},
        ordering_key=f"return:{return_request.rma}",
    )


def withdrawal_notified(return_request: ReturnRequest) -> None:
    _emit(E.WITHDRAWAL_NOTIFIED, return_request)


def refund(refund, return_request: ReturnRequest | None, succeeded: bool) -> None:
    """refund.succeeded or refund.failed; a goodwill refund of an order has no return."""
    if return_request is not None:
        sellers, key = {return_request.seller_id}, f"return:{return_request.rma}"
    else:
        sellers = set(refund.order.lines.values_list("seller_id", flat=True))
        key = f"order:{refund.order.reference}"

    def data():
        return {
            "refund_id": refund.pk,
            "status": refund.status,
            "kind": refund.kind,
            "rma": return_request.rma if return_request is not None else None,
            "order_reference": refund.order.reference,
            "amount": _money(refund.amount, refund.currency),
            "surcharge": _money(refund.surcharge, refund.currency),
        }

    event = E.REFUND_SUCCEEDED if succeeded else E.REFUND_FAILED
    webhooks.emit(event, data, seller_ids=sellers, ordering_key=key)
