"""Eligibility of an order line: the policy window, the statutory period, and why."""

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policy_pages.rules import (
    CategoryOverride,
    Condition,
    ItemException,
    ItemFlag,
    OverrideKind,
    PolicyRules,
    WindowStart,
)
from return_portal.eligibility import Decision, LineFacts, decide
from return_portal.eligibility_reasons import Reason, ReasonCode

PARIS = ZoneInfo("Europe/Paris")
BERLIN = ZoneInfo("Europe/Berlin")
LONDON = ZoneInfo("Europe/London")

ALL_EXCEPTIONS = (
    ItemException(ItemFlag.CUSTOM_MADE, "4.1"),
    ItemException(ItemFlag.PERISHABLE, "4.2"),
    ItemException(ItemFlag.SEALED_HYGIENE, "4.3"),
    ItemException(ItemFlag.SEALED_MEDIA, "4.4"),
)


def paris(y, m, d, hour=12, minute=0) -> datetime:
    return datetime(y, m, d, hour, minute, tzinfo=PARIS)


def end_of(day: date, zone: ZoneInfo = PARIS) -> datetime:
    return datetime.combine(day, time.max, tzinfo=zone)


def make_rules(**changes) -> PolicyRules:
    base = PolicyRules(
        currency="EUR",
        markets=("FR", "DE"),
        window_days=30,
        window_start=WindowStart.DELIVERY,
        window_clause="2.1",
    )
    return replace(base, **changes)


DELIVERED = paris(2026, 3, 2, 10)  # Monday 2 March 2026


def make_line(**changes) -> LineFacts:
    """A line of a French order placed on 26 February, delivered (whole) on 2 March."""
    base = {
        "order_placed_at": paris(2026, 2, 26, 9),
        "market": "FR",
        "delivered_at": DELIVERED,
        "order_last_delivered_at": DELIVERED,
        "withdrawal_info_given": True,
        "seller_is_trader": True,
        "category_path": ("home", "kitchen"),
        "quantity": 1,
    }
    base.update(changes)
    return LineFacts(**base)


# --- the policy window ----------------------------------------------------------------


def test_line_is_returnable_within_the_policy_window_counted_from_delivery():
    decision = decide(make_rules(), make_line(), paris(2026, 3, 20))
    assert decision.eligible
    assert decision.policy_deadline == end_of(date(2026, 4, 1))  # 2 March + 30 days
    assert decision.deadline == decision.policy_deadline
    assert decision.codes[0] == ReasonCode.WITHIN_POLICY_WINDOW
    assert decision.cited_clauses == ("2.1",)


def test_policy_window_can_run_from_the_order_date():
    rules = make_rules(window_start=WindowStart.ORDER, window_days=30)
    decision = decide(rules, make_line(), paris(2026, 3, 20))
    assert decision.policy_deadline == end_of(date(2026, 3, 30))  # 28 March is a Saturday


def test_policy_window_ending_on_a_sunday_moves_to_the_end_of_monday():
    # Delivered Friday 6 February; 30 days later is Sunday 8 March.
    line = make_line(delivered_at=paris(2026, 2, 6), order_last_delivered_at=paris(2026, 2, 6))
    decision = decide(make_rules(), line, paris(2026, 3, 9, 23, 59))
    assert decision.policy_deadline == end_of(date(2026, 3, 9))
    assert decision.eligible
    assert not decide(make_rules(), line, paris(2026, 3, 10, 0, 0)).eligible


def test_line_is_not_returnable_once_every_window_has_ended():
    decision = decide(make_rules(), make_line(), paris(2026, 4, 2, 0, 0))
    assert not decision.eligible
    assert ReasonCode.POLICY_WINDOW_ENDED in decision.codes
    assert ReasonCode.STATUTORY_PERIOD_ENDED in decision.codes


def test_the_last_microsecond_of_the_last_day_is_still_inside():
    deadline = end_of(date(2026, 4, 1))
    assert decide(make_rules(), make_line(), deadline).eligible
    assert not decide(make_rules(), make_line(), deadline + timedelta(microseconds=1)).eligible


