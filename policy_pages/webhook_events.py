"""policy.version_published: the operator's endpoints get every policy's new
version; a seller's endpoints their seller's policy only (seller_ref)."""

from __future__ import annotations

import webhooks
from marketplace.models import Seller
from webhooks.events import POLICY_VERSION_PUBLISHED


def _utc(instant):
    return instant.isoformat() if instant is not None else None


def version_published(version) -> None:
    """In record_version's transaction, once the version is written."""
    sellers = set()
    if version.seller_ref:
        sellers = set(
            Seller.objects.filter(reference=version.seller_ref).values_list("pk", flat=True)
        )

    def data():
        return {
            "policy_id": version.policy_id,
            "version": version.number,
            "kind": version.kind,
            "seller_reference": version.seller_ref or None,
            "effective_from": _utc(version.effective_from),
            "published_at": _utc(version.published_at),
            "hash": version.hash,
        }

    webhooks.emit(
        POLICY_VERSION_PUBLISHED,
        data,
        seller_ids=sellers,
        ordering_key=f"policy:{version.policy_id}",
    )
