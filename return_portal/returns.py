"""Starting a return and withdrawing: the checks every step runs, the quote, and
the confirmation that creates the return.

The portal's steps each run the check of their step (`check_items`,
`check_reason`, `check_resolution`, `check_shipping`) so errors show inline; the
confirm step runs them all again (`confirm_return`) under a lock on the order,
with fresh returned quantities, so a stale page, a replayed POST or two tabs
can never return more than was bought. The draft's key is the return's
idempotency key: a replayed confirm answers with the return it already created.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from marketplace.models import Order, OrderLine
from policy_pages.markets import is_eu
from policy_pages.rules import PolicyRules, Resolution, ShippingMethod, ShippingOption

from . import lifecycle, notifications
from .eligibility import Decision
from .legal_calendar import local_date, period_end
from .models import (
    ActorKind,
    ItemCondition,
    ReturnEvent,
    ReturnKind,
    ReturnLine,
    ReturnPhoto,
    ReturnReason,
    ReturnRequest,
    ReturnStatus,
)
from .refunds import Estimate, EstimateLine, estimate, shipping_cost
from .services import Declarations, decide_order, decision_lines, orders_for_decisions

# Art. 13(1) / L221-24: the refund is due 14 days after the trader is told.
REFUND_DAYS = 14
# Art. 14(1): the buyer sends the goods back within 14 days of withdrawing.
WITHDRAWAL_SHIP_BACK_DAYS = 14
# Shipping a withdrawal defaults to, in order of preference (the buyer needs no printer).
WITHDRAWAL_SHIPPING_PREFERENCE = (
    ShippingMethod.DROP_OFF,
    ShippingMethod.PREPAID_LABEL,
    ShippingMethod.OWN_CARRIER,
)


class StepError(Exception):
    """Invalid input at a step: field -> translated messages."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.errors = errors


@dataclass
class Draft:
    """What the buyer chose so far. Kept in the session between steps; nothing is
    trusted from it at confirm (everything is checked again)."""

    order_id: int
    key: str = field(default_factory=lambda: uuid.uuid4().hex)
    quantities: dict[str, int] = field(default_factory=dict)  # line reference -> units
    opened: list[str] = field(default_factory=list)  # sealed lines the buyer unsealed
    reason_code: str = ""
    condition: str = ""
    comment: str = ""
    resolution: str = ""
    exchange_variant: str = ""
    shipping_method: str = ""

    def to_session(self) -> dict:
        return asdict(self)

    @classmethod
    def from_session(cls, data: dict) -> Draft:
        known = {name for name in cls.__dataclass_fields__}
        return cls(**{key: value for key, value in data.items() if key in known})

    @property
    def declarations(self) -> Declarations:
        return Declarations.of(self.opened)


# --- reading an order -----------------------------------------------------------------


def buyer_order(buyer, public_id) -> Order | None:
    """The buyer's order with its lines ready to judge, or None (never another's)."""
    return orders_for_decisions(Order.objects.filter(buyer=buyer, public_id=public_id)).first()


def statutory_open(decision: Decision, at: datetime) -> bool:
    """The statutory withdrawal period is running for this line at `at`."""
    if not decision.statutory_right or not decision.eligible:
        return False
    if decision.statutory_deadline is None:  # split delivery: not started yet, open
        return decision.deadline is None
    return at <= decision.statutory_deadline


def withdrawal_deadline(decisions: list[tuple[OrderLine, Decision]], at: datetime):
    """(open, deadline) of the withdrawal button for an order: open while any line
    is inside its statutory period; the deadline is the latest of those periods
    (None while a split delivery has not started it)."""
    open_lines = [decision for _line, decision in decisions if statutory_open(decision, at)]
    if not open_lines:
        return False, None
    deadlines = [d.statutory_deadline for d in open_lines]
    return True, (None if any(d is None for d in deadlines) else max(deadlines))


# --- the steps' checks ----------------------------------------------------------------


