"""Order lines by seller, as the portal lists them: each seller handles its own
items (a return is one seller's), so the buyer sees whose each item is before
choosing. Sellers come in the order of their first line; lines keep theirs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from marketplace.models import OrderLine, Seller


@dataclass
class SellerGroup:
    index: int  # from 1, for the ids of the group's heading
    seller: Seller
    items: list[Any] = field(default_factory=list)


def by_seller(items: Iterable[Any], line_of: Callable[[Any], OrderLine]) -> list[SellerGroup]:
    """The items grouped by their line's seller (read with the line: no query
    when the lines come with their seller, as `pinned_lines` selects it)."""
    groups: dict[int, SellerGroup] = {}
    for item in items:
        line = line_of(item)
        group = groups.get(line.seller_id)
        if group is None:
            group = groups[line.seller_id] = SellerGroup(len(groups) + 1, line.seller)
        group.items.append(item)
    return list(groups.values())
