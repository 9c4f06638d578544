from wagtail import hooks
from wagtail.permissions import register_permission_policy

from .admin_views import (
    API_TOKEN_POLICY,
    SELLER_STAFF_POLICY,
    api_token_viewset,
    seller_staff_viewset,
)
from .models import ApiToken, SellerMembership

register_permission_policy(SellerMembership, SELLER_STAFF_POLICY)
register_permission_policy(ApiToken, API_TOKEN_POLICY)


@hooks.register("register_admin_viewset")
def register_marketplace_viewsets():
    # Settings → Seller staff and Settings → API tokens (the operator's staff only).
    return [seller_staff_viewset, api_token_viewset]
