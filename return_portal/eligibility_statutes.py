"""What each statutory reason of an eligibility decision cites, by market: the
Directive everywhere in the EU, plus the French code in France; the Consumer
Contracts Regulations 2013 (which implemented the Directive) in the UK."""

from __future__ import annotations

from datetime import datetime

from policy_pages.rules import ItemFlag

from .eligibility_reasons import Reason, ReasonCode

_DIRECTIVE = "Directive 2011/83/EU"
_CCR = "Consumer Contracts Regulations 2013"

_STATUTES: dict[ReasonCode, tuple[str, str, str]] = {
    # code: (EU, France's addition, UK)
    ReasonCode.WITHIN_STATUTORY_PERIOD: (f"{_DIRECTIVE} Art. 9", "L221-18", f"{_CCR} reg. 30"),
    ReasonCode.STATUTORY_PERIOD_ENDED: (f"{_DIRECTIVE} Art. 9", "L221-18", f"{_CCR} reg. 30"),
    ReasonCode.STATUTORY_PERIOD_NOT_STARTED: (
        f"{_DIRECTIVE} Art. 9(2)(b)(i)",
        "L221-18",
        f"{_CCR} reg. 30",
    ),
    ReasonCode.NON_TRADER_NO_STATUTORY_RIGHT: (
        f"{_DIRECTIVE} Art. 3(1), Art. 6a(1)(b)",
        "",
        f"{_CCR} reg. 4",
    ),
    ReasonCode.WITHDRAWAL_INFO_MISSING_EXTENSION: (
        f"{_DIRECTIVE} Art. 10(1)",
        "L221-20",
        f"{_CCR} reg. 31",
    ),
    ReasonCode.WITHDRAWAL_INFO_LATE: (f"{_DIRECTIVE} Art. 10(2)", "L221-20", f"{_CCR} reg. 31"),
}
# Art. 16 letters and L221-28 items of each item exception.
_EXCEPTION_STATUTES: dict[ItemFlag, tuple[str, str]] = {
    ItemFlag.CUSTOM_MADE: ("16(c)", "3°"),
    ItemFlag.PERISHABLE: ("16(d)", "4°"),
    ItemFlag.SEALED_HYGIENE: ("16(e)", "5°"),
    ItemFlag.SEALED_MEDIA: ("16(i)", "9°"),
}


def statute_of(code: ReasonCode, market: str) -> str:
    eu, france, uk = _STATUTES[code]
    if market == "GB":
        return uk
    if market == "FR" and france:
        return f"{eu}; C. consom. {france}"
    return eu


def exception_statute(flag: ItemFlag, market: str) -> str:
    article, french_item = _EXCEPTION_STATUTES[flag]
    if market == "GB":
        return f"{_CCR} reg. 28(1)"
    if market == "FR":
        return f"{_DIRECTIVE} Art. {article}; C. consom. L221-28 {french_item}"
    return f"{_DIRECTIVE} Art. {article}"


def law_reason(code: ReasonCode, market: str, when: datetime | None = None) -> Reason:
    return Reason(code, statute=statute_of(code, market), when=when)
