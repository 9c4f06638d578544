"""Paying booked refunds: an interface, the local implementation this project runs,
and the actions that pay a refund, give up on it, and try it again.

A real marketplace plugs its payment provider in with `RETURNS_PAYMENT_GATEWAY`
(a dotted path to a class with the `PaymentGateway` shape). The default,
`LocalLedgerGateway`, records the payout locally and succeeds: it is what `make run`
and the tests use, and what a marketplace that pays refunds by hand would run.
`refunds.simulated.SimulatedGateway` is a provider that can be told to fail, time
out or pay after some tries, for demos and tests.

Every call carries an idempotency key (`Refund.provider_key`), and every call
under one key asks for the same sum. The key and the sum with its late surcharge
(L242-4, `refunds.surcharge`) are committed before the provider is called, and
sent again as they are while the provider may have paid: after a timeout, or
when the worker died between the call and the commit. So a retried task, or one
redelivered after its worker died, never pays twice. After a definite decline
(a PaymentError that is not a PaymentTimeout) nothing was paid: the next attempt
is a new payment, under a new key (the refund's key and the attempt's number) and
with the surcharge owed on the day it is made.

Each failed attempt stores when the next one is due (`next_attempt_at`, the
retry's backoff); beat's sweep re-queues a pending refund only when its task is
lost: no attempt made long after it was booked, or its next attempt long overdue.

The Celery task (`return_portal.tasks.execute_refund`) wraps `pay` with retries
and calls `give_up` after the last one. This module queues it by its registered
name, so the refunds never import the task layer (which imports them).

This module writes the return's events itself (`_journal`), as
`lifecycle.record_event` would: lifecycle imports the booking, which imports
this module, so it cannot import lifecycle back.
"""

from __future__ import annotations

import hashlib
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Protocol

from celery import current_app
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string
from wagtail.log_actions import log

from marketplace.scoping import scope_of_user

from .. import actors, audit, settlement_figures, webhook_events
from ..actors import Step
from ..models import ActorKind, Refund, RefundStatus, ReturnEvent, ReturnRequest
from . import credit, paid_email, surcharge

logger = logging.getLogger(__name__)

DEFAULT_GATEWAY = "return_portal.refunds.payout.LocalLedgerGateway"
# The task's registered name (return_portal/tasks.py), which beat and workers use.
EXECUTE_REFUND_TASK = "return_portal.tasks.execute_refund"
# A refund whose attempt was due less than this ago may still have its own task
# running (or waiting in the broker): not re-queued.
STALE_REFUND = timedelta(minutes=10)
# Retries wait about 30 s, 1 min, 2 min… at most an hour, each somewhere in the
# upper half of its step, so refunds failed together are not retried together.
RETRY_BASE_SECONDS = 30
RETRY_MAX_SECONDS = 3600

# The return's events (and audit verbs) of a payout.
REFUND_PAID = "refund_paid"
REFUND_FAILED = "refund_failed"
REFUND_RETRY = "refund_retry"


@dataclass(frozen=True)
class PayoutRequest:
    idempotency_key: str
    amount: Decimal
    currency: str
    resolution: str  # "refund" to the original means of payment, or "store_credit"
    payment_method: str
    payment_reference: str
    # The L242-4 increase of a late refund, paid with it.
    surcharge: Decimal = Decimal("0.00")
    # The refund's own key, the same over its provider keys (`idempotency_key`
    # changes after a definite decline): what the simulated provider scripts by.
    refund_key: str = ""

    @property
    def total(self) -> Decimal:
        """What the provider pays: the amount and the surcharge."""
        return self.amount + self.surcharge


class PaymentError(Exception):
    """The provider refused or could not be reached; the task retries."""


class PaymentTimeout(PaymentError):
    """The provider did not answer in time: it may have paid. The retry asks again
    under the same key and learns the answer."""


class PaymentGateway(Protocol):
    def payout(self, request: PayoutRequest) -> str:
        """Pay `request.total` once per idempotency key; return the provider's
        reference (the same one for the same key). Raise PaymentError."""


class LocalLedgerGateway:
    """Records the payout and answers with a stable reference derived from the key:
    the same key always gives the same reference, as a real provider's would."""

    def payout(self, request: PayoutRequest) -> str:
        if request.total <= 0:
            raise PaymentError("Nothing to pay.")
        digest = hashlib.sha256(request.idempotency_key.encode()).hexdigest()[:16]
        return f"local-{digest}"


def gateway() -> PaymentGateway:
    path = getattr(settings, "RETURNS_PAYMENT_GATEWAY", DEFAULT_GATEWAY)
    return import_string(path)()


def retry_delay(retries: int, rng: Callable[[], float] = random.random) -> int:
    """Seconds before retry number `retries` + 1: exponential, with jitter."""
    step = min(RETRY_MAX_SECONDS, RETRY_BASE_SECONDS * 2**retries)
    return round(step / 2 + rng() * step / 2)


