"""Approval: which requests are approved without a decision, by when staff decide
the others, and the sweep that tells staff when a decision is late. (What a
rejection says: rejection.py.)

A withdrawal needs no approval: the right is the buyer's (Directive 2011/83/EU
Art. 9-11; C. consom. L221-18), so the withdrawal button and a notice received
another way are approved as they are recorded (rule "withdrawal"). Any other
request is approved at once when a rule says so, the first that matches:

- "defect": the back office approves defect claims at once (`auto_approve_defects`)
  and the buyer's reason is a defect (damaged, faulty, wrong, not as described);
- "below_threshold": the goods returned are worth less than `auto_approve_below`,
  read in the order's currency;
- "policy": the pinned policy promises approval within 0 business days
  (`PolicyRules.approval_business_days`), i.e. at once;
- "keep_it": a keep-it rule of the pinned policy lets the buyer keep the items
  (keep_it.py): approved, then refunded in full without a return.

A request whose buyer abuse screening flags (abuse.py: a threshold of Admin →
Settings → Abuse screening crossed, or the buyer's email or the order on the
blocklist) is never approved by these rules, a defect or a low value included:
staff decide it, and its timeline and audit log say why ("screening_flagged",
staff only). It is held, not refused: the buyer's withdrawal right is the law's
(a withdrawal is still recorded and approved at once, withdrawal.py), and staff
may approve any flagged request.

Everything else waits for the seller's (or the operator's) decision until
`approval_due_by`: the earlier of the back office's SLA (`approval_sla_hours` from
the request) and the end of the last business day the pinned policy promises
("We approve your return within N business days"). The beat sweep
(`flag_overdue_approvals`) records once, per request, that its deadline passed and
emails the staff who may decide it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy

from core.outbox import queue_email
from marketplace.models import OPERATOR_PERMISSION, SellerMembership

from . import abuse, audit, lifecycle
from .actors import CHANGE_PERMISSION, back_office, seller_may
from .actors import Step as BackOfficeStep
from .legal_calendar import add_business_days, local_date, market_timezone
from .models import ActorKind, BackOfficeSettings, ReturnEvent, ReturnRequest, ReturnStatus
from .steps import Selection


class Rule(StrEnum):
    """What approved a request without a decision (`ReturnRequest.approved_by_rule`)."""

    WITHDRAWAL = "withdrawal"
    DEFECT = "defect"
    BELOW_THRESHOLD = "below_threshold"
    POLICY = "policy"
    KEEP_IT = "keep_it"


# What staff read of each rule (the detail page, the history).
RULE_LABELS = {
    Rule.WITHDRAWAL: gettext_lazy("withdrawal: the right needs no approval"),
    Rule.DEFECT: gettext_lazy("defect claims are approved at once"),
    Rule.BELOW_THRESHOLD: gettext_lazy("value below the approval threshold"),
    Rule.POLICY: gettext_lazy("the policy approves at once"),
    Rule.KEEP_IT: gettext_lazy("the policy lets the buyer keep the items"),
}


@dataclass(frozen=True)
class Request:
    """What the rules read of a request."""

    defect: bool
    goods_value: Decimal  # in the order's currency
    policy_approval_days: int  # the shortest promise of the pinned policies
    flagged: bool = False  # abuse screening holds it for staff (abuse.py)
    kept: bool = False  # a keep-it rule of the pinned policy applies (keep_it.py)


@dataclass(frozen=True)
class Decision:
    """Approved at once by `rule`, or waiting for staff until `due_by`."""

    rule: Rule | None
    due_by: datetime | None


def request_of(selection: Selection, defect: bool, kept=None) -> Request:
    return Request(
        defect=defect,
        kept=kept is not None,
        goods_value=sum(
            (line.unit_price * units for line, _decision, units in selection.items), Decimal("0")
        ),
        policy_approval_days=min(rules.approval_business_days for rules in selection.rules),
    )


def screened_request(
    selection: Selection, defect: bool, order, at: datetime, buyer=None, *, kept=None
):
    """The request with abuse screening's verdict on its buyer: (Request, Screening).
    The units and value being returned count with the buyer's other returns.
    `kept`: the keep-it rule that applies, if any."""
    request = request_of(selection, defect, kept)
    units = sum(units for _line, _decision, units in selection.items)
    screening = abuse.screen(
        order, at, buyer=buyer, pending=abuse.Pending(units=units, value=request.goods_value)
    )
    return replace(request, flagged=screening.flagged), screening


# The event (and audit verb) recording why screening held a request (staff only).
SCREENING_FLAGGED = "screening_flagged"


def record_screening(return_request: ReturnRequest, screening, at: datetime) -> None:
    """In the creating transaction: the flag event, with one signal a line in its
    note, and its audit log entry. Nothing is sent to the buyer."""
    if not screening.flagged:
        return
    note = screening.note()
    ReturnEvent.objects.create(
        return_request=return_request,
        from_status=return_request.status,
        to_status=return_request.status,
        code=SCREENING_FLAGGED,
        at=at,
        actor_kind=ActorKind.SYSTEM,
        note=note,
    )
    audit.record(
        return_request,
        SCREENING_FLAGGED,
        at=at,
        before=return_request.status,
        note=note,
        signals=screening.codes,
    )


def automatic_rule(request: Request, office: BackOfficeSettings) -> Rule | None:
    """The rule that approves `request` at once, or None: staff decide."""
    if request.flagged:
        return None  # screened: staff decide, whatever the other rules say
    if request.kept:
        return Rule.KEEP_IT
    if office.auto_approve_defects and request.defect:
        return Rule.DEFECT
    threshold = office.auto_approve_below
    if threshold is not None and request.goods_value < threshold:
        return Rule.BELOW_THRESHOLD
    if request.policy_approval_days == 0:
        return Rule.POLICY
    return None


def due_by(at: datetime, market: str, policy_days: int, office: BackOfficeSettings) -> datetime:
    """When staff must have decided a request made at `at`."""
    sla = at + timedelta(hours=office.approval_sla_hours)
    last_day = add_business_days(local_date(at, market), policy_days, market)
    promised = datetime.combine(last_day, time.max, tzinfo=market_timezone(market))
    return min(sla, promised)


def decide(request: Request, at: datetime, market: str) -> Decision:
    """At the request: approved at once, or waiting with its deadline."""
    office = back_office()
    rule = automatic_rule(request, office)
    if rule is not None:
        return Decision(rule, None)
    return Decision(None, due_by(at, market, request.policy_approval_days, office))


# --- the approval SLA -------------------------------------------------------------------

# The event (and audit verb) the sweep records once a request's deadline passed.
APPROVAL_OVERDUE = "approval_overdue"


def overdue_requests(now: datetime):
    """Requests past their approval deadline that staff were not told about yet."""
    return ReturnRequest.objects.filter(
        status=ReturnStatus.REQUESTED, approval_due_by__lt=now
    ).exclude(events__code=APPROVAL_OVERDUE)


def deciders(return_request: ReturnRequest, office: BackOfficeSettings | None = None) -> list:
    """The active staff who may decide this request: the seller's staff when the
    marketplace leaves approval to its sellers, else (or when the seller has
    none) the operator's staff."""
    office = office or back_office()
    User = get_user_model()
    staff = []
    if return_request.seller_id and seller_may(BackOfficeStep.APPROVE, settings=office):
        members = User.objects.filter(
            is_active=True,
            is_staff=True,
            pk__in=SellerMembership.objects.filter(seller_id=return_request.seller_id).values(
                "user_id"
            ),
        )
        staff = [user for user in members if user.has_perm(CHANGE_PERMISSION)]
    if not staff:
        app_label, codename = OPERATOR_PERMISSION.split(".")
        granted = Q(
            user_permissions__codename=codename,
            user_permissions__content_type__app_label=app_label,
        ) | Q(
            groups__permissions__codename=codename,
            groups__permissions__content_type__app_label=app_label,
        )
        operators = User.objects.filter(
            Q(is_superuser=True) | granted, is_active=True, is_staff=True
        )
        staff = [user for user in operators.distinct() if user.has_perm(CHANGE_PERMISSION)]
    return sorted(staff, key=lambda user: user.pk)


