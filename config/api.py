"""The machine API: one NinjaAPI at /api/v1/, one router per app.

The OpenAPI document is generated from the routers' schemas and served at
/api/v1/openapi.json; interactive docs at /api/v1/docs (Swagger UI, served
from ninja's static files, not a CDN).
"""

from __future__ import annotations

from functools import wraps

from core.api.base import ReturnsHubApi
from marketplace.auth import SECURITY_SCHEME_NAME, TokenAuth
from policy_pages.api import orders, policies
from policy_pages.http import apply_cors
from return_portal import api as return_portal_api
from store_credit import api as store_credit_api


def _storefront_cors(view):
    # Storefront scripts may read the document (and the docs page) too.
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        return apply_cors(request, view(request, *args, **kwargs))

    return wrapper


api = ReturnsHubApi(
    title="Returns Hub API",
    version="1.0.0",
    description=(
        "Machine endpoints of the returns hub. Policy answers are cached (ETag, "
        "Cache-Control: public, max-age=300) and invalidated when a policy version is "
        "published; cross-origin calls are allowed only from the configured storefront "
        "origins. Errors share one envelope: status, a stable code, a message and "
        "messages per field path, in the language asked with `lang`."
    ),
    urls_namespace="api_v1",
    docs_url="/docs",
    openapi_url="/openapi.json",
    docs_decorator=_storefront_cors,
    security_scheme_names={TokenAuth.__name__: SECURITY_SCHEME_NAME},
)

api.add_router("", policies.router)
api.add_router("", orders.router)
api.add_router("", return_portal_api.router)
api.add_router("", return_portal_api.returns_router)
api.add_router("", return_portal_api.tracking_router)
api.add_router("", store_credit_api.router)

api.extend_schema(policies.document_embeds)
