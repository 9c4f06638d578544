"""Searching the returns queue: by RMA, order reference, buyer email (the
order's, and the buyer account's) and SKU (the returned lines' order lines).

A database query, not Wagtail's search index (returns are not indexed): each
word must match one of those fields, case-insensitively, anywhere in it. Every
field is matched through its own index, and the matching ids are read first
(a query per field), so the page then reads its rows by id instead of testing
every return against every field. On
PostgreSQL, trigram indexes (migration 0009_queue) serve the "anywhere in it"
matches; SQLite scans, which is fine for development sizes.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from ..models import ReturnLine, ReturnRequest

MAX_WORDS = 4
MAX_WORD_LENGTH = 64
# Up to this many matches, the page reads the matching returns by id; beyond
# (a word in most emails, "example"), the listing's index walk stops at a page.
ID_CAP = 1000


def words_of(query: str) -> list[str]:
    return [word[:MAX_WORD_LENGTH] for word in query.split()[:MAX_WORDS]]


def _sources(word: str) -> list[tuple[Q, QuerySet]]:
    """Per field: the condition on a return (through its joins: what a broad word
    is tested by, on the rows the other filters leave), and the ids of the
    returns meeting it (read through that field's own index). An email-like
    word is sought in emails only, an RMA-like one in RMAs only."""
    returns = ReturnRequest.objects.order_by()

    def ids(condition: Q) -> QuerySet:
        return returns.filter(condition).values_list("pk", flat=True)

    by_rma = Q(rma__icontains=word)
    if word.upper().startswith("RMA-") and "@" not in word:
        return [(by_rma, ids(by_rma))]
    accounts = get_user_model().objects.filter(email__icontains=word).values("pk")
    by_account = (Q(buyer__email__icontains=word), ids(Q(buyer_id__in=accounts)))
    # Through the join: PostgreSQL reads the order's trigram indexes and stops
    # at the cap, where `order_id IN (…)` would first hash every matching order.
    by_email = Q(order__buyer_email__icontains=word)
    if "@" in word:
        return [(by_email, ids(by_email)), by_account]
    by_order = Q(order__reference__icontains=word) | by_email
    with_sku = (
        ReturnLine.objects.order_by()
        .filter(order_line__sku__icontains=word)
        .values_list("return_request_id", flat=True)
    )
    return [
        (by_order, ids(by_order)),
        by_account,
        (by_rma, ids(by_rma)),
        (Q(pk__in=with_sku), with_sku),
    ]


def _any(sources) -> Q:
    condition = Q()
    for field_condition, _ids in sources:
        condition |= field_condition
    return condition


def matches(word: str) -> Q:
    """Returns with `word` in their RMA, order reference, buyer email or a SKU."""
    return _any(_sources(word))


def search_returns(queryset: QuerySet, query: str) -> QuerySet:
    """`queryset` narrowed to the returns matching every word of `query`. Per
    word, the matching ids are read field by field (each query stopped after
    ID_CAP + 1 ids: a handful of queries however many returns there are), then
    the page reads its rows by id; a word matching more than ID_CAP returns is
    kept as a condition instead, tested on the rows the other filters leave."""
    for word in words_of(query):
        sources = _sources(word)
        found: set[int] = set()
        for _condition, ids in sources:
            found.update(ids[: ID_CAP + 1])
            if len(found) > ID_CAP:
                break
        if len(found) <= ID_CAP:
            queryset = queryset.filter(pk__in=found)
        else:
            queryset = queryset.filter(_any(sources))
    return queryset
