"""What a dashboard view is filtered by, read from the query string and held
to the viewer's sellers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

MAX_DAYS = 5 * 366
DEFAULT_DAYS = 90


class FilterError(ValueError):
    """A filter that cannot be applied; its message is shown to the viewer."""


@dataclass(frozen=True)
class Filters:
    start: dt.date
    end: dt.date  # inclusive
    # None: every seller (the operator's staff); otherwise the sellers shown.
    seller_ids: frozenset[int] | None = None
    market: str = ""
    category_path: str = ""
    sku: str = ""
    # The reason codes counted: a parent's code stands for its leaves too.
    reason_codes: frozenset[str] = frozenset()
    currency: str = "EUR"

    def __post_init__(self):
        if self.end < self.start:
            raise FilterError(_("The period ends before it starts."))
        if (self.end - self.start).days + 1 > MAX_DAYS:
            raise FilterError(_("A period is at most five years."))

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Filters:
        """The period of the same length just before this one."""
        end = self.start - dt.timedelta(days=1)
        return replace(self, start=end - dt.timedelta(days=self.days - 1), end=end)

    def q(self, *, category=True, sku=True, reason=True) -> Q:
        """The rows of a roll-up these filters keep (the dimensions it has)."""
        query = Q(day__gte=self.start, day__lte=self.end)
        if self.seller_ids is not None:
            query &= Q(seller_id__in=self.seller_ids)
        if self.market:
            query &= Q(market=self.market)
        if category and self.category_path:
            query &= Q(category__path=self.category_path) | Q(
                category__path__startswith=self.category_path + "/"
            )
        if sku and self.sku:
            query &= Q(sku=self.sku)
        if reason and self.reason_codes:
            query &= Q(reason__in=self.reason_codes)
        return query
