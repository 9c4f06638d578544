"""String types that refuse NUL and other control characters, with bounds.

Every string of every schema is one of these: a control character (C0 but
tab, line feed and carriage return, and DEL) is a 400 naming the field,
never a value that reaches the database (PostgreSQL refuses NUL with a 500).
The schema says so with a pattern, and states the length bounds.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from django.utils.translation import gettext_lazy as _
from pydantic import AfterValidator, BeforeValidator, Field

from .fields import field_error

CONTROL_CHARACTERS = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f"
_CONTROL_RE = re.compile(f"[{CONTROL_CHARACTERS}]")
# The same class, escaped, for JSON Schema (ECMA 262 and Python agree on it).
NO_CONTROL_PATTERN = r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$"


def either_case(word: str) -> str:
    """A regex matching `word` in any letter case, written out letter by letter
    ("fr" -> "[fF][rR]") so that JSON Schema (ECMA 262 regexes have no inline
    flags) and Python agree on exactly the same strings."""
    return "".join(f"[{c.lower()}{c.upper()}]" if c.isalpha() else re.escape(c) for c in word)


def has_control_characters(value: str) -> bool:
    return _CONTROL_RE.search(value) is not None


def control_message():
    return _("Control characters are not allowed.")


def _refuse_controls(value: Any) -> Any:
    if isinstance(value, str) and has_control_characters(value):
        raise field_error(control_message())
    return value


def text(
    max_length: int,
    *,
    min_length: int | None = None,
    pattern: str | None = None,
    pattern_message=None,
    **field: Any,
) -> Any:
    """A str type: no control characters, at most `max_length` characters.

    `pattern` (a full-match regex, written with ^…$, that must itself exclude
    control characters) replaces the schema's control-character pattern;
    `pattern_message` is the message when it does not match. Other keywords
    (description, examples) go to the schema.
    """
    checks: list[Any] = [BeforeValidator(_refuse_controls)]
    if pattern is not None:
        compiled = re.compile(pattern)
        message = pattern_message or _("This value does not have the expected format.")

        def _match(value: str) -> str:
            if not compiled.fullmatch(value):
                raise field_error(message)
            return value

        checks.append(AfterValidator(_match))
    schema_extra = {"pattern": pattern or NO_CONTROL_PATTERN}
    return Annotated[
        str,
        Field(
            max_length=max_length, min_length=min_length, json_schema_extra=schema_extra, **field
        ),
        *checks,
    ]
