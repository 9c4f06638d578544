"""Cached search results go stale when a help page is published, unpublished
or deleted. (The private storage follows settings changes in core.storage.)"""

from django.db.models.signals import post_delete
from django.dispatch import receiver
from wagtail.signals import page_published, page_unpublished

from .models import HelpArticlePage, HelpCategoryPage, HelpCenterPage
from .search import bump_search_cache

HELP_PAGES = (HelpArticlePage, HelpCategoryPage, HelpCenterPage)


@receiver(page_published)
@receiver(page_unpublished)
@receiver(post_delete)
def refresh_search_cache(sender, instance, **kwargs):
    if isinstance(instance, HELP_PAGES):
        bump_search_cache()
