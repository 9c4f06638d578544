"""The intake API: orders and deliveries, JSON, token-authenticated.

    POST /api/v1/orders                       create an order (idempotent by reference)
    POST /api/v1/orders/<ref>/deliveries      set delivered_at on lines (idempotent)

Views only translate HTTP to the intake service (intake.py, services.py) and back.
"""

from __future__ import annotations

import json
from functools import wraps

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from . import openapi
from .auth import token_required
from .intake import Errors, Outcome, ingest_order, languages
from .services import order_data, order_for_api, record_deliveries

STATUS = {Outcome.CREATED: 201, Outcome.REPLAYED: 200, Outcome.CONFLICT: 409, Outcome.INVALID: 400}

openapi.register()


def answer_language(view):
    """Answer in ?lang= (en, fr, de; default English), like the rest of the API:
    unprefixed URLs are English whatever the Accept-Language header says."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        raw = (request.GET.get("lang") or "").strip().lower().replace("_", "-").split("-")[0]
        lang = raw if raw in languages() else settings.LANGUAGE_CODE
        with translation.override(lang):
            return view(request, *args, **kwargs)

    return wrapper


def json_response(data: dict, status: int = 200) -> JsonResponse:
    response = JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-store"
    response["Content-Language"] = translation.get_language() or "en"
    return response


def errors_response(errors: Errors, status: int = 400) -> JsonResponse:
    return json_response({"errors": dict(errors)}, status=status)


def read_json(request: HttpRequest):
    """(data, None) or (None, error response) for a JSON request body."""
    try:
        body = request.body
    except RequestDataTooBig:
        errors = Errors()
        errors.add("body", _("The request body is too large."))
        return None, errors_response(errors, status=413)
    content_type = request.content_type or ""
    errors = Errors()
    if content_type != "application/json":
        errors.add("body", _("Send JSON with Content-Type: application/json."))
        return None, errors_response(errors, status=415)
    try:
        return json.loads(body.decode("utf-8")), None
    except (ValueError, RecursionError):  # also bad UTF-8 and over-long integers
        errors.add("body", _("The request body is not valid JSON."))
        return None, errors_response(errors)


@csrf_exempt
@require_POST
@answer_language
@token_required
def create_order(request: HttpRequest) -> JsonResponse:
    data, error = read_json(request)
    if error is not None:
        return error
    result = ingest_order(data)
    if result.outcome == Outcome.INVALID:
        return errors_response(result.errors)
    if result.outcome == Outcome.CONFLICT:
        return errors_response(result.errors, status=409)
    body = order_data(order_for_api(result.order.reference))
    return json_response(body, status=STATUS[result.outcome])


@csrf_exempt
@require_POST
@answer_language
@token_required
def deliveries(request: HttpRequest, reference: str) -> JsonResponse:
    order = order_for_api(reference)
    if order is None:
        return json_response({"detail": _("No order has this reference.")}, status=404)
    data, error = read_json(request)
    if error is not None:
        return error
    errors = record_deliveries(order, data)
    if errors:
        return errors_response(errors)
    return json_response(order_data(order_for_api(reference)))