def queue_payout(refund_id: int) -> bool:
    """Ask a worker to pay the refund now; False when the broker is down (beat's
    sweep re-queues pending refunds, so nothing is lost)."""
    try:
        task = current_app.tasks.get(EXECUTE_REFUND_TASK)
        if task is None:  # a process that never loaded the apps: the broker by name
            current_app.send_task(EXECUTE_REFUND_TASK, args=[refund_id])
        else:
            task.delay(refund_id)
    except Exception as error:  # broker down (or, eager, the payout failed again)
        logger.warning("Refund %s queued for the next sweep: %s", refund_id, error)
        return False
    return True


def schedule_refund(refund: Refund) -> None:
    """Queue the payout once the refund row is committed."""
    transaction.on_commit(lambda: queue_payout(refund.pk))


def orphaned(now: datetime):
    """The pending refunds whose task is lost (with the broker, or a worker that
    never ran it): never tried and booked long ago, or their next attempt long
    overdue. A refund waiting out its backoff between two retries is not one."""
    stale = now - STALE_REFUND
    return Refund.objects.filter(status=RefundStatus.PENDING).filter(
        Q(next_attempt_at__isnull=True, created_at__lt=stale) | Q(next_attempt_at__lt=stale)
    )


def requeue_pending(now: datetime) -> int:
    """Beat: queue again the refunds whose task was lost (`orphaned`); how many
    were queued. Each one queued is due now (`next_attempt_at`), so the next
    sweeps leave it to its new task. A refund that failed through every retry waits
    for staff (`retry`). Whatever the broker refuses now, the next sweep tries again."""
    lost = list(orphaned(now).values_list("pk", "next_attempt_at"))
    # Due now before it is queued: a worker taking it at once records its own next
    # attempt over this one, not the other way round.
    Refund.objects.filter(pk__in=[pk for pk, _before in lost]).update(next_attempt_at=now)
    queued = 0
    for pk, before in lost:
        if queue_payout(pk):
            queued += 1
        else:  # the broker refused it: the next sweep tries again
            Refund.objects.filter(pk=pk, next_attempt_at=now).update(next_attempt_at=before)
    return queued


# --- the actions --------------------------------------------------------------------


def _locked(refund_id: int) -> tuple[ReturnRequest | None, Refund | None]:
    """The refund's return, then the refund, locked in the order every action
    locks them (the return first)."""
    head = Refund.objects.filter(pk=refund_id).values("return_request_id").first()
    if head is None:
        return None, None
    return_request = None
    if head["return_request_id"] is not None:
        return_request = (
            ReturnRequest.objects.select_for_update(of=("self",))
            .select_related("order")
            .get(pk=head["return_request_id"])
        )
    refund = (
        Refund.objects.select_for_update(of=("self",))
        .select_related("order", "payment")
        .get(pk=refund_id)
    )
    return return_request, refund


def _journal(
    refund: Refund,
    return_request: ReturnRequest | None,
    code: str,
    *,
    note: str,
    actor=None,
    at: datetime | None = None,
) -> None:
    """The event on the (locked) return and the audit log entry; a refund without
    a return is logged on itself."""
    at = at or timezone.now()
    actor_kind = ActorKind.SYSTEM if actor is None else ActorKind.STAFF
    if return_request is None:
        log(instance=refund, action=audit.LOG_PREFIX + code, user=actor, data={"note": note})
        return
    ReturnRequest.objects.filter(pk=return_request.pk).update(updated_at=at)
    ReturnEvent.objects.create(
        return_request=return_request,
        from_status=return_request.status,
        to_status=return_request.status,
        code=code,
        at=at,
        actor=actor,
        actor_kind=actor_kind,
        note=note,
    )
    audit.record(return_request, code, user=actor, at=at, before=return_request.status, note=note)


def payout_request(refund: Refund) -> PayoutRequest:
    payment = refund.payment
    return PayoutRequest(
        idempotency_key=refund.provider_key or refund.idempotency_key,
        amount=refund.amount,
        currency=refund.currency,
        resolution=refund.resolution,
        payment_method=payment.method if payment else refund.order.payment_method,
        payment_reference=payment.reference if payment else refund.order.payment_reference,
        surcharge=refund.surcharge,
        refund_key=refund.idempotency_key,
    )


def new_provider_key(refund: Refund) -> str:
    """The key of a new payment of the refund: its own key at the first attempt,
    then its key and the attempt's number (every earlier key was declined)."""
    if refund.attempts == 0:
        return refund.idempotency_key
    return f"{refund.idempotency_key}:{refund.attempts + 1}"


def _prepare(refund_id: int, now: datetime) -> None:
    """Commit the key and the sum of the attempt about to be made. A new payment
    (the first, or after a definite decline) gets a new key and the surcharge owed
    if paid now; one that may have been paid keeps both."""
    with transaction.atomic():
        return_request, refund = _locked(refund_id)
        if refund is None or refund.status != RefundStatus.PENDING or refund.provider_key:
            return
        refund.provider_key = new_provider_key(refund)
        refund.surcharge = surcharge.owed_on(refund, now, return_request=return_request)
        refund.save(update_fields=["provider_key", "surcharge"])


