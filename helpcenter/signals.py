"""Cached search results go stale when a help page is published, unpublished
or deleted, and when an editor changes the search synonyms. (The private
storage follows settings changes in core.storage.)"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from wagtail.signals import page_published, page_unpublished

from .models import HelpArticlePage, HelpCategoryPage, HelpCenterPage, SearchSynonym
from .search import bump_search_cache

HELP_PAGES = (HelpArticlePage, HelpCategoryPage, HelpCenterPage)


@receiver(page_published)
@receiver(page_unpublished)
@receiver(post_delete)
def refresh_search_cache(sender, instance, **kwargs):
    if isinstance(instance, (*HELP_PAGES, SearchSynonym)):
        bump_search_cache()


@receiver(post_save, sender=SearchSynonym)
def refresh_search_cache_for_synonyms(sender, instance, **kwargs):
    """An editor's synonyms change what every cached search finds."""
    bump_search_cache()
