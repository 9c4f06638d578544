"""Publishing translations through wagtail-localize, so that editors keep
using its translation editor on what the seed (or any script) created."""

from collections.abc import Mapping

from wagtail.models import Locale
from wagtail_localize.models import (
    StringSegment,
    StringTranslation,
    Translation,
    TranslationSource,
)


def publish_translation(instance, language_code: str, strings: Mapping[str, str], user=None):
    """Translate `instance` into `language_code` and publish it.

    `strings` maps source strings to their translation; strings it lacks fall
    back to the source text (wagtail-localize then shows them as untranslated).
    Returns the translated instance.
    """
    locale = Locale.objects.get(language_code=language_code)
    source, created = TranslationSource.get_or_create_from_instance(instance)
    if not created:
        source.update_from_db()
    translation, _ = Translation.objects.get_or_create(
        source=source, target_locale=locale, defaults={"enabled": True}
    )
    segments = StringSegment.objects.filter(source=source).select_related("string", "context")
    for segment in segments:
        text = strings.get(segment.string.data)
        if text:
            StringTranslation.objects.update_or_create(
                translation_of=segment.string,
                locale=locale,
                context=segment.context,
                defaults={
                    "data": text,
                    "translation_type": StringTranslation.TRANSLATION_TYPE_MANUAL,
                },
            )
    # Save a draft, then publish it now: wagtail-localize would publish on
    # commit, from a page object whose tree fields (numchild) may be stale by
    # then if children were added in the same transaction.
    translation.save_target(user=user, publish=False)
    translated = instance.get_translation(locale)
    translated.get_latest_revision().publish(user=user)
    translated.refresh_from_db()
    return translated
