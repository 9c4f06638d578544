"""Readers' feedback on articles: "Was this helpful?" votes, page views
buffered in the cache and flushed to a daily table (Celery beat), and the
most viewed articles."""

from __future__ import annotations

import datetime

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone
from wagtail.models import Locale

from .models import ArticleDailyViews, ArticleFeedback, HelpArticlePage


def voter_of(request) -> dict:
    """Who votes: the user when signed in, else the session (created if need be)."""
    if request.user.is_authenticated:
        return {"user": request.user, "session_key": ""}
    if not request.session.session_key:
        request.session.save()
    return {"user": None, "session_key": request.session.session_key}


def record_vote(article, voter: dict, helpful: bool, reason: str = "", comment: str = ""):
    """One vote per voter per article: the first vote counts. A "No" vote may
    be completed once with a reason and a comment. Returns (vote, created)."""
    lookup = {"article": article, **voter}
    try:
        with transaction.atomic():
            vote, created = ArticleFeedback.objects.get_or_create(
                **lookup,
                defaults={"helpful": helpful, "reason": reason, "comment": comment.strip()},
            )
    except IntegrityError:  # a concurrent first vote won
        vote, created = ArticleFeedback.objects.get(**lookup), False
    completes = not created and not vote.helpful and not (vote.reason or vote.comment)
    if completes and (reason or comment.strip()):
        vote.reason, vote.comment = reason, comment.strip()
        vote.save(update_fields=["reason", "comment"])
    return vote, created


# --- views and popularity --------------------------------------------------------------

VIEW_KEY = "helpcenter:views:{}"
POPULAR_TTL = 10 * 60


def record_view(article_id: int) -> None:
    """Count a page view in the cache: no database write per view."""
    key = VIEW_KEY.format(article_id)
    try:
        cache.incr(key)
    except ValueError:
        if not cache.add(key, 1, None):
            cache.incr(key)


def flush_views(day: datetime.date | None = None) -> int:
    """Move the buffered counts into the daily table (Celery beat). The cached
    counter is decremented by what was written, so views counted meanwhile stay."""
    day = day or timezone.localdate()
    ids = list(HelpArticlePage.objects.values_list("pk", flat=True))
    counts = cache.get_many([VIEW_KEY.format(pk) for pk in ids])
    flushed = 0
    for key, views in counts.items():
        if not views:
            continue
        article_id = int(key.rsplit(":", 1)[1])
        with transaction.atomic():
            row, created = ArticleDailyViews.objects.get_or_create(
                article_id=article_id, day=day, defaults={"views": views}
            )
            if not created:
                ArticleDailyViews.objects.filter(pk=row.pk).update(views=F("views") + views)
        cache.decr(key, views)
        flushed += views
    return flushed


def popular_articles(locale: Locale, category=None, limit: int = 5, days: int = 30) -> list[dict]:
    """The most viewed live articles of the last `days` days, cached briefly."""
    today = timezone.localdate()
    key = f"helpcenter:popular:{locale.pk}:{category.pk if category else 0}:{limit}:{today}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    rows = ArticleDailyViews.objects.filter(
        day__gt=today - datetime.timedelta(days=days),
        article__locale=locale,
        article__live=True,
    )
    if category is not None:
        rows = rows.filter(article__path__startswith=category.path)
    top = list(
        rows.values("article").annotate(total=Sum("views")).order_by("-total", "article")[:limit]
    )
    pages = HelpArticlePage.objects.defer_streamfields().in_bulk([r["article"] for r in top])
    result = [
        {"title": pages[r["article"]].title, "url": pages[r["article"]].url, "views": r["total"]}
        for r in top
        if r["article"] in pages
    ]
    cache.set(key, result, POPULAR_TTL)
    return result
