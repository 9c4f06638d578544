"""The policy index page: the list of policies in force, one index per locale."""

from django.apps import apps
from django.db import models
from django.db.models import Min
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.models import Page

from .services import text_for
from .timeline import policy_timelines


class PolicyIndexPage(Page):
    """The list of policies, one per locale; the "Legal review" workflow sits here."""

    intro = models.CharField(_("intro"), max_length=300, blank=True)

    parent_page_types = ["core.HomePage"]
    subpage_types = ["policy_pages.PolicyPage"]
    max_count_per_parent = 1

    content_panels = [*Page.content_panels, FieldPanel("intro")]

    class Meta:
        verbose_name = _("policy index")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["policies"] = self.policies_in_force()
        return context

    def policies_in_force(self) -> list[dict]:
        """The index's policies, each with the version of its source policy in
        force now: three queries whatever the number of policies."""
        PolicyPage = apps.get_model("policy_pages", "PolicyPage")  # its module imports this one
        pages = list(PolicyPage.objects.child_of(self).live().order_by("path"))
        sources = dict(
            PolicyPage.objects.filter(translation_key__in=[page.translation_key for page in pages])
            .order_by()  # no default ordering in the GROUP BY
            .values("translation_key")
            .annotate(source_id=Min("id"))
            .values_list("translation_key", "source_id")
        )
        timelines = policy_timelines(sources.values())
        rows = []
        for page in pages:
            timeline = timelines.get(sources.get(page.translation_key))
            version = timeline.in_force if timeline else None
            # The summary of the version in force, in the page's language where it
            # has one: the page's own summary may be that of a scheduled version.
            localized = text_for(version, page.locale_id) if version else None
            summary = localized.text.summary if localized else page.summary
            rows.append({"page": page, "version": version, "summary": summary})
        return rows
