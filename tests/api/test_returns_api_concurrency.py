"""The same API call sent twice at the same moment (a client retrying before the
first answer came) is done once: the second waits for the first's key and
answers what it answered (PostgreSQL: SQLite serialises every write anyway)."""

import threading
import time
from unittest import mock

import pytest
from django.db import connection, connections
from django.test import Client

from return_portal import notifications
from return_portal.models import ReturnEvent, ReturnLine
from tests.api.returns_api import S, durand, make_return, url
from tests.policy_pages.conftest import policies  # the demo policies

__all__ = ["durand", "policies"]

needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite has no row locks nor concurrent writers: run with DATABASE_URL",
)


@needs_postgres
@pytest.mark.django_db(transaction=True)
def test_a_receipt_sent_twice_at_once_under_one_key_is_recorded_once(policies, durand):
    from marketplace.models import ApiToken

    _row, token = ApiToken.issue("operator")
    r = make_return(durand, status=S.APPROVED, quantities=(3,))
    body = '{"lines": [{"line": "1", "received": 1}]}'
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": "receipt-1"}
    barrier = threading.Barrier(2)
    answers = []
    original = notifications.queue

    def slow_queue(*args, **kwargs):
        # The first call lingers in its transaction: the second must wait for it.
        result = original(*args, **kwargs)
        time.sleep(0.3)
        return result

    def send():
        try:
            barrier.wait(timeout=10)
            response = Client().post(
                url(r, "receive"), body, content_type="application/json", headers=headers
            )
            answers.append(response)
        finally:
            connections.close_all()

    with mock.patch.object(notifications, "queue", slow_queue):
        threads = [threading.Thread(target=send) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

    assert [a.status_code for a in answers] == [200, 200]
    assert answers[0].json() == answers[1].json()
    assert sorted(a.get("Idempotent-Replayed", "") for a in answers) == ["", "true"]
    assert ReturnLine.objects.get(return_request=r).received_quantity == 1
    assert ReturnEvent.objects.filter(return_request=r).count() == 1
