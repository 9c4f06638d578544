"""Refunds, in three steps that never import the task layer:

- `estimate`: what a return will refund, a pure function of plain values;
- `booking`: the amount settled at resolution and its `Refund` row, booked against
  the order under its lock (the database refuses more than was paid);
- `payout`: paying a booked refund through the configured gateway, once per
  idempotency key. `return_portal.tasks` wraps `payout.pay` with Celery's retries.
"""

from decimal import Decimal


class RefundTooLarge(ValueError):
    """More than what remains to refund was asked for; `remaining` says how much
    remains (manual, goodwill and external refunds raise it)."""

    def __init__(self, remaining: Decimal, message: str = ""):
        self.remaining = remaining
        super().__init__(message or f"At most {remaining} remains to be refunded.")
