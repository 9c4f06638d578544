"""Which policy version governs a purchase: the one in-force timeline.

A scope is (market, seller reference). Within a scope the version in force at an
instant is the one with the latest effective_from at or before it (the highest
number on equal instants); a seller's own policy comes before the
marketplace-wide one. `Timelines.in_force` is the only place that rule is
written. `policy_in_force` asks it for one purchase with one indexed query; a
bulk import keeps one `Timelines` for thousands of orders, loading every scope's
timeline once (one row per version and market: a small table).
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Q
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
        rows = PolicyVersionMarket.objects.filter(kind=self.kind)
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
