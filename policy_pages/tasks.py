"""Celery tasks of the policy pages (autodiscovered)."""

from celery import shared_task


@shared_task(name="policy_pages.tasks.verify_chain", ignore_result=True)
def verify_chain() -> bool:
    """Hourly from beat: verify every policy chain, record the run, alert
    staff when it turns broken. Returns whether the chain is intact."""
    from .chain import run_verification

    return run_verification().intact
