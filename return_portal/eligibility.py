"""Can this order line be returned, until when, and why: one pure decision.

`decide(rules, facts, at)` judges one order line against the structured rules of the
policy version in force when the buyer bought (`PolicyRules`) and against the statutory
right of withdrawal of the market (Directive 2011/83/EU; C. consom. L221-18 ff.;
UK Consumer Contracts Regulations 2013). It reads no database and no clock: `at` is
the instant being judged. Every reason cites the policy clause or the statute it rests on.

The two bases are judged side by side and the buyer gets the better one:

* the policy window (goodwill, or more generous than the law), from the line's delivery
  or from the order, with the category override and the item exceptions of the policy;
* the statutory withdrawal period (EU-27 and UK, trader sellers only), 14 days from the
  delivery of the order's LAST item (Art. 9(2)(b)(i)), extended when the buyer was not
  informed (Art. 10). A category cannot remove it (L242-3: no waiver); only the Art. 16
  exceptions can, per item and its state, and only when the policy states them
  (Art. 6(1)(k): the buyer must be told before buying).

The reasons and their sentences are in eligibility_reasons.py, the statutes they
cite by market in eligibility_statutes.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from marketplace.markets import MARKETS
from policy_pages.rules import (
    CategoryOverride,
    ItemFlag,
    OverrideKind,
    PolicyRules,
    WindowStart,
)

from .eligibility_reasons import Reason, ReasonCode
from .eligibility_statutes import exception_statute, law_reason
from .legal_calendar import (
    add_months,
    local_date,
    market_timezone,
    months_period_end,
    normalize_country,
    period_end,
)

# Directive 2011/83/EU Art. 9(1); CCR 2013 reg. 30.
STATUTORY_WITHDRAWAL_DAYS = 14
# Art. 10(1): 12 months from the end of the initial period; reg. 31 likewise.
MISSING_INFO_EXTENSION_MONTHS = 12
# The markets whose law gives a withdrawal right: the EU-27 and the UK (marketplace.markets).
STATUTORY_MARKETS = frozenset(MARKETS)


# --- value types ----------------------------------------------------------------------


def _require_aware(name: str, value: datetime | None) -> None:
    if value is not None and (value.tzinfo is None or value.utcoffset() is None):
        raise ValueError(f"{name} must be an aware datetime.")


@dataclass(frozen=True, kw_only=True)
class LineFacts:
    """What the marketplace knows about one order line, as plain values.

    `order_last_delivered_at` is the delivery of the order's last line, None while any
    line of the order is still on its way (the statutory period has not started then).
    `withdrawal_info_given` says the buyer was told of the right before buying;
    otherwise `withdrawal_info_given_at` is when the information was received late, if
    it was. Flags are the item's state: the sealed ones mean the buyer declares the
    sealed goods unsealed after delivery.
    """

    # Keyword-only, and the facts that decide a legal right have no default: a caller
    # that forgets one must fail loudly rather than silently lose the buyer a right.
    order_placed_at: datetime
    market: str  # ISO 3166-1 alpha-2; "UK" and "EL" are accepted
    delivered_at: datetime | None
    order_last_delivered_at: datetime | None
    withdrawal_info_given: bool
    seller_is_trader: bool
    category_path: tuple[str, ...]  # root first
    quantity: int
    withdrawal_info_given_at: datetime | None = None
    flags: frozenset[ItemFlag] = frozenset()
    quantity_returned_or_open: int = 0

    def __post_init__(self) -> None:
        _require_aware("order_placed_at", self.order_placed_at)
        _require_aware("delivered_at", self.delivered_at)
        _require_aware("order_last_delivered_at", self.order_last_delivered_at)
        _require_aware("withdrawal_info_given_at", self.withdrawal_info_given_at)
        last = self.order_last_delivered_at
        # The order's last delivery cannot precede (or exist without) this line's.
        if last is not None and (self.delivered_at is None or self.delivered_at > last):
            raise ValueError("order_last_delivered_at must be the order's last delivery.")
        if self.quantity < 0 or self.quantity_returned_or_open < 0:
            raise ValueError("Quantities cannot be negative.")
        # Accept any iterable of flags or codes; keep hashable, immutable values.
        object.__setattr__(self, "flags", frozenset(ItemFlag(flag) for flag in self.flags))
        object.__setattr__(self, "category_path", tuple(self.category_path))


@dataclass(frozen=True)
class Decision:
    """The verdict on one line.

    `policy_deadline` is None when the policy offers no return for the line (category
    not returnable, item exception, window from a delivery that has not happened);
    `statutory_deadline` is None when the law gives no right (market, non-trader
    seller, item exception) or its period has not started (order partly delivered).
    `deadline` is the later of the two; None when neither applies or while the
    statutory period has not started (it is then not known yet).
    """

    eligible: bool
    returnable_quantity: int
    policy_deadline: datetime | None
    statutory_deadline: datetime | None
    deadline: datetime | None
    reasons: tuple[Reason, ...]
    statutory_right: bool = False  # the law gives this line a right of withdrawal
    # The policy's conditions bind this return: it is eligible through the policy
    # window only, not through the statutory period.
    conditions_apply: bool = False
    codes: tuple[ReasonCode, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "codes", tuple(reason.code for reason in self.reasons))

    @property
    def cited_clauses(self) -> tuple[str, ...]:
        """The policy anchors the reasons rest on, in order, without repeats."""
        return tuple(dict.fromkeys(r.clause for r in self.reasons if r.clause))

    @property
    def cited_statutes(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(r.statute for r in self.reasons if r.statute))


# --- the decision ---------------------------------------------------------------------


def decide(rules: PolicyRules, facts: LineFacts, at: datetime) -> Decision:
    """Judge one order line at the instant `at` (aware). Pure: no DB, no clock."""
    _require_aware("at", at)
    market = normalize_country(facts.market)  # ValueError for a market with no calendar
    quantity = max(0, facts.quantity - facts.quantity_returned_or_open)
    delivered = facts.delivered_at is not None

    blockers: list[Reason] = []
    if quantity == 0:
        blockers.append(Reason(ReasonCode.NOTHING_LEFT_TO_RETURN))
    if not delivered:
        blockers.append(Reason(ReasonCode.NOT_DELIVERED))

    law_market = market in STATUTORY_MARKETS
    law_applies = law_market and facts.seller_is_trader
    exceptions = _item_exceptions(rules, facts, market, law_applies)
    blockers.extend(exceptions)
    excluded = bool(exceptions)

    modifiers: list[Reason] = []
    policy_deadline: datetime | None = None
    policy_clause = ""
    extra_conditions: Reason | None = None
    if not excluded:
        policy_deadline, policy_clause, extra_conditions = _policy_window(
            rules, facts, market, modifiers
        )

    statutory_right = law_applies and not excluded
    statutory_deadline: datetime | None = None
    not_started = False
    if law_market and not facts.seller_is_trader:
        modifiers.append(law_reason(ReasonCode.NON_TRADER_NO_STATUTORY_RIGHT, market))
    elif not law_market:
        modifiers.append(Reason(ReasonCode.MARKET_WITHOUT_STATUTORY_RIGHT))
    if statutory_right and facts.order_last_delivered_at is not None:
        statutory_deadline = _statutory_deadline(facts, market, modifiers)
    elif statutory_right and delivered:
        # Art. 9(2)(b)(i): for an order delivered in parts the period runs from the last
        # item; the buyer may withdraw before it starts (L221-18), so the line is open.
        not_started = True

    returnable = quantity > 0 and delivered and not excluded
    policy_open = policy_deadline is not None and at <= policy_deadline
    statutory_open = not_started or (statutory_deadline is not None and at <= statutory_deadline)
    outcomes = (
        _outcomes(at, market, policy_deadline, policy_clause, statutory_deadline, not_started)
        if returnable
        else []
    )
    # A policy's conditions (packaging, tags, unused...) bind only a return the policy
    # alone allows: within the statutory period the buyer may withdraw regardless, and
    # answers only for a loss of value (Art. 14(2); L221-23).
    conditions_apply = returnable and policy_open and not statutory_open
    if conditions_apply and extra_conditions is not None:
        outcomes.append(extra_conditions)
    return Decision(
        eligible=returnable and (policy_open or statutory_open),
        returnable_quantity=quantity,
        policy_deadline=policy_deadline,
        statutory_deadline=statutory_deadline,
        deadline=None if not_started else _later(policy_deadline, statutory_deadline),
        reasons=(*blockers, *outcomes, *modifiers),
        statutory_right=statutory_right,
        conditions_apply=conditions_apply,
    )


def _item_exceptions(
    rules: PolicyRules, facts: LineFacts, market: str, law_applies: bool
) -> list[Reason]:
    """The policy's exceptions that this item's state triggers (Art. 16).

    Per item and state, never per category (CJEU C-681/17): a flag the policy does not
    list excludes nothing, since the buyer was not told of it (Art. 6(1)(k)).
    """
    found = []
    for flag in sorted(facts.flags):  # sorted: the same facts give the same reasons
        exception = rules.exception_for(flag)
        if exception is not None:
            statute = exception_statute(flag, market) if law_applies else ""
            found.append(
                Reason(
                    ReasonCode.ITEM_EXCEPTION, clause=exception.clause, statute=statute, flag=flag
                )
            )
    return found


def _policy_window(
    rules: PolicyRules, facts: LineFacts, market: str, modifiers: list[Reason]
) -> tuple[datetime | None, str, Reason | None]:
    """The end of the policy's window, the clause stating it, and the category's extra
    conditions; (None, "", None) when the policy offers no window for the line."""
    override: CategoryOverride | None = rules.override_for(facts.category_path)
    days, clause = rules.window_days, rules.window_clause
    extra_conditions: Reason | None = None
    if override is not None:
        if override.kind == OverrideKind.NOT_RETURNABLE:
            modifiers.append(Reason(ReasonCode.CATEGORY_NOT_RETURNABLE, clause=override.clause))
            return None, "", None
        if override.kind == OverrideKind.DAYS and override.days is not None:
            days, clause = override.days, override.clause or clause
            modifiers.append(
                Reason(ReasonCode.CATEGORY_OVERRIDE_DAYS, clause=override.clause, days=days)
            )
        elif override.kind == OverrideKind.CONDITIONS:
            extra_conditions = Reason(
                ReasonCode.EXTRA_CONDITIONS, clause=override.clause, conditions=override.conditions
            )
    start = facts.order_placed_at if rules.window_start == WindowStart.ORDER else facts.delivered_at
    if start is None:  # counted from a delivery that has not happened yet
        return None, "", extra_conditions
    return period_end(local_date(start, market), days, market), clause, extra_conditions


def _statutory_deadline(facts: LineFacts, market: str, modifiers: list[Reason]) -> datetime:
    """The end of the withdrawal period: 14 days from the order's last delivery (Art. 9),
    counted per Reg. 1182/71 Art. 3 (L221-19), extended under Art. 10 (L221-20)."""
    assert facts.order_last_delivered_at is not None
    start = local_date(facts.order_last_delivered_at, market)
    end = period_end(start, STATUTORY_WITHDRAWAL_DAYS, market)
    if facts.withdrawal_info_given:
        return end
    info_at = facts.withdrawal_info_given_at
    info_day: date | None = local_date(info_at, market) if info_at is not None else None
    # Art. 10(2): information received within 12 months of the start of the period ends
    # it 14 days after receipt; never earlier than the normal end (information received
    # before delivery leaves the ordinary 14 days).
    if info_day is not None and info_day <= add_months(start, MISSING_INFO_EXTENSION_MONTHS):
        late_end = period_end(info_day, STATUTORY_WITHDRAWAL_DAYS, market)
        if late_end > end:
            shown_at = info_at.astimezone(market_timezone(market))
            modifiers.append(law_reason(ReasonCode.WITHDRAWAL_INFO_LATE, market, shown_at))
        return max(end, late_end)
    # Art. 10(1): the period expires 12 months after the end of the initial period; that
    # end is itself a working day, and the 12 months are counted like any period
    # (Reg. 1182/71 Art. 3(2)(c) and 3(4)).
    modifiers.append(law_reason(ReasonCode.WITHDRAWAL_INFO_MISSING_EXTENSION, market))
    return months_period_end(end.date(), MISSING_INFO_EXTENSION_MONTHS, market)


def _outcomes(
    at: datetime,
    market: str,
    policy_deadline: datetime | None,
    policy_clause: str,
    statutory_deadline: datetime | None,
    not_started: bool,
) -> list[Reason]:
    outcomes = []
    if policy_deadline is not None:
        code = (
            ReasonCode.WITHIN_POLICY_WINDOW
            if at <= policy_deadline
            else ReasonCode.POLICY_WINDOW_ENDED
        )
        outcomes.append(Reason(code, clause=policy_clause, when=policy_deadline))
    if statutory_deadline is not None:
        code = (
            ReasonCode.WITHIN_STATUTORY_PERIOD
            if at <= statutory_deadline
            else ReasonCode.STATUTORY_PERIOD_ENDED
        )
        outcomes.append(law_reason(code, market, statutory_deadline))
    elif not_started:
        outcomes.append(law_reason(ReasonCode.STATUTORY_PERIOD_NOT_STARTED, market))
    return outcomes


def _later(first: datetime | None, second: datetime | None) -> datetime | None:
    if first is None or second is None:
        return first or second
    return max(first, second)
