"""The URL walk's helpers (test_url_walk.py): signing in, filling a URL's
parameters with seller A's identifiers, and calling the API with a token."""

from __future__ import annotations

import json
import uuid

import pytest
from django.test import Client

from config.api import api as ninja_api
from tests.access.walk_world import OPENAPI_PARAM, body_of
from tests.return_portal.seller_world import lookalike


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)  # with the TOTP step (tests/conftest.py)
    return client


def fill(route, world, *, unknown=False) -> str:
    """The route with seller A's identifiers (or, `unknown`, ones naming nothing).
    A parameter this module cannot fill fails the test with the route's name."""
    named = world.by_name()
    values = {}
    for param in route.params:
        if (route.name, param) in named:
            value = named[(route.name, param)]
        elif param == "pk" and route.model in world.objects_by_model():
            value = world.objects_by_model()[route.model].pk
        elif param in PORTAL_PARAMS:
            value = PORTAL_PARAMS[param](world)
        else:
            pytest.fail(f"{route.label}: the URL walk cannot fill <{param}>; add it to World")
        values[param] = _nothing(value) if unknown and param != "language" else value
    return route.url(values)


def _nothing(value):
    """An identifier of the same kind that names nothing."""
    if isinstance(value, uuid.UUID):
        return uuid.uuid4()
    return 987654321 if isinstance(value, int) else f"NONE-{value}"[:20]


PORTAL_PARAMS = {
    "order_id": lambda w: w.order.public_id,
    "return_id": lambda w: w.return_a.public_id,
    "photo_id": lambda w: w.photo.public_id,
    "line": lambda w: w.order.lines.values_list("reference", flat=True).first(),
    "reference": lambda w: w.support.reference,
}


def leaked(response, world) -> list[str]:
    text = body_of(response)
    return [secret for secret in world.secrets if secret in text]


def api_url(path, world, *, unknown=False) -> str:
    values = {
        "rma": world.return_a.rma,
        "reference": world.order.reference,
        "email": world.buyer.email,
        "entry_id": str(world.spend.public_id),
    }
    for name in OPENAPI_PARAM.findall(path):
        if name not in values:
            pytest.fail(f"{path}: the URL walk cannot fill {{{name}}}; add it to api_url")
        value = lookalike(values[name]) if unknown else values[name]
        path = path.replace("{" + name + "}", value)
    return path


def example(operation) -> dict:
    """The body's documented example (a valid body reaches the scope check)."""
    schema = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
    schema = schema.get("schema", {})
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        schema = ninja_api.get_openapi_schema()["components"]["schemas"][name]
    return (schema.get("examples") or [{}])[0]


def call(method, url, operation, token=None, client=None):
    client = client or Client()
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if method == "get":
        return client.get(url, headers=headers)
    body = json.dumps(example(operation))
    return client.generic(method.upper(), url, body, "application/json", headers=headers)


def api_id(op):
    return f"{op[0].upper()} {op[1]}"
