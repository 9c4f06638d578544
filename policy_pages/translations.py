"""A version's text in another language: translated, then signed off by legal.

A version's text in a language is complete or absent. A translation reaches
readers only as an immutable PolicyVersionText, written when a legal approver
other than its translator signs it off; until then readers get the source text
with the fallback notice. Any version can be translated, earlier ones still
governing orders included, because the version's own hash covers only its
rules and source text: a later translation never changes it (the text's own
hash chains to it).

Two ways in, one path: the translator's form for any version
(translation_views.py), and wagtail-localize, whose published translation of
the latest version becomes a submitted translation here (services.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail.log_actions import log

from .cache import bump_policy_cache
from .versions import PolicyVersion, PolicyVersionText
from .workflow import is_legal_approver


class TranslationStatus(models.TextChoices):
    SUBMITTED = "submitted", gettext_lazy("Awaiting legal sign-off")
    RETURNED = "returned", gettext_lazy("Sent back to the translator")
    SIGNED = "signed", gettext_lazy("Signed off")


class PolicyVersionTranslation(models.Model):
    """The working copy of one version's text in one language, until sign-off."""

    version = models.ForeignKey(
        PolicyVersion, on_delete=models.PROTECT, related_name="translations"
    )
    locale = models.ForeignKey("wagtailcore.Locale", on_delete=models.PROTECT, related_name="+")
    title = models.CharField(_("title"), max_length=255)
    summary = models.CharField(_("summary"), max_length=255, blank=True)
    clauses = models.JSONField(default=list)  # [{"anchor", "heading", "html"}], source order
    status = models.CharField(max_length=16, choices=TranslationStatus)
    translated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    submitted_at = models.DateTimeField()
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True)
    review_comment = models.TextField(blank=True)

    class Meta:
        verbose_name = gettext_lazy("policy version translation")
        constraints = [
            models.UniqueConstraint(fields=["version", "locale"], name="one_translation_per_text")
        ]

    def __str__(self):
        return f"{self.version} ({self.locale_id})"


# --- completeness ------------------------------------------------------------------


@dataclass(frozen=True)
class Gap:
    field: str  # "title", "summary", or "clause"
    anchor: str
    message: str


_LETTERS = re.compile(r"[^\W\d_]", re.UNICODE)


def _untranslated(translated: str, source: str) -> bool:
    """Blank where the source has words, or the source's words left as they are."""
    if not _LETTERS.search(strip_tags(source or "")):
        return False  # nothing to translate (numbers, symbols, empty)
    text = " ".join(strip_tags(translated or "").split())
    return not text or text == " ".join(strip_tags(source).split())


def gaps(source: PolicyVersionText, title: str, summary: str, clauses: list[dict]) -> list[Gap]:
    """Every segment of the source left untranslated: the translation is
    complete when this is empty."""
    found = []
    if _untranslated(title, source.title):
        found.append(Gap("title", "", _("The title is not translated.")))
    if _untranslated(summary, source.summary):
        found.append(Gap("summary", "", _("The summary is not translated.")))
    by_anchor = {clause["anchor"]: clause for clause in clauses}
    for original in source.clauses:
        anchor = original["anchor"]
        clause = by_anchor.get(anchor) or {}
        for part, label in (("heading", _("heading")), ("html", _("text"))):
            if _untranslated(clause.get(part, ""), original[part]):
                found.append(
                    Gap(
                        "clause",
                        anchor,
                        _("§%(anchor)s: its %(part)s is not translated.")
                        % {"anchor": anchor, "part": label},
                    )
                )
    return found


def source_text(version: PolicyVersion) -> PolicyVersionText:
    return next(text for text in version.texts.all() if text.page_id == version.policy_id)


# --- the actions ---------------------------------------------------------------------


class TranslationError(ValidationError):
    pass


def translated_page(version: PolicyVersion, locale):
    pages = type(version.policy)._default_manager
    return pages.filter(translation_key=version.policy.translation_key, locale=locale).first()


def _check_target(version: PolicyVersion, locale) -> PolicyVersionText:
    source = source_text(version)
    if locale.pk == source.locale_id:
        raise TranslationError(_("This is the language the policy is written in."))
    if translated_page(version, locale) is None:
        raise TranslationError(
            _(
                "The policy has no page in this language yet: create it with “Translate” "
                "in the page explorer first."
            )
        )
    if PolicyVersionText.objects.filter(version=version, locale=locale).exists():
        raise TranslationError(
            _("Version %(number)s already has its signed-off text in this language.")
            % {"number": version.number}
        )
    return source


