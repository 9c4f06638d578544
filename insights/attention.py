"""Needs attention: sellers and products whose return rate, or share of one
reason, stands out against their category's baseline for the period.

The test, in plain words: if this seller returned goods at the same rate as
the rest of its category, how likely would it be to see at least as many
returns as it did, out of as many units sold? When that chance is below one
in a thousand, and the rate is also at least one and a half times the
baseline, it is flagged. The chance is exact (the binomial distribution), so
it accounts for volume: one return out of three units sold is never unlikely
enough, whereas 60 out of 200 against a 10 % baseline is.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Sum

from .filters import Filters
from .models import ReturnDay, SalesDay

SIGNIFICANCE = 0.001
MIN_RATIO = 1.5
# A seller's staff see a flag only when its baseline pools at least this many others.
MIN_PEERS_FOR_SELLERS = 3


def shown_to_sellers(flag: Flag) -> bool:
    return flag.peers >= MIN_PEERS_FOR_SELLERS


def binomial_tail(successes: int, trials: int, p: float) -> float:
    """P(X >= successes) for X ~ Binomial(trials, p), summed in log space."""
    if successes <= 0:
        return 1.0
    if p <= 0:
        return 0.0
    if p >= 1 or successes > trials:
        return 1.0 if p >= 1 else 0.0
    log_p, log_q = math.log(p), math.log1p(-p)
    log_n = math.lgamma(trials + 1)

    def log_term(k):
        return (
            log_n
            - math.lgamma(k + 1)
            - math.lgamma(trials - k + 1)
            + k * log_p
            + (trials - k) * log_q
        )

    # Past the mode the terms only fall: stop once they no longer count
    # (e^-40 of the largest), so five years of sales cost a few hundred terms.
    mode = max(successes, math.floor((trials + 1) * p))
    top = max(log_term(successes), log_term(min(mode, trials)))
    total = 0.0
    for k in range(successes, trials + 1):
        term = log_term(k)
        if k > mode and term < top - 40:
            break
        total += math.exp(term - top)
    return min(1.0, math.exp(top) * total)


@dataclass(frozen=True)
class Flag:
    kind: str  # "rate" or "reason"
    level: str  # "seller" or "product"
    key: str  # the seller's id or the SKU
    label: str
    seller_id: int
    category: str
    reason: str
    observed: int  # returned units (rate) or units with the reason (reason)
    out_of: int  # units sold (rate) or units returned (reason)
    baseline: float  # the category's rate or share without this one
    p_value: float
    # How many others the baseline is made of: with one or two, it would tell a
    # seller's staff a competitor's figures (`shown_to_sellers`).
    peers: int = 0

    @property
    def rate(self) -> float:
        return self.observed / self.out_of if self.out_of else 0.0


def _judge(observed: int, out_of: int, rest_observed: int, rest_out_of: int):
    """(baseline, p) when `observed` of `out_of` stands out against the rest, else None."""
    if not out_of or not rest_out_of:
        return None
    baseline = rest_observed / rest_out_of
    if baseline <= 0 or observed / out_of < MIN_RATIO * baseline:
        return None
    p_value = binomial_tail(observed, out_of, baseline)
    return (baseline, p_value) if p_value < SIGNIFICANCE else None


def flags(filters: Filters) -> list[Flag]:
    """Every flag of the period, strongest first. Baselines are the whole
    marketplace's category (not only the viewer's sellers): a seller is
    compared with its peers, and the filters' sellers choose who is shown."""
    everyone = Filters(
        start=filters.start, end=filters.end, market=filters.market, currency=filters.currency
    )
    shown = filters.seller_ids
    found: list[Flag] = []
    for level, key_field in (("seller", "seller_id"), ("product", "sku")):
        sold = _by(SalesDay, everyone, key_field, "units")
        back = _by(ReturnDay, everyone, key_field, "units")
        found += _rate_flags(level, sold, back, shown)
    found += _reason_flags(everyone, shown)
    return sorted(found, key=lambda f: f.p_value)


def _by(model, filters, key_field, value):
    """{(category path, key, seller id): units} for the period."""
    rows = (
        model.objects.filter(filters.q(category=False, sku=False, reason=False))
        .values("category__path", key_field, "seller_id", "seller__name")
        .annotate(total=Sum(value))
    )
    return {
        (
            row["category__path"] or "",
            str(row[key_field]),
            row["seller_id"],
            row["seller__name"],
        ): row["total"]
        for row in rows
    }


def _rate_flags(level, sold, back, shown):
    per_category_sold: dict[str, int] = defaultdict(int)
    per_category_back: dict[str, int] = defaultdict(int)
    members: dict[str, int] = defaultdict(int)
    for (category, *_), units in sold.items():
        per_category_sold[category] += units
        members[category] += 1
    for (category, *_), units in back.items():
        per_category_back[category] += units
    found = []
    for key, units_sold in sold.items():
        category, name, seller_id, seller_name = key
        if shown is not None and seller_id not in shown:
            continue
        returned = back.get(key, 0)
        judged = _judge(
            returned,
            units_sold,
            per_category_back[category] - returned,
            per_category_sold[category] - units_sold,
        )
        if judged:
            label = seller_name if level == "seller" else name
            found.append(
                Flag(
                    "rate",
                    level,
                    name,
                    label,
                    seller_id,
                    category,
                    "",
                    returned,
                    units_sold,
                    *judged,
                    peers=members[category] - 1,
                )
            )
    return found


def _reason_flags(everyone, shown):
    rows = (
        ReturnDay.objects.filter(everyone.q(category=False, sku=False, reason=False))
        .values("category__path", "seller_id", "seller__name", "reason")
        .annotate(units=Sum("units"))
    )
    by_seller: dict[tuple, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in rows:
        by_seller[(row["category__path"] or "", row["seller_id"], row["seller__name"])][
            row["reason"]
        ] += row["units"]
    category_reason: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    sellers_in: dict[str, int] = defaultdict(int)
    for (category, _seller, _name), reasons in by_seller.items():
        sellers_in[category] += 1
        for reason, units in reasons.items():
            category_reason[category][reason] += units
    found = []
    for (category, seller_id, seller_name), reasons in by_seller.items():
        if shown is not None and seller_id not in shown:
            continue
        total = sum(reasons.values())
        category_total = sum(category_reason[category].values())
        for reason, units in reasons.items():
            if not reason:
                continue
            judged = _judge(
                units, total, category_reason[category][reason] - units, category_total - total
            )
            if judged:
                found.append(
                    Flag(
                        "reason",
                        "seller",
                        str(seller_id),
                        seller_name,
                        seller_id,
                        category,
                        reason,
                        units,
                        total,
                        *judged,
                        peers=sellers_in[category] - 1,
                    )
                )
    return found
