"""The archive of a policy version: per version and language, a PDF of what a
consumer saw, with the version's identity, dates, hash and approval trail.

Generated once, on first request, and stored in the private storage; its
SHA-256 is recorded with it, and every download checks the stored bytes
against it. The row is append-only like the versions (model and database
refuse changes, migration 0009), so neither the file's hash nor its name can
be rewritten to cover an altered file.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime

from django.core.files.base import ContentFile
from django.db import IntegrityError, models, transaction
from django.http import HttpResponse
from django.utils import formats, timezone, translation
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.storage import private_storage

from .archive_pdf import ArchiveContent, Clause, Fact, render_archive_pdf
from .presentation import describe_rules
from .prose import render_html, render_text
from .read_check import VersionTampered, check_served
from .services import text_for
from .timeline import VersionStatus, policy_timeline
from .versions import ImmutableModel, PolicyVersion

logger = logging.getLogger(__name__)

ARCHIVE_FOLDER = "policy-archives"


class ArchiveUnavailable(Exception):
    """The archive cannot be served: its version fails its hash check, or the
    stored file is missing or no longer matches its recorded SHA-256."""


def archive_path(archive: PolicyVersionArchive, filename: str) -> str:
    # Named by migration 0009 (upload_to): keep the name and signature.
    version = archive.version
    return (
        f"{ARCHIVE_FOLDER}/{version.policy_id}/v{version.number}-{archive.locale.language_code}.pdf"
    )


class PolicyVersionArchive(ImmutableModel):
    version = models.ForeignKey(
        PolicyVersion,
        on_delete=models.PROTECT,
        related_name="archives",
        verbose_name=gettext_lazy("version"),
    )
    locale = models.ForeignKey(
        "wagtailcore.Locale",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=gettext_lazy("language"),
    )
    file = models.FileField(
        gettext_lazy("file"), upload_to=archive_path, storage=private_storage, max_length=255
    )
    sha256 = models.CharField(gettext_lazy("SHA-256 of the file"), max_length=64)
    size = models.PositiveIntegerField(gettext_lazy("size (bytes)"))
    generated_at = models.DateTimeField(gettext_lazy("generated at"))

    class Meta:
        verbose_name = gettext_lazy("policy version archive")
        verbose_name_plural = gettext_lazy("policy version archives")
        constraints = [
            models.UniqueConstraint(fields=["version", "locale"], name="unique_version_archive")
        ]

    def __str__(self):
        return f"{self.version} archive ({self.locale_id})"


def sha256_of(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _stored(version, locale) -> PolicyVersionArchive | None:
    return PolicyVersionArchive.objects.filter(version=version, locale=locale).first()


def archive_for(version: PolicyVersion, locale) -> PolicyVersionArchive:
    """The stored archive of a version in a locale, generated and stored on
    first call. Concurrent first calls may both render, but one row and one
    file are kept: the first insert wins (unique constraint), the others
    remove the file they wrote and return the winner's row."""
    stored = _stored(version, locale)
    if stored is not None:
        return stored
    try:
        check_served(version)  # never archive a version that fails its hash
    except VersionTampered as error:
        raise ArchiveUnavailable(f"{version} fails its hash check") from error
    generated_at = timezone.now()
    content = render_archive_pdf(archive_content(version, locale, generated_at))
    archive = PolicyVersionArchive(
        version=version,
        locale=locale,
        sha256=sha256_of(content),
        size=len(content),
        generated_at=generated_at,
    )
    # The storage picks a free name when the path is taken (a racing call's file).
    archive.file.save("archive.pdf", ContentFile(content), save=False)
    try:
        with transaction.atomic():
            archive.save()
    except IntegrityError:
        archive.file.storage.delete(archive.file.name)
        winner = _stored(version, locale)
        if winner is None:
            raise
        return winner
    logger.info("Archived %s in %s as %s", version, locale.language_code, archive.file.name)
    return archive