def test_deadline_is_the_end_of_the_day_in_the_markets_zone_whatever_the_zone_of_at():
    decision = decide(make_rules(), make_line(), datetime(2026, 3, 20, tzinfo=UTC))
    assert decision.deadline.tzinfo == PARIS
    assert decision.deadline.timetz().replace(tzinfo=None) == time(23, 59, 59, 999999)
    # 23:30 UTC on 1 April is 01:30 on 2 April in Paris (summer time): too late.
    assert not decide(make_rules(), make_line(), datetime(2026, 4, 1, 22, 30, tzinfo=UTC)).eligible
    assert decide(make_rules(), make_line(), datetime(2026, 4, 1, 21, 30, tzinfo=UTC)).eligible


# --- the statutory withdrawal period ----------------------------------------------------


def test_statutory_period_is_14_days_from_delivery_ending_at_end_of_day():
    decision = decide(make_rules(window_days=7), make_line(), paris(2026, 3, 12))
    assert decision.statutory_right
    assert decision.statutory_deadline == end_of(date(2026, 3, 16))
    assert decision.eligible
    assert ReasonCode.WITHIN_STATUTORY_PERIOD in decision.codes
    assert "Directive 2011/83/EU Art. 9; C. consom. L221-18" in decision.cited_statutes


def test_statutory_period_ending_on_a_sunday_moves_to_the_end_of_monday():
    delivered = paris(2026, 2, 15)  # a Sunday: day 14 is Sunday 1 March
    line = make_line(delivered_at=delivered, order_last_delivered_at=delivered)
    decision = decide(make_rules(window_days=7), line, paris(2026, 3, 2, 23))
    assert decision.statutory_deadline == end_of(date(2026, 3, 2))
    assert decision.eligible


def test_statutory_period_ending_on_bastille_day_moves_to_the_next_working_day():
    delivered = paris(2026, 6, 30)  # day 14 is Tuesday 14 July
    line = make_line(delivered_at=delivered, order_last_delivered_at=delivered)
    decision = decide(make_rules(window_days=7), line, paris(2026, 7, 15, 18))
    assert decision.statutory_deadline == end_of(date(2026, 7, 15))
    assert decision.eligible


def test_statutory_period_ending_on_christmas_in_france_moves_to_monday():
    delivered = paris(2026, 12, 11)  # day 14 is Friday 25 December
    line = make_line(delivered_at=delivered, order_last_delivered_at=delivered)
    decision = decide(make_rules(window_days=7), line, paris(2026, 12, 28))
    assert decision.statutory_deadline == end_of(date(2026, 12, 28))


def test_statutory_period_ending_on_a_german_holiday_moves_to_the_next_working_day():
    delivered = datetime(2025, 9, 19, 15, tzinfo=BERLIN)  # day 14 is Friday 3 October
    line = make_line(market="DE", delivered_at=delivered, order_last_delivered_at=delivered)
    decision = decide(make_rules(window_days=7), line, datetime(2025, 10, 6, 20, tzinfo=BERLIN))
    assert decision.statutory_deadline == end_of(date(2025, 10, 6), BERLIN)
    assert decision.eligible
    assert decision.cited_statutes[0] == "Directive 2011/83/EU Art. 9"


def test_statutory_deadline_on_dst_day_is_the_summer_time_end_of_day():
    delivered = paris(2026, 3, 15)  # day 14 is Sunday 29 March, the change to summer time
    line = make_line(delivered_at=delivered, order_last_delivered_at=delivered)
    decision = decide(make_rules(window_days=7), line, paris(2026, 3, 30))
    assert decision.statutory_deadline == end_of(date(2026, 3, 30))
    assert decision.statutory_deadline.utcoffset() == timedelta(hours=2)
    assert decision.statutory_deadline.astimezone(UTC) == datetime(
        2026, 3, 30, 21, 59, 59, 999999, tzinfo=UTC
    )


