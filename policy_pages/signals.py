from django.dispatch import receiver
from wagtail.signals import page_published

from .models import PolicyPage
from .services import on_policy_published


@receiver(page_published, sender=PolicyPage)
def record_policy_version(sender, instance, revision, **kwargs):
    on_policy_published(instance, revision)
