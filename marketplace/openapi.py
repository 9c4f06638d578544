"""The intake API's part of the OpenAPI document (policy_pages.api assembles it)."""

from __future__ import annotations

from policy_pages import api as policy_api

_DATE_TIME = {"type": "string", "format": "date-time"}
_AMOUNT = {
    "type": "string",
    "pattern": r"^\d+(\.\d+)?$",
    "description": "A decimal string in the order's currency, never a JSON number.",
    "examples": ["39.90"],
}
_ERRORS = {"application/json": {"schema": {"$ref": "#/components/schemas/ValidationErrors"}}}
_UNAUTHORIZED = {
    "description": "Missing, malformed, unknown or revoked token. Carries WWW-Authenticate.",
    "content": _ERRORS,
}

SCHEMAS = {
    "SellerIn": {
        "type": "object",
        "required": ["reference", "name", "is_trader", "country"],
        "additionalProperties": False,
        "properties": {
            "reference": {"type": "string", "maxLength": 64, "examples": ["atelier-lumiere"]},
            "name": {"type": "string", "maxLength": 200},
            "is_trader": {
                "type": "boolean",
                "description": "False for a private seller: no statutory right of withdrawal.",
            },
            "country": {"type": "string", "description": "ISO 3166-1 alpha-2.", "examples": ["FR"]},
            "returns_address": {"type": "string", "maxLength": 1000},
        },
    },
    "CategoryIn": {
        "type": "object",
        "required": ["code", "name"],
        "additionalProperties": False,
        "properties": {
            "code": {"type": "string", "pattern": "^[a-z0-9][a-z0-9_-]*$", "maxLength": 64},
            "name": {
                "type": "object",
                "description": "The name per language (en, fr, de).",
                "additionalProperties": {"type": "string", "maxLength": 100},
                "examples": [{"en": "Shirts", "fr": "Chemises", "de": "Hemden"}],
            },
            "parent": {
                "description": "The parent: the code of a known category, or described inline.",
                "oneOf": [
                    {"type": "string"},
                    {"$ref": "#/components/schemas/CategoryIn"},
                    {"type": "null"},
                ],
            },
        },
    },
    "OrderLineIn": {
        "type": "object",
        "required": ["reference", "seller", "sku", "title", "category", "quantity", "unit_price"],
        "additionalProperties": False,
        "properties": {
            "reference": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$"},
            "seller": {"$ref": "#/components/schemas/SellerIn"},
            "sku": {"type": "string", "maxLength": 64},
            "title": {"type": "string", "maxLength": 255},
            "category": {"$ref": "#/components/schemas/CategoryIn"},
            "quantity": {"type": "integer", "minimum": 1},
            "unit_price": _AMOUNT,
            "custom_made": {"type": "boolean", "default": False},
            "perishable": {"type": "boolean", "default": False},
            "sealed_hygiene": {"type": "boolean", "default": False},
            "sealed_media": {"type": "boolean", "default": False},
            "delivered_at": {
                **_DATE_TIME,
                "type": ["string", "null"],
                "description": "Not before placed_at, not in the future.",
            },
        },
    },
    "OrderIn": {
        "type": "object",
        "required": [
            "reference",
            "buyer_email",
            "market",
            "currency",
            "placed_at",
            "withdrawal_info_given",
            "shipping",
            "payment",
            "lines",
        ],
        "additionalProperties": False,
        "properties": {
            "reference": {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$"},
            "buyer_email": {"type": "string", "format": "email"},
            "market": {"type": "string", "examples": ["FR"]},
            "currency": {"type": "string", "description": "ISO 4217.", "examples": ["EUR"]},
            "placed_at": {**_DATE_TIME, "description": "With a time zone; not in the future."},
            "withdrawal_info_given": {
                "type": "boolean",
                "description": "The buyer was told of the right of withdrawal before buying.",
            },
            "withdrawal_info_given_at": {
                **_DATE_TIME,
                "type": ["string", "null"],
                "description": "When the information was given late (only with "
                "withdrawal_info_given false).",
            },
            "shipping": {
                "type": "object",
                "required": ["standard"],
                "additionalProperties": False,
                "properties": {"standard": _AMOUNT, "express_surcharge": _AMOUNT},
            },
            "payment": {
                "type": "object",
                "required": ["method", "amount"],
                "additionalProperties": False,
                "properties": {
                    "method": {"type": "string", "examples": ["card"]},
                    "reference": {"type": "string", "maxLength": 128},
                    "amount": _AMOUNT,
                },
            },
            "lines": {
                "type": "array",
                "minItems": 1,
                "maxItems": 500,
                "items": {"$ref": "#/components/schemas/OrderLineIn"},
            },
        },
    },
    "PinnedPolicy": {
        "type": "object",
        "properties": {
            "slug": {"type": "string"},
            "version": {"type": "integer"},
            "effective_from": _DATE_TIME,
            "hash": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
            "seller": {"type": ["string", "null"]},
        },
    },
    "Order": {
        "type": "object",
        "description": "The order as stored. Each line carries the policy version it is pinned "
        "to: the one in force at placed_at for its market and seller.",
        "properties": {
            "reference": {"type": "string"},
            "buyer_email": {"type": "string"},
            "market": {"type": "string"},
            "currency": {"type": "string"},
            "placed_at": _DATE_TIME,
            "withdrawal_info_given": {"type": "boolean"},
            "withdrawal_info_given_at": {**_DATE_TIME, "type": ["string", "null"]},
            "shipping": {"type": "object"},
            "payment": {"type": "object"},
            "lines": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "reference": {"type": "string"},
                        "seller": {"type": "string"},
                        "seller_is_trader": {"type": "boolean"},
                        "sku": {"type": "string"},
                        "title": {"type": "string"},
                        "category": {"type": "string"},
                        "category_path": {"type": "array", "items": {"type": "string"}},
                        "quantity": {"type": "integer"},
                        "unit_price": {"type": "string"},
                        "delivered_at": {**_DATE_TIME, "type": ["string", "null"]},
                        "policy": {"$ref": "#/components/schemas/PinnedPolicy"},
                    },
                },
            },
        },
    },
    "DeliveriesIn": {
        "type": "object",
        "required": ["lines"],
        "additionalProperties": False,
        "properties": {
            "lines": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "required": ["reference", "delivered_at"],
                    "properties": {"reference": {"type": "string"}, "delivered_at": _DATE_TIME},
                },
            }
        },
    },
}