def test_delivery_day_is_the_local_day_of_the_market():
    # Delivered at 23:30 UTC on 28 February = 00:30 on 1 March in Paris.
    delivered = datetime(2026, 2, 28, 23, 30, tzinfo=UTC)
    line = make_line(delivered_at=delivered, order_last_delivered_at=delivered)
    assert decide(make_rules(), line, paris(2026, 3, 3)).statutory_deadline == end_of(
        date(2026, 3, 16)  # 15 March is a Sunday
    )


def test_uk_statutory_period_cites_the_consumer_contracts_regulations():
    delivered = datetime(2026, 3, 2, 10, tzinfo=LONDON)
    line = make_line(market="UK", delivered_at=delivered, order_last_delivered_at=delivered)
    decision = decide(make_rules(window_days=7), line, datetime(2026, 3, 12, tzinfo=LONDON))
    assert decision.statutory_deadline == end_of(date(2026, 3, 16), LONDON)
    assert "Consumer Contracts Regulations 2013 reg. 30" in decision.cited_statutes


def test_split_delivery_counts_the_statutory_period_from_the_last_item():
    # This line arrived on 2 March, the order's last item on 10 March (Art. 9(2)(b)(i)).
    line = make_line(order_last_delivered_at=paris(2026, 3, 10))
    rules = make_rules(window_days=14)
    decision = decide(rules, line, paris(2026, 3, 20))
    assert decision.policy_deadline == end_of(date(2026, 3, 16))  # from this line
    assert decision.statutory_deadline == end_of(date(2026, 3, 24))  # from the last item
    assert decision.deadline == decision.statutory_deadline
    assert decision.eligible


def test_split_delivery_not_yet_complete_keeps_the_line_open():
    line = make_line(order_last_delivered_at=None)
    decision = decide(make_rules(window_days=14), line, paris(2026, 5, 1))
    assert decision.eligible
    assert decision.statutory_deadline is None
    assert decision.deadline is None  # not known until the last item arrives
    assert ReasonCode.STATUTORY_PERIOD_NOT_STARTED in decision.codes
    assert ReasonCode.POLICY_WINDOW_ENDED in decision.codes


def test_missing_withdrawal_information_extends_the_period_by_12_months():
    line = make_line(withdrawal_info_given=False)
    # 14 days end on Monday 16 March 2026; 12 months later is Tuesday 16 March 2027.
    decision = decide(make_rules(), line, paris(2027, 3, 16, 22))
    assert decision.statutory_deadline == end_of(date(2027, 3, 16))
    assert decision.eligible
    assert ReasonCode.WITHDRAWAL_INFO_MISSING_EXTENSION in decision.codes
    assert "Directive 2011/83/EU Art. 10(1); C. consom. L221-20" in decision.cited_statutes
    assert not decide(make_rules(), line, paris(2027, 3, 17)).eligible


def test_extended_period_ending_on_a_weekend_moves_to_monday():
    delivered = paris(2026, 2, 28)  # day 14: Saturday 14 March -> Monday 16 March 2026
    line = make_line(
        delivered_at=delivered, order_last_delivered_at=delivered, withdrawal_info_given=False
    )
    # 16 March 2027 is a Tuesday.
    assert decide(make_rules(), line, paris(2026, 4, 1)).statutory_deadline == end_of(
        date(2027, 3, 16)
    )


def test_late_information_ends_the_period_14_days_after_it_was_received():
    line = make_line(withdrawal_info_given=False, withdrawal_info_given_at=paris(2026, 5, 4, 9))
    decision = decide(make_rules(), line, paris(2026, 5, 18, 20))
    assert decision.statutory_deadline == end_of(date(2026, 5, 18))
    assert decision.eligible
    assert ReasonCode.WITHDRAWAL_INFO_LATE in decision.codes
    assert ReasonCode.WITHDRAWAL_INFO_MISSING_EXTENSION not in decision.codes
    assert "Directive 2011/83/EU Art. 10(2); C. consom. L221-20" in decision.cited_statutes
    assert not decide(make_rules(), line, paris(2026, 5, 19)).eligible


def test_information_received_before_delivery_leaves_the_normal_14_days():
    line = make_line(withdrawal_info_given=False, withdrawal_info_given_at=paris(2026, 2, 27))
    decision = decide(make_rules(), line, paris(2026, 3, 10))
    assert decision.statutory_deadline == end_of(date(2026, 3, 16))
    assert ReasonCode.WITHDRAWAL_INFO_LATE not in decision.codes


