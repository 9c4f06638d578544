"""The actions on an exchange. Each runs inside the return's action that causes it
(confirm creates, lifecycle.transition calls `status_changed` with the return's
row locked), or takes the return's lock itself (reply.record_reply),
and appends the return's event and audit entry.

- On approval the buyer's part of the difference is taken (charged through the
  gateway, or spent from their store credit), an instant exchange authorises the
  returned items' value, and `exchange.requested` goes to the platform.
  A declined payment leaves the exchange "payment failed" for staff; nothing is
  requested.
- On receipt an instant exchange's authorisation is released and the difference
  owed to the buyer is given back (to the means of payment, or as credit).
- A rejected, cancelled or expired return cancels its exchange: the
  authorisation is released, and a charge or spend given back.
- An instant exchange whose return expires (nothing sent by the ship-by date,
  lifecycle.expire_overdue) has its authorisation captured instead.

Money moves under keys derived from the exchange's id: an action retried
(a redelivered task, a replayed reply) moves it once."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from store_credit import ledger
from store_credit.models import CreditEntry

from .. import actors, audit, webhook_events
from ..actors import Step
from ..models import (
    ActorKind,
    AuthorisationStatus,
    DifferenceSettlement,
    Exchange,
    ExchangeStatus,
    RefundKind,
    ReturnEvent,
    ReturnRequest,
    ReturnStatus,
)
from ..refunds import booking, credit
from ..refunds.governing import governing_rules
from . import events
from .gateway import ChargeDeclined, ChargeRequest, gateway
from .offer import ExchangeChoice

S = ReturnStatus
X = ExchangeStatus
RELEASED = (S.REJECTED, S.CANCELLED, S.EXPIRED)


def record_event(r: ReturnRequest, code: str, at: datetime, note: str = "", actor=None, kind=None):
    """An exchange's event on the locked return's timeline, and its audit entry."""
    ReturnEvent.objects.create(
        return_request=r,
        from_status=r.status,
        to_status=r.status,
        code=code,
        at=at,
        actor=actor,
        actor_kind=kind or (ActorKind.SYSTEM if actor is None else ActorKind.STAFF),
        note=note,
    )
    audit.record(r, code, user=actor, at=at, before=r.status, note=note)


def _amount(value: Decimal, currency: str) -> str:
    return f"{value} {currency}"


def _charge_request(ex: Exchange, r: ReturnRequest, key: str, amount: Decimal) -> ChargeRequest:
    order = r.order
    return ChargeRequest(key, amount, ex.currency, order.payment_method, order.payment_reference)


def create(r: ReturnRequest, choice: ExchangeChoice, settle_by: str, *, instant: bool) -> Exchange:
    """At confirm, in its transaction: each line's replacement, and the exchange."""
    by_line = {line.line.pk: line for line in choice.lines}
    for return_line in r.lines.all():
        chosen = by_line.get(return_line.order_line_id)
        if chosen is None:
            continue
        variant = chosen.variant
        return_line.exchange_sku = variant.sku
        return_line.exchange_title = variant.title
        return_line.exchange_attributes = dict(variant.attributes)
        return_line.exchange_unit_price = variant.unit_price
        return_line.save(
            update_fields=[
                "exchange_sku",
                "exchange_title",
                "exchange_attributes",
                "exchange_unit_price",
            ]
        )
    shipping = r.shipping_cost or Decimal("0.00")
    return Exchange.objects.create(
        return_request=r,
        instant=instant,
        currency=r.currency,
        returned_total=choice.returned_total,
        replacement_total=choice.replacement_total,
        shipping_cost=shipping,
        balance=choice.balance(shipping),
        settle_by=settle_by,
    )


def _locked(r: ReturnRequest) -> Exchange | None:
    return Exchange.objects.select_for_update().filter(return_request=r).first()


