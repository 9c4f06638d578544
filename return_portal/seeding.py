"""The return reason taxonomy in en/fr/de (snippets editors can change).

Idempotent: a reason whose code exists in a locale is left as the editors made it.
"""

from __future__ import annotations

import uuid

from django.db import transaction
from wagtail.models import Locale

from .models import ReturnReason

# code, defect?, {language: label}, children
REASONS = [
    (
        "changed-mind",
        False,
        {
            "en": "I changed my mind",
            "fr": "J'ai changé d'avis",
            "de": "Ich habe es mir anders überlegt",
        },
        [
            (
                "no-longer-needed",
                False,
                {
                    "en": "No longer needed",
                    "fr": "Je n'en ai plus besoin",
                    "de": "Nicht mehr benötigt",
                },
            ),
            (
                "better-price",
                False,
                {
                    "en": "Found a better price",
                    "fr": "Trouvé moins cher ailleurs",
                    "de": "Woanders günstiger gefunden",
                },
            ),
            (
                "ordered-by-mistake",
                False,
                {
                    "en": "Ordered by mistake",
                    "fr": "Commandé par erreur",
                    "de": "Versehentlich bestellt",
                },
            ),
        ],
    ),
    (
        "size-fit",
        False,
        {"en": "Size or fit", "fr": "Taille ou coupe", "de": "Größe oder Passform"},
        [
            ("too-small", False, {"en": "Too small", "fr": "Trop petit", "de": "Zu klein"}),
            ("too-large", False, {"en": "Too large", "fr": "Trop grand", "de": "Zu groß"}),
        ],
    ),
    (
        "item-problem",
        True,
        {
            "en": "Problem with the item",
            "fr": "Problème avec l'article",
            "de": "Problem mit dem Artikel",
        },
        [
            (
                "arrived-damaged",
                True,
                {"en": "Arrived damaged", "fr": "Arrivé endommagé", "de": "Beschädigt angekommen"},
            ),
            (
                "defective",
                True,
                {"en": "Does not work", "fr": "Ne fonctionne pas", "de": "Funktioniert nicht"},
            ),
            (
                "wrong-item",
                True,
                {
                    "en": "Wrong item sent",
                    "fr": "Mauvais article reçu",
                    "de": "Falscher Artikel geliefert",
                },
            ),
            (
                "not-as-described",
                True,
                {
                    "en": "Not as described",
                    "fr": "Non conforme à la description",
                    "de": "Entspricht nicht der Beschreibung",
                },
            ),
        ],
    ),
]


def _ensure(code, defect, labels, position, parents, locales, key):
    rows = {}
    for language, locale in locales.items():
        parent = parents.get(language)
        row, _created = ReturnReason.objects.get_or_create(
            code=code,
            locale=locale,
            defaults={
                "label": labels.get(language) or labels["en"],
                "is_defect": defect,
                "position": position,
                "parent": parent,
                "translation_key": key,
            },
        )
        rows[language] = row
    return rows


@transaction.atomic
def seed_reasons() -> int:
    locales = {locale.language_code: locale for locale in Locale.objects.all()}
    if "en" not in locales:
        return 0
    existing = dict(
        ReturnReason.objects.filter(locale=locales["en"]).values_list("code", "translation_key")
    )
    for position, (code, defect, labels, children) in enumerate(REASONS):
        parents = _ensure(
            code, defect, labels, position, {}, locales, existing.get(code, uuid.uuid4())
        )
        for child_position, (child, child_defect, child_labels) in enumerate(children):
            _ensure(
                child,
                child_defect,
                child_labels,
                child_position,
                parents,
                locales,
                existing.get(child, uuid.uuid4()),
            )
    return ReturnReason.objects.count()
