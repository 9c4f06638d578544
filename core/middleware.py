"""Refuse NUL and other control characters in the path or the query string
before any view runs: nothing carrying them reaches the database (PostgreSQL
refuses NUL in text with an error, which would be a 500).

API paths (/api/) answer the JSON error envelope; every other path answers
the translated 400 page. Form bodies are not inspected here: Django's form
fields already refuse NUL (ProhibitNullCharactersValidator) with a form error.
"""

from __future__ import annotations

import copy

from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, QueryDict
from django.template import TemplateDoesNotExist
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from core.api.errors import ApiError, error_response
from core.api.lang import request_lang
from core.api.text import control_message, has_control_characters

API_PREFIX = "/api/"


def offending_parts(request: HttpRequest) -> dict[str, list[str]]:
    """{where: [message]} for the path and each query parameter (by name)
    that carries a control character; empty when the request is clean."""
    errors: dict[str, list[str]] = {}
    if has_control_characters(request.path_info) or has_control_characters(request.path):
        errors["path"] = [control_message()]
    for key, values in request.GET.lists():
        if has_control_characters(key) or any(has_control_characters(v) for v in values):
            name = key if not has_control_characters(key) else "query"
            errors.setdefault(name, [control_message()])
    return errors


class ControlCharactersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if has_control_characters(request.path_info) or _query_is_dirty(request):
            return self.refuse(request)
        return self.get_response(request)

    def refuse(self, request: HttpRequest) -> HttpResponse:
        if request.path_info.startswith(API_PREFIX):
            lang = request_lang(request)
            with translation.override(lang):
                response = error_response(request, ApiError(400, errors=offending_parts(request)))
                response["Content-Language"] = lang
            return response
        return _bad_request_page(request)


def _query_is_dirty(request: HttpRequest) -> bool:
    # The raw string first: cheap, and most requests have no "%" at all.
    raw = request.META.get("QUERY_STRING", "")
    if not raw:
        return False
    if has_control_characters(raw):
        return True
    if "%" not in raw:
        return False
    return any(
        has_control_characters(key) or any(has_control_characters(v) for v in values)
        for key, values in request.GET.lists()
    )


def _bad_request_page(request: HttpRequest) -> HttpResponse:
    # The page's chrome (language switcher, login link) reads the path and the
    # query: give it a clean copy of the request that points at the home page.
    clean = copy.copy(request)
    clean.path = clean.path_info = "/"
    clean.GET = QueryDict()
    clean.META = {**request.META, "QUERY_STRING": "", "PATH_INFO": "/"}
    try:
        body = render_to_string("400.html", {"request": clean}, request=clean)
    except TemplateDoesNotExist:
        body = f"<h1>{_('Bad request')}</h1>"
    response = HttpResponseBadRequest(body)
    response["Content-Language"] = translation.get_language()
    return response
