"""The eligibility API: what each line of an order can be returned under, as of any
instant, for support staff, integrations and audits.

    GET /api/v1/orders/<ref>/eligibility?at=<ISO datetime>&opened=<line ref>,…&lang=fr

It runs `decide_order`, the function the buyer portal runs. `opened` carries the
buyer's declaration that the sealed goods of those lines were unsealed after delivery.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from marketplace.auth import token_required
from marketplace.intake import parse_instant
from marketplace.models import Order
from marketplace.services import pinned_policy_data
from policy_pages import api as policy_api

from .eligibility import Decision
from .services import Declarations, decide_order, orders_for_decisions

MAX_OPENED = 500


def _languages() -> tuple[str, ...]:
    return tuple(code for code, _name in settings.LANGUAGES)


def _parse_lang(raw: str | None) -> tuple[str, bool]:
    if raw is None or not raw.strip():
        return settings.LANGUAGE_CODE, True
    code = raw.strip().lower().replace("_", "-").split("-")[0]
    return (code, True) if code in _languages() else (settings.LANGUAGE_CODE, False)


def _iso(instant: datetime | None) -> str | None:
    # Deadlines are already in the market's zone: the end of their last day there.
    return instant.isoformat() if instant else None


def decision_data(line, decision: Decision) -> dict:
    return {
        "reference": line.reference,
        "sku": line.sku,
        "title": line.title,
        "quantity": line.quantity,
        "eligible": decision.eligible,
        "returnable_quantity": decision.returnable_quantity if decision.eligible else 0,
        "remaining_quantity": decision.returnable_quantity,
        "policy_deadline": _iso(decision.policy_deadline),
        "statutory_deadline": _iso(decision.statutory_deadline),
        "deadline": _iso(decision.deadline),
        "statutory_right": decision.statutory_right,
        "conditions_apply": decision.conditions_apply,
        "policy": pinned_policy_data(line),
        "reasons": [
            {
                "code": reason.code.value,
                "message": reason.message,
                "clause": reason.clause or None,
                "statute": reason.statute or None,
            }
            for reason in decision.reasons
        ],
    }


def _json(data: dict, status: int, lang: str) -> JsonResponse:
    response = JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})
    response["Content-Language"] = lang
    response["Cache-Control"] = "no-store"
    return response


@require_GET
@token_required
def eligibility(request: HttpRequest, reference: str) -> JsonResponse:
    lang, lang_ok = _parse_lang(request.GET.get("lang"))
    with translation.override(lang):
        errors: dict[str, list[str]] = {}
        if not lang_ok:
            errors["lang"] = [
                _("Use one of these language codes: %(codes)s.")
                % {"codes": ", ".join(_languages())}
            ]
        at = timezone.now()
        raw_at = request.GET.get("at")
        if raw_at is not None and raw_at.strip():
            parsed = parse_instant(raw_at.strip())
            head, _sep, offset = raw_at.strip().rpartition(" ")
            if isinstance(parsed, str) and head and offset[:1].isdigit():
                # An unencoded "+02:00" arrives as " 02:00" (a "+" in a query is a space).
                retried = parse_instant(f"{head}+{offset}")
                parsed = parsed if isinstance(retried, str) else retried
            if isinstance(parsed, str):
                errors["at"] = [parsed]
            else:
                at = parsed
        opened_raw = request.GET.get("opened", "")
        opened = {ref.strip() for ref in opened_raw.split(",") if ref.strip()}
        if len(opened) > MAX_OPENED:
            errors["opened"] = [_("Too many lines.")]
        order = orders_for_decisions(Order.objects.filter(reference=reference)).first()
        if order is None:
            return _json({"detail": _("No order has this reference.")}, 404, lang)
        known = {line.reference for line in order.lines.all()}
        unknown = sorted(opened - known)
        if unknown and "opened" not in errors:
            errors["opened"] = [
                _("This order has no line with the reference %(reference)s.") % {"reference": ref}
                for ref in unknown[:10]
            ]
        if errors:
            return _json({"errors": errors}, 400, lang)
        decisions = decide_order(order, at, Declarations.of(opened))
        return _json(
            {
                "order": order.reference,
                "market": order.market,
                "at": at.isoformat(),
                "lang": lang,
                "opened": sorted(opened),
                "lines": [decision_data(line, decision) for line, decision in decisions],
            },
            200,
            lang,
        )


# --- OpenAPI -------------------------------------------------------------------------------

_DEADLINE = {
    "type": ["string", "null"],
    "format": "date-time",
    "description": "The end of the last day in the market's time zone (after moving off "
    "weekends and public holidays).",
}

OPENAPI_SCHEMAS = {
    "Reason": {
        "type": "object",
        "required": ["code", "message"],
        "properties": {
            "code": {"type": "string", "examples": ["within_policy_window", "item_exception"]},
            "message": {"type": "string", "description": "In the requested language."},
            "clause": {"type": ["string", "null"], "description": "Policy clause anchor."},
            "statute": {"type": ["string", "null"], "examples": ["Directive 2011/83/EU Art. 9"]},
        },
    },
    "LineEligibility": {
        "type": "object",
        "properties": {
            "reference": {"type": "string"},
            "sku": {"type": "string"},
            "title": {"type": "string"},
            "quantity": {"type": "integer"},
            "eligible": {"type": "boolean"},
            "returnable_quantity": {"type": "integer", "description": "0 when not eligible."},
            "remaining_quantity": {
                "type": "integer",
                "description": "Units not yet returned nor in an open return.",
            },
            "policy_deadline": _DEADLINE,
            "statutory_deadline": _DEADLINE,
            "deadline": {**_DEADLINE, "description": "The later of the two."},
            "statutory_right": {"type": "boolean"},
            "conditions_apply": {"type": "boolean"},
            "policy": {"$ref": "#/components/schemas/PinnedPolicy"},
            "reasons": {"type": "array", "items": {"$ref": "#/components/schemas/Reason"}},
        },
    },
    "OrderEligibility": {
        "type": "object",
        "properties": {
            "order": {"type": "string"},
            "market": {"type": "string"},
            "at": {"type": "string", "format": "date-time"},
            "lang": {"type": "string"},
            "opened": {"type": "array", "items": {"type": "string"}},
            "lines": {"type": "array", "items": {"$ref": "#/components/schemas/LineEligibility"}},
        },
    },
}

OPENAPI_PATHS = {
    "/orders/{reference}/eligibility": {
        "get": {
            "operationId": "orderEligibility",
            "summary": "Can each line of an order be returned, and why",
            "description": "Runs the portal's decision as of any instant: the policy window of "
            "the version each line is pinned to, and the statutory withdrawal period.",
            "tags": ["orders"],
            "security": [{"bearerToken": []}],
            "parameters": [
                {"$ref": "#/components/parameters/orderReference"},
                {
                    "name": "at",
                    "in": "query",
                    "required": False,
                    "description": "The instant judged (ISO 8601 with a time zone). Default: now.",
                    "schema": {"type": "string", "format": "date-time"},
                },
                {
                    "name": "opened",
                    "in": "query",
                    "required": False,
                    "description": "Comma-separated line references whose sealed goods the "
                    "buyer unsealed after delivery.",
                    "schema": {"type": "string"},
                },
                {"$ref": "#/components/parameters/lang"},
            ],
            "responses": {
                "200": {
                    "description": "One decision per line.",
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/OrderEligibility"}
                        }
                    },
                },
                "400": {
                    "description": "Invalid parameters.",
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/ValidationErrors"}
                        }
                    },
                },
                "401": {"description": "Missing or invalid token (WWW-Authenticate)."},
                "404": {"description": "No order has this reference."},
            },
        }
    }
}


def register_openapi() -> None:
    """Add the eligibility endpoint to the API's OpenAPI document (idempotent)."""
    policy_api.COMPONENTS["schemas"].update(OPENAPI_SCHEMAS)
    policy_api.PATHS.update(OPENAPI_PATHS)


register_openapi()
