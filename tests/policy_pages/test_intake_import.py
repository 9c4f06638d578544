"""manage.py import_orders: the intake's validation, in bulk, errors per line number."""

import io
import json
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from marketplace.models import Order, OrderLine, ProductCategory
from policy_pages.intake import import_orders
from tests.marketplace.factories import (
    CategoryPayloadFactory,
    LinePayloadFactory,
    OrderPayloadFactory,
    iso,
)


def jsonl(*orders) -> list[str]:
    return [o if isinstance(o, str) else json.dumps(o) for o in orders]


def test_good_lines_are_imported_and_bad_ones_reported_by_line_number(policies):
    good_1, good_2 = OrderPayloadFactory(), OrderPayloadFactory()
    zero = OrderPayloadFactory(lines=[LinePayloadFactory(quantity=0)])

    report = import_orders(jsonl(good_1, "{broken", zero, "", good_2))

    assert report.created == 2
    assert set(report.failed) == {2, 3}
    assert "body" in report.failed[2]
    assert "lines[0].quantity" in report.failed[3]
    assert set(Order.objects.values_list("reference", flat=True)) == {
        good_1["reference"],
        good_2["reference"],
    }


def test_importing_the_same_file_twice_creates_nothing_the_second_time(policies):
    orders = jsonl(*(OrderPayloadFactory() for _ in range(5)))
    import_orders(orders)

    report = import_orders(orders)

    assert (report.created, report.replayed, report.failed) == (0, 5, {})
    assert Order.objects.count() == 5


def test_a_reference_repeated_with_other_content_is_a_conflict(policies):
    first = OrderPayloadFactory()
    other = {**first, "currency": "USD"}

    report = import_orders(jsonl(first, first, other))

    assert (report.created, report.replayed) == (1, 1)
    assert "reference" in report.failed[3]


def test_each_line_is_pinned_by_its_own_placing_date(policies):
    old = OrderPayloadFactory(
        placed_at=iso(timezone.now() - timedelta(days=200)),
        lines=[LinePayloadFactory(delivered_at=iso(timezone.now() - timedelta(days=190)))],
    )
    recent = OrderPayloadFactory()

    import_orders(jsonl(old, recent), chunk_size=10)

    assert Order.objects.get(reference=old["reference"]).lines.get().pin.version.number == 1
    assert Order.objects.get(reference=recent["reference"]).lines.get().pin.version.number == 2


def test_a_category_described_earlier_in_the_file_can_be_named_by_code_later(policies):
    first = OrderPayloadFactory()  # describes apparel > shirts
    later = OrderPayloadFactory(
        lines=[
            LinePayloadFactory(
                category=CategoryPayloadFactory(
                    code="shoes", name={"en": "Shoes"}, parent="apparel"
                )
            )
        ]
    )

    report = import_orders(jsonl(first, later), chunk_size=100)

    assert report.failed == {}
    assert ProductCategory.objects.get(code="shoes").path_codes == ("apparel", "shoes")


def test_chunks_are_inserted_in_bulk(policies, django_assert_max_num_queries):
    import_orders(jsonl(OrderPayloadFactory()))  # sellers and categories exist
    orders = jsonl(*(OrderPayloadFactory() for _ in range(50)))

    # Per chunk: existing references, timelines, sellers, categories, buyers, two inserts.
    with django_assert_max_num_queries(12):
        report = import_orders(orders, chunk_size=100)

    assert report.created == 50
    assert OrderLine.objects.count() == 51


def test_the_command_reports_each_failed_line_and_exits_with_an_error(policies, tmp_path):
    path = tmp_path / "orders.jsonl"
    bad = OrderPayloadFactory(currency="EUX")
    path.write_text("\n".join(jsonl(OrderPayloadFactory(), bad)) + "\n")
    out, err = io.StringIO(), io.StringIO()

    with pytest.raises(CommandError):
        call_command("import_orders", str(path), stdout=out, stderr=err)

    assert "1 created" in out.getvalue()
    assert "line 2: currency:" in err.getvalue()
    assert Order.objects.count() == 1


def test_the_command_succeeds_quietly_on_a_clean_file(policies, tmp_path):
    path = tmp_path / "orders.jsonl"
    path.write_text("\n".join(jsonl(OrderPayloadFactory(), OrderPayloadFactory())))
    out = io.StringIO()

    call_command("import_orders", str(path), stdout=out, stderr=io.StringIO())

    assert out.getvalue().startswith("2 created, 0 already imported, 0 failed")


def test_the_command_refuses_a_missing_file(db):
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_orders", "/nonexistent.jsonl", stdout=io.StringIO())
