"""Signed outbound webhooks (Standard Webhooks), relayed from an outbox.

    webhooks.emit(event_type, data, seller_ids={...}, ordering_key="rma:R-1")

writes the event and its deliveries in the caller's transaction; see outbox.py.
"""


def emit(event_type: str, data: dict, *, seller_ids, ordering_key: str):
    from .outbox import emit as _emit

    return _emit(event_type, data, seller_ids=seller_ids, ordering_key=ordering_key)
