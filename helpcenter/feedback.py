"""Readers' feedback on articles: "Was this helpful?" votes, page views
buffered in the cache and flushed to a daily table (Celery beat), and the
most viewed articles."""

from __future__ import annotations

import datetime
import time
from urllib.parse import urlsplit

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Sum
from django.utils import timezone
from wagtail.models import Locale

from .models import ArticleDailyViews, ArticleFeedback, HelpArticlePage, HelpSessionDay


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
    if _buffer(VIEW_KEY.format(article_id)):
        # An article's first view since the last flush may change the popular lists.
        _bump_popular()


POPULAR_GENERATION_KEY = "helpcenter:popular-generation"


def _bump_popular() -> None:
    try:
        cache.incr(POPULAR_GENERATION_KEY)
    except ValueError:
        cache.set(POPULAR_GENERATION_KEY, time.time_ns(), None)


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


def _buffered_views(article_ids) -> dict[int, int]:
    """Views counted in the cache and not flushed yet (all of them in dev, where
    no Celery beat runs)."""
    counts = cache.get_many([VIEW_KEY.format(pk) for pk in article_ids])
    return {int(key.rsplit(":", 1)[1]): views for key, views in counts.items() if views}


def popular_articles(locale: Locale, category=None, limit: int = 5, days: int = 30) -> list[dict]:
    """The most viewed live articles of the last `days` days: the flushed daily
    counts plus the views still buffered in the cache, so the list fills without
    Celery beat (make run); with no view at all, the articles most voted helpful.
    Cached briefly; an article's first buffered view renews the lists."""
    today = timezone.localdate()
    generation = cache.get_or_set(POPULAR_GENERATION_KEY, time.time_ns, None)
    scope = f"{locale.pk}:{category.pk if category else 0}:{limit}:{today}"
    key = f"helpcenter:popular:{generation}:{scope}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    articles = HelpArticlePage.objects.live().filter(locale=locale)
    if category is not None:
        articles = articles.filter(path__startswith=category.path)
    rows = ArticleDailyViews.objects.filter(
        day__gt=today - datetime.timedelta(days=days),
        article__in=articles,
    )
    totals = dict(
        rows.values("article").annotate(total=Sum("views")).values_list("article", "total")
    )
    ids = list(articles.values_list("pk", flat=True))
    for article_id, views in _buffered_views(ids).items():
        totals[article_id] = totals.get(article_id, 0) + views
    if not totals:
        helpful = (
            ArticleFeedback.objects.filter(article__in=articles, helpful=True)
            .values("article")
            .annotate(total=Count("id"))
            .values_list("article", "total")
        )
        totals = dict(helpful)
    top = sorted(totals.items(), key=lambda item: (-item[1], item[0]))[:limit]
    pages = HelpArticlePage.objects.defer_streamfields().in_bulk([pk for pk, _total in top])
    result = [
        {"title": pages[pk].title, "url": pages[pk].url, "views": total}
        for pk, total in top
        if pk in pages
    ]
    cache.set(key, result, POPULAR_TTL)
    return result


# --- self-service ------------------------------------------------------------------------

SESSION_KEY = "helpcenter:sessions:{}:{}"  # day, language
HELP_PATHS = ("/help/", "/support/")


def _buffer(key: str) -> bool:
    """Add one to a cached counter; True when it was created (no database write)."""
    try:
        cache.incr(key)
    except ValueError:
        if cache.add(key, 1, None):
            return True
        cache.incr(key)
    return False


def _from_help(request) -> bool:
    referer = urlsplit(request.headers.get("referer", ""))
    return referer.netloc == request.get_host() and any(part in referer.path for part in HELP_PATHS)


def note_help_session(request) -> None:
    """A help session starts when a reader comes to an article or a search from
    outside the help center (another site, a bookmark, the shop): counted in the
    cache per day and language, without cookie or identity, and flushed with
    the views. The help report divides them by the requests submitted."""
    if _from_help(request):
        return
    language = (getattr(request, "LANGUAGE_CODE", "") or "")[:8]
    _buffer(SESSION_KEY.format(timezone.localdate().isoformat(), language))


def buffered_sessions(days) -> dict[datetime.date, int]:
    """Help sessions counted in the cache and not flushed yet, per day."""
    keys = {
        SESSION_KEY.format(day.isoformat(), code): day
        for day in days
        for code, _name in settings.LANGUAGES
    }
    found: dict[datetime.date, int] = {}
    for key, count in cache.get_many(list(keys)).items():
        found[keys[key]] = found.get(keys[key], 0) + (count or 0)
    return found


def flush_sessions(day: datetime.date | None = None) -> int:
    """Move a day's buffered help sessions into HelpSessionDay (with the views)."""
    day = day or timezone.localdate()
    flushed = 0
    for code, _name in settings.LANGUAGES:
        key = SESSION_KEY.format(day.isoformat(), code)
        count = cache.get(key)
        if not count:
            continue
        with transaction.atomic():
            row, created = HelpSessionDay.objects.get_or_create(
                day=day, language=code, defaults={"sessions": count}
            )
            if not created:
                HelpSessionDay.objects.filter(pk=row.pk).update(sessions=F("sessions") + count)
        cache.decr(key, count)
        flushed += count
    return flushed
