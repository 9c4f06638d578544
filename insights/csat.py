"""Asking buyers how their return went, once it is closed.

Each step is one action: `invite` when a return closes (after its commit), a
reminder from beat for surveys left unanswered, `answer` and `opt_out` from
the buyer's link. Every email goes through the outbox, in the buyer's
language, and links to the survey with a token only its email holds.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from celery import shared_task
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from wagtail.log_actions import log

from core.outbox import queue_email
from core.public_url import public_url
from return_portal.models import ReturnRequest
from return_portal.notifications import language_of

from .csat_models import CsatOptOut, CsatSurvey

REMIND_AFTER = dt.timedelta(days=3)
# A link older than this answers "expired": opinions of long ago mean little.
VALID_FOR = dt.timedelta(days=30)


class SurveyClosed(Exception):
    """Answered already, or expired."""


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def find(token: str) -> CsatSurvey | None:
    if not token or len(token) > 100:
        return None
    return (
        CsatSurvey.objects.select_related("return_request__order", "return_request__seller")
        .filter(token_hash=token_hash(token))
        .first()
    )


def recipient_of(return_request: ReturnRequest) -> str:
    email = return_request.buyer.email if return_request.buyer_id else ""
    return (email or return_request.order.buyer_email or "").strip()


def opted_out(email: str) -> bool:
    return CsatOptOut.objects.filter(email__iexact=email).exists()


def _queue(survey: CsatSurvey, token: str, template: str) -> None:
    return_request = survey.return_request
    with translation.override(survey.language):
        context = {
            "return": return_request,
            "url": public_url(reverse("csat_answer", args=[token])),
            "opt_out_url": public_url(reverse("csat_opt_out", args=[token])),
        }
        subject = render_to_string(f"insights/email/{template}_subject.txt", context)
        body = render_to_string(f"insights/email/{template}.txt", context)
    queue_email(
        kind=template,
        recipient=recipient_of(return_request),
        language=survey.language,
        subject=subject,
        body=body,
        about=return_request,
    )


def invite(return_id: int) -> CsatSurvey | None:
    """Create the closed return's survey and queue its email, once."""
    with transaction.atomic():
        return_request = (
            ReturnRequest.objects.select_for_update(of=("self",))
            .select_related("order", "buyer")
            .filter(pk=return_id)
            .first()
        )
        if (
            return_request is None
            or CsatSurvey.objects.filter(return_request=return_request).exists()
        ):
            return None
        email = recipient_of(return_request)
        if not email or opted_out(email):
            return None
        token = secrets.token_urlsafe(32)
        try:
            with transaction.atomic():
                survey = CsatSurvey.objects.create(
                    return_request=return_request,
                    token_hash=token_hash(token),
                    language=language_of(return_request),
                    sent_at=timezone.now(),
                )
        except IntegrityError:  # invited at the same moment elsewhere
            return None
        log(return_request, "insights.csat.invite")
        _queue(survey, token, "csat_invite")
        return survey


def invite_after_commit(return_id: int) -> None:
    transaction.on_commit(lambda: invite(return_id))


def remind(now: dt.datetime | None = None) -> int:
    """One reminder per survey still unanswered after REMIND_AFTER, before it expires.

    The reminder needs the link again; only the hash is kept, so the reminder
    carries a fresh token (the first link stops working)."""
    now = now or timezone.now()
    due = CsatSurvey.objects.filter(
        answered_at__isnull=True,
        reminded_at__isnull=True,
        sent_at__lte=now - REMIND_AFTER,
        sent_at__gt=now - VALID_FOR,
    ).values_list("pk", flat=True)
    reminded = 0
    for pk in list(due[:500]):
        with transaction.atomic():
            survey = (
                CsatSurvey.objects.select_for_update(of=("self",))
                .select_related("return_request__order", "return_request__buyer")
                .get(pk=pk)
            )
            if survey.answered_at or survey.reminded_at:
                continue
            if opted_out(recipient_of(survey.return_request)):
                continue
            token = secrets.token_urlsafe(32)
            survey.token_hash = token_hash(token)
            survey.reminded_at = now
            survey.save(update_fields=["token_hash", "reminded_at"])
            _queue(survey, token, "csat_reminder")
            reminded += 1
    return reminded


def is_open(survey: CsatSurvey, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    return survey.answered_at is None and survey.sent_at > now - VALID_FOR


def answer(survey: CsatSurvey, rating: int, comment: str) -> CsatSurvey:
    """Record the answer, once: a second submit (or a replay) raises SurveyClosed."""
    with transaction.atomic():
        locked = CsatSurvey.objects.select_for_update().get(pk=survey.pk)
        if not is_open(locked):
            raise SurveyClosed
        locked.rating = rating
        locked.comment = comment
        locked.answered_at = timezone.now()
        locked.save(update_fields=["rating", "comment", "answered_at"])
        log(locked.return_request, "insights.csat.answer", data={"rating": rating})
        return locked


def opt_out(survey: CsatSurvey) -> None:
    email = recipient_of(survey.return_request)
    if email:
        CsatOptOut.objects.get_or_create(email=email.lower())


@shared_task(name="insights.remind_csat", ignore_result=True)
def remind_csat() -> int:
    return remind()