def _admin_url(return_request: ReturnRequest) -> str:
    path = reverse("returns:inspect", args=[return_request.pk])
    return settings.WAGTAILADMIN_BASE_URL.rstrip("/") + path


def _notify_deciders(return_request: ReturnRequest, office: BackOfficeSettings) -> int:
    sent = 0
    for user in deciders(return_request, office):
        language = getattr(user, "preferred_language", "") or settings.LANGUAGE_CODE
        if language not in dict(settings.LANGUAGES):
            language = settings.LANGUAGE_CODE
        context = {
            "return": return_request,
            "url": _admin_url(return_request),
            "zone": market_timezone(return_request.order.market),
        }
        with translation.override(language):
            subject = render_to_string("return_portal/email/approval_overdue_subject.txt", context)
            body = render_to_string("return_portal/email/approval_overdue.txt", context)
        if queue_email(
            kind=APPROVAL_OVERDUE,
            recipient=user.email,
            language=language,
            subject=subject,
            body=body,
            about=return_request,
        ):
            sent += 1
    return sent


def flag_overdue_approvals(now: datetime) -> int:
    """Beat: record, once per request, that its approval deadline passed, and email
    the staff who may decide it (in the same transaction as the event). How many."""
    office = back_office()
    flagged = 0
    for return_request in overdue_requests(now).select_related("order").order_by("pk"):

        def tell_staff(locked: ReturnRequest) -> str:
            # Under the return's lock: decided meanwhile, or flagged by another sweep.
            if (
                locked.status != ReturnStatus.REQUESTED
                or locked.events.filter(code=APPROVAL_OVERDUE).exists()
            ):
                raise _AlreadyHandled
            return f"{_notify_deciders(locked, office)} staff notified"

        try:
            lifecycle.record_event(
                return_request,
                APPROVAL_OVERDUE,
                actor_kind=ActorKind.SYSTEM,
                may=(ActorKind.SYSTEM,),
                at=now,
                apply=tell_staff,
            )
        except _AlreadyHandled:
            continue
        flagged += 1
    return flagged


class _AlreadyHandled(Exception):
    """The request was decided or flagged between the query and its lock."""
