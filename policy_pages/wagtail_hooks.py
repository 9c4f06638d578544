from django.contrib import messages
from wagtail import hooks

from .compliance import check
from .models import PolicyPage


@hooks.register("after_create_page")
@hooks.register("after_edit_page")
def show_compliance_warnings(request, page):
    """Lawful but risky settings: shown to the editor, never blocking."""
    if isinstance(page.specific, PolicyPage):
        for finding in check(page.specific.build_rules()).warnings:
            messages.warning(request, finding.message)


# --- Compliance audit report (policy_pages.audit) ------------------------------
# The report module (admin views, filters) is imported inside the hooks, so it
# loads when Wagtail builds its URLs and menus, not with every hooks import.


@hooks.register("register_admin_urls")
def register_policy_audit_urls():
    from .audit import audit_urls

    return audit_urls()


@hooks.register("register_reports_menu_item")
def register_policy_audit_menu_item():
    from .audit import audit_menu_item

    return audit_menu_item()


@hooks.register("register_permissions")
def register_policy_audit_permission():
    from .audit import audit_permissions

    return audit_permissions()