def test_information_received_after_the_12_months_does_not_shorten_the_extension():
    line = make_line(withdrawal_info_given=False, withdrawal_info_given_at=paris(2027, 3, 10))
    decision = decide(make_rules(), line, paris(2027, 3, 11))
    assert decision.statutory_deadline == end_of(date(2027, 3, 16))
    assert ReasonCode.WITHDRAWAL_INFO_MISSING_EXTENSION in decision.codes


def test_non_trader_seller_gives_no_statutory_right_only_the_policy():
    line = make_line(seller_is_trader=False)
    decision = decide(make_rules(window_days=30), line, paris(2026, 3, 20))
    assert decision.eligible  # the policy's goodwill window
    assert not decision.statutory_right
    assert decision.statutory_deadline is None
    assert ReasonCode.NON_TRADER_NO_STATUTORY_RIGHT in decision.codes
    assert decision.cited_statutes == ("Directive 2011/83/EU Art. 3(1), Art. 6a(1)(b)",)


def test_non_trader_seller_line_is_closed_when_the_policy_window_is():
    line = make_line(seller_is_trader=False)
    decision = decide(make_rules(window_days=7), line, paris(2026, 3, 12))
    assert not decision.eligible  # within 14 days, but there is no legal right
    assert decision.deadline == end_of(date(2026, 3, 9))


def test_market_outside_the_eu_and_uk_has_no_statutory_period():
    zurich = ZoneInfo("Europe/Zurich")
    delivered = datetime(2026, 3, 2, 10, tzinfo=zurich)
    line = make_line(market="CH", delivered_at=delivered, order_last_delivered_at=delivered)
    decision = decide(make_rules(window_days=7), line, datetime(2026, 3, 12, tzinfo=zurich))
    assert not decision.eligible
    assert decision.statutory_deadline is None
    assert decision.policy_deadline == end_of(date(2026, 3, 9), zurich)
    assert ReasonCode.MARKET_WITHOUT_STATUTORY_RIGHT in decision.codes


def test_unknown_market_is_an_error():
    with pytest.raises(ValueError):
        decide(make_rules(), make_line(market="XX"), paris(2026, 3, 3))


# --- categories -----------------------------------------------------------------------


def test_category_not_returnable_cannot_remove_the_statutory_right():
    rules = make_rules(
        category_overrides=(CategoryOverride("kitchen", OverrideKind.NOT_RETURNABLE, "3.2"),)
    )
    within = decide(rules, make_line(), paris(2026, 3, 16, 23))
    assert within.eligible
    assert within.policy_deadline is None
    assert within.deadline == within.statutory_deadline == end_of(date(2026, 3, 16))
    assert ReasonCode.CATEGORY_NOT_RETURNABLE in within.codes
    assert within.cited_clauses == ("3.2",)
    assert not decide(rules, make_line(), paris(2026, 3, 17)).eligible


def test_category_not_returnable_closes_the_line_without_a_statutory_right():
    rules = make_rules(
        category_overrides=(CategoryOverride("kitchen", OverrideKind.NOT_RETURNABLE, "3.2"),)
    )
    decision = decide(rules, make_line(seller_is_trader=False), paris(2026, 3, 3))
    assert not decision.eligible
    assert decision.deadline is None


def test_most_specific_category_override_sets_the_days():
    rules = make_rules(
        category_overrides=(
            CategoryOverride("home", OverrideKind.DAYS, "3.1", days=60),
            CategoryOverride("kitchen", OverrideKind.DAYS, "3.3", days=100),
        )
    )
    decision = decide(rules, make_line(), paris(2026, 3, 20))
    assert decision.policy_deadline == end_of(date(2026, 6, 10))  # 2 March + 100 days
    assert Reason(ReasonCode.CATEGORY_OVERRIDE_DAYS, clause="3.3", days=100) in decision.reasons
    assert decision.reasons[0] == Reason(
        ReasonCode.WITHIN_POLICY_WINDOW, clause="3.3", when=end_of(date(2026, 6, 10))
    )


