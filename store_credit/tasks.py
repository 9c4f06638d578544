"""Beat: what is left of credit past its validity expires (ledger.expire_due)."""

from __future__ import annotations

from celery import shared_task

from . import ledger


@shared_task(name="store_credit.tasks.expire_credit", ignore_result=True)
def expire_credit() -> int:
    return ledger.expire_due()
