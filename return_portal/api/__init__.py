"""The eligibility API: what each line of an order can be returned under, as
of any instant, for support staff, integrations and audits.

    GET /api/v1/orders/<ref>/eligibility?at=<ISO datetime>&opened=<line ref>,…&lang=fr

It runs `decide_order`, the function the buyer portal runs. `opened` carries the
buyer's declaration that the sealed goods of those lines were unsealed after delivery.
"""

from .eligibility import router

__all__ = ["router"]
