"""Citations of a policy clause in a help article: the clause as the version
in force states it, in the reader's language. Used by the article blocks, so
it stands below the models (it imports none of them)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString

from policy_pages.prose import render_html
from policy_pages.services import latest_version, source_policy_page, text_for, version_in_force

from .locales import locale_for


def clause_exists(policy, anchor: str) -> bool:
    source = source_policy_page(policy)
    if anchor in source.clause_anchors():
        return True
    version = latest_version(source)
    if version is None:
        return False
    text = text_for(version, source.locale_id)
    return bool(text and text.text.clause(anchor))


@dataclass(frozen=True)
class Citation:
    anchor: str
    heading: str
    html: SafeString
    policy_title: str
    version_number: int
    effective_from: datetime.datetime
    url: str
    is_fallback: bool
    language: str

    @property
    def policy_title_html(self) -> SafeString:
        """The policy's title, marked with its language when it is the original's
        (a fallback): the sentence around it is the reader's."""
        if self.is_fallback:
            return format_html('<span lang="{}">{}</span>', self.language, self.policy_title)
        return conditional_escape(self.policy_title)


def cited_clause(policy, anchor: str, language_code: str) -> Citation | None:
    """The cited clause as the version in force states it, in the reader's
    language (or the source text, flagged). None if the policy has no version
    in force or the clause no longer exists."""
    if policy is None:
        return None
    source = source_policy_page(policy.specific)
    version = version_in_force(source)
    if version is None:
        return None
    locale = locale_for(language_code) or source.locale
    localized = text_for(version, locale.pk)
    clause = localized.text.clause(anchor) if localized else None
    if clause is None:
        return None
    page = source.get_translation_or_none(locale) or source
    url = page.url or ""
    return Citation(
        anchor=anchor,
        heading=clause["heading"],
        # The version's own rule values fill its placeholders (prose.py escapes them).
        html=render_html(clause["html"], version.rules, language_code),
        policy_title=localized.text.title,
        version_number=version.number,
        effective_from=version.effective_from,
        url=f"{url}#clause-{anchor}" if url else "",
        is_fallback=localized.is_fallback,
        language=localized.text.locale.language_code,
    )
