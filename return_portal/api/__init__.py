"""The portal's API routers.

The eligibility API: what each line of an order can be returned under, as
of any instant, for support staff, integrations and audits.

    GET /api/v1/orders/<ref>/eligibility?at=<ISO datetime>&opened=<line ref>,…&lang=fr

It runs `decide_order`, the function the buyer portal runs. `opened` carries the
buyer's declaration that the sealed goods of those lines were unsealed after delivery.

The returns API (returns.py): the returns of a seller or of the whole marketplace,
listed and read, and the back office's actions on them, for the sellers' and the
operator's own systems.
"""

from .eligibility import router
from .returns import router as returns_router
from .tracking import router as tracking_router

__all__ = ["returns_router", "router", "tracking_router"]
