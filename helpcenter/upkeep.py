"""Upkeep of help articles (the admin reports): articles whose cited policy
clause a later version changed or removed, and articles past their review date."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from policy_pages.prose import render_html
from policy_pages.services import latest_version, source_policy_page, text_for, version_in_force

from .models import HelpArticlePage
from .wording import clause_wording

CHANGE_LABELS = {"changed": _("Changed"), "removed": _("Removed")}
LANGUAGE_NAMES = dict(settings.LANGUAGES)  # lazy: translated when shown
STATUS_LABELS = {True: _("In force"), False: _("Scheduled")}


@dataclass
class ChangedCitation:
    article: HelpArticlePage
    policy_title: str
    anchor: str
    cited_version: int | None
    changed_in: int
    change: str  # "changed" or "removed"
    effective_from: datetime.datetime

    @property
    def language(self):
        return self.article.locale.language_code

    @property
    def in_force(self) -> bool:
        return self.effective_from <= timezone.now()

    @property
    def pk(self) -> int:  # admin tables link rows by pk: the article's
        return self.article.pk

    @property
    def change_label(self):
        return CHANGE_LABELS[self.change]

    @property
    def status_label(self):
        """Whether the changing version already governs orders, or will."""
        return STATUS_LABELS[self.in_force]

    @property
    def language_name(self):
        return LANGUAGE_NAMES.get(self.language, self.language)


def _source_clause(version, source, anchor, memo):
    key = (version.pk, anchor)
    if key not in memo:
        text = text_for(version, source.locale_id)
        clause = text.text.clause(anchor) if text else None
        if clause is not None:
            # As read: a changed fee changes the wording even when the placeholder stays.
            html = render_html(clause["html"], version.rules, source.locale.language_code)
            clause = {**clause, "html": html}
        memo[key] = clause
    return memo[key]


def changed_citations() -> list[ChangedCitation]:
    """Articles whose cited clause was changed or removed by a version newer
    than the one in force when the article was last published: the version
    in force now, and the latest (possibly scheduled) one."""
    rows = []
    memo: dict = {}
    sources: dict = {}
    articles = HelpArticlePage.objects.live().select_related("locale").order_by("path")
    for article in articles:
        for block in article.body:
            if block.block_type != "policy_clause" or block.value["policy"] is None:
                continue
            policy, anchor = block.value["policy"], block.value["anchor"]
            if policy.pk not in sources:
                source = source_policy_page(policy.specific)
                sources[policy.pk] = (source, version_in_force(source), latest_version(source))
            source, current, newest = sources[policy.pk]
            cited = version_in_force(source, at=article.last_published_at)
            baseline = _source_clause(cited, source, anchor, memo) if cited else None
            seen = set()
            # The version in force, then the latest (maybe scheduled): each is
            # compared with what the reader was last told.
            for target in (current, newest):
                if target is None or target.pk in seen:
                    continue
                seen.add(target.pk)
                if cited is not None and target.number <= cited.number:
                    continue
                now_clause = _source_clause(target, source, anchor, memo)
                if now_clause is None:
                    change = "removed"
                elif baseline is None or clause_wording(now_clause) != clause_wording(baseline):
                    # On the text, not the markup: every save rewrites the markup.
                    change = "changed"
                else:
                    continue
                baseline = now_clause
                rows.append(
                    ChangedCitation(
                        article=article,
                        policy_title=source.title,
                        anchor=anchor,
                        cited_version=cited.number if cited else None,
                        changed_in=target.number,
                        change=change,
                        effective_from=target.effective_from,
                    )
                )
    return rows


def stale_articles(today: datetime.date | None = None):
    today = today or timezone.localdate()
    return (
        HelpArticlePage.objects.live()
        .filter(review_by__lt=today)
        .select_related("locale", "content_owner")
        .defer_streamfields()
        .order_by("review_by", "path")
    )
