from decimal import Decimal

import pytest

from policy_pages.compliance import check
from policy_pages.rules import (
    CategoryOverride,
    OverrideKind,
    Payer,
    PolicyRules,
    ShippingMethod,
    ShippingOption,
    WindowStart,
)


def rules(**changes) -> PolicyRules:
    values = {
        "currency": "EUR",
        "markets": ("FR",),
        "window_days": 30,
        "window_start": WindowStart.DELIVERY,
        "window_clause": "2",
        "shipping_options": (
            ShippingOption(
                ShippingMethod.DROP_OFF, Decimal("0"), Payer.MERCHANT, Payer.MERCHANT, "6"
            ),
        ),
    }
    values.update(changes)
    return PolicyRules(**values)


def messages(report):
    return [finding.message for finding in report.errors]


def test_a_generous_policy_passes_in_every_market():
    report = check(rules(markets=("FR", "DE", "GB", "IT")))

    assert report.ok
    assert report.warnings == ()


@pytest.mark.parametrize(
    ("market", "source"),
    [
        ("FR", "Directive 2011/83/EU Art. 9; C. consom. L221-18"),
        ("DE", "Directive 2011/83/EU Art. 9"),
        ("GB", "Consumer Contracts Regulations 2013 reg. 30"),
    ],
)
def test_a_window_below_14_days_is_refused_naming_rule_market_and_article(market, source):
    report = check(rules(markets=(market,), window_days=10))

    assert messages(report) == [
        f"10 days is below the 14-day withdrawal period ({source}) for {market}"
    ]


def test_markets_breaking_the_same_rule_under_the_same_law_are_named_together():
    report = check(rules(markets=("DE", "AT", "FR"), window_days=7))

    assert messages(report) == [
        "7 days is below the 14-day withdrawal period (Directive 2011/83/EU Art. 9) for AT, DE",
        "7 days is below the 14-day withdrawal period "
        "(Directive 2011/83/EU Art. 9; C. consom. L221-18) for FR",
    ]


def test_a_market_without_statutory_floor_is_not_checked():
    assert check(rules(markets=("CH",), window_days=5)).ok


def test_late_refunds_short_ship_back_and_paid_defect_returns_are_refused():
    report = check(
        rules(
            refund_days=30,
            ship_back_days=7,
            shipping_options=(
                ShippingOption(
                    ShippingMethod.PREPAID_LABEL, Decimal("5"), Payer.BUYER, Payer.BUYER, "6"
                ),
            ),
        )
    )

    fields = sorted(finding.field for finding in report.errors)
    assert fields == ["refund_days", "ship_back_days", "shipping_options"]


def test_a_category_cannot_be_excluded_but_can_get_longer_or_extra_conditions():
    refused = check(
        rules(category_overrides=(CategoryOverride("swimwear", OverrideKind.NOT_RETURNABLE, "3"),))
    )
    shorter = check(
        rules(category_overrides=(CategoryOverride("food", OverrideKind.DAYS, "3", days=7),))
    )
    longer = check(
        rules(category_overrides=(CategoryOverride("toys", OverrideKind.DAYS, "3", days=90),))
    )

    assert "CJEU C-681/17" in messages(refused)[0]
    assert not shorter.ok
    assert longer.ok


def test_risky_but_lawful_settings_are_warnings_not_errors():
    report = check(
        rules(
            markets=("FR", "DE"),
            restocking_fee_percent=Decimal("10"),
            window_start=WindowStart.ORDER,
        )
    )

    assert report.ok
    assert sorted(finding.field for finding in report.warnings) == [
        "restocking_fee_percent",
        "window_start",
    ]
    assert "DE, FR" in report.warnings[0].message


def test_a_policy_needs_a_market_a_resolution_and_a_shipping_option():
    report = check(rules(markets=(), resolutions=(), shipping_options=()))

    assert sorted(finding.field for finding in report.errors) == [
        "markets",
        "offer_refund",
        "shipping_options",
    ]