def test_parent_category_override_applies_to_sub_categories():
    rules = make_rules(
        category_overrides=(CategoryOverride("home", OverrideKind.DAYS, "3.1", days=60),)
    )
    decision = decide(rules, make_line(), paris(2026, 3, 20))
    assert decision.policy_deadline == end_of(date(2026, 5, 4))  # 1 May is a holiday too


def conditions_rules() -> PolicyRules:
    conditions = (Condition.TAGS, Condition.UNUSED)
    return make_rules(
        category_overrides=(
            CategoryOverride("kitchen", OverrideKind.CONDITIONS, "3.4", conditions=conditions),
        )
    )


def test_category_conditions_bind_a_return_the_policy_alone_allows():
    decision = decide(conditions_rules(), make_line(), paris(2026, 3, 20))  # day 18
    assert decision.eligible
    assert decision.conditions_apply
    assert decision.policy_deadline == end_of(date(2026, 4, 1))
    assert (
        Reason(
            ReasonCode.EXTRA_CONDITIONS, clause="3.4", conditions=(Condition.TAGS, Condition.UNUSED)
        )
        in decision.reasons
    )
    assert decision.cited_clauses == ("2.1", "3.4")


def test_category_conditions_do_not_bind_within_the_statutory_period():
    # Day 10: the buyer may withdraw whatever the state, answering only for lost value.
    decision = decide(conditions_rules(), make_line(), paris(2026, 3, 12))
    assert decision.eligible
    assert not decision.conditions_apply
    assert ReasonCode.EXTRA_CONDITIONS not in decision.codes


def test_category_conditions_bind_a_non_trader_sellers_goodwill_return():
    decision = decide(conditions_rules(), make_line(seller_is_trader=False), paris(2026, 3, 3))
    assert decision.conditions_apply
    assert ReasonCode.EXTRA_CONDITIONS in decision.codes


# --- item exceptions (Art. 16), per item and state --------------------------------------


@pytest.mark.parametrize(
    ("flag", "clause", "article"),
    [
        (ItemFlag.CUSTOM_MADE, "4.1", "Art. 16(c)"),
        (ItemFlag.PERISHABLE, "4.2", "Art. 16(d)"),
        (ItemFlag.SEALED_HYGIENE, "4.3", "Art. 16(e)"),
        (ItemFlag.SEALED_MEDIA, "4.4", "Art. 16(i)"),
    ],
)
def test_item_exception_listed_by_the_policy_excludes_the_item_from_both_rights(
    flag, clause, article
):
    decision = decide(
        make_rules(item_exceptions=ALL_EXCEPTIONS), make_line(flags={flag}), paris(2026, 3, 3)
    )
    assert not decision.eligible
    assert decision.policy_deadline is None
    assert decision.statutory_deadline is None
    assert not decision.statutory_right
    assert decision.reasons[0].code == ReasonCode.ITEM_EXCEPTION
    assert decision.reasons[0].flag == flag
    assert decision.cited_clauses == (clause,)
    assert decision.cited_statutes[0].startswith(f"Directive 2011/83/EU {article}; C. consom.")


@pytest.mark.parametrize("flag", list(ItemFlag))
def test_item_state_the_policy_does_not_list_excludes_nothing(flag):
    decision = decide(make_rules(), make_line(flags={flag}), paris(2026, 3, 3))
    assert decision.eligible
    assert decision.statutory_right
    assert ReasonCode.ITEM_EXCEPTION not in decision.codes


def test_exception_applies_per_item_not_per_category():
    # Two mattresses of one category: only the one declared unsealed is excluded.
    rules = make_rules(item_exceptions=ALL_EXCEPTIONS)
    sealed = make_line(category_path=("home", "bedding"))
    unsealed = make_line(category_path=("home", "bedding"), flags={ItemFlag.SEALED_HYGIENE})
    assert decide(rules, sealed, paris(2026, 3, 3)).eligible
    assert not decide(rules, unsealed, paris(2026, 3, 3)).eligible