def status_changed(r: ReturnRequest, to: str, at: datetime) -> None:
    """lifecycle.transition calls this with the return locked, after the change."""
    if r.resolution != "exchange":
        return
    if to == S.APPROVED:
        approved(r, at)
    elif to == S.RECEIVED:
        received(r, at)
    elif to == S.EXPIRED:
        expired(r, at)
    elif to in RELEASED:
        cancelled(r, at)


def approved(r: ReturnRequest, at: datetime, actor=None) -> bool:
    """Take the buyer's part and request the replacement; False when the payment
    failed (the exchange waits for staff to retry it)."""
    ex = _locked(r)
    if ex is None or ex.status not in (X.PENDING, X.PAYMENT_FAILED):
        return True
    try:
        _take_payment(ex, r, at, actor)
        if ex.instant:
            _authorise(ex, r, at, actor)
    except (ChargeDeclined, ledger.CreditError) as refused:
        ex.status = X.PAYMENT_FAILED
        ex.save(update_fields=["status", "updated_at"])
        record_event(r, events.PAYMENT_FAILED, at, str(refused)[:200], actor)
        return False
    ex.status, ex.requested_at = X.REQUESTED, at
    ex.save()
    record_event(r, events.REQUESTED, at, ", ".join(_line_notes(r)), actor)
    webhook_events.exchange_requested(r, ex)
    return True


# Approved and not released: the exchange's payment may be tried again.
RETRIABLE = (S.APPROVED, S.IN_TRANSIT, S.PARTIALLY_RECEIVED, S.RECEIVED, S.INSPECTED)


def retry_payment(r: ReturnRequest, *, actor, actor_kind: str = ActorKind.STAFF, at=None) -> bool:
    """Staff try the failed payment of an exchange again (a card updated, credit
    topped up); True when it went through and the replacement is requested."""
    actors.check(r, actor, actor_kind, (ActorKind.STAFF,), step=Step.APPROVE)
    at = at or timezone.now()
    with transaction.atomic():
        locked = (
            ReturnRequest.objects.select_for_update(of=("self",))
            .select_related("order")
            .get(pk=r.pk)
        )
        ex = _locked(locked)
        if ex is None or ex.status != X.PAYMENT_FAILED or locked.status not in RETRIABLE:
            raise ValueError(_("This exchange has no failed payment to retry."))
        return approved(locked, at, actor)


def _line_notes(r: ReturnRequest) -> list[str]:
    return [
        f"{line.order_line.sku} → {line.exchange_sku}"
        for line in r.lines.select_related("order_line")
        if line.exchange_sku
    ]


def _take_payment(ex: Exchange, r: ReturnRequest, at: datetime, actor=None) -> None:
    """The buyer's part of a dearer replacement, once (a retry after a decline
    asks again under the same key)."""
    if ex.balance >= 0 or ex.settled_at is not None:
        return
    owed = -ex.balance
    if ex.settle_by == DifferenceSettlement.CREDIT:
        booked = ledger.spend(
            r.order.buyer_email,
            owed,
            ex.currency,
            key=f"exchange:{ex.public_id}",
            reason=r.rma,
            order=r.order,
        )
        ex.settlement_reference = str(booked.entry.public_id)
        code = events.DIFFERENCE_CREDITED
    else:
        ex.settlement_reference = gateway().charge(
            _charge_request(ex, r, f"exchange-charge:{ex.public_id}", owed)
        )
        code = events.DIFFERENCE_CHARGED
    ex.settled_at = at
    ex.save()
    record_event(r, code, at, _amount(owed, ex.currency), actor)


def _authorise(ex: Exchange, r: ReturnRequest, at: datetime, actor=None) -> None:
    if ex.authorisation_status or ex.returned_total <= 0:
        return
    ex.authorisation_reference = gateway().authorise(
        _charge_request(ex, r, f"exchange-auth:{ex.public_id}", ex.returned_total)
    )
    ex.authorisation_amount = ex.returned_total
    ex.authorisation_status = AuthorisationStatus.AUTHORISED
    ex.save()
    record_event(r, events.AUTHORISED, at, _amount(ex.returned_total, ex.currency), actor)


