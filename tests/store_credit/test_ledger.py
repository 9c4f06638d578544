"""The ledger: arithmetic, money per currency, entries that are never changed,
a balance the database keeps at zero or more (also under concurrent spends on
PostgreSQL), and expiry of what is left of a grant, first in first out."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import DatabaseError, IntegrityError, connection, connections, transaction
from django.utils import timezone

from store_credit import ledger
from store_credit.models import CreditBalance, CreditEntry, EntryKind, ImmutableEntryError

BUYER = "Ada@Example.com"
pytestmark = pytest.mark.django_db


def balance(email=BUYER, currency="EUR"):
    return ledger.balances([email]).get(currency, Decimal(0))


def test_issue_spend_and_reverse_move_the_balance_and_keep_each_entry():
    ledger.issue(BUYER, Decimal("30.00"), "eur", key="i1", reason="RMA-1")
    ledger.issue(BUYER, Decimal("3.00"), "EUR", key="i1:bonus", bonus=True)
    spent = ledger.spend(BUYER, Decimal("20.50"), "EUR", key="s1").entry
    assert balance() == Decimal("12.50")

    ledger.reverse(spent)
    again = ledger.reverse(spent)

    assert again.replayed
    assert balance() == Decimal("33.00")
    kinds = [(e.kind, e.amount, e.balance_after) for e in CreditEntry.objects.all()]
    assert kinds == [
        (EntryKind.ISSUE, Decimal("30.00"), Decimal("30.00")),
        (EntryKind.BONUS, Decimal("3.00"), Decimal("33.00")),
        (EntryKind.SPEND, Decimal("-20.50"), Decimal("12.50")),
        (EntryKind.REVERSAL, Decimal("20.50"), Decimal("33.00")),
    ]
    # One buyer whatever the letter case, one currency code.
    assert set(CreditEntry.objects.values_list("buyer_email", "currency")) == {
        ("ada@example.com", "EUR")
    }


def test_the_same_key_books_once():
    first = ledger.issue(BUYER, Decimal("10"), "EUR", key="k")
    second = ledger.issue(BUYER, Decimal("10"), "EUR", key="k")
    assert second.replayed and second.entry.pk == first.entry.pk
    assert balance() == Decimal("10.00")


def test_a_spend_above_the_balance_is_refused_and_spends_nothing():
    ledger.issue(BUYER, Decimal("10.00"), "EUR", key="i")
    with pytest.raises(ledger.InsufficientCredit) as refused:
        ledger.spend(BUYER, Decimal("10.01"), "EUR", key="s")
    assert refused.value.balance == Decimal("10.00")
    assert balance() == Decimal("10.00")
    assert not CreditEntry.objects.filter(kind=EntryKind.SPEND).exists()


def test_balances_are_per_currency_and_quantized_to_its_places():
    ledger.issue(BUYER, Decimal("1000.4"), "JPY", key="j")
    ledger.issue(BUYER, Decimal("10.005"), "EUR", key="e")
    assert ledger.balances([BUYER]) == {"EUR": Decimal("10.01"), "JPY": Decimal("1000")}
    with pytest.raises(ledger.InsufficientCredit):
        ledger.spend(BUYER, Decimal("11"), "EUR", key="s")


def test_entries_are_never_updated_or_deleted():
    entry = ledger.issue(BUYER, Decimal("5"), "EUR", key="i").entry
    entry.reason = "changed"
    with pytest.raises(ImmutableEntryError):
        entry.save()
    with pytest.raises(ImmutableEntryError):
        entry.delete()
    with pytest.raises(ImmutableEntryError):
        CreditEntry.objects.filter(pk=entry.pk).update(reason="changed")
    with pytest.raises(ImmutableEntryError):
        CreditEntry.objects.all().delete()


def test_the_database_refuses_to_update_an_entry():
    entry = ledger.issue(BUYER, Decimal("5"), "EUR", key="i").entry
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE store_credit_creditentry SET amount = 500 WHERE id = %s", [entry.pk])
    assert CreditEntry.objects.get(pk=entry.pk).amount == Decimal("5.00")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite flushes with DELETE")
def test_the_database_refuses_to_delete_an_entry():
    entry = ledger.issue(BUYER, Decimal("5"), "EUR", key="i").entry
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM store_credit_creditentry WHERE id = %s", [entry.pk])
    assert CreditEntry.objects.filter(pk=entry.pk).exists()


def test_the_database_keeps_the_balance_at_zero_or_more():
    ledger.issue(BUYER, Decimal("5"), "EUR", key="i")
    row = CreditBalance.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        CreditBalance.objects.filter(pk=row.pk).update(balance=Decimal("-0.01"))


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="row locks need PostgreSQL (SQLite has none): run with DATABASE_URL",
)
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_spends_within_the_balance_but_not_together_one_succeeds():
    ledger.issue(BUYER, Decimal("100.00"), "EUR", key="i")
    barrier = threading.Barrier(2)
    outcomes = []

    def spend(key):
        try:
            barrier.wait(timeout=10)
            ledger.spend(BUYER, Decimal("60.00"), "EUR", key=key)
            outcomes.append("spent")
        except ledger.InsufficientCredit:
            outcomes.append("refused")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=spend, args=(key,)) for key in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)

    assert sorted(outcomes) == ["refused", "spent"]
    assert balance() == Decimal("40.00")
    assert CreditEntry.objects.filter(kind=EntryKind.SPEND).count() == 1


# --- expiry ------------------------------------------------------------------------------


def test_expiry_takes_the_unspent_remainder_of_an_expired_grant_first_in_first_out():
    now = timezone.now()
    old = ledger.issue(BUYER, Decimal("30"), "EUR", key="old", expires_at=now - timedelta(days=1))
    ledger.issue(BUYER, Decimal("20"), "EUR", key="new", expires_at=now + timedelta(days=30))
    ledger.spend(BUYER, Decimal("25"), "EUR", key="s")  # 25 of the oldest grant

    assert ledger.expire_due(now) == 1
    assert ledger.expire_due(now) == 0  # once per grant

    expiry = CreditEntry.objects.get(kind=EntryKind.EXPIRY)
    assert (expiry.amount, expiry.expires_id) == (Decimal("-5.00"), old.entry.pk)
    assert balance() == Decimal("20.00")

    # The later grant expires in full once its own date passes, spends first.
    assert ledger.expire_due(now + timedelta(days=31)) == 1
    assert balance() == Decimal("0.00")


def test_a_grant_spent_in_full_leaves_nothing_to_expire():
    now = timezone.now()
    ledger.issue(BUYER, Decimal("10"), "EUR", key="g", expires_at=now - timedelta(hours=1))
    ledger.spend(BUYER, Decimal("10"), "EUR", key="s")
    assert ledger.expire_due(now) == 0
    assert not CreditEntry.objects.filter(kind=EntryKind.EXPIRY).exists()


def test_beat_runs_the_expiry_sweep(settings):
    from store_credit.tasks import expire_credit

    assert settings.CELERY_BEAT_SCHEDULE["store-credit-expiry"]["task"] == expire_credit.name
    ledger.issue(BUYER, Decimal("4"), "EUR", key="g", expires_at=timezone.now() - timedelta(days=1))
    assert expire_credit.delay().get() == 1
    assert balance() == Decimal("0.00")
