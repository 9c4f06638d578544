from django.core.signals import setting_changed
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.utils.functional import empty
from wagtail.signals import page_published, page_unpublished


@receiver(setting_changed)
def reset_private_storage(setting, **kwargs):
    if setting == "STORAGES":
        from .models import PRIVATE_STORAGE

        PRIVATE_STORAGE._wrapped = empty


def _is_help_page(instance) -> bool:
    from .models import HelpArticlePage, HelpCategoryPage, HelpCenterPage

    return isinstance(instance, HelpArticlePage | HelpCategoryPage | HelpCenterPage)


@receiver(page_published)
@receiver(page_unpublished)
@receiver(post_delete)
def refresh_search_cache(sender, instance, **kwargs):
    if _is_help_page(instance):
        from .services import bump_search_cache

        bump_search_cache()