def _release(ex: Exchange, r: ReturnRequest, at: datetime) -> None:
    if ex.authorisation_status != AuthorisationStatus.AUTHORISED:
        return
    gateway().release(ex.authorisation_reference)
    ex.authorisation_status = AuthorisationStatus.RELEASED
    ex.save()
    record_event(r, events.RELEASED, at, _amount(ex.authorisation_amount, ex.currency))


def received(r: ReturnRequest, at: datetime) -> None:
    ex = _locked(r)
    if ex is None or ex.status == X.CANCELLED:
        return
    _release(ex, r, at)
    _give_back_owed(ex, r, at)


def _give_back_owed(ex: Exchange, r: ReturnRequest, at: datetime) -> None:
    """A cheaper replacement: the difference back, once the return is in."""
    if ex.balance <= 0 or ex.settled_at is not None:
        return
    owed = ex.balance
    if ex.settle_by == DifferenceSettlement.CREDIT:
        booked = ledger.issue(
            r.order.buyer_email,
            owed,
            ex.currency,
            key=f"exchange:{ex.public_id}",
            reason=r.rma,
            order=r.order,
            # The pinned policy's validity, as for any credit (refunds.credit).
            expires_at=credit.expiry_for(
                governing_rules(r.order_id, r),
                market=r.order.market,
                issued_at=at,
                required_by_law=r.statutory or r.reason_is_defect,
            ),
        )
        ex.settlement_reference = str(booked.entry.public_id)
    else:
        locked = booking.lock_order(r.order_id, return_request=r)
        owed = min(owed, locked.payments_left)
        if owed > 0:
            refunds = booking.book_shares(
                locked,
                booking.split(owed, {}, locked.payments),
                key=f"exchange:{ex.public_id}",
                kind=RefundKind.EXCHANGE_DIFFERENCE,
                return_request=r,
                reason=r.rma,
            )
            ex.settlement_reference = ",".join(str(refund.pk) for refund in refunds)
    ex.settled_at = at
    ex.save()
    record_event(r, events.DIFFERENCE_OWED, at, _amount(owed, ex.currency))


def cancelled(r: ReturnRequest, at: datetime) -> None:
    ex = _locked(r)
    if ex is None or ex.status == X.CANCELLED:
        return
    _release(ex, r, at)
    if ex.balance < 0 and ex.settled_at is not None:
        if ex.settle_by == DifferenceSettlement.CREDIT:
            spent = CreditEntry.objects.filter(public_id=ex.settlement_reference).first()
            if spent is not None:
                ledger.reverse(spent, reason=r.rma)
        else:
            gateway().refund_charge(
                ex.settlement_reference,
                _charge_request(ex, r, f"exchange-charge-refund:{ex.public_id}", -ex.balance),
            )
    ex.status = X.CANCELLED
    ex.save()
    record_event(r, events.CANCELLED, at)


def expired(r: ReturnRequest, at: datetime) -> None:
    """Nothing was sent back by the ship-by date. An instant exchange's replacement
    is already with the buyer: its authorisation is captured (they keep both and
    pay for one). Otherwise the exchange is cancelled as any released return's."""
    ex = _locked(r)
    if ex is None or ex.status == X.CANCELLED:
        return
    if ex.authorisation_status != AuthorisationStatus.AUTHORISED:
        cancelled(r, at)
        return
    gateway().capture(
        ex.authorisation_reference,
        _charge_request(ex, r, f"exchange-capture:{ex.public_id}", ex.authorisation_amount),
    )
    ex.authorisation_status = AuthorisationStatus.CAPTURED
    ex.save()
    record_event(r, events.CAPTURED, at, _amount(ex.authorisation_amount, ex.currency))
