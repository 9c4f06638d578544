"""Which policy version governs a purchase: the one in-force timeline.

A scope is (market, seller reference). Within a scope the version in force at an
instant is the one with the latest effective_from at or before it (two live
versions of a scope never share an instant: the database refuses it); a
seller's own policy comes before the marketplace-wide one; a version superseded
while scheduled is never in force. `Timelines.in_force` is the only place that
rule is written for scopes, and `PolicyTimeline` the same rule for one policy's
own pages. `policy_in_force` asks it for one purchase with one indexed query; a
bulk import keeps one `Timelines` for thousands of orders, loading every scope's
timeline once (one row per version and market: a small table).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from .versions import PolicyVersion, PolicyVersionMarket

RETURN_POLICY = "return"

Scope = tuple[str, str]  # (market, seller reference; "" for the marketplace-wide policy)


@dataclass
class _Timeline:
    instants: list[datetime] = field(default_factory=list)  # sorted effective_from
    versions: list[PolicyVersion] = field(default_factory=list)

    def at(self, instant: datetime) -> PolicyVersion | None:
        index = bisect.bisect_right(self.instants, instant)
        return self.versions[index - 1] if index else None


_EMPTY = _Timeline()


class Timelines:
    """Version timelines per scope, loaded in one query on first use: every scope of
    the kind, or only `scopes` when given."""

    def __init__(self, kind: str = RETURN_POLICY, scopes: Iterable[Scope] | None = None):
        self.kind = kind
        self.scopes = None if scopes is None else set(scopes)
        self._timelines: dict[Scope, _Timeline] | None = None

    def _load(self) -> dict[Scope, _Timeline]:
        rows = PolicyVersionMarket.objects.filter(kind=self.kind, superseded_by__isnull=True)
        if self.scopes is not None:
            wanted = Q()
            for market, seller in self.scopes:
                wanted |= Q(market=market, seller_ref=seller)
            rows = rows.filter(wanted)
        rows = rows.select_related("version", "version__policy").order_by(
            "effective_from", "version__number"
        )
        timelines: dict[Scope, _Timeline] = {}
        versions: dict[int, PolicyVersion] = {}  # one object per version across markets
        for row in rows:
            version = versions.setdefault(row.version_id, row.version)
            timeline = timelines.setdefault((row.market, row.seller_ref), _Timeline())
            if timeline.instants and timeline.instants[-1] == row.effective_from:
                timeline.versions[-1] = version  # equal instants: the highest number wins
                continue
            timeline.instants.append(row.effective_from)
            timeline.versions.append(version)
        return timelines

    def _timeline(self, market: str, seller: str) -> _Timeline:
        if self._timelines is None:
            self._timelines = self._load()
        return self._timelines.get((market, seller)) or _EMPTY

    def in_force(self, market: str, seller: str, at: datetime) -> PolicyVersion | None:
        if seller:
            version = self._timeline(market, seller).at(at)
            if version is not None:
                return version
        return self._timeline(market, "").at(at)


def policy_in_force(
    market: str,
    seller: str = "",
    category: str = "",
    at: datetime | None = None,
    kind: str = RETURN_POLICY,
) -> PolicyVersion | None:
    """The version governing a purchase in `market` from `seller` at `at` (default
    now). `category` does not choose the policy: the category overrides inside its
    rules apply to it. One query over the scope's (few) versions."""
    scopes = {(market, seller), (market, "")}
    return Timelines(kind, scopes).in_force(market, seller, at or timezone.now())


# --- one policy's timeline ------------------------------------------------------


class VersionStatus:
    IN_FORCE = "in_force"
    SCHEDULED = "scheduled"
    PREVIOUS = "previous"
    # Replaced while scheduled: it never came into force and never governs an order.
    SUPERSEDED = "superseded"


@dataclass(frozen=True)
class VersionRow:
    version: PolicyVersion
    effective_to: datetime | None
    status: str
    # The version before it on the timeline: what its changes are compared with.
    follows: PolicyVersion | None


