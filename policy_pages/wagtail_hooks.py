from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks

from . import prose_override
from .compliance import check
from .models import PolicyPage


@hooks.register("after_create_page")
@hooks.register("after_edit_page")
def show_compliance_warnings(request, page):
    """Lawful but risky settings: shown to the editor, never blocking."""
    if isinstance(page.specific, PolicyPage):
        for finding in check(page.specific.build_rules()).warnings:
            messages.warning(request, finding.message)


@hooks.register("after_create_page")
@hooks.register("after_edit_page")
def show_numbers_against_the_rules(request, page):
    """Hand-typed numbers that contradict the rules: warnings on a draft (they
    block only the submission), and a legal override recorded in the history."""
    if isinstance(page.specific, PolicyPage):
        prose_override.after_save(request, page.specific)


@hooks.register("register_log_actions")
def register_prose_override_log_action(actions):
    prose_override.register_log_actions(actions)


# --- Four eyes (policy_pages.workflow) ----------------------------------------
# PolicyPage's permission tester already refuses a direct publish to everyone;
# these hooks cover the create view, which asks the parent page instead.


def _is_policy_create(request) -> bool:
    match = request.resolver_match
    kwargs = match.kwargs if match else {}
    return (
        kwargs.get("content_type_app_name") == PolicyPage._meta.app_label
        and kwargs.get("content_type_model_name") == PolicyPage._meta.model_name
    )


@hooks.register("construct_page_action_menu")
def hide_direct_publish_of_policies(menu_items, request, context):
    page = context.get("page")
    if isinstance(page, PolicyPage) or (
        context.get("view") == "create" and _is_policy_create(request)
    ):
        menu_items[:] = [item for item in menu_items if item.name != "action-publish"]


@hooks.register("before_publish_page")
def refuse_direct_publish_of_policies(request, page):
    """A new policy is saved as a draft; it goes live by Legal review only."""
    if isinstance(page.specific, PolicyPage):
        messages.error(
            request,
            _("A policy goes live only when Legal review approves it: submit it for review."),
        )
        return redirect("wagtailadmin_pages:edit", page.pk)
    return None


@hooks.register("before_copy_page")
def refuse_publishing_policy_copies(request, page):
    publishing = request.method == "POST" and request.POST.get("publish_copies")
    if publishing and (
        isinstance(page.specific, PolicyPage) or PolicyPage.objects.descendant_of(page).exists()
    ):
        messages.error(
            request,
            _("A copy of a policy is a draft: it goes live only through Legal review."),
        )
        return redirect("wagtailadmin_pages:copy", page.pk)
    return None


# --- Compliance audit report (policy_pages.audit) ------------------------------
# The report module (admin views, filters) is imported inside the hooks, so it
# loads when Wagtail builds its URLs and menus, not with every hooks import.


@hooks.register("register_admin_urls")
def register_policy_audit_urls():
    from .audit import audit_urls

    return audit_urls()


@hooks.register("register_admin_urls")
def register_policy_archive_urls():
    # The audit report's per-version, per-language PDF downloads (archive_views).
    from .archive_views import archive_urls

    return archive_urls()


@hooks.register("register_reports_menu_item")
def register_policy_audit_menu_item():
    from .audit import audit_menu_item

    return audit_menu_item()


@hooks.register("register_permissions")
def register_policy_audit_permission():
    from .audit import audit_permissions

    return audit_permissions()


@hooks.register("construct_homepage_panels")
def warn_of_a_broken_policy_chain(request, panels):
    from .admin_panels import broken_chain_panel

    panel = broken_chain_panel(request.user)
    if panel is not None:
        panels.append(panel)


# --- The page history: a scheduled version replaced (scheduling.py) ------------


@hooks.register("register_log_actions")
def register_policy_log_actions(actions):
    from wagtail.log_actions import LogFormatter

    @actions.register_action("policy_pages.supersede_version")
    class SupersedeVersionFormatter(LogFormatter):
        label = gettext_lazy("Scheduled version superseded")

        def format_message(self, log_entry):
            return _(
                "Version %(superseded)s, scheduled, was replaced by version %(by)s before "
                "it came into force"
            ) % {
                "superseded": log_entry.data.get("superseded"),
                "by": log_entry.data.get("by"),
            }

    @actions.register_action("policy_pages.translation_submitted")
    class TranslationSubmittedFormatter(LogFormatter):
        label = gettext_lazy("Translation submitted for sign-off")

        def format_message(self, log_entry):
            return _("Version %(version)s in %(language)s submitted for legal sign-off") % {
                "version": log_entry.data.get("version"),
                "language": log_entry.data.get("language"),
            }

    @actions.register_action("policy_pages.translation_signed_off")
    class TranslationSignedOffFormatter(LogFormatter):
        label = gettext_lazy("Translation signed off")

        def format_message(self, log_entry):
            return _("Version %(version)s in %(language)s signed off by legal") % {
                "version": log_entry.data.get("version"),
                "language": log_entry.data.get("language"),
            }

    @actions.register_action("policy_pages.translation_incomplete")
    class TranslationIncompleteFormatter(LogFormatter):
        label = gettext_lazy("Incomplete translation not submitted")

        def format_message(self, log_entry):
            return _("Version %(version)s in %(language)s was not submitted: %(gaps)s") % {
                "version": log_entry.data.get("version"),
                "language": log_entry.data.get("language"),
                "gaps": " ".join(log_entry.data.get("gaps") or []),
            }


# --- Version translations and their sign-off (translation_views.py) -------------


@hooks.register("register_admin_urls")
def register_policy_translation_urls():
    from .translation_views import translation_urls

    return translation_urls()


@hooks.register("register_admin_menu_item")
def register_policy_translations_menu_item():
    from .translation_views import translations_menu_item

    return translations_menu_item()
