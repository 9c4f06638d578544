"""The return reason taxonomy and the rejection reasons in en/fr/de (snippets
editors can change), the demo returns and the staff groups' permissions.

Idempotent: a reason whose code exists in a locale is left as the editors made it.
"""

from __future__ import annotations

import uuid

from django.contrib.auth import get_user_model
from django.db import transaction
from wagtail.models import Locale

from marketplace.models import OPERATOR_CODENAME, Order, Seller, SellerMembership

from . import lifecycle
from .actors import Step, may_act
from .confirm import confirm_return
from .draft import Draft, StepError, buyer_order
from .models import (
    ActorKind,
    RejectionReason,
    ReturnMessage,
    ReturnReason,
    ReturnRequest,
    ReturnStatus,
)
from .rejection import OTHER_REASON

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
    """The return reasons, and the rejection reasons staff answer with (every
    environment that lets buyers ask needs staff to be able to refuse)."""
    locales = {locale.language_code: locale for locale in Locale.objects.all()}
    if "en" not in locales:
        return 0
    seed_rejection_reasons()
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


# code, {language: label}: what staff pick when they reject a request; the buyer
# reads the label in their language, with the staff's own words ("other" needs them).
REJECTION_REASONS = [
    (
        "outside-return-window",
        {
            "en": "The return period for this item has ended",
            "fr": "Le délai de retour de cet article est dépassé",
            "de": "Die Rückgabefrist für diesen Artikel ist abgelaufen",
        },
    ),
    (
        "item-not-eligible",
        {
            "en": "This item cannot be returned under the policy",
            "fr": "Cet article ne peut pas être retourné selon nos conditions",
            "de": "Dieser Artikel ist laut unseren Bedingungen von der Rückgabe ausgeschlossen",
        },
    ),
    (
        "conditions-not-met",
        {
            "en": "The item does not meet the return conditions",
            "fr": "L'article ne remplit pas les conditions de retour",
            "de": "Der Artikel erfüllt die Rückgabebedingungen nicht",
        },
    ),
    (
        "no-proof-of-defect",
        {
            "en": "The defect could not be confirmed from what we received",
            "fr": "Le défaut n'a pas pu être constaté avec les éléments reçus",
            "de": "Der Mangel ließ sich anhand der erhaltenen Angaben nicht feststellen",
        },
    ),
    (
        "already-refunded",
        {
            "en": "This item has already been refunded",
            "fr": "Cet article a déjà été remboursé",
            "de": "Dieser Artikel wurde bereits erstattet",
        },
    ),
    (
        OTHER_REASON,
        {"en": "Other reason", "fr": "Autre raison", "de": "Anderer Grund"},
    ),
]


def seed_rejection_reasons() -> int:
    """Each rejection reason in every locale, one translation key per reason."""
    locales = {locale.language_code: locale for locale in Locale.objects.all()}
    if "en" not in locales:
        return 0
    existing = dict(
        RejectionReason.objects.filter(locale=locales["en"]).values_list("code", "translation_key")
    )
    for position, (code, labels) in enumerate(REJECTION_REASONS):
        key = existing.get(code) or uuid.uuid4()
        for language, locale in locales.items():
            RejectionReason.objects.get_or_create(
                code=code,
                locale=locale,
                defaults={
                    "label": labels.get(language) or labels["en"],
                    "position": position,
                    "translation_key": key,
                },
            )
    return RejectionReason.objects.count()


# --- demo returns -----------------------------------------------------------------------

DEMO_BUYER = "buyer@example.com"
DEMO_SUPPORT = "returns@example.com"


@transaction.atomic
def seed_demo_returns() -> list:
    """Two returns for the demo buyer, made through the services like a buyer would:
    the arc lamp of DEMO-1009 on its way back with a prepaid label and a message
    from support, and the shoes of DEMO-1001 approved for drop-off (QR code). The
    lamp is a defect claim, approved at once by the back office's rule; the shoes
    waited for a decision, which the demo's returns staff made. The shirt of
    DEMO-1001 stays open, so the withdrawal button still shows.

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
    _decide_as_support(created, support)
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


def _decide_as_support(returns: list, support) -> None:
    """The demo's returns staff approve what waits for a decision (when they may:
    their group's permissions are seeded first)."""
    if support is None:
        return
    seed_staff_permissions()
    support = type(support).objects.get(pk=support.pk)  # permissions read afresh
    for return_request in returns:
        if return_request.status == ReturnStatus.REQUESTED and may_act(
            return_request, support, ActorKind.STAFF, Step.APPROVE
        ):
            lifecycle.approve(return_request, actor=support, actor_kind=ActorKind.STAFF)


# --- staff permissions (the returns area of the admin) ----------------------------------

# Group -> the ReturnRequest permissions it gets: both act on returns, seller staff
# on their sellers' only and in the steps the back-office settings give sellers
# (return_portal.actors). The groups themselves come from accounts.demo (seed_users).
STAFF_PERMISSIONS = {
    "Returns staff": ("view_returnrequest", "change_returnrequest"),
    "Seller staff": ("view_returnrequest", "change_returnrequest"),
}
# Both keep the webhook endpoints their systems listen on, and its delivery log:
# the operator's for every seller, seller staff their sellers' (webhooks.admin_views).
WEBHOOK_PERMISSIONS = (
    "add_webhookendpoint",
    "change_webhookendpoint",
    "delete_webhookendpoint",
    "view_webhookendpoint",
    "view_webhookdelivery",
    "change_webhookdelivery",
)
# The operator's staff work every seller's returns (marketplace.scoping); seller staff
# only those of their SellerMembership.
OPERATOR_GROUPS = ("Returns staff",)


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
        permissions += Permission.objects.filter(
            content_type__app_label="webhooks", codename__in=WEBHOOK_PERMISSIONS
        )
        if name in OPERATOR_GROUPS:
            permissions.append(
                Permission.objects.get(
                    content_type__app_label="marketplace", codename=OPERATOR_CODENAME
                )
            )
        group.permissions.add(access_admin, *permissions)
        granted[name] = sorted(permission.codename for permission in permissions)
    return granted


# The demo's seller staff: each works for one demo seller (SellerMembership).
DEMO_SELLER_STAFF = {
    "seller@example.com": "maison-durand",
    "seller2@example.com": "atelier-lumiere",
}


@transaction.atomic
def seed_seller_staff() -> int:
    """Make each demo seller's staff member of that seller (idempotent; after the
    users and the demo orders, which bring the sellers)."""
    users = {u.email: u for u in get_user_model().objects.filter(email__in=DEMO_SELLER_STAFF)}
    sellers = {
        s.reference: s for s in Seller.objects.filter(reference__in=DEMO_SELLER_STAFF.values())
    }
    made = 0
    for email, reference in DEMO_SELLER_STAFF.items():
        if email in users and reference in sellers:
            _row, created = SellerMembership.objects.get_or_create(
                user=users[email], seller=sellers[reference]
            )
            made += created
    return made
