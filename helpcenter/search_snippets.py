"""What a search result shows, and the words the search knows, both read
from Wagtail's search index rather than from the pages.

An index entry (wagtailsearch IndexEntry) keeps each article's text as plain
text: `title_text` and `body_text` on PostgreSQL (the mirrors that Wagtail
keeps for trigram search), `title` and `body` on SQLite and MySQL, where the
full-text columns are plain text already. The body text is every search field
but the title: the summary, then the body's blocks. Snippets come from it, so
they show the part of the article that matched, not just its summary; an
article not indexed yet falls back to its own fields."""

from __future__ import annotations

import re

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import CharField
from django.db.models.functions import Cast
from django.utils.html import escape, strip_tags
from django.utils.safestring import SafeString, mark_safe
from wagtail.search.models import IndexEntry

from .models import HelpArticlePage
from .search_terms import words_of


def _stems(terms: list[str]) -> list[str]:
    # A word's first letters (all but its last two) mark its variants too.
    return sorted({t[: max(3, len(t) - 2)] for t in terms if len(t) >= 2}, key=len, reverse=True)


def highlight(text: str, terms: list[str]) -> SafeString:
    """Escape everything, then wrap the matched words in <mark>."""
    stems = _stems(terms)
    if not stems:
        return escape(text)
    pattern = re.compile(
        r"(?<![^\W_])(" + "|".join(re.escape(s) for s in stems) + r")[^\W_]*", re.IGNORECASE
    )
    out, last = [], 0
    for match in pattern.finditer(text):
        out.append(escape(text[last : match.start()]))
        out.append(f"<mark>{escape(match.group(0))}</mark>")
        last = match.end()
    out.append(escape(text[last:]))
    return mark_safe("".join(out))  # noqa: S308 - every piece is escaped above


def first_match(text: str, terms: list[str]) -> int:
    """Where the first word starting like one of `terms` begins, or -1."""
    stems = _stems(terms)
    if not stems:
        return -1
    pattern = re.compile(r"(?<![^\W_])(?:" + "|".join(re.escape(s) for s in stems) + ")", re.I)
    match = pattern.search(text)
    return match.start() if match else -1


def snippet(text: str, terms: list[str], width: int = 180) -> SafeString:
    """About `width` characters around the first matched word, highlighted."""
    text = " ".join(text.split())
    position = first_match(text, terms)
    start = max(0, position - width // 3) if position >= 0 else 0
    if start:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < start + 20 else start
    end = min(len(text), start + width)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > start else end
    piece = text[start:end]
    prefix = "… " if start else ""
    suffix = " …" if end < len(text) else ""
    return mark_safe(prefix + highlight(piece, terms) + suffix)  # noqa: S308


def article_text(article: HelpArticlePage) -> str:
    """The article's own searchable text (when it has no index entry yet)."""
    content = article.body.stream_block.get_searchable_content(article.body)
    return " ".join([article.summary, *(strip_tags(str(part)) for part in content)])


def text_fields() -> tuple[str, str]:
    """The index entry's plain-text title and body columns on this database."""
    if connection.vendor == "postgresql":
        return "title_text", "body_text"
    return "title", "body"


def entries_of(queryset):
    """The index entries of the articles of `queryset` (one subquery)."""
    ids = queryset.order_by().annotate(text_id=Cast("pk", CharField())).values("text_id")
    return IndexEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(HelpArticlePage), object_id__in=ids
    )


def body_texts(articles: list[HelpArticlePage]) -> dict[int, str]:
    """Each article's indexed body text (one query)."""
    _title, body = text_fields()
    rows = IndexEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(HelpArticlePage),
        object_id__in=[str(article.pk) for article in articles],
    ).values_list("object_id", body)
    texts = {int(object_id): text for object_id, text in rows if text}
    return {a.pk: texts.get(a.pk) or article_text(a) for a in articles}


def index_vocabulary(querysets) -> tuple[str, ...]:
    """Every word (3 letters or more) of the indexed titles and bodies of the
    articles of `querysets`, lower case and sorted (for prefix look-ups)."""
    title, body = text_fields()
    found: set[str] = set()
    for queryset in querysets:
        for title_text, body_text in entries_of(queryset).values_list(title, body).iterator():
            found |= words_of(f"{title_text or ''} {body_text or ''}")
    return tuple(sorted(found))