@transaction.atomic
def submit_translation(
    version: PolicyVersion,
    locale,
    *,
    title: str,
    summary: str,
    clauses: list[dict],
    user=None,
    now: datetime | None = None,
) -> PolicyVersionTranslation:
    """Submit (or resubmit) a version's text in `locale` for legal sign-off.
    An incomplete text is refused, naming each untranslated segment."""
    now = now or timezone.now()
    version = PolicyVersion.objects.select_for_update().get(pk=version.pk)
    source = _check_target(version, locale)
    ordered = {clause["anchor"]: clause for clause in clauses}
    clauses = [
        {
            "anchor": original["anchor"],
            "heading": (ordered.get(original["anchor"]) or {}).get("heading", ""),
            "html": (ordered.get(original["anchor"]) or {}).get("html", ""),
        }
        for original in source.clauses
    ]
    missing = gaps(source, title, summary, clauses)
    if missing:
        raise TranslationError([gap.message for gap in missing])
    values = {
        "title": title,
        "summary": summary,
        "clauses": clauses,
        "status": TranslationStatus.SUBMITTED,
        "translated_by": user if getattr(user, "is_authenticated", False) else None,
        "submitted_at": now,
        "reviewed_by": None,
        "reviewed_at": None,
        "review_comment": "",
    }
    try:
        with transaction.atomic():
            translation, _created = PolicyVersionTranslation.objects.update_or_create(
                version=version, locale=locale, defaults=values
            )
    except IntegrityError:  # a simultaneous first submission: update the one stored
        translation = PolicyVersionTranslation.objects.get(version=version, locale=locale)
        PolicyVersionTranslation.objects.filter(pk=translation.pk).update(**values)
        translation.refresh_from_db()
    log(
        instance=version.policy,
        action="policy_pages.translation_submitted",
        user=values["translated_by"],
        data={"version": version.number, "language": locale.language_code},
    )
    return translation


def _reviewable(translation_pk: int, user) -> PolicyVersionTranslation:
    translation = (
        PolicyVersionTranslation.objects.select_for_update()
        .select_related("version", "version__policy", "locale")
        .get(pk=translation_pk)
    )
    if not is_legal_approver(user):
        raise PermissionDenied(_("Only a legal approver signs off a translation."))
    if translation.translated_by_id is not None and translation.translated_by_id == user.pk:
        raise PermissionDenied(
            _("You translated this text: another legal approver must sign it off.")
        )
    if translation.status != TranslationStatus.SUBMITTED:
        raise TranslationError(_("This translation is not awaiting sign-off."))
    return translation


@transaction.atomic
def sign_off(translation_pk: int, user, *, now: datetime | None = None) -> PolicyVersionText:
    """Legal signs the translation off: its text is written, for good, with the
    translator and the signer in its hash."""
    now = now or timezone.now()
    translation = _reviewable(translation_pk, user)
    text = write_text(translation, user, now)
    log(
        instance=translation.version.policy,
        action="policy_pages.translation_signed_off",
        user=user,
        data={"version": translation.version.number, "language": translation.locale.language_code},
    )
    return text


def write_text(translation: PolicyVersionTranslation, signer, now: datetime) -> PolicyVersionText:
    """The signed text, for good. Called by sign_off, and by the demo seed
    (which has no legal approver when it seeds bare policies for tests)."""
    version = translation.version
    source = _check_target(version, translation.locale)
    missing = gaps(source, translation.title, translation.summary, translation.clauses)
    if missing:  # the source cannot change, but a stored row could have been edited
        raise TranslationError([gap.message for gap in missing])
    # The text belongs to the policy's page in that language (the source text
    # is the one of the policy page itself: integrity.py tells them apart so).
    page = translated_page(version, translation.locale)
    text = PolicyVersionText(
        version=version,
        locale=translation.locale,
        page=page,
        revision=page.latest_revision or source.revision,
        title=translation.title,
        summary=translation.summary,
        clauses=translation.clauses,
        published_at=now,
        translated_by=translation.translated_by,
        signed_off_by=signer,
        signed_off_at=now if signer else None,
        hash_format=PolicyVersionText.HASH_FORMAT,
    )
    text.hash = text.compute_hash()
    text.save()
    PolicyVersionTranslation.objects.filter(pk=translation.pk).update(
        status=TranslationStatus.SIGNED, reviewed_by=signer, reviewed_at=now
    )
    transaction.on_commit(bump_policy_cache)
    return text


@transaction.atomic
def send_back(translation_pk: int, user, comment: str, *, now=None) -> PolicyVersionTranslation:
    translation = _reviewable(translation_pk, user)
    if not comment.strip():
        raise TranslationError(_("Say what the translator should change."))
    PolicyVersionTranslation.objects.filter(pk=translation.pk).update(
        status=TranslationStatus.RETURNED,
        reviewed_by=user,
        reviewed_at=now or timezone.now(),
        review_comment=comment.strip(),
    )
    translation.refresh_from_db()
    return translation
