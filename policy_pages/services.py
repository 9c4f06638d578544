"""Policy operations: recording versions on publish, reading them for display.

Views, the admin, the API and commands call these; none re-implements them.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from wagtail.log_actions import get_active_log_context, log
from wagtail.models import TaskState, WorkflowState
from wagtail.rich_text import expand_db_html

from . import webhook_events
from .cache import bump_policy_cache
from .scheduling import plan_schedule
from .timeline import VersionRow, policy_timeline
from .translations import TranslationError, submit_translation
from .versions import (
    GENESIS_HASH,
    PolicyChainHead,
    PolicyVersion,
    PolicyVersionMarket,
    PolicyVersionText,
)

logger = logging.getLogger(__name__)


def source_policy_page(page):
    """The page a policy was first written in; translations are copies made
    after it, so it is the oldest page of its translation group."""
    if page.pk is None:
        return page
    pages = type(page)._default_manager  # PolicyPage's: this module sits below models.py
    return pages.filter(translation_key=page.translation_key).order_by("pk").first()


def text_snapshot(page) -> dict:
    """The page's title, summary and clauses as they read now (expanded HTML)."""
    return {
        "title": page.title,
        "summary": page.summary,
        "clauses": [
            {
                "anchor": child.value["anchor"],
                "heading": child.value["heading"],
                "html": expand_db_html(child.value["text"].source),
            }
            for child in page.clauses
            if child.block_type == "clause"
        ],
    }


@dataclass(frozen=True)
class Approval:
    submitted_by_id: int | None
    approved_by_id: int | None
    approved_at: datetime | None
    comment: str = ""


NO_APPROVAL = Approval(None, None, None)


def approval_of(page, revision) -> Approval:
    """Who submitted and who approved the revision being published, and the
    approver's comment, from the page's most recent approved Legal review.

    That review counts only if it published this revision: the revision was
    saved during the review and before its approval (Wagtail publishes the
    latest revision on approval, or schedules it). A publish not covered by
    a review has no approval: the publisher is never taken for the approver.
    """
    state = (
        WorkflowState.objects.for_instance(page)
        .filter(status=WorkflowState.STATUS_APPROVED)
        .order_by("-created_at")
        .first()
    )
    if state is None or revision is None:
        return NO_APPROVAL
    task = (
        TaskState.objects.filter(workflow_state=state, status=TaskState.STATUS_APPROVED)
        .order_by("-finished_at")
        .first()
    )
    first_reviewed = (
        TaskState.objects.filter(workflow_state=state).order_by("pk").values("revision_id").first()
    )
    if task is None or first_reviewed is None:
        return NO_APPROVAL
    if revision.pk < first_reviewed["revision_id"] or revision.created_at > task.finished_at:
        return NO_APPROVAL
    return Approval(
        submitted_by_id=state.requested_by_id,
        approved_by_id=task.finished_by_id,
        approved_at=task.finished_at,
        comment=task.comment,
    )


def latest_version(policy) -> PolicyVersion | None:
    return PolicyVersion.objects.filter(policy=policy).order_by("-number").first()


@transaction.atomic
def record_version(page, revision, *, published_by=None, now: datetime | None = None):
    """Write the next immutable version of a source policy page.

    When it takes effect and which scheduled versions it supersedes follow the
    editor's schedule choice (scheduling.py): never in the past, never on the
    instant of another version.
    """
    now = now or timezone.now()
    rules = page.build_rules()
    previous = (
        PolicyVersion.objects.select_for_update().filter(policy=page).order_by("-number").first()
    )
    plan = plan_schedule(
        policy_timeline(page, now), page.effective_from, page.schedule_choice or "", now
    )
    approval = approval_of(page, revision)
    version = PolicyVersion(
        policy=page,
        number=(previous.number + 1) if previous else 1,
        kind=page.kind,
        seller_ref=page.seller_ref,
        effective_from=plan.effective_from,
        rules_json=rules.to_canonical_json(),
        revision=revision,
        published_at=now,
        published_by=published_by,
        submitted_by_id=approval.submitted_by_id,
        approved_by_id=approval.approved_by_id,
        approved_at=approval.approved_at,
        approval_comment=approval.comment,
        change_reason=page.change_reason,
        hash_format=PolicyVersion.HASH_FORMAT,
        previous_hash=previous.hash if previous else GENESIS_HASH,
    )
    source_text = _new_text(version, page, revision, now)
    version.hash = version.compute_hash(source_text)
    version.save()
    source_text.version = version
    source_text.hash = source_text.compute_hash()
    source_text.save()
    for superseded in plan.supersedes:
        PolicyVersionMarket.objects.filter(version=superseded).mark_superseded(version, now)
        log(
            instance=page,
            action="policy_pages.supersede_version",
            user=published_by,
            data={"superseded": superseded.number, "by": version.number},
        )
    PolicyVersionMarket.objects.bulk_create(
        PolicyVersionMarket(
            version=version,
            market=market,
            kind=version.kind,
            seller_ref=version.seller_ref,
            effective_from=version.effective_from,
        )
        for market in rules.markets
    )
    # The independent witness of the chain's head (see integrity.py).
    PolicyChainHead.objects.create(
        policy=page, number=version.number, hash=version.hash, recorded_at=now
    )
    webhook_events.version_published(version)
    transaction.on_commit(bump_policy_cache)
    logger.info("Policy %s version %s recorded (hash %s)", page.pk, version.number, version.hash)
    return version


