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
