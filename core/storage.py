"""The one private storage of buyer files (support attachments, return photos):
settings.STORAGES["private"], never under MEDIA_ROOT, served only through
ownership-checked views."""

from __future__ import annotations

from django.core.files.storage import storages
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.functional import LazyObject, empty


class _PrivateStorage(LazyObject):
    """settings.STORAGES["private"], resolved on first use: a FileField keeps
    this one object, so it must follow a settings change (tests point the
    private storage at a temporary folder)."""

    def _setup(self):
        self._wrapped = storages["private"]


PRIVATE_STORAGE = _PrivateStorage()


def private_storage():
    """The callable a FileField's `storage=` takes (migrations name it, so the
    storage settings never end up in a migration)."""
    return PRIVATE_STORAGE


@receiver(setting_changed)
def reset_private_storage(setting, **kwargs):
    # Django's `storages` handler drops its cache on STORAGES changes; ours must too.
    if setting == "STORAGES":
        PRIVATE_STORAGE._wrapped = empty