@dataclass(frozen=True)
class Selection:
    """The chosen lines with their decisions and the rules each is pinned to."""

    items: tuple[tuple[OrderLine, Decision, int], ...]  # line, decision, units

    @property
    def rules(self) -> list[PolicyRules]:
        seen: dict[int, PolicyRules] = {}
        for line, _decision, _units in self.items:
            seen.setdefault(line.policy_version_id, line.policy_version.rules)
        return list(seen.values())

    @property
    def first_rules(self) -> PolicyRules:
        return self.items[0][0].policy_version.rules


def check_items(order: Order, draft: Draft, at: datetime, held=None) -> Selection:
    """The chosen lines and units against each line's decision at `at`."""
    decisions = decide_order(order, at, draft.declarations, held)
    by_reference = {line.reference: (line, decision) for line, decision in decisions}
    errors: list[str] = []
    items = []
    for reference, units in draft.quantities.items():
        if units in (0, None):
            continue
        found = by_reference.get(reference)
        if found is None or not isinstance(units, int) or units < 0:
            errors.append(_("Choose items of this order only."))
            continue
        line, decision = found
        if not decision.eligible:
            errors.append(
                _("“%(title)s” cannot be returned: %(reason)s")
                % {"title": line.title, "reason": decision.reasons[0].message}
            )
        elif units > decision.returnable_quantity:
            errors.append(
                _("You can return at most %(count)d of “%(title)s”.")
                % {"count": decision.returnable_quantity, "title": line.title}
            )
        else:
            items.append((line, decision, units))
    if not errors and not items:
        errors.append(_("Choose at least one item to return."))
    sellers = {line.seller_id for line, _decision, _units in items}
    if not errors and len(sellers) > 1:
        errors.append(
            _("These items come from different sellers: return one seller's items at a time.")
        )
    if errors:
        raise StepError({"items": errors})
    return Selection(tuple(items))


def reason_tree() -> list[tuple[ReturnReason, list[ReturnReason]]]:
    """The active reasons in the current language as (group, leaves); a reason with
    no children is its own group and the only one that can be chosen."""
    from wagtail.models import Locale

    reasons = list(
        ReturnReason.objects.filter(active=True, locale=Locale.get_active()).order_by(
            "position", "label"
        )
    )
    children: dict[int, list[ReturnReason]] = {}
    for reason in reasons:
        if reason.parent_id:
            children.setdefault(reason.parent_id, []).append(reason)
    return [(reason, children.get(reason.pk, [])) for reason in reasons if not reason.parent_id]


def reason_for(code: str) -> ReturnReason | None:
    """The active leaf reason with this code in the current language (else any)."""
    from wagtail.models import Locale

    reasons = ReturnReason.objects.filter(code=code, active=True, children__isnull=True)
    try:
        locale = Locale.get_active()
    except Locale.DoesNotExist:
        locale = None
    if locale is not None:
        localized = reasons.filter(locale=locale).first()
        if localized is not None:
            return localized
    return reasons.select_related("locale").order_by("locale_id").first()


def check_reason(draft: Draft) -> ReturnReason:
    errors: dict[str, list[str]] = {}
    reason = reason_for(draft.reason_code) if draft.reason_code else None
    if reason is None:
        errors["reason"] = [_("Choose the reason that fits best.")]
    if draft.condition not in ItemCondition.values:
        errors["condition"] = [_("Tell us the condition of the item.")]
    if len(draft.comment) > 2000:
        errors["comment"] = [_("Keep the comment under 2,000 characters.")]
    if errors:
        raise StepError(errors)
    return reason


def allowed_resolutions(selection: Selection) -> list[Resolution]:
    """Those every pinned policy of the selection allows, in the first one's order."""
    rule_sets = selection.rules
    return [
        r for r in rule_sets[0].resolutions if all(r in rules.resolutions for rules in rule_sets)
    ]


