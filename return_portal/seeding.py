"""The return reason taxonomy in en/fr/de (snippets editors can change).

Idempotent: a reason whose code exists in a locale is left as the editors made it.
"""

from __future__ import annotations

import uuid

from django.contrib.auth import get_user_model
from django.db import transaction
from wagtail.models import Locale

from marketplace.models import Order

from . import lifecycle
from .confirm import confirm_return
from .draft import Draft, StepError, buyer_order
from .models import ReturnMessage, ReturnReason, ReturnRequest

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


# --- demo returns -----------------------------------------------------------------------

DEMO_BUYER = "buyer@example.com"
DEMO_SUPPORT = "returns@example.com"


@transaction.atomic
def seed_demo_returns() -> list:
    """Two returns for the demo buyer, made through the services like a buyer would:
    the arc lamp of DEMO-1009 on its way back with a prepaid label and a message
    from support, and the shoes of DEMO-1001 approved for drop-off (QR code). The
    shirt of DEMO-1001 stays open, so the withdrawal button still shows.

    Idempotent: nothing is added once the demo buyer has any return."""
    User = get_user_model()
    buyer = User.objects.filter(email=DEMO_BUYER).first()
    if buyer is None or ReturnRequest.objects.filter(buyer=buyer).exists():
        return []
    support = User.objects.filter(email=DEMO_SUPPORT).first()
    plans = [
        ("DEMO-1009", "1", "not-as-described", "damaged", "prepaid_label"),
        ("DEMO-1001", "2", "too-small", "like_new", "drop_off"),
    ]
    created = []
    for reference, line, reason, condition, shipping in plans:
        public_id = (
            Order.objects.filter(reference=reference, buyer=buyer)
            .values_list("public_id", flat=True)
            .first()
        )
        order = buyer_order(buyer, public_id) if public_id else None
        if order is None:
            continue
        draft = Draft(
            order_id=order.pk,
            quantities={line: 1},
            reason_code=reason,
            condition=condition,
            resolution="refund",
            shipping_method=shipping,
        )
        try:
            return_request, _new = confirm_return(buyer, order, draft)
        except StepError:  # the demo order is no longer returnable (seeded long ago)
            continue
        created.append(return_request)
    if created and created[0].shipping_method == "prepaid_label":
        lamp = created[0]
        lifecycle.mark_in_transit(lamp, tracking="6A12345678901")
        ReturnMessage.objects.create(
            return_request=lamp,
            author=support,
            from_staff=True,
            body=(
                "Thank you for the photos. The parcel has been scanned by the carrier; "
                "we will check the lamp as soon as it arrives."
            ),
        )
    return created


# --- staff permissions (the returns area of the admin) ----------------------------------

# Group -> the ReturnRequest permissions it gets: returns staff act on returns, seller
# staff read them. The groups themselves come from accounts.demo (seed_users).
STAFF_PERMISSIONS = {
    "Returns staff": ("view_returnrequest", "change_returnrequest"),
    "Seller staff": ("view_returnrequest",),
}


@transaction.atomic
def seed_staff_permissions() -> dict[str, list[str]]:
    """Give the staff groups their permissions on returns (idempotent; adds only)."""
    from django.contrib.auth.models import Group, Permission

    access_admin = Permission.objects.get(
        content_type__app_label="wagtailadmin", codename="access_admin"
    )
    granted = {}
    for name, codenames in STAFF_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=name)
        permissions = list(
            Permission.objects.filter(
                content_type__app_label="return_portal", codename__in=codenames
            )
        )
        group.permissions.add(access_admin, *permissions)
        granted[name] = sorted(permission.codename for permission in permissions)
    return granted
