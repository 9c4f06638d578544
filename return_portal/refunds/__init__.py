"""Refunds, in three steps that never import the task layer:

- `estimate`: what a return will refund, a pure function of plain values;
- `booking`: the amount settled at resolution and its `Refund` row, booked against
  the order under its lock (the database refuses more than was paid);
- `payout`: paying a booked refund through the configured gateway, once per
  idempotency key. `return_portal.tasks` wraps `payout.pay` with Celery's retries.
"""
