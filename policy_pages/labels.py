"""Translated labels for the rule vocabulary (rules.py stays free of Django)."""

from django.utils.translation import gettext_lazy as _

from .rules import Condition, ItemFlag, OverrideKind, Payer, Resolution, ShippingMethod, WindowStart

WINDOW_START = {WindowStart.DELIVERY: _("delivery"), WindowStart.ORDER: _("order date")}
OVERRIDE_KIND = {
    OverrideKind.DAYS: _("other number of days"),
    OverrideKind.NOT_RETURNABLE: _("not returnable"),
    OverrideKind.CONDITIONS: _("extra conditions"),
}
ITEM_FLAG = {
    ItemFlag.CUSTOM_MADE: _("custom-made items"),
    ItemFlag.PERISHABLE: _("perishable goods"),
    ItemFlag.SEALED_HYGIENE: _("sealed hygiene goods, once unsealed"),
    ItemFlag.SEALED_MEDIA: _("sealed audio, video or software, once unsealed"),
}
CONDITION = {
    Condition.ORIGINAL_PACKAGING: _("original packaging"),
    Condition.TAGS: _("tags attached"),
    Condition.ACCESSORIES: _("all accessories"),
    Condition.UNUSED: _("unused"),
}
RESOLUTION = {
    Resolution.REFUND: _("refund to the original payment"),
    Resolution.STORE_CREDIT: _("store credit"),
    Resolution.EXCHANGE: _("exchange"),
}
SHIPPING_METHOD = {
    ShippingMethod.PREPAID_LABEL: _("prepaid label"),
    ShippingMethod.DROP_OFF: _("drop-off point (QR code)"),
    ShippingMethod.OWN_CARRIER: _("own carrier"),
}
PAYER = {Payer.BUYER: _("buyer"), Payer.MERCHANT: _("merchant")}


def choices(labels: dict) -> list[tuple[str, str]]:
    return [(member.value, label) for member, label in labels.items()]
