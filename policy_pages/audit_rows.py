"""The rows of the compliance audit report (audit.py): every policy version
with what the report shows, read in a constant number of queries
(`audit_queryset`), as the user may see them (`versions_for`), each made into an
`AuditRow` whose flat values feed the table and the CSV, XLSX and JSON exports.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from marketplace.models import Seller
from marketplace.scoping import is_seller_staff, scope_of_user

from .integrity import ChainStatus
from .models import PolicyKind
from .pins import LinePin
from .timeline import VersionStatus
from .versions import PolicyVersion, PolicyVersionMarket, PolicyVersionText

KIND_LABELS = dict(PolicyKind.choices)
STATUS_LABELS = {
    VersionStatus.IN_FORCE: _("In force"),
    VersionStatus.SCHEDULED: _("Scheduled"),
    VersionStatus.PREVIOUS: pgettext_lazy("policy version status", "Previous"),
    VersionStatus.SUPERSEDED: pgettext_lazy("policy version status", "Superseded, never in force"),
}


# --- orders governed ------------------------------------------------------------------


def governed_orders(**pins):
    """Number of distinct orders whose lines are pinned to each version (and whose
    pins match `pins`: say, those with a proof of display): a correlated
    subquery, so it neither multiplies rows nor costs a query per version."""
    counts = (
        LinePin.objects.filter(version=OuterRef("pk"), **pins)
        .order_by()
        .values("version")
        .annotate(n=Count("line__order", distinct=True))
        .values("n")
    )
    return Coalesce(Subquery(counts, output_field=IntegerField()), 0)


# --- the listing -------------------------------------------------------------------


def audit_queryset(now: datetime.datetime):
    """Every version with what the report shows, in a constant number of queries:
    users and policy by join, texts by one prefetch, effective-to and status
    as subqueries."""

    # Same rules as timeline.PolicyTimeline: superseded versions leave the
    # timeline, on which numbers follow effective instants.
    def superseded():
        return Exists(
            PolicyVersionMarket.objects.filter(version=OuterRef("pk"), superseded_by__isnull=False)
        )

    later = PolicyVersion.objects.filter(
        policy=OuterRef("policy"), number__gt=OuterRef("number")
    ).exclude(superseded())
    versions = (
        PolicyVersion.objects.select_related(
            "policy", "policy__locale", "published_by", "submitted_by", "approved_by"
        )
        .prefetch_related(
            Prefetch(
                "texts",
                queryset=PolicyVersionText.objects.select_related(
                    "locale", "translated_by", "signed_off_by"
                ),
            )
        )
        .annotate(
            audit_superseded=superseded(),
            audit_effective_to=Case(
                When(audit_superseded=True, then=Value(None)),
                default=Subquery(later.order_by("number").values("effective_from")[:1]),
            ),
            # The latest version already effective is in force, earlier ones previous.
            audit_status=Case(
                When(audit_superseded=True, then=Value(VersionStatus.SUPERSEDED)),
                When(effective_from__gt=now, then=Value(VersionStatus.SCHEDULED)),
                When(
                    Exists(later.filter(effective_from__lte=now)),
                    then=Value(VersionStatus.PREVIOUS),
                ),
                default=Value(VersionStatus.IN_FORCE),
                output_field=CharField(),
            ),
        )
        .order_by("policy__title", "policy_id", "number")
    )
    return versions.annotate(
        audit_orders=governed_orders(),
        # Proof of display: orders whose storefront said which version it showed,
        # and those where it showed another than the one in force.
        audit_orders_shown=governed_orders(displayed_version__isnull=False),
        audit_orders_mismatched=governed_orders(display_matches=False),
    )


def versions_for(user, versions):
    """Seller staff read the marketplace-wide versions and their sellers' own, not
    another seller's (marketplace.scoping); everyone else every version."""
    scope = scope_of_user(user)
    if not is_seller_staff(user):
        return versions
    references = Seller.objects.filter(pk__in=scope.seller_ids).values("reference")
    return versions.filter(Q(seller_ref="") | Q(seller_ref__in=references))


def content_language_codes() -> list[str]:
    return [code for code, _name in settings.WAGTAIL_CONTENT_LANGUAGES]


def person(user) -> str:
    """Name and email: names are not unique, an audit trail must identify."""
    if user is None:
        return ""
    name = user.get_full_name().strip()
    return f"{name} <{user.email}>" if name else user.email


@dataclass(frozen=True)
class AuditRow:
    version: PolicyVersion
    locales_present: list[str]
    locales_missing: list[str]
    chain: ChainStatus | None
    orders: int
    permalink: str = ""
    orders_shown: int = 0
    orders_mismatched: int = 0
    # Per translated language: who translated and who signed off (blank for
    # texts written before sign-offs were recorded).
    signatures: list = field(default_factory=list)

    @classmethod
    def build(cls, version: PolicyVersion, chain: ChainStatus | None, permalink="") -> AuditRow:
        expected = content_language_codes()
        present = {text.locale.language_code for text in version.texts.all()}
        return cls(
            version=version,
            locales_present=[code for code in expected if code in present]
            + sorted(present - set(expected)),
            locales_missing=[code for code in expected if code not in present],
            signatures=[
                {
                    "language": text.locale.language_code,
                    "translator": person(text.translated_by),
                    "signer": person(text.signed_off_by),
                }
                for text in version.texts.all()
                if text.page_id != version.policy_id
            ],
            chain=chain,
            orders=version.audit_orders,
            permalink=permalink,
            orders_shown=version.audit_orders_shown,
            orders_mismatched=version.audit_orders_mismatched,
        )

    # Flat values, shared by the table, the CSV/XLSX columns and the JSON keys.
    policy_title = property(lambda self: self.version.policy.title)
    policy_slug = property(lambda self: self.version.policy.slug)
    number = property(lambda self: self.version.number)
    kind = property(lambda self: KIND_LABELS.get(self.version.kind, self.version.kind))
    seller = property(lambda self: self.version.seller_ref or _("Marketplace-wide"))
    effective_from = property(lambda self: self.version.effective_from)
    effective_to = property(lambda self: self.version.audit_effective_to)
    status = property(lambda self: self.version.audit_status)
    status_label = property(lambda self: STATUS_LABELS[self.version.audit_status])
    publisher = property(lambda self: person(self.version.published_by))
    submitter = property(lambda self: person(self.version.submitted_by))
    approver = property(lambda self: person(self.version.approved_by))
    approval_comment = property(lambda self: self.version.approval_comment or "")
    change_reason = property(lambda self: self.version.change_reason or "")
    approved_at = property(lambda self: self.version.approved_at)
    hash = property(lambda self: self.version.hash)
    previous_hash = property(lambda self: self.version.previous_hash)
    chain_status = property(lambda self: self.chain.state if self.chain else "")
    chain_reasons = property(lambda self: list(self.chain.reasons) if self.chain else [])

    @property
    def markets(self) -> list[str]:
        # A row altered behind the model's back must still be listed (as broken).
        try:
            return list(json.loads(self.version.rules_json).get("markets", []))
        except (ValueError, AttributeError, TypeError):
            return []
