from wagtail import hooks
from wagtail.permissions import register_permission_policy

from .admin_views import BLOCKLIST_POLICY, blocklist_viewset
from .models import BlockedEntry

register_permission_policy(BlockedEntry, BLOCKLIST_POLICY)


@hooks.register("register_admin_viewset")
def register_screening_viewsets():
    # Settings → Blocklist (the operator's staff only).
    return [blocklist_viewset]
