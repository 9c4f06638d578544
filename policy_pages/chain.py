"""Scheduled verification of the policy version chain: each run is recorded,
and staff who may view the audit are emailed when the result turns broken or
its problems change (not every hour while it stays broken).

The Celery task (tasks.py) calls `run_verification`; the admin dashboard panel
and the audit report read `last_verification`.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.outbox import queue_email

from .integrity import Verification, verify
from .read_check import mark_tampered

logger = logging.getLogger(__name__)

ALERT_KIND = "policy_chain_broken"


class ChainVerification(models.Model):
    """One run of the chain verifier."""

    ran_at = models.DateTimeField(gettext_lazy("ran at"), db_index=True)
    intact = models.BooleanField(gettext_lazy("intact"))
    versions_checked = models.PositiveIntegerField(gettext_lazy("versions checked"))
    # [{"policy_id", "policy_slug", "policy_title", "number", "code", "message"}]
    problems = models.JSONField(gettext_lazy("problems"), default=list, blank=True)

    class Meta:
        verbose_name = gettext_lazy("chain verification")
        verbose_name_plural = gettext_lazy("chain verifications")
        ordering = ["-ran_at", "-pk"]

    def __str__(self):
        return f"{self.ran_at:%Y-%m-%d %H:%M} {'intact' if self.intact else 'broken'}"

    @property
    def signature(self) -> list[tuple]:
        """What identifies the problems, whatever language the messages were in."""
        return sorted(
            (problem["policy_id"], problem["number"], problem["code"]) for problem in self.problems
        )


def last_verification() -> ChainVerification | None:
    return ChainVerification.objects.order_by("-ran_at", "-pk").first()


def _problem_rows(result: Verification) -> list[dict]:
    return [
        {
            "policy_id": problem.policy_id,
            "policy_slug": problem.policy_slug,
            "policy_title": problem.policy_title,
            "number": problem.number,
            "code": str(problem.code),
            "message": problem.message,
        }
        for problem in result.problems
    ]


def run_verification(now=None) -> ChainVerification:
    """Verify every chain, record the run, alert staff when the result changed."""
    previous = last_verification()
    with translation.override(settings.LANGUAGE_CODE):
        result = verify()
    with transaction.atomic():
        run = ChainVerification.objects.create(
            ran_at=now or timezone.now(),
            intact=result.intact,
            versions_checked=result.versions,
            problems=_problem_rows(result),
        )
        if not run.intact:
            logger.error("Policy version chain broken: %s", result.first_problem)
            if previous is None or previous.intact or previous.signature != run.signature:
                alert_staff(run)
    # Pages and the API refuse these versions at once, even where an earlier
    # "intact" verdict is still cached.
    mark_tampered(problem.version_id for problem in result.problems if problem.version_id)
    return run


def alert_recipients():
    """Active staff who may view the audit: superusers, and users granted the
    view permission of policy versions directly or through a group."""
    permission = Permission.objects.filter(
        content_type__app_label="policy_pages", codename="view_policyversion"
    ).first()
    users = get_user_model().objects.filter(is_active=True).exclude(email="")
    allowed = Q(is_superuser=True)
    if permission is not None:
        allowed |= Q(user_permissions=permission) | Q(groups__permissions=permission)
    return users.filter(allowed).distinct().order_by("pk")


def _language(user) -> str:
    # The admin's language (Wagtail's profile), else the account's, else the site's.
    profile = getattr(user, "wagtail_userprofile", None)
    code = (
        getattr(profile, "preferred_language", "")
        or getattr(user, "preferred_language", "")
        or settings.LANGUAGE_CODE
    )
    available = {language for language, _name in settings.LANGUAGES}
    return code if code in available else settings.LANGUAGE_CODE


def alert_staff(run: ChainVerification) -> int:
    """Queue one email per recipient, in their language."""
    recipients = list(alert_recipients().select_related("wagtail_userprofile"))
    by_language: dict[str, Verification] = {}
    sent = 0
    for user in recipients:
        language = _language(user)
        with translation.override(language):
            if language not in by_language:
                by_language[language] = verify()  # the messages in this language
            result = by_language[language]
            subject = _("Policy versions: the hash chain is broken")
            lines = [
                _(
                    "The scheduled verification of %(when)s found %(count)s problem(s) "
                    "in the policy versions:"
                )
                % {"when": run.ran_at.isoformat(timespec="minutes"), "count": len(run.problems)},
                "",
                *(f"- {problem}" for problem in result.problems),
                "",
                _(
                    "Versions that fail are no longer served by the API and the policy "
                    "pages. Run `manage.py verify_policy_versions` for details."
                ),
            ]
        if queue_email(
            kind=ALERT_KIND,
            recipient=user.email,
            language=language,
            subject=subject,
            body="\n".join(lines),
            about=run,
        ):
            sent += 1
    return sent