def check_resolution(selection: Selection, draft: Draft) -> Resolution:
    allowed = allowed_resolutions(selection)
    if draft.resolution not in [r.value for r in allowed]:
        raise StepError({"resolution": [_("Choose one of the options offered.")]})
    resolution = Resolution(draft.resolution)
    if resolution == Resolution.EXCHANGE and not draft.exchange_variant.strip():
        raise StepError(
            {"exchange_variant": [_("Tell us which size, colour or model you want instead.")]}
        )
    if len(draft.exchange_variant) > 200:
        raise StepError({"exchange_variant": [_("Keep this under 200 characters.")]})
    return resolution


def allowed_shipping(selection: Selection) -> list[ShippingOption]:
    """The options of the first pinned policy that every other one offers too."""
    rule_sets = selection.rules
    return [
        option
        for option in rule_sets[0].shipping_options
        if all(rules.shipping_option(option.method) for rules in rule_sets)
    ]


def check_shipping(selection: Selection, draft: Draft) -> ShippingOption:
    for option in allowed_shipping(selection):
        if option.method.value == draft.shipping_method:
            return option
    raise StepError({"shipping_method": [_("Choose how you will send the parcel back.")]})


def shipping_costs(selection: Selection, defect: bool) -> list[tuple[ShippingOption, Decimal]]:
    """Each offered option with what it costs the buyer for this reason."""
    return [(option, shipping_cost(option, defect)) for option in allowed_shipping(selection)]


# --- the quote ------------------------------------------------------------------------


def _whole_order(order: Order, selection: Selection) -> bool:
    """After this return, is every unit of the order returned or in a return?"""
    returning = {line.pk: units for line, _decision, units in selection.items}
    for line in order.lines.all():
        held = getattr(line, "returned_or_open", 0) or 0
        if held + returning.get(line.pk, 0) < line.quantity:
            return False
    return True


def quote(
    order: Order,
    selection: Selection,
    resolution: Resolution,
    shipping: ShippingOption | None,
    defect: bool,
    at: datetime,
) -> Estimate:
    rules = selection.first_rules
    statutory = all(statutory_open(decision, at) for _line, decision, _units in selection.items)
    return estimate(
        rules=rules,
        market=order.market,
        currency=order.currency,
        lines=[
            EstimateLine(line.title, units, line.unit_price)
            for line, _decision, units in selection.items
        ],
        resolution=resolution,
        shipping=shipping,
        defect=defect,
        statutory=statutory,
        whole_order=_whole_order(order, selection),
        standard_shipping_paid=order.shipping_standard_amount,
        express_surcharge_paid=order.shipping_express_surcharge,
        refundable_left=order.payment_amount - order.refunded_amount,
    )


@dataclass(frozen=True)
class Review:
    selection: Selection
    reason: ReturnReason
    resolution: Resolution
    shipping: ShippingOption
    estimate: Estimate
    statutory: bool


def review(order: Order, draft: Draft, at: datetime, held=None) -> Review:
    """Every step's check, then the quote: what the review step shows and what the
    confirm step re-runs. Raises StepError with the first failing step's errors."""
    selection = check_items(order, draft, at, held)
    reason = check_reason(draft)
    resolution = check_resolution(selection, draft)
    shipping = check_shipping(selection, draft)
    statutory = all(statutory_open(decision, at) for _l, decision, _u in selection.items)
    return Review(
        selection,
        reason,
        resolution,
        shipping,
        quote(order, selection, resolution, shipping, reason.is_defect, at),
        statutory,
    )


# --- creating the return --------------------------------------------------------------


class AlreadyCreated(Exception):
    def __init__(self, return_request: ReturnRequest):
        super().__init__(return_request.rma)
        self.return_request = return_request


def _existing(key: str) -> ReturnRequest | None:
    return ReturnRequest.objects.filter(idempotency_key=key).first()


def _locked_order(order_pk: int) -> Order:
    """Lock the order row (serialises every return of the order) as it is read, then
    read its lines with fresh returned quantities."""
    # One query for lock and read, and the lines without their policy page (decisions
    # read the pinned version's rules only): the confirm bench's hot path.
    locked = Order.objects.select_for_update(of=("self",)).filter(pk=order_pk)
    lines = (
        decision_lines().select_related(None).select_related("seller", "category", "policy_version")
    )
    return locked.prefetch_related(Prefetch("lines", queryset=lines)).get()


