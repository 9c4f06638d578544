"""The policy in force for many orders at once, without one query per order.

`policy_pages.versions.policy_in_force` answers one (market, seller, at) with one
indexed query. A bulk import asks it thousands of times for a handful of scopes,
each at a different instant, so this module loads the version timelines of every
(market, seller) scope once and picks the version by date in Python. It follows
`policy_in_force` exactly (a test holds them together): the seller's own policy
before the marketplace-wide one; within each, the latest effective_from at or
before the instant, then the highest version number.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import datetime

from policy_pages.versions import PolicyVersion, PolicyVersionMarket

POLICY_KIND = "return"


@dataclass
class _Timeline:
    instants: list[datetime] = field(default_factory=list)  # sorted effective_from
    versions: list[PolicyVersion] = field(default_factory=list)

    def at(self, instant: datetime) -> PolicyVersion | None:
        index = bisect.bisect_right(self.instants, instant)
        return self.versions[index - 1] if index else None


_EMPTY = _Timeline()


class PolicyTimelines:
    """Every (market, seller) version timeline, loaded in one query on first use
    (one row per version and market: a small table)."""

    def __init__(self, kind: str = POLICY_KIND):
        self.kind = kind
        self._timelines: dict[tuple[str, str], _Timeline] | None = None

    def _load(self) -> dict[tuple[str, str], _Timeline]:
        rows = (
            PolicyVersionMarket.objects.filter(kind=self.kind)
            .select_related("version", "version__policy")
            .order_by("effective_from", "version__number")
        )
        timelines: dict[tuple[str, str], _Timeline] = {}
        versions: dict[int, PolicyVersion] = {}  # one object per version across markets
        for row in rows:
            version = versions.setdefault(row.version_id, row.version)
            timeline = timelines.setdefault((row.market, row.seller_ref), _Timeline())
            # Equal instants: the highest number wins, as in policy_in_force.
            if timeline.instants and timeline.instants[-1] == row.effective_from:
                timeline.versions[-1] = version
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
