"""ReturnsHubApi: a NinjaAPI with the kit wired in.

- every error is the envelope (handlers.py), 405 included;
- validation errors carry field paths (`lines[1].quantity`, `market`);
- the whole operation, auth and validation included, speaks the request's
  `lang`, and the answer says which (Content-Language);
- JSON bodies go through JsonParser (415, 413, 400);
- the OpenAPI document lists paths relative to its server (".../api/v1"),
  made absolute for the host asked, and can be extended by the composition
  root (e.g. with an HTML endpoint outside the API).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import path as django_path
from django.urls import reverse
from django.utils import translation
from ninja import NinjaAPI
from ninja.errors import ValidationError

from . import handlers
from .body import JsonParser
from .errors import ApiError, ErrorOut, error_response
from .lang import language_scope, request_lang
from .messages import field_path

SchemaExtension = Callable[[dict, HttpRequest], None]
OPENAPI_MAX_AGE = 3600


class ReturnsHubApi(NinjaAPI):
    def __init__(self, *, security_scheme_names: dict[str, str] | None = None, **kwargs: Any):
        kwargs.setdefault("parser", JsonParser())
        super().__init__(**kwargs)
        handlers.install(self)
        self.add_decorator(language_scope, mode="view")
        # ninja names a security scheme after its auth class; the document
        # may promise another name (API 1.0 called the bearer scheme bearerToken).
        self.security_scheme_names = security_scheme_names or {}
        self._schema_extensions: list[SchemaExtension] = []

    # --- errors ---------------------------------------------------------------

    def validation_error_from_error_contexts(self, error_contexts) -> ValidationError:
        errors: list[dict] = []
        for context in error_contexts:
            model = context.model
            source = model.__ninja_param_source__
            # A single body schema is read into one attribute named after the
            # view's argument: the client never saw that name, so drop it.
            single = getattr(model, "__read_from_single_attr__", None)
            reverse_map = getattr(model, "__ninja_flatten_map_reverse__", {})
            for error in context.pydantic_validation_error.errors(
                include_url=False, include_input=False
            ):
                loc = tuple(reverse_map.get(error["loc"], error["loc"]))
                relative = loc[1:] if single and loc[:1] == (single,) else loc
                errors.append(
                    {
                        **error,
                        "loc": (source, *loc),
                        "source": source,
                        "path": field_path(relative),
                    }
                )
        return ValidationError(errors)

    # --- URLs -----------------------------------------------------------------

    def _get_urls(self):
        patterns = []
        for pattern in super()._get_urls():
            if getattr(pattern, "name", None) == "openapi-json":
                view = self._openapi_view
                if self.docs_decorator:
                    view = self.docs_decorator(view)
                pattern = django_path(pattern.pattern._route, view, name="openapi-json")
            pattern.callback = _envelope_for_405(pattern.callback)
            patterns.append(pattern)
        return patterns

    # --- OpenAPI --------------------------------------------------------------

    def extend_schema(self, extension: SchemaExtension) -> SchemaExtension:
        """Register `extension(document, request)`, run on every generated
        document (after the servers are made absolute)."""
        self._schema_extensions.append(extension)
        return extension

    def openapi_document(self, request: HttpRequest) -> dict:
        root = reverse(f"{self.urls_namespace}:api-root")
        # Paths relative to the server, as API 1.0 documented them.
        schema = self.get_openapi_schema(path_prefix="")
        document = copy.deepcopy(dict(schema))
        document["servers"] = [{"url": request.build_absolute_uri(root).rstrip("/")}]
        components = document.setdefault("components", {})
        components.setdefault("schemas", {}).setdefault(
            "ErrorOut", ErrorOut.model_json_schema(ref_template="#/components/schemas/{model}")
        )
        self._rename_security_schemes(document)
        for extension in self._schema_extensions:
            extension(document, request)
        return document

    def _rename_security_schemes(self, document: dict) -> None:
        if not self.security_scheme_names:
            return
        schemes = document.get("components", {}).get("securitySchemes", {})
        for old, new in self.security_scheme_names.items():
            if old in schemes:
                schemes[new] = schemes.pop(old)
        for item in document.get("paths", {}).values():
            for operation in item.values():
                if isinstance(operation, dict) and "security" in operation:
                    operation["security"] = [
                        {self.security_scheme_names.get(k, k): v for k, v in req.items()}
                        for req in operation["security"]
                    ]

    def _openapi_view(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        if request.method not in ("GET", "HEAD"):
            return _method_not_allowed(request, ("GET", "HEAD"))
        with translation.override(request_lang(request)):
            document = self.openapi_document(request)
        response = JsonResponse(document, json_dumps_params={"ensure_ascii": False})
        response["Cache-Control"] = f"public, max-age={OPENAPI_MAX_AGE}"
        return response


def _method_not_allowed(request: HttpRequest, allowed) -> HttpResponse:
    with translation.override(request_lang(request)):
        response = error_response(request, ApiError(405))
        response["Allow"] = ", ".join(sorted(allowed))
        response["Content-Language"] = translation.get_language()
    return response


def _envelope_for_405(view):
    """ninja answers an unsupported method with a plain-text 405 before any
    operation runs: give it the envelope, keeping the Allow header."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        if response.status_code == 405 and not response.get("Content-Type", "").startswith(
            "application/json"
        ):
            allowed = [m.strip() for m in response.get("Allow", "").split(",") if m.strip()]
            return _method_not_allowed(request, allowed)
        return response

    return wrapper