class PolicyTimeline:
    """One policy's versions as every reader sees them: the page, its banner,
    the versions page, compare links, the index and the audit all read this.

    Superseded versions are listed but are never in force; the others follow
    each other by effective instant (the database refuses two on one instant
    per market, migration 0007)."""

    def __init__(self, versions: Iterable[PolicyVersion], now: datetime | None = None):
        self.now = now or timezone.now()
        every = sorted(versions, key=lambda version: version.number)
        self.superseded = {v.pk for v in every if getattr(v, "is_superseded", False)}
        self.versions = every
        self.live = sorted(
            (v for v in every if v.pk not in self.superseded),
            key=lambda version: (version.effective_from, version.number),
        )

    def at(self, instant: datetime) -> PolicyVersion | None:
        current = None
        for version in self.live:
            if version.effective_from > instant:
                break
            current = version
        return current

    @property
    def in_force(self) -> PolicyVersion | None:
        return self.at(self.now)

    @property
    def scheduled(self) -> list[PolicyVersion]:
        return [version for version in self.live if version.effective_from > self.now]

    @property
    def upcoming(self) -> PolicyVersion | None:
        scheduled = self.scheduled
        return scheduled[0] if scheduled else None

    @property
    def last(self) -> PolicyVersion | None:
        """The version that takes effect last: a new one may only follow it."""
        return self.live[-1] if self.live else None

    def status(self, version: PolicyVersion) -> str:
        if version.pk in self.superseded:
            return VersionStatus.SUPERSEDED
        if version.effective_from > self.now:
            return VersionStatus.SCHEDULED
        in_force = self.in_force
        return (
            VersionStatus.IN_FORCE
            if in_force is not None and in_force.pk == version.pk
            else VersionStatus.PREVIOUS
        )

    def follows(self, version: PolicyVersion) -> PolicyVersion | None:
        """The live version before `version` on the timeline (for a superseded
        one, the live version it was scheduled to follow)."""
        before = None
        for candidate in self.live:
            if candidate.pk == version.pk:
                break
            if (candidate.effective_from, candidate.number) > (
                version.effective_from,
                version.number,
            ):
                break
            before = candidate
        return before

    def effective_to(self, version: PolicyVersion) -> datetime | None:
        if version.pk in self.superseded:
            return None
        index = next(i for i, live in enumerate(self.live) if live.pk == version.pk)
        following = self.live[index + 1] if index + 1 < len(self.live) else None
        return following.effective_from if following else None

    def rows(self) -> list[VersionRow]:
        """Every version, newest number first."""
        return [
            VersionRow(
                version,
                self.effective_to(version),
                self.status(version),
                self.follows(version),
            )
            for version in reversed(self.versions)
        ]


def with_supersession(versions):
    """Annotate `is_superseded` on a PolicyVersion queryset."""
    superseded = PolicyVersionMarket.objects.filter(
        version=OuterRef("pk"), superseded_by__isnull=False
    )
    return versions.annotate(is_superseded=Exists(superseded))


def policy_timeline(policy, now: datetime | None = None) -> PolicyTimeline:
    """One policy's timeline, in one query."""
    versions = with_supersession(
        PolicyVersion.objects.filter(policy=policy).select_related(
            "published_by", "approved_by", "submitted_by"
        )
    )
    return PolicyTimeline(versions, now)


def policy_timelines(policy_ids: Iterable[int], now: datetime | None = None):
    """Timelines of several policies, by policy pk, in one query."""
    grouped: dict[int, list[PolicyVersion]] = {}
    versions = PolicyVersion.objects.filter(policy_id__in=policy_ids).prefetch_related("texts")
    for version in with_supersession(versions):
        grouped.setdefault(version.policy_id, []).append(version)
    return {policy_id: PolicyTimeline(versions, now) for policy_id, versions in grouped.items()}
