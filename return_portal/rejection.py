"""The reasons a return can be rejected for (RejectionReason, a translated snippet):
those offered to staff, and the label the buyer reads, in their language.

A rejection stores the reason's code and the staff's own words
(`ReturnRequest.rejection_code` / `rejection_note`, lifecycle.reject); the label
is looked up when shown, so the buyer reads it in the language of the page or
the email, and an editor's correction of a label reaches every rejection.
"""

from __future__ import annotations

from django.utils import translation
from wagtail.models import Locale

from .models import RejectionReason

# The reason that says nothing by itself: staff must write why.
OTHER_REASON = "other"


def _locale(language: str | None) -> Locale | None:
    """The locale of `language`, or the default locale without one."""
    if language:
        found = Locale.objects.filter(language_code=language).first()
        if found is not None:
            return found
    try:
        return Locale.get_default()
    except Locale.DoesNotExist:
        return None


def active_reasons(language: str | None = None) -> list[RejectionReason]:
    """The reasons offered to staff, in `language` (else the active one): each
    reason (one translation_key) in that locale where translated, else in the
    default locale's, so a partly translated set still offers every reason."""
    language = language or translation.get_language()
    wanted, default = _locale(language), _locale(None)
    locales = [locale for locale in (wanted, default) if locale is not None]
    if not locales:
        return []
    reasons = RejectionReason.objects.filter(active=True, locale__in=locales)
    chosen: dict = {}
    for reason in reasons:
        current = chosen.get(reason.translation_key)
        if current is None or (reason.locale_id == wanted.pk and current.locale_id != wanted.pk):
            chosen[reason.translation_key] = reason
    return sorted(chosen.values(), key=lambda reason: (reason.position, reason.label, reason.pk))


def is_active_reason(code: str) -> bool:
    return bool(code) and RejectionReason.objects.filter(code=code, active=True).exists()


def reason_label(code: str, language: str | None = None) -> str:
    """The reason's label in `language` (else the active one), falling back to the
    default locale's, then any; the code itself once the reason is deleted."""
    if not code:
        return ""
    language = language or translation.get_language()
    rows = dict(RejectionReason.objects.filter(code=code).values_list("locale_id", "label"))
    for locale in (_locale(language), _locale(None)):
        if locale is not None and locale.pk in rows:
            return rows[locale.pk]
    return next(iter(rows.values()), code)
