"""Demo policies, the legal review workflow and the policy groups' permissions."""

from datetime import timedelta

from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from wagtail.models import (
    GroupPagePermission,
    Locale,
    Page,
    Task,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from core.localization import publish_translation

from . import demo_content as demo
from .models import PolicyIndexPage, PolicyKeepItRule, PolicyPage, PolicyShippingOption
from .services import record_version, recording_paused
from .translations import PolicyVersionTranslation, TranslationStatus, sign_off, write_text
from .workflow import LegalReviewTask

EDITOR_PERMISSIONS = ("add_page", "change_page")
# No "publish_page" on the policies themselves: approving the Legal review
# publishes (four eyes, see workflow.py). The seed revokes it where an older
# seed granted it. Approvers keep it under the translated indexes only, where
# publishing a translation adds text to a version and creates none.
APPROVER_PERMISSIONS = ("add_page", "change_page")
TRANSLATION_APPROVER_PERMISSIONS = ("add_page", "change_page", "publish_page")
POLICY_GROUPS = ("Policy editors", "Legal approvers")
LEGAL_TASK_NAME = "Legal approval"


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
    task = legal_review_task()
    task.groups.set([approvers])
    workflow, _ = Workflow.objects.get_or_create(name="Legal review")
    WorkflowTask.objects.get_or_create(workflow=workflow, task=task, defaults={"sort_order": 0})
    source_index = index_pages[0]  # the source locale's, as _index_pages lists them
    for index in index_pages:
        _grant(editors, index, EDITOR_PERMISSIONS)
        is_source = index.pk == source_index.pk
        _grant(
            approvers,
            index,
            APPROVER_PERMISSIONS if is_source else TRANSLATION_APPROVER_PERMISSIONS,
        )
        WorkflowPage.objects.update_or_create(page=index, defaults={"workflow": workflow})
    publish = GroupPagePermission.objects.filter(permission__codename="publish_page")
    publish.filter(group__name__in=POLICY_GROUPS, page=source_index).delete()
    publish.filter(group=editors).delete()
    return workflow


def legal_review_task() -> LegalReviewTask:
    """The "Legal approval" task, as a LegalReviewTask. A database seeded before
    four eyes has it as a plain group approval task: it is converted in place
    (its row gains the LegalReviewTask part), so reviews in progress go on."""
    task = Task.objects.filter(name=LEGAL_TASK_NAME).order_by("pk").first()
    if task is None:
        return LegalReviewTask.objects.create(name=LEGAL_TASK_NAME)
    if isinstance(task.specific, LegalReviewTask):
        return task.specific
    content_type = ContentType.objects.get_for_model(LegalReviewTask)
    converted = LegalReviewTask(
        id=task.pk,
        groupapprovaltask_ptr_id=task.pk,
        name=task.name,
        active=True,
        content_type=content_type,
    )
    converted.save_base(raw=True)  # the LegalReviewTask row only; its parents exist
    Task.objects.filter(pk=task.pk).update(content_type=content_type, active=True)
    return LegalReviewTask.objects.get(pk=task.pk)


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
        if field in {
            "clauses",
            "shipping",
            "keep_it",
            "languages",
            "days_from_now",
            "title",
            "slug",
        }:
            continue
        setattr(page, field, value)
    page.clauses = spec["clauses"]
    page.shipping_options = [PolicyShippingOption(**option) for option in spec["shipping"]]
    page.keep_it_rules = [PolicyKeepItRule(**rule) for rule in spec.get("keep_it", ())]


def _publish_version(page: PolicyPage, spec: dict, workflow, editor, legal) -> None:
    """Publish the page as it stands and record its version with the demo's date.

    With the demo users, the version passes the Legal review as any other: the
    editor saves and submits it, legal approves it (which publishes it)."""
    effective = timezone.now() + timedelta(days=spec["days_from_now"])
    page.effective_from = effective
    page.change_reason = spec.get("change_reason") or (
        f"Demo data: version {page.versions.count() + 1} of this policy."
    )
    with recording_paused():
        revision = page.save_revision(user=editor)
        if editor is not None and legal is not None:
            state = workflow.start(page, editor)
            task_state = state.current_task_state
            task_state.task.specific.on_action(
                task_state, legal, "approve", comment="Demo data: checked against the rules."
            )
        else:
            # Seed-only path: without the demo users (tests seed bare policies)
            # nobody can review; code publishes without a user and the version
            # records no approval. No admin user can take this path.
            revision.publish()
    page.refresh_from_db()
    record_version(page, revision, published_by=legal, now=min(effective, timezone.now()))


def _sign_off_translations(page: PolicyPage, legal) -> None:
    """The demo's translations, submitted by publishing them, signed off by
    the demo's legal approver (or, seeding bare policies, recorded unsigned)."""
    pending = PolicyVersionTranslation.objects.filter(
        version__policy=page, status=TranslationStatus.SUBMITTED
    ).select_related("version", "locale")
    for translation in pending:
        if legal is not None:
            sign_off(translation.pk, legal)
        else:
            write_text(translation, None, timezone.now())


@transaction.atomic
def seed_policies(home=None, users=None):
    from django.contrib.auth import get_user_model

    from core.seeding import seed_site

    home = home or seed_site()
    indexes = _index_pages(home)
    workflow = ensure_legal_review(indexes)
    users = get_user_model().objects
    editor = users.filter(email="editor@example.com").first()
    legal = users.filter(email="legal@example.com").first()
    index = indexes[0]
    if not PolicyPage.objects.filter(slug="return-policy", locale=home.locale).exists():
        page = PolicyPage(title="Return policy", slug="return-policy")
        _apply(page, demo.MARKETPLACE_VERSIONS[0])
        index.add_child(instance=page)
        for spec in demo.MARKETPLACE_VERSIONS:
            _apply(page, spec)
            _publish_version(page, spec, workflow, editor, legal)
            for code in spec["languages"]:
                publish_translation(page, code, demo.strings_for(code))
            _sign_off_translations(page, legal)
    if not PolicyPage.objects.filter(slug=demo.SELLER_POLICY["slug"], locale=home.locale).exists():
        spec = demo.SELLER_POLICY
        page = PolicyPage(title=spec["title"], slug=spec["slug"])
        _apply(page, spec)
        index.add_child(instance=page)
        _publish_version(page, spec, workflow, editor, legal)
        for code in ("fr", "de"):
            publish_translation(page, code, demo.strings_for(code))
        _sign_off_translations(page, legal)
