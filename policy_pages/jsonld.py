"""A policy version as a schema.org `MerchantReturnPolicy` (JSON-LD), the
machine-readable twin of the embed's one-line summary.

Search engines read it from product pages. Two facts do not map one to one:
schema.org counts `merchantReturnDays` from the purchase while the policy
(and the law) counts from delivery; the days are kept as they are and the
delivery basis is stated in `description`.
"""

from __future__ import annotations

import json
from decimal import Decimal

from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from . import labels
from .rules import OverrideKind, Payer, PolicyRules, Resolution, ShippingMethod

SCHEMA = "https://schema.org/"

RETURN_METHOD = {
    ShippingMethod.PREPAID_LABEL: "ReturnByMail",
    ShippingMethod.DROP_OFF: "ReturnAtKiosk",  # a drop-off point
    ShippingMethod.OWN_CARRIER: "ReturnByMail",
}
REFUND_TYPE = {
    Resolution.REFUND: "FullRefund",
    Resolution.EXCHANGE: "ExchangeRefund",
    Resolution.STORE_CREDIT: "StoreCreditRefund",
}

FREE = "FreeReturn"
SHIPPING_FEES = "ReturnShippingFees"
CUSTOMER_PAYS = "ReturnFeesCustomerResponsibility"


def merchant_return_policy(
    rules: PolicyRules,
    *,
    market: str,
    category_path: tuple[str, ...] = (),
    permalink: str | None = None,
    name: str | None = None,
) -> dict:
    """The MerchantReturnPolicy of `rules` for an item of `category_path`
    bought in `market`. Call with the reader's language active (description)."""
    data: dict = {
        "@context": "https://schema.org",
        "@type": "MerchantReturnPolicy",
        "applicableCountry": list(rules.markets),
        # Returns go to a drop-off point or carrier in the buyer's market.
        "returnPolicyCountry": market,
    }
    if name:
        data["name"] = name
    override = rules.override_for(category_path)
    if override and override.kind == OverrideKind.NOT_RETURNABLE:
        data["returnPolicyCategory"] = SCHEMA + "MerchantReturnNotPermitted"
        data["description"] = _(
            "Items of this category cannot be returned under this policy; statutory rights remain."
        )
    else:
        days = override.days if override and override.kind == OverrideKind.DAYS else None
        data.update(_finite_window(rules, days or rules.window_days))
    if permalink:
        data["merchantReturnLink"] = permalink
    return data


def _finite_window(rules: PolicyRules, days: int) -> dict:
    data: dict = {
        "returnPolicyCategory": SCHEMA + "MerchantReturnFiniteReturnWindow",
        "merchantReturnDays": days,
        "description": _window_description(rules, days),
    }
    methods = list(dict.fromkeys(RETURN_METHOD[o.method] for o in rules.shipping_options))
    if methods:
        data["returnMethod"] = [SCHEMA + method for method in methods]
    label_source = _label_source(rules)
    if label_source:
        data["returnLabelSource"] = SCHEMA + label_source
    if rules.shipping_options:
        remorse = _fees(rules, "change_of_mind_payer")
        defect = _fees(rules, "defect_payer")
        # The headline fees are those of a change of mind: what most returns are.
        data.update(_fee_properties("return", remorse, rules.currency))
        data.update(_fee_properties("customerRemorseReturn", remorse, rules.currency))
        data.update(_fee_properties("itemDefectReturn", defect, rules.currency))
    data["refundType"] = [SCHEMA + REFUND_TYPE[r] for r in rules.resolutions]
    if rules.restocking_fee_percent > 0:
        # A Number is read as a percentage of the price.
        data["restockingFee"] = float(rules.restocking_fee_percent)
    if "unused" in rules.conditions:
        data["itemCondition"] = [SCHEMA + "NewCondition"]
    return data


def _window_description(rules: PolicyRules, days: int) -> str:
    # The only place the delivery basis survives: merchantReturnDays has none.
    return _("Returns within %(days)s days, counted from %(start)s.") % {
        "days": days,
        "start": labels.WINDOW_START[rules.window_start],
    }


def _fees(rules: PolicyRules, payer_field: str) -> tuple[str, Decimal | None]:
    """(returnFees, cheapest fee) for one reason: free when any option is free
    for the buyer, else the cheapest fixed fee, else the buyer's own cost."""
    fees = []
    customer_pays = False
    for option in rules.shipping_options:
        payer = getattr(option, payer_field)
        if payer == Payer.MERCHANT:
            return FREE, None
        if option.method == ShippingMethod.OWN_CARRIER:
            customer_pays = True  # the buyer pays a carrier of their choice
        elif option.fee:
            fees.append(option.fee)
        else:
            return FREE, None
    if fees:
        return SHIPPING_FEES, min(fees)
    return (CUSTOMER_PAYS if customer_pays else FREE), None


def _fee_properties(prefix: str, fees: tuple[str, Decimal | None], currency: str) -> dict:
    kind, amount = fees
    data = {f"{prefix}Fees": SCHEMA + kind}
    if kind == SHIPPING_FEES and amount is not None:
        data[f"{prefix}ShippingFeesAmount"] = {
            "@type": "MonetaryAmount",
            "value": format(amount.quantize(Decimal("0.01")), "f"),
            "currency": currency,
        }
    return data


def _label_source(rules: PolicyRules) -> str | None:
    methods = {option.method for option in rules.shipping_options}
    if ShippingMethod.PREPAID_LABEL in methods:
        return "ReturnLabelDownloadAndPrint"
    if methods == {ShippingMethod.OWN_CARRIER}:
        return "ReturnLabelCustomerResponsibility"
    return None


# What must not appear raw inside <script>: "</script>" or "<!--" would end or
# confuse it, and & keeps the text safe under XHTML parsing too.
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def ld_json_script(data: dict) -> SafeString:
    """`<script type="application/ld+json">`, escaped like Django's json_script."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=False).translate(_SCRIPT_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', SafeString(text))
