"""A refund failed through every retry shows on its row of the queue: a
"Refund failed" tag in words with the provider's reason, read with the page's
deadline flags (no query per row)."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from return_portal.models import Refund
from tests.return_portal.queue_helpers import index_url, make_return, operator_staff, seller

REASON = "Card expired (declined by the provider)"


@pytest.fixture
def durand(policies):
    return seller("maison-durand", "Maison Durand")


def fail_refund(return_request, key, error=REASON):
    return Refund.objects.create(
        order=return_request.order,
        return_request=return_request,
        amount="49.90",
        currency="EUR",
        resolution="refund",
        idempotency_key=key,
        status="failed",
        last_error=error,
    )


def row_of(page: str, return_request) -> str:
    """The HTML of the return's row in the listing."""
    rows = re.findall(r"<tr\b.*?</tr>", page, flags=re.S)
    [row] = [row for row in rows if f'id="return_{return_request.pk}_title"' in row]
    return row


def test_a_failed_refund_is_tagged_on_its_row_with_the_reason(client, durand):
    client.force_login(operator_staff())
    failed = make_return(durand, "resolved")
    fail_refund(failed, "failed-1")
    fine = make_return(durand, "resolved")

    page = client.get(index_url()).content.decode()

    row = row_of(page, failed)
    assert "Refund failed" in row and REASON in row
    assert "Refund failed" not in row_of(page, fine)


def test_the_tags_cost_no_query_per_row(client, durand):
    client.force_login(operator_staff())
    returns = [make_return(durand, "resolved") for _ in range(3)]
    client.get(index_url())  # warm

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(index_url()).status_code == 200
        return len(queries)

    before = count()
    for number, return_request in enumerate(returns):
        fail_refund(return_request, f"failed-{number}", error=f"{REASON} {number}")
    assert count() == before
    page = client.get(index_url()).content.decode()
    assert all(f"{REASON} {number}" in page for number in range(3))
