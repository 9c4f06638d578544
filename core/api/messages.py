"""Pydantic's errors as our envelope: a field path and a message from our
catalogue per error, in the active language (pydantic's own messages are
English only)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .constraints import CONSTRAINT_ERROR
from .fields import CUSTOM_ERROR
from .instant import malformed_message

PARAMETER_SOURCES = frozenset({"query", "path", "header", "cookie"})


def field_path(loc: Sequence[str | int]) -> str:
    """("lines", 1, "quantity") -> "lines[1].quantity"."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def _required(parameter: bool) -> str:
    return _("This parameter is required.") if parameter else _("This field is required.")


def _at_least(ctx: Mapping) -> str:
    count = ctx.get("min_length", 1)
    return ngettext(
        "At least %(min)d item is required.", "At least %(min)d items are required.", count
    ) % {"min": count}


def _too_short(ctx: Mapping) -> str:
    count = ctx.get("min_length", 1)
    if count <= 1:
        return _("This field cannot be blank.")
    return ngettext(
        "At least %(min)d character is required.",
        "At least %(min)d characters are required.",
        count,
    ) % {"min": count}


# pydantic error type -> message(ctx). Types not listed get a generic message.
_MESSAGES = {
    "extra_forbidden": lambda ctx: _("Unknown field."),
    "string_type": lambda ctx: _("Expected a string."),
    "string_too_long": lambda ctx: (
        _("At most %(max)d characters are allowed.") % {"max": ctx.get("max_length", 0)}
    ),
    "string_too_short": _too_short,
    "string_pattern_mismatch": lambda ctx: _("This value does not have the expected format."),
    "too_short": _at_least,
    "too_long": lambda ctx: (
        _("At most %(max)d items are allowed.") % {"max": ctx.get("max_length", 0)}
    ),
    "int_type": lambda ctx: _("Expected a whole number, such as 1."),
    "int_parsing": lambda ctx: _("Expected a whole number, such as 1."),
    "int_from_float": lambda ctx: _("Expected a whole number, such as 1."),
    "bool_type": lambda ctx: _("Expected true or false."),
    "bool_parsing": lambda ctx: _("Expected true or false."),
    "literal_error": lambda ctx: (
        _("Use one of these values: %(values)s.") % {"values": ctx.get("expected", "")}
    ),
    "enum": lambda ctx: (
        _("Use one of these values: %(values)s.") % {"values": ctx.get("expected", "")}
    ),
    "greater_than_equal": lambda ctx: (
        _("The value must be at least %(min)s.") % {"min": ctx.get("ge")}
    ),
    "greater_than": lambda ctx: _("The value must be more than %(min)s.") % {"min": ctx.get("gt")},
    "less_than_equal": lambda ctx: _("The value must be at most %(max)s.") % {"max": ctx.get("le")},
    "less_than": lambda ctx: _("The value must be less than %(max)s.") % {"max": ctx.get("lt")},
    "dict_type": lambda ctx: _("Expected a JSON object."),
    "model_type": lambda ctx: _("Expected a JSON object."),
    "model_attributes_type": lambda ctx: _("Expected a JSON object."),
    "list_type": lambda ctx: _("Expected a list."),
    "datetime_type": lambda ctx: malformed_message(),
    "datetime_parsing": lambda ctx: malformed_message(),
    "datetime_from_date_parsing": lambda ctx: malformed_message(),
    "timezone_aware": lambda ctx: _("Include a time zone, such as Z or +02:00."),
    "json_invalid": lambda ctx: _("The request body is not valid JSON."),
}


def error_message(error: Mapping[str, Any], *, parameter: bool = False) -> str:
    """Our message for one pydantic error dict, in the active language."""
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind in (CUSTOM_ERROR, CONSTRAINT_ERROR):
        return str(ctx["message"])
    if kind == "missing":
        return _required(parameter)
    render = _MESSAGES.get(kind)
    if render is not None:
        return str(render(ctx))
    return _("This value is not valid.")


def errors_by_path(
    errors: Iterable[Mapping[str, Any]], *, source: str | None = None
) -> dict[str, list[str]]:
    """{path: [messages]} for pydantic error dicts. Each dict may carry its own
    "path" and "source" (the API's validation errors do); else its "loc" is
    the path and `source` says where the values came from."""
    result: dict[str, list[str]] = {}
    for error in errors:
        where = error.get("source", source)
        path = error.get("path")
        if path is None:
            path = field_path(error.get("loc", ()))
        message = error_message(error, parameter=where in PARAMETER_SOURCES)
        result.setdefault(path or "body", []).append(message)
    return result