def test_several_exceptions_give_one_reason_each():
    line = make_line(flags={ItemFlag.PERISHABLE, ItemFlag.CUSTOM_MADE})
    decision = decide(make_rules(item_exceptions=ALL_EXCEPTIONS), line, paris(2026, 3, 3))
    assert decision.codes == (ReasonCode.ITEM_EXCEPTION, ReasonCode.ITEM_EXCEPTION)
    assert decision.cited_clauses == ("4.1", "4.2")


def test_exception_of_a_non_trader_seller_cites_no_statute():
    line = make_line(flags={ItemFlag.PERISHABLE}, seller_is_trader=False)
    decision = decide(make_rules(item_exceptions=ALL_EXCEPTIONS), line, paris(2026, 3, 3))
    exception = decision.reasons[0]
    assert exception.code == ReasonCode.ITEM_EXCEPTION
    assert exception.statute == ""


# --- quantities and delivery ------------------------------------------------------------


def test_returnable_quantity_is_what_is_not_yet_returned_or_in_an_open_return():
    decision = decide(make_rules(), make_line(quantity=3, quantity_returned_or_open=1), DELIVERED)
    assert decision.eligible
    assert decision.returnable_quantity == 2


def test_nothing_left_to_return_makes_the_line_ineligible():
    decision = decide(make_rules(), make_line(quantity=2, quantity_returned_or_open=2), DELIVERED)
    assert not decision.eligible
    assert decision.returnable_quantity == 0
    assert decision.codes[0] == ReasonCode.NOTHING_LEFT_TO_RETURN


def test_returnable_quantity_is_never_negative():
    decision = decide(make_rules(), make_line(quantity=1, quantity_returned_or_open=5), DELIVERED)
    assert decision.returnable_quantity == 0
    assert not decision.eligible


def test_undelivered_line_is_not_eligible_yet_and_not_an_error():
    line = make_line(delivered_at=None, order_last_delivered_at=None)
    decision = decide(make_rules(), line, paris(2026, 3, 1))
    assert not decision.eligible
    assert decision.codes[0] == ReasonCode.NOT_DELIVERED
    assert decision.policy_deadline is None
    assert decision.statutory_deadline is None


def test_undelivered_line_of_an_order_window_still_knows_the_policy_deadline():
    line = make_line(delivered_at=None, order_last_delivered_at=None)
    rules = make_rules(window_start=WindowStart.ORDER)
    decision = decide(rules, line, paris(2026, 3, 1))
    assert not decision.eligible
    assert decision.policy_deadline == end_of(date(2026, 3, 30))


# --- the later of the two deadlines -----------------------------------------------------


def test_generous_policy_window_wins_over_the_statutory_period():
    decision = decide(make_rules(window_days=30), make_line(), paris(2026, 3, 25))
    assert decision.statutory_deadline == end_of(date(2026, 3, 16))
    assert decision.policy_deadline == end_of(date(2026, 4, 1))
    assert decision.deadline == decision.policy_deadline
    assert decision.eligible
    assert ReasonCode.STATUTORY_PERIOD_ENDED in decision.codes


def test_statutory_period_wins_over_a_policy_window_counted_from_the_order():
    # A 14-day window from the order (26 February) ends before the statutory period.
    rules = make_rules(window_days=14, window_start=WindowStart.ORDER)
    decision = decide(rules, make_line(), paris(2026, 3, 14))
    assert decision.policy_deadline == end_of(date(2026, 3, 12))
    assert decision.deadline == decision.statutory_deadline == end_of(date(2026, 3, 16))
    assert decision.eligible
    assert decision.codes[:2] == (
        ReasonCode.POLICY_WINDOW_ENDED,
        ReasonCode.WITHIN_STATUTORY_PERIOD,
    )


# --- purity, validation, messages -------------------------------------------------------


def test_decision_is_pure_same_inputs_same_decision():
    rules, line, at = make_rules(), make_line(withdrawal_info_given=False), paris(2026, 3, 20)
    assert decide(rules, line, at) == decide(rules, line, at)


