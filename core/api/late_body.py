"""A JSON body validated inside the operation rather than before it.

ninja validates a typed body before the operation runs. Some answers must come
first: a body sent to a resource that does not exist answers 404, not 400. Such
an operation reads its body with `parse_body` after those checks and documents
it with `request_body` (openapi_extra), so the document still shows the schema.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.http import HttpRequest
from pydantic import BaseModel, ValidationError

from .body import JSON_MEDIA_TYPE, read_json
from .constraints import validation_code
from .errors import ApiError
from .messages import errors_by_path

M = TypeVar("M", bound=BaseModel)


def parse_body(request: HttpRequest, schema: type[M], *, context: dict | None = None) -> M:
    """The body as `schema`, or ApiError: 415 (not JSON), 400 (bad JSON, or
    messages per field path); 413 propagates as RequestDataTooBig."""
    data = read_json(request)
    try:
        return schema.model_validate(data, context={"request": request, **(context or {})})
    except ValidationError as error:
        errors = error.errors()
        raise ApiError(400, code=validation_code(errors), errors=errors_by_path(errors)) from None


def request_body(schema: type[BaseModel], *, description: str = "") -> dict[str, Any]:
    """`openapi_extra` documenting `schema` as the operation's JSON body (inlined:
    the schema has no component of its own, ninja never saw it)."""
    document = schema.model_json_schema()
    definitions = document.pop("$defs", {})
    body: dict[str, Any] = {
        "required": True,
        "content": {JSON_MEDIA_TYPE: {"schema": _inline(document, definitions, ())}},
    }
    if description:
        body["description"] = description
    return {"requestBody": body}


def _inline(node: Any, definitions: dict, seen: tuple[str, ...]) -> Any:
    if isinstance(node, list):
        return [_inline(item, definitions, seen) for item in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            raise ValueError(f"{name} is recursive: give it a component instead.")
        target = _inline(definitions[name], definitions, (*seen, name))
        return {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return {key: _inline(value, definitions, seen) for key, value in node.items()}
