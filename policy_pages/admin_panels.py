"""The admin dashboard's warning when the last scheduled chain verification
found the policy versions broken (wagtail_hooks registers it)."""

from wagtail.admin.ui.components import Component


class BrokenChainPanel(Component):
    name = "policy_chain_broken"
    template_name = "policy_pages/admin/chain_broken_panel.html"
    order = 10  # above Wagtail's own panels: it needs action

    def __init__(self, verification):
        self.verification = verification

    def get_context_data(self, parent_context=None):
        from .audit import INDEX_URL_NAME

        return {"verification": self.verification, "audit_url_name": INDEX_URL_NAME}


def broken_chain_panel(user):
    """The panel for a user who may view the audit, when the last run is broken."""
    from .audit import can_view_audit
    from .chain import last_verification

    if not can_view_audit(user):
        return None
    verification = last_verification()
    if verification is None or verification.intact:
        return None
    return BrokenChainPanel(verification)
