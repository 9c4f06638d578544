"""Refusals the schema cannot express, told apart from format errors.

A value can be well formed and still refused by a rule between fields or
against the clock (a delivery before the order was placed, a date in the
future, cents in yen, a category its own parent). Its validator raises
`constraint_error(message)`: the message renders like `field_error`'s, and an
answer made only of such errors (and of names the database does not know)
carries the code "constraint" instead of "invalid", so clients, and the
schema fuzzing in CI, can tell "the schema said no" from "the rules did".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.functional import Promise
from pydantic_core import PydanticCustomError

from .errors import ErrorCode

CONSTRAINT_ERROR = "returns_hub_constraint"


def constraint_error(message: str | Promise) -> PydanticCustomError:
    return PydanticCustomError(CONSTRAINT_ERROR, "{message}", {"message": message})


def validation_code(errors: Iterable[Mapping[str, Any]]) -> ErrorCode:
    """The code of a 400 made of these pydantic error dicts."""
    kinds = {error.get("type") for error in errors}
    return ErrorCode.CONSTRAINT if kinds == {CONSTRAINT_ERROR} else ErrorCode.INVALID