def pay(refund_id: int, *, retry_in: int | None = None) -> None:
    """Pay one pending refund through the gateway with its provider key, recording
    the attempt; a late one in France pays its surcharge with it. Nothing happens
    for a refund already paid, failed for good, or gone. Raises PaymentError, after
    recording the failed attempt (and, with `retry_in` seconds, when the next is
    due), when the provider fails."""
    error: PaymentError | None = None
    now = timezone.now()
    # Committed before the call: a worker dying after the provider paid leaves the
    # key and the sum it was paid under for the next one to send again.
    _prepare(refund_id, now)
    with transaction.atomic():
        return_request, refund = _locked(refund_id)
        if refund is None or refund.status != RefundStatus.PENDING:
            return
        if not refund.provider_key:  # another worker's attempt was declined meanwhile
            return
        refund.attempts += 1
        try:
            if credit.is_store_credit(refund):
                # Store credit goes onto the buyer's ledger, not to the gateway
                # (refunds.credit; once per refund key, in this transaction).
                reference = credit.issue_for(refund, return_request)
            else:
                reference = gateway().payout(payout_request(refund))
        except PaymentError as failed:
            refund.last_error = str(failed)[:1000]
            if not isinstance(failed, PaymentTimeout):
                # Declined: nothing was paid under this key. The next attempt is a
                # new payment (new key, the surcharge of its own day).
                refund.provider_key = ""
            refund.next_attempt_at = (
                timezone.now() + timedelta(seconds=retry_in) if retry_in is not None else None
            )
            refund.save(update_fields=["attempts", "last_error", "provider_key", "next_attempt_at"])
            error = failed
        else:
            refund.status = RefundStatus.SUCCEEDED
            refund.provider_reference = reference[:128]
            refund.completed_at = timezone.now()
            refund.next_attempt_at = None
            refund.save(
                update_fields=[
                    "attempts",
                    "status",
                    "provider_reference",
                    "completed_at",
                    "next_attempt_at",
                ]
            )
            total = refund.amount + refund.surcharge
            _journal(
                refund,
                return_request,
                REFUND_PAID,
                note=f"{total} {refund.currency} ({reference})",
                at=refund.completed_at,
            )
            if refund.surcharge and return_request is not None:
                settlement_figures.note_late_surcharge(return_request)  # shown to the buyer
            paid_email.queue_paid([refund], return_request=return_request)
            webhook_events.refund(refund, return_request, succeeded=True)
    # Raised once the attempt is committed: the retry must see it counted.
    if error is not None:
        raise error


def give_up(refund_id: int, error: Exception) -> bool:
    """After the last retry: the refund is failed, with its reason, for staff to
    see in the queue and retry. False when it is no longer pending."""
    with transaction.atomic():
        return_request, refund = _locked(refund_id)
        if refund is None or refund.status != RefundStatus.PENDING:
            return False
        refund.status = RefundStatus.FAILED
        refund.last_error = str(error)[:1000] or refund.last_error
        refund.next_attempt_at = None
        refund.save(update_fields=["status", "last_error", "next_attempt_at"])
        _journal(refund, return_request, REFUND_FAILED, note=refund.last_error)
        webhook_events.refund(refund, return_request, succeeded=False)
    return True


def _check_order_refund(refund: Refund, actor) -> None:
    """A refund without a return: staff whose scope covers every seller of the
    order, allowed to settle that amount."""
    if actor is None or not actor.is_active or not actor.has_perm(actors.CHANGE_PERMISSION):
        raise actors.ActionDenied()
    scope = scope_of_user(actor)
    sellers = set(refund.order.lines.values_list("seller_id", flat=True))
    if not all(scope.allows(seller) for seller in sellers) or not (
        scope.is_operator or actors.seller_may(Step.SETTLE, refund.amount)
    ):
        raise actors.ActionDenied()


def retry(refund: Refund, *, actor, actor_kind: str | None = None) -> bool:
    """Staff try a failed refund again: it is pending once more and queued after
    commit: under the same key and sum when its last attempt may have paid (a
    provider that did pay answers with its reference), else as a new payment (pay).
    False when it was not failed (a double click, another tab)."""
    actor_kind = actor_kind or ActorKind.STAFF
    if refund.return_request_id is not None:
        actors.check(
            refund.return_request,
            actor,
            actor_kind,
            (ActorKind.STAFF,),
            step=Step.SETTLE,
            amount=refund.amount,
        )
    else:
        _check_order_refund(refund, actor)
    with transaction.atomic():
        return_request, locked = _locked(refund.pk)
        if locked is None or locked.status != RefundStatus.FAILED:
            return False
        locked.status = RefundStatus.PENDING
        locked.next_attempt_at = timezone.now()  # due now: its task is queued below
        locked.save(update_fields=["status", "next_attempt_at"])
        _journal(
            locked,
            return_request,
            REFUND_RETRY,
            note=f"{locked.amount} {locked.currency}: {locked.last_error}",
            actor=actor,
        )
        schedule_refund(locked)
    refund.status = locked.status
    return True
