"""The checks every step of starting a return runs, and the quote.

The portal's steps each run the check of their step (`check_items`,
`check_reason`, `check_resolution`, `check_shipping`) so errors show inline;
`review` runs them all and quotes the refund: what the review step shows and
what the confirm re-runs under its lock (confirm.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.utils.translation import gettext as _
from wagtail.models import Locale

from marketplace.models import Order, OrderLine
from policy_pages.rules import KeepItRule, PolicyRules, Resolution, ShippingOption
from store_credit import ledger

from . import keep_it
from .draft import Draft, StepError
from .eligibility import Decision
from .exchanges import offer
from .exchanges.offer import ExchangeChoice
from .models import ItemCondition, ReturnReason
from .refunds.estimate import Estimate, EstimateLine, estimate, shipping_cost
from .services import decide_order


def statutory_open(decision: Decision, at: datetime) -> bool:
    """The statutory withdrawal period is running for this line at `at`."""
    if not decision.statutory_right or not decision.eligible:
        return False
    if decision.statutory_deadline is None:  # split delivery: not started yet, open
        return decision.deadline is None
    return at <= decision.statutory_deadline


@dataclass(frozen=True)
class Selection:
    """The chosen lines with their decisions and the rules each is pinned to."""

    items: tuple[tuple[OrderLine, Decision, int], ...]  # line, decision, units

    @property
    def rules(self) -> list[PolicyRules]:
        seen: dict[int, PolicyRules] = {}
        for line, _decision, _units in self.items:
            seen.setdefault(line.pin.version_id, line.pin.version.rules)
        return list(seen.values())

    @property
    def first_rules(self) -> PolicyRules:
        return self.items[0][0].pin.version.rules


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
    """Those every pinned policy of the selection allows, in the first one's order;
    an exchange only when every chosen line has a variant in stock to exchange to."""
    rule_sets = selection.rules
    allowed = [
        r for r in rule_sets[0].resolutions if all(r in rules.resolutions for rules in rule_sets)
    ]
    if Resolution.EXCHANGE in allowed and not offer.offered(
        line for line, _decision, _units in selection.items
    ):
        allowed.remove(Resolution.EXCHANGE)
    return allowed


def check_resolution(selection: Selection, draft: Draft) -> Resolution:
    allowed = allowed_resolutions(selection)
    if draft.resolution not in [r.value for r in allowed]:
        raise StepError({"resolution": [_("Choose one of the options offered.")]})
    resolution = Resolution(draft.resolution)
    if resolution == Resolution.EXCHANGE:
        check_exchange(selection, draft)
    return resolution


def check_exchange(selection: Selection, draft: Draft) -> ExchangeChoice:
    """The replacement chosen for each line (in stock), and a known way to settle
    the difference (checked against it at review, once shipping is chosen)."""
    return offer.check_choice(
        ((line, units) for line, _decision, units in selection.items),
        draft.exchange_skus,
        draft.difference_by,
    )


def check_exchange_difference(order, selection, draft, shipping, reason) -> str:
    """The review's check of an exchange's difference, once shipping is chosen."""
    choice = check_exchange(selection, draft)
    return check_difference(order, choice, shipping_cost(shipping, reason.is_defect))


def check_difference(order: Order, choice: ExchangeChoice, cost: Decimal) -> str:
    """How the difference is settled, checked against it (and the buyer's credit)."""
    credit = None
    if choice.settle_by == offer.CREDIT:
        credit = ledger.balances([order.buyer_email]).get(order.currency, Decimal("0.00"))
    return offer.check_settlement(choice, cost, credit)


def kept_rule(order: Order, selection: Selection, reason, resolution) -> KeepItRule | None:
    """The pinned policy's keep-it rule for this return (keep_it.py), or None."""
    return keep_it.rule_for(selection, reason.code, resolution, order.currency)


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
    whole_order: bool | None = None,
    exchange: ExchangeChoice | None = None,
    kept: KeepItRule | None = None,
) -> Estimate:
    """`whole_order`: given by a withdrawal split per seller, whose parts together
    may withdraw from the whole order (else judged from this selection)."""
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
        whole_order=_whole_order(order, selection) if whole_order is None else whole_order,
        standard_shipping_paid=order.shipping_standard_amount,
        express_surcharge_paid=order.shipping_express_surcharge,
        refundable_left=order.payment_amount - order.refunded_amount,
        replacement_total=exchange.replacement_total if exchange is not None else None,
        kept_clause=kept.clause if kept is not None else None,
    )


@dataclass(frozen=True)
class Review:
    selection: Selection
    reason: ReturnReason
    resolution: Resolution
    shipping: ShippingOption | None  # None: the buyer keeps the items (`kept`)
    estimate: Estimate
    statutory: bool
    exchange: ExchangeChoice | None = None
    difference_by: str = ""
    kept: KeepItRule | None = None  # the policy's keep-it rule: nothing is sent back


def review(order: Order, draft: Draft, at: datetime, held=None) -> Review:
    """Every step's check, then the quote: what the review step shows and what the
    confirm step re-runs. Raises StepError with the first failing step's errors."""
    selection = check_items(order, draft, at, held)
    reason = check_reason(draft)
    resolution = check_resolution(selection, draft)
    kept = kept_rule(order, selection, reason, resolution)
    shipping = None if kept is not None else check_shipping(selection, draft)
    statutory = all(statutory_open(decision, at) for _l, decision, _u in selection.items)
    exchange, difference_by = None, ""
    if resolution == Resolution.EXCHANGE:
        exchange = check_exchange(selection, draft)
        cost = shipping_cost(shipping, reason.is_defect)
        difference_by = check_difference(order, exchange, cost)
    return Review(
        selection,
        reason,
        resolution,
        shipping,
        quote(
            order,
            selection,
            resolution,
            shipping,
            reason.is_defect,
            at,
            exchange=exchange,
            kept=kept,
        ),
        statutory,
        exchange,
        difference_by,
        kept,
    )