def _new_text(version, page, revision, now) -> PolicyVersionText:
    snapshot = text_snapshot(page)
    return PolicyVersionText(
        version=version,
        locale=page.locale,
        page=page,
        revision=revision,
        title=snapshot["title"],
        summary=snapshot["summary"],
        clauses=snapshot["clauses"],
        published_at=now,
    )


def version_translated_by(source, translated_page) -> PolicyVersion | None:
    """The version a translation translates: the latest whose rules equal the
    rules synchronised onto the translation (rules are never translated)."""
    canonical = translated_page.build_rules().to_canonical_json()
    return (
        PolicyVersion.objects.filter(policy=source, rules_json=canonical)
        .order_by("-number")
        .first()
    )


def attach_translation(page, revision, *, user=None, now: datetime | None = None):
    """A published wagtail-localize translation of the latest version becomes
    that version's submitted translation, awaiting legal sign-off
    (translations.py); readers see it once signed. An incomplete one (segments
    left in the source language) is not submitted: the page's history says why."""
    source = source_policy_page(page)
    version = version_translated_by(source, page)
    if version is None:
        logger.warning("Translation %s matches no version of policy %s", page.pk, source.pk)
        return None
    snapshot = text_snapshot(page)
    try:
        return submit_translation(
            version,
            page.locale,
            title=snapshot["title"],
            summary=snapshot["summary"],
            clauses=snapshot["clauses"],
            user=user,
            now=now,
        )
    except TranslationError as error:
        log(
            instance=source,
            action="policy_pages.translation_incomplete",
            user=user,
            data={
                "version": version.number,
                "language": page.locale.language_code,
                "gaps": error.messages,
            },
        )
        return None


# Demo seeding writes versions with chosen dates itself; it pauses the hook.
_recording_paused: ContextVar[bool] = ContextVar("policy_recording_paused", default=False)


@contextmanager
def recording_paused():
    token = _recording_paused.set(True)
    try:
        yield
    finally:
        _recording_paused.reset(token)


def on_policy_published(page, revision) -> None:
    if _recording_paused.get():
        return
    user = get_active_log_context().user
    published_by = user if getattr(user, "is_authenticated", False) else None
    if source_policy_page(page).pk == page.pk:
        record_version(page, revision, published_by=published_by)
    else:
        # The translator: who saved the translated revision, else who published it.
        translator = getattr(revision, "user", None) or published_by
        attach_translation(page, revision, user=translator)


# --- reading versions --------------------------------------------------------
# Every reader asks the one policy timeline (timeline.PolicyTimeline).


def version_timeline(policy, now: datetime | None = None) -> list[VersionRow]:
    """Every version of a policy with its effective range and status, newest first."""
    return policy_timeline(policy, now).rows()


def current_and_next(policy, now: datetime | None = None):
    """The version in force now and the next scheduled one, in one query."""
    timeline = policy_timeline(policy, now)
    return timeline.in_force, timeline.upcoming


def version_in_force(policy, at: datetime | None = None) -> PolicyVersion | None:
    return policy_timeline(policy).at(at or timezone.now())


def next_scheduled_version(policy, now: datetime | None = None) -> PolicyVersion | None:
    return policy_timeline(policy, now).upcoming


@dataclass(frozen=True)
class LocalizedText:
    text: PolicyVersionText
    is_fallback: bool  # True when the reader's locale has no text for this version
    language_code: str = ""  # the text's own language (for lang="…" on a fallback)


def text_for(version: PolicyVersion, locale_id: int) -> LocalizedText | None:
    """The version's text in a locale, else the source text (flagged as fallback)."""
    texts = {text.locale_id: text for text in version.texts.all()}
    if locale_id in texts:
        return LocalizedText(texts[locale_id], is_fallback=False)
    source = next((t for t in texts.values() if t.page_id == version.policy_id), None)
    if source is None:
        return None
    return LocalizedText(source, is_fallback=True, language_code=source.locale.language_code)