PATHS = {
    "/orders": {
        "post": {
            "operationId": "createOrder",
            "summary": "Take in an order",
            "description": "All or nothing; idempotent by order reference. Sellers and categories "
            "are created or updated from the lines. Each line is pinned to the return policy "
            "version in force at placed_at; a line without one is refused.",
            "tags": ["orders"],
            "security": [{"bearerToken": []}],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/OrderIn"}}
                },
            },
            "responses": {
                "201": {
                    "description": "Created.",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Order"}}
                    },
                },
                "200": {
                    "description": "The same order was already taken in: nothing was created.",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Order"}}
                    },
                },
                "400": {
                    "description": "Invalid order; errors per field path, e.g. "
                    "lines[1].quantity. Nothing was saved.",
                    "content": _ERRORS,
                },
                "401": _UNAUTHORIZED,
                "409": {
                    "description": "An order with this reference exists with other content.",
                    "content": _ERRORS,
                },
                "413": {"description": "Body too large.", "content": _ERRORS},
                "415": {"description": "Not JSON.", "content": _ERRORS},
            },
        }
    },
    "/orders/{reference}/deliveries": {
        "post": {
            "operationId": "recordDeliveries",
            "summary": "Record when lines were delivered",
            "description": "Sets delivered_at on the given lines, all or nothing. Sending the "
            "same date again changes nothing; a recorded date cannot be moved.",
            "tags": ["orders"],
            "security": [{"bearerToken": []}],
            "parameters": [{"$ref": "#/components/parameters/orderReference"}],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/DeliveriesIn"}}
                },
            },
            "responses": {
                "200": {
                    "description": "The order after the deliveries.",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Order"}}
                    },
                },
                "400": {"description": "Invalid deliveries; nothing saved.", "content": _ERRORS},
                "401": _UNAUTHORIZED,
                "404": {"description": "No order has this reference."},
            },
        }
    },
}


def register() -> None:
    """Add the intake endpoints to the API's OpenAPI document (idempotent)."""
    policy_api.COMPONENTS.setdefault("securitySchemes", {})["bearerToken"] = {
        "type": "http",
        "scheme": "bearer",
        "description": "A token printed by `manage.py create_api_token <name>`.",
    }
    policy_api.COMPONENTS["parameters"]["orderReference"] = {
        "name": "reference",
        "in": "path",
        "required": True,
        "schema": {"type": "string"},
    }
    policy_api.COMPONENTS["schemas"].update(SCHEMAS)
    policy_api.PATHS.update(PATHS)
