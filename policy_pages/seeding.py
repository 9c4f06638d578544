"""Demo policies, the legal review workflow and the policy groups' permissions."""

from datetime import timedelta

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.utils import timezone
from wagtail.models import (
    GroupApprovalTask,
    GroupPagePermission,
    Locale,
    Page,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from core.localization import publish_translation

from . import demo_content as demo
from .models import PolicyIndexPage, PolicyPage, PolicyShippingOption
from .services import record_version, recording_paused

EDITOR_PERMISSIONS = ("add_page", "change_page")
APPROVER_PERMISSIONS = ("add_page", "change_page", "publish_page")


def _grant(group: Group, page: Page, codenames) -> None:
    for codename in codenames:
        permission = Permission.objects.get(
            content_type__app_label="wagtailcore", codename=codename
        )
        GroupPagePermission.objects.get_or_create(group=group, page=page, permission=permission)


def ensure_legal_review(index_pages) -> Workflow:
    """Groups "Policy editors" (create, edit, submit) and "Legal approvers"
    (approve, which publishes), and the "Legal review" workflow on the index."""
    editors, _ = Group.objects.get_or_create(name="Policy editors")
    approvers, _ = Group.objects.get_or_create(name="Legal approvers")
    access_admin = Permission.objects.get(
        content_type__app_label="wagtailadmin", codename="access_admin"
    )
    # Both groups may read the compliance audit report.
    view_versions = Permission.objects.get(
        content_type__app_label="policy_pages", codename="view_policyversion"
    )
    editors.permissions.add(access_admin, view_versions)
    approvers.permissions.add(access_admin, view_versions)
    task, _ = GroupApprovalTask.objects.get_or_create(name="Legal approval")
    task.groups.set([approvers])
    workflow, _ = Workflow.objects.get_or_create(name="Legal review")
    WorkflowTask.objects.get_or_create(workflow=workflow, task=task, defaults={"sort_order": 0})
    for index in index_pages:
        _grant(editors, index, EDITOR_PERMISSIONS)
        _grant(approvers, index, APPROVER_PERMISSIONS)
        WorkflowPage.objects.update_or_create(page=index, defaults={"workflow": workflow})
    return workflow


def _index_pages(home) -> list[PolicyIndexPage]:
    index = PolicyIndexPage.objects.filter(locale=home.locale).first()
    if index is None:
        index = PolicyIndexPage(
            title="Policies",
            slug="policies",
            intro="Every policy that governs your orders, with all its versions.",
        )
        home.add_child(instance=index)
        index.save_revision().publish()
    pages = [index]
    for code in ("fr", "de"):
        locale = Locale.objects.get(language_code=code)
        translated = index.get_translation_or_none(locale)
        if translated is None or not translated.live:
            translated = publish_translation(index, code, demo.strings_for(code))
        pages.append(translated)
    return pages


def _apply(page: PolicyPage, spec: dict) -> None:
    for field, value in {**demo.BASE_RULES, **spec}.items():
        if field in {"clauses", "shipping", "languages", "days_from_now", "title", "slug"}:
            continue
        setattr(page, field, value)
    page.clauses = spec["clauses"]
    page.shipping_options = [PolicyShippingOption(**option) for option in spec["shipping"]]


def _publish_version(page: PolicyPage, spec: dict, user) -> None:
    """Publish the page as it stands and record its version with the demo's date."""
    effective = timezone.now() + timedelta(days=spec["days_from_now"])
    page.effective_from = effective
    with recording_paused():
        revision = page.save_revision(user=user)
        revision.publish(user=user)
    page.refresh_from_db()
    record_version(page, revision, published_by=user, now=min(effective, timezone.now()))


@transaction.atomic
def seed_policies(home=None, users=None):
    from django.contrib.auth import get_user_model

    from core.seeding import seed_site

    home = home or seed_site()
    indexes = _index_pages(home)
    ensure_legal_review(indexes)
    legal = get_user_model().objects.filter(email="legal@example.com").first()
    index = indexes[0]
    if not PolicyPage.objects.filter(slug="return-policy", locale=home.locale).exists():
        page = PolicyPage(title="Return policy", slug="return-policy")
        _apply(page, demo.MARKETPLACE_VERSIONS[0])
        index.add_child(instance=page)
        for spec in demo.MARKETPLACE_VERSIONS:
            _apply(page, spec)
            _publish_version(page, spec, legal)
            for code in spec["languages"]:
                publish_translation(page, code, demo.strings_for(code))
    if not PolicyPage.objects.filter(slug=demo.SELLER_POLICY["slug"], locale=home.locale).exists():
        spec = demo.SELLER_POLICY
        page = PolicyPage(title=spec["title"], slug=spec["slug"])
        _apply(page, spec)
        index.add_child(instance=page)
        _publish_version(page, spec, legal)
        for code in ("fr", "de"):
            publish_translation(page, code, demo.strings_for(code))