def verified_content(archive: PolicyVersionArchive) -> bytes:
    """The stored bytes, if they still match the recorded size and SHA-256."""
    try:
        with archive.file.storage.open(archive.file.name, "rb") as handle:
            content = handle.read()
    except (OSError, ValueError) as error:  # missing file, unusable name
        logger.error("Archive %s: stored file %s unreadable", archive.pk, archive.file.name)
        raise ArchiveUnavailable(f"archive {archive.pk} unreadable") from error
    if len(content) != archive.size or sha256_of(content) != archive.sha256:
        logger.error("Archive %s: stored file no longer matches its SHA-256", archive.pk)
        raise ArchiveUnavailable(f"archive {archive.pk} fails its hash check")
    return content


def archive_filename(slug: str, version: PolicyVersion, locale) -> str:
    return f"{slug}-v{version.number}-{locale.language_code}.pdf"


def archive_response(version: PolicyVersion, locale, slug: str) -> HttpResponse:
    """The archive as a download; raises ArchiveUnavailable rather than serve
    bytes that are not the ones recorded."""
    archive = archive_for(version, locale)
    content = verified_content(archive)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=archive_filename(slug, version, locale)
    )
    response["Content-Language"] = locale.language_code
    return response


# --- what the PDF says ------------------------------------------------------------


def _when(instant: datetime | None) -> str:
    """Date and time in the active language, in the site's zone, zone named."""
    if instant is None:
        return ""
    local = timezone.localtime(instant)
    return f"{formats.date_format(local, 'DATETIME_FORMAT')} ({local.tzname()})"


def _person(user) -> str:
    return str(user) if user is not None else ""  # the name, else the email


def _effective_until(version: PolicyVersion) -> str:
    """The next live version's start, by the rule the versions page and the
    audit report read (timeline.py), as of when the copy is made."""
    timeline = policy_timeline(version.policy_id)
    if timeline.status(version) == VersionStatus.SUPERSEDED:
        return _("Never in force: replaced while it was scheduled")
    until = timeline.effective_to(version)
    return _when(until) if until else _("No later version when this copy was made")


def archive_content(version: PolicyVersion, locale, generated_at: datetime) -> ArchiveContent:
    """The PDF's content in the locale's language: the locale's text of the
    version, else the source text with a note saying so."""
    localized = text_for(version, locale.pk)
    if localized is None:
        raise ArchiveUnavailable(f"{version} has no text")
    text = localized.text
    rules = version.rules
    language = locale.language_code
    with translation.override(language):
        notice = ""
        if localized.is_fallback:
            original = translation.get_language_info(text.locale.language_code)["name_local"]
            notice = _(
                "This version has no text in this language: the original text (%(language)s) "
                "is shown, as it was on the site."
            ) % {"language": original}
        facts = [
            Fact(_("Version"), str(version.number)),
            Fact(_("Effective from"), _when(version.effective_from)),
            Fact(_("Effective until"), _effective_until(version)),
            Fact(_("Version hash (SHA-256)"), version.hash, mono=True),
            Fact(_("Previous hash"), version.previous_hash, mono=True),
        ]
        glance = [
            Fact(line.label, f"{line.value} (§{line.clause})" if line.clause else line.value)
            for line in describe_rules(rules)
        ]
        trail = [
            Fact(_("Reason for the change"), version.change_reason or ""),
            Fact(_("Submitted by"), _person(version.submitted_by)),
            Fact(_("Approved by"), _person(version.approved_by)),
            Fact(_("Approved at"), _when(version.approved_at)),
            Fact(_("Approval comment"), version.approval_comment or ""),
            Fact(_("Published by"), _person(version.published_by)),
            Fact(_("Published at"), _when(version.published_at)),
        ]
        return ArchiveContent(
            language=language,
            kicker=_("Archived copy of a policy version, as published"),
            title=text.title,
            # Placeholders get this version's values, as the page shows them (prose.py).
            summary=render_text(text.summary, rules, language),
            notice=notice,
            facts=facts,
            glance_heading=_("At a glance"),
            glance=glance,
            clauses=[
                Clause(c["anchor"], c["heading"], render_html(c["html"], rules, language))
                for c in text.clauses
            ],
            trail_heading=_("Approval trail"),
            trail=trail,
            footer=_("Version %(number)s · %(hash)s… · copy made on %(date)s")
            % {"number": version.number, "hash": version.hash[:12], "date": _when(generated_at)},
            page_label=_("Page %(page)s of %(pages)s"),
            subject=_("Version %(number)s") % {"number": version.number},
            keywords=version.hash,
        )
