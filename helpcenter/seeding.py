"""Demo help center content (issue 4): the help home, 5 categories and 21
articles in English and French, about half in German. Idempotent: what
exists is left alone, what is missing is created or translated."""

from __future__ import annotations

import datetime
import uuid

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from wagtail.models import Locale

from core.localization import publish_translation

from . import demo_content as demo
from .demo_images import return_label_image
from .models import HelpArticlePage, HelpArticleRelated, HelpCategoryPage, HelpCenterPage

DEFAULT_REVIEW_DAYS = 180
DEMO_IMAGES = {"return-label": return_label_image}

# The help center's permissions of the "Returns staff" group: the support
# inbox (read requests, change their status and assignee, reply: replying is
# part of the change form) and the help center reports. Admin access itself is
# given to every staff group by accounts.demo.ensure_staff_groups.
RETURNS_STAFF = "Returns staff"
RETURNS_STAFF_PERMISSIONS = (
    ("wagtailadmin", "access_admin"),
    ("helpcenter", "view_supportrequest"),
    ("helpcenter", "change_supportrequest"),
    ("helpcenter", "view_help_reports"),
    # Support requests are the operator's (support_scope): this group is its staff.
    ("marketplace", "operate_marketplace"),
)


def grant_support_permissions() -> Group:
    """Give "Returns staff" what answering buyers needs. Idempotent."""
    group, _ = Group.objects.get_or_create(name=RETURNS_STAFF)
    lookup = Q()
    for app_label, codename in RETURNS_STAFF_PERMISSIONS:
        lookup |= Q(content_type__app_label=app_label, codename=codename)
    permissions = list(Permission.objects.filter(lookup))
    if len(permissions) != len(RETURNS_STAFF_PERMISSIONS):
        raise LookupError("Help center permissions are missing: run `manage.py migrate` first.")
    group.permissions.add(*permissions)
    return group


# Policy editors and legal approvers change clauses that help articles cite:
# they may read which articles a change leaves out of date (only that report,
# not the search logs or the buyers' feedback).
POLICY_GROUPS = ("Policy editors", "Legal approvers")
CHANGED_CITATIONS_PERMISSION = ("helpcenter", "view_changed_citations")


def grant_policy_group_permissions() -> list[Group]:
    """Let the policy groups open "Articles citing changed clauses". Idempotent."""
    app_label, codename = CHANGED_CITATIONS_PERMISSION
    permission = Permission.objects.filter(
        content_type__app_label=app_label, codename=codename
    ).first()
    if permission is None:
        raise LookupError("Help center permissions are missing: run `manage.py migrate` first.")
    groups = [Group.objects.get_or_create(name=name)[0] for name in POLICY_GROUPS]
    for group in groups:
        group.permissions.add(permission)
    return groups


def _block(block, policy):
    kind = block[0]
    if kind == "text":
        return {"type": "text", "value": f"<p>{block[1][0]}</p>"}
    if kind == "steps":
        # List items in block format (with ids), which wagtail-localize translates.
        items = [{"type": "item", "value": item[0], "id": str(uuid.uuid4())} for item in block[2]]
        return {"type": "steps", "value": {"intro": block[1][0], "steps": items}}
    if kind == "callout":
        return {"type": "callout", "value": {"kind": block[1], "text": f"<p>{block[2][0]}</p>"}}
    if kind == "clause":
        if policy is None:
            return None
        return {"type": "policy_clause", "value": {"policy": policy.pk, "anchor": block[1]}}
    if kind == "image":
        picture = DEMO_IMAGES[block[1]]()
        return {
            "type": "image",
            "value": {"image": picture.pk, "alt": block[2][0], "caption": block[3][0]},
        }
    raise ValueError(kind)


def _body(spec, policy):
    return [b for b in (_block(block, policy) for block in spec["body"]) if b is not None]


def _owners():
    users = get_user_model().objects.filter(email__in=demo.OWNERS)
    by_email = {user.email: user for user in users}
    return [by_email.get(email) for email in demo.OWNERS]


def _return_policy():
    from policy_pages.models import PolicyPage

    return PolicyPage.objects.filter(slug="return-policy", locale=Locale.get_default()).first()


def _help_center(home) -> HelpCenterPage:
    page = HelpCenterPage.objects.filter(locale=home.locale).first()
    if page is None:
        page = HelpCenterPage(
            title=demo.HELP_CENTER["title"][0], slug="help", intro=demo.HELP_CENTER["intro"][0]
        )
        home.add_child(instance=page)
        page.save_revision().publish()
    return page


def _child(parent, model, slug, build):
    page = model.objects.child_of(parent).filter(slug=slug).first()
    if page is None:
        page = build()
        parent.add_child(instance=page)
        page.save_revision().publish()
        page.refresh_from_db()
    return page


def _translate(page, languages, strings):
    for code in languages:
        locale = Locale.objects.get(language_code=code)
        if not page.has_translation(locale):
            publish_translation(page, code, strings[code])


@transaction.atomic
def seed_help_center(home=None, categories=None):
    """`categories` (default: all of demo_content.CATEGORIES) lets tests seed less."""
    from core.seeding import seed_site

    home = home or seed_site()
    strings = {code: demo.strings_for(code) for code in ("fr", "de")}
    policy = _return_policy()
    owners = _owners()
    today = timezone.localdate()

    grant_support_permissions()
    grant_policy_group_permissions()
    center = _help_center(home)
    _translate(center, ("fr", "de"), strings)

    articles: dict[str, HelpArticlePage] = {}
    created: list[tuple[HelpArticlePage, dict]] = []
    categories = demo.CATEGORIES if categories is None else categories
    for category_spec in categories:
        category = _child(
            center,
            HelpCategoryPage,
            category_spec["slug"],
            lambda spec=category_spec: HelpCategoryPage(
                title=spec["title"][0], slug=spec["slug"], description=spec["description"][0]
            ),
        )
        _translate(category, ("fr", "de"), strings)
        for number, spec in enumerate(category_spec["articles"]):
            existed = HelpArticlePage.objects.child_of(category).filter(slug=spec["slug"]).exists()
            article = _child(
                category,
                HelpArticlePage,
                spec["slug"],
                lambda spec=spec, number=number: HelpArticlePage(
                    title=spec["title"][0],
                    slug=spec["slug"],
                    summary=spec["summary"][0],
                    body=_body(spec, policy),
                    review_by=today
                    + datetime.timedelta(days=spec.get("review_days", DEFAULT_REVIEW_DAYS)),
                    content_owner=owners[number % len(owners)],
                ),
            )
            articles[spec["slug"]] = article
            if not existed:
                created.append((article, spec))

    # Related articles point at each other, so they are set once all exist.
    for article, spec in created:
        article.related_articles = [
            HelpArticleRelated(article=articles[slug])
            for slug in spec["related"]
            if slug in articles
        ]
        article.save_revision().publish()

    for spec in (spec for category in categories for spec in category["articles"]):
        languages = ("fr", "de") if spec.get("de") else ("fr",)
        _translate(articles[spec["slug"]], languages, strings)
    return center
