"""The pin of an order line never moves: model, queryset and database refuse it."""

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone

from marketplace.models import OrderLine, PinChangeError
from policy_pages.versions import PolicyVersion
from tests.marketplace.factories import OrderLineFactory


@pytest.fixture
def line(policies):
    return OrderLineFactory()


def other_version(line):
    return PolicyVersion.objects.exclude(pk=line.policy_version_id).first()


def test_saving_a_line_with_another_version_is_refused(line):
    line = OrderLine.objects.get(pk=line.pk)
    line.policy_version = other_version(line)

    with pytest.raises(PinChangeError):
        line.save()


def test_other_columns_of_a_line_stay_writable(line):
    line = OrderLine.objects.get(pk=line.pk)
    line.delivered_at = timezone.now()
    line.save()
    OrderLine.objects.filter(pk=line.pk).update(delivered_at=None)


def test_a_queryset_update_of_the_pin_is_refused(line):
    with pytest.raises(PinChangeError):
        OrderLine.objects.filter(pk=line.pk).update(policy_version=other_version(line))


def test_the_database_refuses_to_move_the_pin(line):
    version = other_version(line)

    with (
        pytest.raises((IntegrityError, DatabaseError)),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "UPDATE marketplace_orderline SET policy_version_id = %s WHERE id = %s",
            [version.pk, line.pk],
        )

    assert OrderLine.objects.get(pk=line.pk).policy_version_id == line.policy_version_id


def test_a_version_that_pins_lines_is_protected_from_deletion(line):
    from django.db.models import ProtectedError
    from django.db.models.deletion import Collector

    with pytest.raises(ProtectedError):
        Collector(using="default").collect([line.policy_version])


def test_the_compliance_report_can_count_orders_through_order_lines(line):
    assert line.policy_version.order_lines.count() == 1


@pytest.mark.parametrize(
    ("field", "value"), [("quantity", 0), ("unit_price", -1)], ids=["zero quantity", "negative"]
)
def test_the_database_refuses_impossible_lines(line, field, value):
    with pytest.raises(IntegrityError), transaction.atomic():
        OrderLine.objects.filter(pk=line.pk).update(**{field: value})


def test_the_compliance_audit_counts_distinct_orders_per_version(policies):
    from policy_pages.audit import audit_queryset
    from tests.marketplace.factories import OrderFactory

    order = OrderFactory()
    OrderLineFactory.create_batch(2, order=order)
    OrderLineFactory()  # another order, same version

    counts = {v.number: v.audit_orders for v in audit_queryset(timezone.now()) if not v.seller_ref}

    assert counts == {1: 0, 2: 2, 3: 0}
