from django.contrib.auth.models import Permission
from wagtail import hooks
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet

from .inbox import InboxPermissionPolicy, SupportRequestViewSet
from .models import SupportRequest

register_permission_policy(SupportRequest, InboxPermissionPolicy(SupportRequest))
register_snippet(SupportRequestViewSet)


@hooks.register("register_admin_urls")
def register_help_report_urls():
    from .reports import report_urls

    return report_urls()


def _report_menu_item(index: int):
    # The reports menu takes one item per hook function.
    def menu_item():
        from .reports import report_menu_item

        return report_menu_item(index)

    return menu_item


for _index in range(5):
    hooks.register("register_reports_menu_item", _report_menu_item(_index))


@hooks.register("register_permissions")
def register_help_permissions():
    return Permission.objects.filter(
        content_type__app_label="helpcenter",
        codename__in=["view_help_reports", "view_supportrequest", "change_supportrequest"],
    )
