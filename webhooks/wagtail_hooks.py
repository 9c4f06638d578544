from wagtail import hooks

from .admin_views import delivery_viewset, endpoint_viewset


@hooks.register("register_admin_viewset")
def register_webhook_viewsets():
    # Settings → Webhook endpoints and Settings → Webhook deliveries (scoped to seller).
    return [endpoint_viewset, delivery_viewset]


@hooks.register("register_log_actions")
def register_webhook_log_actions(actions):
    from django.utils.translation import gettext_lazy as _

    actions.register_action("webhooks.resend", _("Resend"), _("Webhook resent"))
