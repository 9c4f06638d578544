"""The intake schemas alone (no database): paths, messages and the rules across fields."""

import copy
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from marketplace.delivery_schemas import validate_deliveries
from marketplace.fields import MAX_CATEGORY_DEPTH, payload_hash
from marketplace.order_schemas import ORDER_EXAMPLE, OrderIn, validate_order

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def order(**changes):
    data = copy.deepcopy(ORDER_EXAMPLE)
    data.update(changes)
    return data


def line(**changes):
    return {**copy.deepcopy(ORDER_EXAMPLE["lines"][0]), **changes}


def nested(depth):
    category = {"code": "c0", "name": {"en": "C"}}
    for level in range(1, depth):
        category = {"code": f"c{level}", "name": {"en": "C"}, "parent": category}
    return category


def test_a_valid_order_gives_typed_values_and_the_hash_of_what_was_sent():
    data = order(currency="eur", market="uk", buyer_email="Bea@Example.com ")

    parsed, errors = validate_order(data, NOW)

    assert errors == {}
    assert (parsed.currency, parsed.market, parsed.buyer_email) == ("EUR", "GB", "bea@example.com")
    assert parsed.lines[0].unit_price == Decimal("49.90")
    assert parsed.payload_hash == payload_hash(data)
    assert parsed.categories["shirts"].parent == "apparel"


def test_null_counts_as_absent():
    data = order(withdrawal_info_given_at=None, reference=None)
    data["lines"][0]["custom_made"] = None

    _parsed, errors = validate_order(data, NOW)

    assert errors == {"reference": ["This field is required."]}


def test_categories_may_nest_up_to_the_maximum_depth():
    ok, _errors = validate_order(order(lines=[line(category=nested(MAX_CATEGORY_DEPTH))]), NOW)
    _none, errors = validate_order(
        order(lines=[line(category=nested(MAX_CATEGORY_DEPTH + 1))]), NOW
    )

    assert ok is not None
    too_deep = "lines[0].category" + ".parent" * MAX_CATEGORY_DEPTH
    assert errors == {too_deep: ["Categories are nested too deeply."]}


def test_a_category_described_two_ways_is_refused_where_it_differs():
    other = line(reference="2")
    other["category"]["parent"]["name"] = {"en": "Clothes"}

    _parsed, errors = validate_order(order(lines=[line(), other]), NOW)

    assert errors == {
        "lines[1].category.parent": ["This category is described differently on another line."]
    }


def test_a_category_is_not_its_own_parent_and_names_are_checked_per_language():
    category = {
        "code": "shirts",
        "name": {"en": "Shirts", "xx": "?", "fr": " "},
        "parent": "shirts",
    }

    _parsed, errors = validate_order(order(lines=[line(category=category)]), NOW)

    assert errors == {
        "lines[0].category.name.xx": ["Use one of these language codes: en, fr, de."],
        "lines[0].category.name.fr": ["Give a name of 1 to 100 characters."],
        "lines[0].category.parent": ["A category cannot be its own parent."],
    }


def test_amounts_follow_the_currency_and_dates_follow_placed_at():
    data = order(currency="JPY", withdrawal_info_given=False)
    data["withdrawal_info_given_at"] = "2026-04-30T10:00:00Z"
    data["lines"][0]["delivered_at"] = "2026-06-02T10:00:00Z"

    _parsed, errors = validate_order(data, NOW)

    assert errors["payment.amount"] == ["At most 0 decimal places are allowed in this currency."]
    assert errors["withdrawal_info_given_at"] == ["This date is before placed_at."]
    assert errors["lines[0].delivered_at"] == ["This date is in the future."]
    assert errors.code == "constraint"


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (49.9, 'Send amounts as decimal strings, such as "39.90", not as numbers.'),
        ("1e3", 'Use a decimal amount such as "39.90".'),
        ("-1.00", "An amount cannot be negative."),
        ("99999999999", "This amount is too large."),
    ],
)
def test_amounts_keep_their_messages(value, message):
    _parsed, errors = validate_order(order(lines=[line(unit_price=value)]), NOW)

    assert errors == {"lines[0].unit_price": [message]}
    assert errors.code == "invalid"


def test_a_schema_without_a_context_refuses_to_judge_an_order():
    # The rules across fields need the running state: validate_order gives it.
    with pytest.raises(TypeError):
        OrderIn.model_validate(ORDER_EXAMPLE)


def test_deliveries_keep_their_shapes_and_messages():
    _d, body = validate_deliveries({"lines": [], "extra": 1}, NOW)
    _d, item = validate_deliveries({"lines": [{"reference": "1"}]}, NOW)
    _d, future = validate_deliveries(
        {"lines": [{"reference": "1", "delivered_at": "2026-06-02T00:00:00Z"}]}, NOW
    )

    assert body == {"body": ['Send {"lines": [{"reference": …, "delivered_at": …}]}.']}
    assert item == {"lines[0]": ['Give each line as {"reference": …, "delivered_at": …}.']}
    assert future == {"lines[0].delivered_at": ["This date is in the future."]}


@pytest.mark.parametrize(
    ("quantity", "taken"), [(2, 2), (2.0, 2), (2.5, None), (True, None), ("2", None)]
)
def test_a_quantity_is_a_whole_number_as_json_schema_counts_them(quantity, taken):
    parsed, errors = validate_order(order(lines=[line(quantity=quantity)]), NOW)

    if taken is None:
        assert errors == {"lines[0].quantity": ["Expected a whole number, such as 1."]}
    else:
        assert parsed.lines[0].quantity == taken
