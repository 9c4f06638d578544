from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from .attention_views import AttentionView
from .views import DashboardView, may_see_dashboard


@hooks.register("register_admin_urls")
def register_insights_urls():
    return [
        path("insights/", DashboardView.as_view(), name="insights_dashboard"),
        path("insights/attention/", AttentionView.as_view(), name="insights_attention"),
    ]


class InsightsMenuItem(MenuItem):
    def is_shown(self, request):
        return may_see_dashboard(request.user)


@hooks.register("register_admin_menu_item")
def register_insights_menu_item():
    return InsightsMenuItem(
        _("Returns insights"), reverse("insights_dashboard"), icon_name="table", order=245
    )


@hooks.register("register_log_actions")
def register_csat_log_actions(actions):
    actions.register_action(
        "insights.csat.invite",
        _("Satisfaction survey sent"),
        _("Sent the buyer the satisfaction survey"),
    )
    actions.register_action(
        "insights.csat.answer",
        _("Satisfaction survey answered"),
        _("The buyer answered the satisfaction survey"),
    )