def _ship_by(order: Order, at: datetime, days: int) -> datetime:
    return period_end(local_date(at, order.market), days, order.market)


def confirm_return(buyer, order: Order, draft: Draft, *, at: datetime | None = None):
    """Create the return the draft describes, or raise StepError. Idempotent by the
    draft's key: a replay returns (return_request, False).

    Only `order.pk` is read: the order and its lines are read again under the lock,
    so the caller may pass an order loaded without its lines."""
    at = at or timezone.now()
    try:
        with transaction.atomic():
            # A replay is found under the lock below: no read before it, on the hot path.
            locked = _locked_order(order.pk)
            if locked.buyer_id != buyer.pk:
                raise StepError({"items": [_("Choose items of this order only.")]})
            existing = _existing(draft.key)  # a replay, or a concurrent confirm won the lock
            if existing is not None:
                raise AlreadyCreated(existing)
            checked = review(locked, draft, at)
            rules = checked.selection.first_rules
            return_request = ReturnRequest.objects.create(
                kind=ReturnKind.RETURN,
                order=locked,
                buyer=buyer,
                idempotency_key=draft.key,
                reason=checked.reason,
                reason_is_defect=checked.reason.is_defect,
                condition=draft.condition,
                comment=draft.comment.strip(),
                resolution=checked.resolution.value,
                exchange_variant=draft.exchange_variant.strip(),
                shipping_method=checked.shipping.method.value,
                currency=locked.currency,
                shipping_cost=shipping_cost(checked.shipping, checked.reason.is_defect),
                estimate=checked.estimate.to_dict(),
                estimated_total=checked.estimate.total,
                statutory=checked.statutory,
                notice_at=at,
                refund_due_by=at + timedelta(days=REFUND_DAYS) if checked.statutory else None,
                drop_off_code=_drop_off_code(checked.shipping.method),
            )
            ReturnLine.objects.bulk_create(
                ReturnLine(return_request=return_request, order_line=line, quantity=units)
                for line, _decision, units in checked.selection.items
            )
            ReturnPhoto.objects.filter(
                buyer=buyer, draft=uuid.UUID(draft.key), return_request__isnull=True
            ).update(return_request=return_request)
            _record_creation(return_request, buyer, at)
            # Eligible and re-checked: approved at once, so the buyer gets the label
            # or QR code now. Staff still receive and inspect before any refund.
            lifecycle.approve(
                return_request,
                actor=None,
                actor_kind=ActorKind.SYSTEM,
                at=at,
                ship_by=_ship_by(locked, at, rules.ship_back_days),
                held=True,  # created above, in this transaction
            )
    except AlreadyCreated as done:
        return done.return_request, False
    except IntegrityError:
        # The unique idempotency key: another request created it between our checks.
        existing = _existing(draft.key)
        if existing is None:
            raise
        return existing, False
    return return_request, True


def _drop_off_code(method: ShippingMethod) -> str:
    if method != ShippingMethod.DROP_OFF:
        return ""
    return "".join(secrets.choice("0123456789") for _ in range(12))


def _record_creation(return_request: ReturnRequest, buyer, at: datetime) -> None:
    ReturnEvent.objects.create(
        return_request=return_request,
        from_status="",
        to_status=ReturnStatus.REQUESTED,
        at=at,
        actor=buyer,
        actor_kind=ActorKind.BUYER,
    )
    notifications.queue(return_request, "requested")


# --- the withdrawal button ------------------------------------------------------------


def has_withdrawal_button(order: Order) -> bool:
    """The withdrawal button is EU law (Art. 11a, from 19 June 2026). A UK buyer
    cancels under the CCR 2013 by any clear statement: for them the portal's ordinary
    return, judged against the same statutory period, is the way."""
    return is_eu(order.market)


