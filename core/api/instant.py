"""The instant type: ISO 8601 (RFC 3339) with a time zone, aware, in UTC.

Exactly what INSTANT_PATTERN says is accepted, plus one repair: an unencoded
"+02:00" in a query string arrives as " 02:00" (a "+" means a space there)
and is read as "+02:00". Years run from 1000 to 9989 so that any offset
converts to UTC without overflow. An empty value is refused: a blank `at=`
is a client that failed to fill in a date, and silently answering "now"
would judge the wrong moment.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated

from django.utils.translation import gettext_lazy as _
from pydantic import PlainValidator, WithJsonSchema

from .fields import field_error

MAX_INSTANT_LENGTH = 64
MIN_YEAR, MAX_YEAR = 1000, 9989

_YEAR = r"(?:1\d{3}|[2-8]\d{3}|9[0-8]\d{2}|99[0-8]\d)"
_DATE = r"-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])"
_TIME = r"T(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{1,6})?"
_ZONE = r"(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)"
INSTANT_PATTERN = f"^{_YEAR}{_DATE}{_TIME}{_ZONE}$"
_INSTANT_RE = re.compile(INSTANT_PATTERN)
# Roughly the right shape, to tell "no time zone" and "out of range" apart
# from plain nonsense in the messages.
_SHAPE_RE = re.compile(
    r"(?P<year>\d{4})-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?P<zone>Z|[+-]\d{2}:?\d{2})?)?"
)
_UNENCODED_PLUS = re.compile(r"(?P<head>.*\d) (?P<offset>\d{2}:\d{2})")


class InstantError(ValueError):
    def __init__(self, message) -> None:
        self.message = message
        super().__init__(str(message))


def malformed_message():
    return _("Use an ISO 8601 date and time with a time zone, such as 2026-05-01T10:00:00Z.")


def parse_instant(raw: str) -> datetime:
    """The aware UTC datetime for `raw`, or InstantError with the message."""
    if not isinstance(raw, str) or not raw or len(raw) > MAX_INSTANT_LENGTH:
        raise InstantError(malformed_message())
    text = raw
    unencoded = _UNENCODED_PLUS.fullmatch(text)
    if unencoded:
        text = f"{unencoded['head']}+{unencoded['offset']}"
    shape = _SHAPE_RE.fullmatch(text)
    if shape is None:
        raise InstantError(malformed_message())
    if shape["zone"] is None:
        raise InstantError(_("Include a time zone, such as Z or +02:00."))
    if not MIN_YEAR <= int(shape["year"]) <= MAX_YEAR:
        raise InstantError(_("This date is out of range."))
    if not _INSTANT_RE.fullmatch(text):
        raise InstantError(malformed_message())
    try:
        return datetime.fromisoformat(text).astimezone(UTC)
    except (ValueError, OverflowError):  # e.g. 31 February
        raise InstantError(malformed_message()) from None


def _validate(value: object) -> datetime:
    try:
        return parse_instant(value)  # type: ignore[arg-type]
    except InstantError as error:
        raise field_error(error.message) from None


INSTANT_SCHEMA = {
    "type": "string",
    "format": "date-time",
    "pattern": INSTANT_PATTERN,
    "maxLength": MAX_INSTANT_LENGTH,
    "description": "ISO 8601 (RFC 3339) date and time with a time zone, years 1000 to "
    f"{MAX_YEAR}; an unencoded + in a query string (read as a space) is accepted.",
    "examples": ["2026-05-01T10:00:00+02:00"],
}

# An aware datetime in UTC.
Instant = Annotated[datetime, PlainValidator(_validate), WithJsonSchema(INSTANT_SCHEMA)]
