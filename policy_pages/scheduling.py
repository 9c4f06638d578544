"""When a new version of a policy takes effect, and what it replaces.

Two versions of one policy never share an effective instant. While a version
is scheduled, the editor chooses: the new version replaces the schedule (the
scheduled versions are superseded, never in force), or takes effect after the
last of them. The editor's form and `record_version` both ask `plan_schedule`,
so what the editor was told is what publishing does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .timeline import PolicyTimeline
from .versions import PolicyVersion


class ScheduleChoice(models.TextChoices):
    REPLACE = "replace", gettext_lazy("Replace the scheduled version (it never comes into force)")
    AFTER = "after", gettext_lazy("Take effect after the scheduled version")


class ScheduleConflict(PermissionDenied):
    """A new version that would collide with, or silently reorder, the timeline.
    A PermissionDenied so that an approval hitting it (the form normally stops
    it first) answers 403 with its message rather than failing."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class SchedulePlan:
    effective_from: datetime
    supersedes: tuple[PolicyVersion, ...] = ()


def _when(version: PolicyVersion) -> str:
    return formats.date_format(timezone.localtime(version.effective_from), "DATETIME_FORMAT")


def scheduled_notice(timeline: PolicyTimeline) -> str | None:
    """What the editor is told while versions are scheduled."""
    scheduled = timeline.scheduled
    if not scheduled:
        return None
    last = scheduled[-1]
    return _(
        "Version %(number)s is scheduled (it takes effect on %(date)s): choose whether this "
        "version replaces it or takes effect after it."
    ) % {"number": last.number, "date": _when(last)}


def plan_schedule(
    timeline: PolicyTimeline, requested: datetime | None, choice: str, now: datetime
) -> SchedulePlan:
    """The instant a version published `now` takes effect and the scheduled
    versions it supersedes, or ScheduleConflict naming the field to fix.

    A version never governs the past: a requested instant already gone means now.
    """
    scheduled = [version for version in timeline.live if version.effective_from > now]
    if scheduled and choice == ScheduleChoice.REPLACE:
        floor = timeline.at(now)
        supersedes = tuple(scheduled)
    elif scheduled and choice != ScheduleChoice.AFTER:
        raise ScheduleConflict("schedule_choice", scheduled_notice(timeline))
    else:
        floor = timeline.last
        supersedes = ()
    effective_from = max(requested or now, now)
    if floor is not None and (
        effective_from <= floor.effective_from
        or (requested is not None and requested <= floor.effective_from)
    ):
        if floor.effective_from > now:
            message = _(
                "Version %(number)s takes effect on %(date)s: to take effect after it, "
                "give a later date and time."
            )
        else:
            message = _(
                "Version %(number)s took effect on %(date)s: a new version must take effect later."
            )
        raise ScheduleConflict(
            "effective_from", message % {"number": floor.number, "date": _when(floor)}
        )
    return SchedulePlan(effective_from, supersedes)