def withdrawable_lines(order: Order, at: datetime) -> list[tuple[OrderLine, Decision]]:
    """The lines the button can withdraw from at `at`: EU orders only, inside the
    statutory period, with units left."""
    if not has_withdrawal_button(order):
        return []
    return [
        (line, decision)
        for line, decision in decide_order(order, at)
        if statutory_open(decision, at) and decision.returnable_quantity > 0
    ]


def withdraw(buyer, order: Order, references: list[str], key: str, *, at: datetime | None = None):
    """Record a withdrawal sent with the withdrawal button (Art. 11a; L221-21).

    The notice's time is now: the 14-day refund clock starts here (Art. 13), the
    buyer has 14 days to send the goods (Art. 14), and the acknowledgement email
    gives the content, date and time. `references` are the lines withdrawn (every
    withdrawable line when empty). Idempotent by `key`. Raises StepError when the
    period is over or a line is not covered."""
    existing = _existing(key)
    if existing is not None:
        return existing, False
    at = at or timezone.now()
    try:
        with transaction.atomic():
            locked = _locked_order(order.pk)
            if locked.buyer_id != buyer.pk:
                raise StepError({"lines": [_("Choose items of this order only.")]})
            existing = _existing(key)
            if existing is not None:
                raise AlreadyCreated(existing)
            covered = {line.reference: (line, d) for line, d in withdrawable_lines(locked, at)}
            if not covered:
                raise StepError({"lines": [_("The withdrawal period of this order has ended.")]})
            chosen = references or list(covered)
            missing = [reference for reference in chosen if reference not in covered]
            if missing:
                raise StepError(
                    {"lines": [_("Some of these items can no longer be withdrawn from.")]}
                )
            items = tuple(
                (covered[r][0], covered[r][1], covered[r][1].returnable_quantity) for r in chosen
            )
            selection = Selection(items)
            rules = selection.first_rules
            shipping = _withdrawal_shipping(selection)
            quoted = quote(locked, selection, Resolution.REFUND, shipping, False, at)
            return_request = ReturnRequest.objects.create(
                kind=ReturnKind.WITHDRAWAL,
                order=locked,
                buyer=buyer,
                idempotency_key=key,
                resolution=Resolution.REFUND.value,
                shipping_method=shipping.method.value if shipping else "",
                currency=locked.currency,
                shipping_cost=shipping_cost(shipping, False),
                estimate=quoted.to_dict(),
                estimated_total=quoted.total,
                statutory=True,
                notice_at=at,
                refund_due_by=at + timedelta(days=REFUND_DAYS),
                drop_off_code=_drop_off_code(shipping.method) if shipping else "",
            )
            ReturnLine.objects.bulk_create(
                ReturnLine(return_request=return_request, order_line=line, quantity=units)
                for line, _decision, units in items
            )
            ReturnEvent.objects.create(
                return_request=return_request,
                from_status="",
                to_status=ReturnStatus.REQUESTED,
                at=at,
                actor=buyer,
                actor_kind=ActorKind.BUYER,
                note="withdrawal button",
            )
            notifications.queue(return_request, "withdrawal")
            # The right needs no approval: the return is approved as it is recorded.
            lifecycle.approve(
                return_request,
                actor=None,
                actor_kind=ActorKind.SYSTEM,
                at=at,
                ship_by=_ship_by(locked, at, max(WITHDRAWAL_SHIP_BACK_DAYS, rules.ship_back_days)),
                notify=False,
            )
    except AlreadyCreated as done:
        return done.return_request, False
    except IntegrityError:
        existing = _existing(key)
        if existing is None:
            raise
        return existing, False
    return ReturnRequest.objects.get(pk=return_request.pk), True


def _withdrawal_shipping(selection: Selection) -> ShippingOption | None:
    options = {option.method: option for option in allowed_shipping(selection)}
    for method in WITHDRAWAL_SHIPPING_PREFERENCE:
        if method in options:
            return options[method]
    return None
