"""The pin of an order line to its policy version never moves: model, queryset and
database refuse it, and the marketplace's own columns stay writable."""

from datetime import timedelta

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import ProtectedError
from django.db.models.deletion import Collector
from django.utils import timezone

from marketplace.models import OrderLine
from policy_pages.pins import LinePin, PinChangeError
from policy_pages.versions import PolicyVersion
from tests.marketplace.factories import OrderFactory, OrderLineFactory


@pytest.fixture
def line(policies):
    return OrderLineFactory()


def other_version(line):
    return PolicyVersion.objects.exclude(pk=line.pin.version_id).first()


def test_a_line_is_pinned_to_the_version_in_force_when_the_order_was_placed(line):
    from policy_pages.timeline import policy_in_force

    expected = policy_in_force("FR", "maison-durand", "shirts", line.order.placed_at)
    assert LinePin.objects.get(line=line).version == expected


def test_saving_a_pin_with_another_version_is_refused(line):
    pin = LinePin.objects.get(pk=line.pk)
    pin.version = other_version(line)

    with pytest.raises(PinChangeError):
        pin.save()

    assert LinePin.objects.get(pk=line.pk).version_id == line.pin.version_id


def test_other_columns_of_a_line_stay_writable(line):
    delivered = timezone.now() - timedelta(hours=1)
    line = OrderLine.objects.get(pk=line.pk)
    line.delivered_at = delivered
    line.save()
    assert OrderLine.objects.get(pk=line.pk).delivered_at == delivered

    OrderLine.objects.filter(pk=line.pk).update(delivered_at=None)
    assert OrderLine.objects.get(pk=line.pk).delivered_at is None


def test_a_queryset_update_of_the_pin_is_refused(line):
    with pytest.raises(PinChangeError):
        LinePin.objects.filter(pk=line.pk).update(version=other_version(line))
    with pytest.raises(PinChangeError):
        LinePin.objects.bulk_update([line.pin], ["version"])


def test_the_database_refuses_to_move_the_pin(line):
    version = other_version(line)

    with (
        pytest.raises((IntegrityError, DatabaseError)),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "UPDATE policy_pages_linepin SET version_id = %s WHERE line_id = %s",
            [version.pk, line.pk],
        )

    assert LinePin.objects.get(pk=line.pk).version_id == line.pin.version_id


def test_a_version_that_pins_lines_is_protected_from_deletion(line):
    with pytest.raises(ProtectedError):
        Collector(using="default").collect([line.pin.version])


def test_a_version_lists_the_lines_it_governs(line):
    assert list(line.pin.version.pins.values_list("line_id", flat=True)) == [line.pk]


@pytest.mark.parametrize(
    ("field", "value"), [("quantity", 0), ("unit_price", -1)], ids=["zero quantity", "negative"]
)
def test_the_database_refuses_impossible_lines(line, field, value):
    with pytest.raises(IntegrityError), transaction.atomic():
        OrderLine.objects.filter(pk=line.pk).update(**{field: value})


def test_the_compliance_audit_counts_distinct_orders_per_version(policies):
    from policy_pages.audit_rows import audit_queryset

    order = OrderFactory()
    OrderLineFactory.create_batch(2, order=order)
    OrderLineFactory()  # another order, same version

    counts = {v.number: v.audit_orders for v in audit_queryset(timezone.now()) if not v.seller_ref}

    assert counts == {1: 0, 2: 2, 3: 0}
