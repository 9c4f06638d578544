"""Field errors with our own, translatable messages.

A validator raises `field_error(message)`; the message may be lazy and is
rendered in the request's language when the envelope is built, not when the
value is validated.
"""

from __future__ import annotations

from django.utils.functional import Promise, lazy
from pydantic_core import PydanticCustomError

# The pydantic error type of our own messages; messages.py renders ctx["message"].
CUSTOM_ERROR = "returns_hub"


def field_error(message: str | Promise) -> PydanticCustomError:
    return PydanticCustomError(CUSTOM_ERROR, "{message}", {"message": message})


def _format(message: str, params: dict) -> str:
    return str(message) % params


# A lazy "message % params": translated, then formatted, when rendered.
format_lazy_percent = lazy(_format, str)
