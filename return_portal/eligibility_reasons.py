"""The reasons of an eligibility decision (eligibility.decide): their codes, and
`Reason`, which cites the policy clause or the statute it rests on and reads as
a sentence in the active language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.formatting import statute_text
from policy_pages.labels import CONDITION, ITEM_FLAG
from policy_pages.rules import Condition, ItemFlag


class ReasonCode(StrEnum):
    # outcomes
    WITHIN_POLICY_WINDOW = "within_policy_window"
    POLICY_WINDOW_ENDED = "policy_window_ended"
    WITHIN_STATUTORY_PERIOD = "within_statutory_period"
    STATUTORY_PERIOD_ENDED = "statutory_period_ended"
    STATUTORY_PERIOD_NOT_STARTED = "statutory_period_not_started"
    # blockers
    NOT_DELIVERED = "not_delivered"
    NOTHING_LEFT_TO_RETURN = "nothing_left_to_return"
    ITEM_EXCEPTION = "item_exception"
    # policy modifiers
    CATEGORY_NOT_RETURNABLE = "category_not_returnable"
    CATEGORY_OVERRIDE_DAYS = "category_override_days"
    EXTRA_CONDITIONS = "extra_conditions"
    # law modifiers
    NON_TRADER_NO_STATUTORY_RIGHT = "non_trader_no_statutory_right"
    MARKET_WITHOUT_STATUTORY_RIGHT = "market_without_statutory_right"
    WITHDRAWAL_INFO_MISSING_EXTENSION = "withdrawal_info_missing_extension"
    WITHDRAWAL_INFO_LATE = "withdrawal_info_late"


@dataclass(frozen=True)
class Reason:
    """One reason of a decision, citing a policy clause (anchor) or a statute."""

    code: ReasonCode
    clause: str = ""  # the policy clause's anchor, e.g. "2.1"; "" for statutory reasons
    statute: str = ""  # e.g. "Directive 2011/83/EU Art. 9"; "" for policy reasons
    when: datetime | None = None  # the deadline, or when the information arrived
    days: int | None = None
    flag: ItemFlag | None = None
    conditions: tuple[Condition, ...] = ()

    @property
    def message(self) -> str:
        """A human sentence in the active language (English source strings)."""
        params = {
            "clause": self.clause,
            # The statute's names in the reader's language (the field keeps the canonical form).
            "statute": statute_text(self.statute),
            "date": date_format(self.when, "DATE_FORMAT") if self.when else "",
            "days": self.days or 0,
            "exception": str(ITEM_FLAG[self.flag]) if self.flag else "",
            "conditions": ", ".join(str(CONDITION[c]) for c in self.conditions),
        }
        return _MESSAGES[self.code](self) % params


def _days_sentence(reason: Reason) -> str:
    if reason.clause:
        return ngettext(
            "Items of this category can be returned within %(days)d day under §%(clause)s.",
            "Items of this category can be returned within %(days)d days under §%(clause)s.",
            reason.days or 0,
        )
    return ngettext(
        "Items of this category can be returned within %(days)d day.",
        "Items of this category can be returned within %(days)d days.",
        reason.days or 0,
    )


def _exception_sentence(reason: Reason) -> str:
    if reason.statute:
        return _(
            "Not returnable under §%(clause)s: %(exception)s are excluded, as the law "
            "allows (%(statute)s)."
        )
    return _("Not returnable under §%(clause)s: %(exception)s are excluded.")


# Sentences are chosen when the message is read, so gettext sees the active language.
_MESSAGES = {
    ReasonCode.WITHIN_POLICY_WINDOW: lambda r: (
        _("Returnable until %(date)s under §%(clause)s.")
        if r.clause
        else _("Returnable until %(date)s under the return policy.")
    ),
    ReasonCode.POLICY_WINDOW_ENDED: lambda r: (
        _("The return window of §%(clause)s ended on %(date)s.")
        if r.clause
        else _("The return window of the policy ended on %(date)s.")
    ),
    ReasonCode.WITHIN_STATUTORY_PERIOD: lambda r: _(
        "Returnable until %(date)s under the legal right of withdrawal (%(statute)s)."
    ),
    ReasonCode.STATUTORY_PERIOD_ENDED: lambda r: _(
        "The legal withdrawal period (%(statute)s) ended on %(date)s."
    ),
    ReasonCode.STATUTORY_PERIOD_NOT_STARTED: lambda r: _(
        "The legal withdrawal period (%(statute)s) starts when the last item of the order "
        "is delivered; until then this item can be returned."
    ),
    ReasonCode.NOT_DELIVERED: lambda r: _(
        "This item has not been delivered yet; it can be returned once it arrives."
    ),
    ReasonCode.NOTHING_LEFT_TO_RETURN: lambda r: _(
        "Every unit of this item has already been returned or is in an open return."
    ),
    ReasonCode.ITEM_EXCEPTION: _exception_sentence,
    ReasonCode.CATEGORY_NOT_RETURNABLE: lambda r: (
        _("Items of this category are not returnable under §%(clause)s.")
        if r.clause
        else _("Items of this category are not returnable under the return policy.")
    ),
    ReasonCode.CATEGORY_OVERRIDE_DAYS: _days_sentence,
    ReasonCode.EXTRA_CONDITIONS: lambda r: (
        _("Items of this category must be returned with: %(conditions)s (§%(clause)s).")
        if r.clause
        else _("Items of this category must be returned with: %(conditions)s.")
    ),
    ReasonCode.NON_TRADER_NO_STATUTORY_RIGHT: lambda r: _(
        "The seller is not a trader, so the legal right of withdrawal does not apply "
        "(%(statute)s); only the returns the policy offers as goodwill do."
    ),
    ReasonCode.MARKET_WITHOUT_STATUTORY_RIGHT: lambda r: _(
        "No legal right of withdrawal applies in this market; only the return policy does."
    ),
    ReasonCode.WITHDRAWAL_INFO_MISSING_EXTENSION: lambda r: _(
        "The right of withdrawal was not stated before the purchase, so the legal "
        "withdrawal period is extended by 12 months (%(statute)s)."
    ),
    ReasonCode.WITHDRAWAL_INFO_LATE: lambda r: _(
        "The right of withdrawal was stated late, on %(date)s, so the legal withdrawal "
        "period ends 14 days after that (%(statute)s)."
    ),
}


# --- one wording everywhere ---------------------------------------------------------
# My orders, the items step and "nothing to return" word a line the same way: a
# headline whose basis is cited beside it (the clause linked to the pinned policy
# version, or the statute; the version's page linked when no clause is the basis),
# then what else applies. Whether the order is delivered in full or in part changes
# what is said, never how (return_portal/start/_eligibility.html renders it).

# What else applies to a returnable line, said under its headline.
NOTE_CODES = (ReasonCode.EXTRA_CONDITIONS, ReasonCode.STATUTORY_PERIOD_NOT_STARTED)
# The "ended" outcomes: a closed line's headline says the first, the notes the rest.
ENDED_CODES = (ReasonCode.POLICY_WINDOW_ENDED, ReasonCode.STATUTORY_PERIOD_ENDED)


@dataclass(frozen=True)
class Sentence:
    text: str  # without its full stop: the citation comes before it
    citation: object = None  # a citations.Citation, or None when nothing is cited
    end: str = ""  # the sentence's full stop, if it has one

    @classmethod
    def of(cls, text: str, citation=None) -> Sentence:
        text = text.rstrip()
        if text.endswith("."):
            return cls(text[:-1], citation, ".")
        return cls(text, citation)


@dataclass(frozen=True)
class PolicyLink:
    version: int | None = None
    url: str = ""


@dataclass(frozen=True)
class Wording:
    eligible: bool
    headline: Sentence
    notes: tuple[Sentence, ...] = ()
    policy: PolicyLink = PolicyLink()


# The sentence of a reason whose clause is cited beside it (not inside it).
_PLAIN = {
    ReasonCode.POLICY_WINDOW_ENDED: lambda r: _(
        "The return window of the policy ended on %(date)s."
    ),
    ReasonCode.ITEM_EXCEPTION: lambda r: _("Not returnable: %(exception)s are excluded."),
    ReasonCode.CATEGORY_NOT_RETURNABLE: lambda r: _(
        "Items of this category are not returnable under the return policy."
    ),
    ReasonCode.CATEGORY_OVERRIDE_DAYS: lambda r: ngettext(
        "Items of this category can be returned within %(days)d day.",
        "Items of this category can be returned within %(days)d days.",
        r.days or 0,
    ),
    ReasonCode.EXTRA_CONDITIONS: lambda r: _(
        "Items of this category must be returned with: %(conditions)s."
    ),
}


def _local_date(when: datetime | None, market: str) -> str:
    from django.utils import timezone

    from .legal_calendar import market_timezone

    if when is None:
        return ""
    return date_format(timezone.localtime(when, market_timezone(market)), "DATE_FORMAT")


def _sentence(reason: Reason, version, links, market: str) -> Sentence:
    """The reason's sentence in the active language, its clause cited (and linked)
    beside it; dates are the market's calendar dates."""
    params = {
        "clause": reason.clause,
        "statute": statute_text(reason.statute),
        "date": _local_date(reason.when, market),
        "days": reason.days or 0,
        "exception": str(ITEM_FLAG[reason.flag]) if reason.flag else "",
        "conditions": ", ".join(str(CONDITION[c]) for c in reason.conditions),
    }
    if reason.clause and reason.code in _PLAIN:
        # The statute of an exception is cited with its clause: "(§4, policy v2; Art. 16)".
        return Sentence.of(
            _PLAIN[reason.code](reason) % params,
            links.cite(version, reason.clause, reason.statute),
        )
    return Sentence.of(_MESSAGES[reason.code](reason) % params, None)