def test_naive_instants_are_refused():
    with pytest.raises(ValueError):
        decide(make_rules(), make_line(), datetime(2026, 3, 20, 12))
    with pytest.raises(ValueError):
        make_line(delivered_at=datetime(2026, 3, 2, 12))


def test_order_last_delivery_cannot_precede_this_lines_delivery():
    with pytest.raises(ValueError):
        make_line(order_last_delivered_at=paris(2026, 3, 1))
    with pytest.raises(ValueError):
        make_line(delivered_at=None)


def test_facts_that_decide_a_legal_right_must_be_given():
    with pytest.raises(TypeError):
        LineFacts(
            order_placed_at=DELIVERED,
            market="FR",
            delivered_at=DELIVERED,
            order_last_delivered_at=DELIVERED,
            category_path=(),
            quantity=1,
        )


def test_flags_may_be_given_as_codes():
    assert make_line(flags=["perishable"]).flags == frozenset({ItemFlag.PERISHABLE})


def test_message_cites_the_date_and_the_clause():
    decision = decide(make_rules(), make_line(), paris(2026, 3, 20))
    with translation.override("en"):
        assert decision.reasons[0].message == "Returnable until 1 April 2026 under §2.1."


def test_statutory_message_cites_the_statute():
    decision = decide(make_rules(window_days=7), make_line(), paris(2026, 3, 12))
    statutory = next(r for r in decision.reasons if r.code == ReasonCode.WITHIN_STATUTORY_PERIOD)
    assert statutory.clause == ""
    with translation.override("en"):
        assert statutory.message == (
            "Returnable until 16 March 2026 under the legal right of withdrawal "
            "(Directive 2011/83/EU Art. 9; C. consom. L221-18)."
        )


def test_exception_message_names_the_excluded_goods():
    line = make_line(flags={ItemFlag.CUSTOM_MADE})
    decision = decide(make_rules(item_exceptions=ALL_EXCEPTIONS), line, paris(2026, 3, 3))
    with translation.override("en"):
        assert "custom-made items" in decision.reasons[0].message
        assert "§4.1" in decision.reasons[0].message


@pytest.mark.parametrize("code", list(ReasonCode))
def test_every_reason_has_a_message_with_or_without_a_clause(code):
    for clause in ("", "9.9"):
        reason = Reason(
            code,
            clause=clause,
            statute="Directive 2011/83/EU Art. 9",
            when=end_of(date(2026, 3, 16)),
            days=1,
            flag=ItemFlag.PERISHABLE,
            conditions=(Condition.TAGS,),
        )
        for language in ("en", "fr", "de"):
            with translation.override(language):
                message = reason.message
            assert message
            assert "%(" not in message
        if clause:
            assert "§" not in message or "§9.9" in message


# --- properties -----------------------------------------------------------------------

instants = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    delivered=instants,
    split_days=st.integers(min_value=0, max_value=20),
    waited_days=st.integers(min_value=0, max_value=500),
    window_days=st.integers(min_value=0, max_value=120),
    window_start=st.sampled_from(list(WindowStart)),
    market=st.sampled_from(["FR", "DE", "UK", "IT", "CH"]),
    trader=st.booleans(),
    informed=st.booleans(),
)
def test_eligible_lines_are_within_the_later_deadline(
    delivered, split_days, waited_days, window_days, window_start, market, trader, informed
):
    last = delivered + timedelta(days=split_days)
    line = make_line(
        market=market,
        order_placed_at=delivered - timedelta(days=2),
        delivered_at=delivered,
        order_last_delivered_at=last,
        seller_is_trader=trader,
        withdrawal_info_given=informed,
    )
    at = last + timedelta(days=waited_days)
    decision: Decision = decide(
        make_rules(window_days=window_days, window_start=window_start), line, at
    )
    applying = [d for d in (decision.policy_deadline, decision.statutory_deadline) if d]
    assert decision.deadline == max(applying)
    assert decision.eligible == (at <= decision.deadline)
    if decision.statutory_deadline is not None:
        # Never shorter than 14 days from the last delivery.
        assert decision.statutory_deadline.date() >= (
            last.astimezone(decision.statutory_deadline.tzinfo).date() + timedelta(days=14)
        )
