"""What makes a roll-up slice stale: a sale, or anything that happens to a return.

Connected to the source models' signals from here, so nothing below knows the
roll-ups exist (the portal and the marketplace import nothing of insights).
The handlers note ids only: the day and seller are read after the commit, so
the change's own transaction pays no query for them.
"""

from __future__ import annotations

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from marketplace.models import OrderLine
from return_portal.models import (
    Exchange,
    Refund,
    ReturnEvent,
    ReturnRequest,
    ReturnStatus,
    UnitInspection,
)

from .csat import invite_after_commit
from .csat_models import CsatSurvey
from .stale import mark_after_commit, order_changed_after_commit, return_changed_after_commit


@receiver(post_save, sender=OrderLine, dispatch_uid="insights.sale")
@receiver(post_delete, sender=OrderLine, dispatch_uid="insights.sale_deleted")
def sale_changed(sender, instance: OrderLine, **kwargs):
    order_changed_after_commit(instance.order_id)


@receiver(post_save, sender=ReturnRequest, dispatch_uid="insights.return")
def return_changed(sender, instance: ReturnRequest, **kwargs):
    return_changed_after_commit(instance.pk)


@receiver(post_delete, sender=ReturnRequest, dispatch_uid="insights.return_deleted")
def return_deleted(sender, instance: ReturnRequest, **kwargs):
    if instance.created_at is not None:
        mark_after_commit(instance.created_at, instance.seller_id)


@receiver(post_save, sender=ReturnEvent, dispatch_uid="insights.closed")
def return_closed(sender, instance: ReturnEvent, created, **kwargs):
    """A settled or closed return asks its buyer how it went (once: `invite`)."""
    finished = (ReturnStatus.RESOLVED, ReturnStatus.CLOSED)
    if created and not instance.code and instance.to_status in finished:
        invite_after_commit(instance.return_request_id)


@receiver(post_save, sender=CsatSurvey, dispatch_uid="insights.csat")
@receiver(post_save, sender=ReturnEvent, dispatch_uid="insights.event")
@receiver(post_save, sender=Refund, dispatch_uid="insights.refund")
@receiver(post_save, sender=Exchange, dispatch_uid="insights.exchange")
def return_part_changed(sender, instance, **kwargs):
    if instance.return_request_id:
        return_changed_after_commit(instance.return_request_id)


@receiver(post_save, sender=UnitInspection, dispatch_uid="insights.inspection")
def unit_inspected(sender, instance: UnitInspection, **kwargs):
    line_id = instance.return_line_id
    return_changed_after_commit(None, return_line_id=line_id)
