from django.dispatch import receiver
from wagtail.signals import page_published, page_unpublished

from .navigation import bump_nav_version


@receiver(page_published)
@receiver(page_unpublished)
def refresh_navigation(sender, **kwargs):
    bump_nav_version()