def _deadline_basis(decision, version, links):
    """What grants the deadline: the clause when the policy window is the later,
    the statute when the law's period is."""
    from .citations import Citation

    for reason in decision.reasons:
        if reason.when != decision.deadline:
            continue
        if reason.code == ReasonCode.WITHIN_POLICY_WINDOW and reason.clause:
            return links.cite(version, reason.clause)
        if reason.code == ReasonCode.WITHIN_STATUTORY_PERIOD:
            return Citation(statute=reason.statute)
    if decision.cited_clauses:
        return links.cite(version, decision.cited_clauses[0])
    return Citation(statute=decision.cited_statutes[0] if decision.cited_statutes else "")


def wording(line, decision, links, market: str) -> Wording:
    """How `decision` on `line` reads, the same on every page of the portal."""
    version = line.pin.version if getattr(line, "pin", None) is not None else None
    policy = PolicyLink(
        version=version.number if version is not None else None,
        url=links.version_url(version) if version is not None else "",
    )
    by_code = {reason.code: reason for reason in decision.reasons}
    if decision.eligible:
        notes = tuple(
            _sentence(reason, version, links, market)
            for reason in decision.reasons
            if reason.code in NOTE_CODES
        )
        if decision.deadline is not None:
            headline = Sentence(
                _("Returnable until %(date)s") % {"date": _local_date(decision.deadline, market)},
                _deadline_basis(decision, version, links),
            )
        elif ReasonCode.WITHIN_POLICY_WINDOW in by_code:
            # Delivered in part: the legal period starts with the last delivery, so
            # the end is not known yet; the policy's date is the least it will be.
            window = by_code[ReasonCode.WITHIN_POLICY_WINDOW]
            headline = Sentence(
                _("Returnable until at least %(date)s")
                % {"date": _local_date(window.when, market)},
                links.cite(version, window.clause) if window.clause else None,
            )
        else:
            headline = Sentence(_("Returnable"), None)
        return Wording(True, headline, notes, policy)
    if not decision.reasons:
        return Wording(False, Sentence.of(_("This item cannot be returned.")), (), policy)
    first, *others = decision.reasons
    notes = tuple(
        _sentence(reason, version, links, market) for reason in others if reason.code in ENDED_CODES
    )
    return Wording(False, _sentence(first, version, links, market), notes, policy)
