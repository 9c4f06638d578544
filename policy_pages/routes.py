"""Public routes of a policy page: in force now, every version, a permalink
per version, and a comparison of two versions. Every route of a translated
page reads the versions of the source policy, in the page's locale."""

import logging

from django.http import Http404
from django.template.response import TemplateResponse
from wagtail.contrib.routable_page.models import RoutablePageMixin, path

from . import services
from .archive import ArchiveUnavailable, archive_response
from .cache import policy_cache_generation
from .diff import compare_versions
from .read_check import tampered_versions
from .timeline import VersionStatus, policy_timeline

logger = logging.getLogger(__name__)


class PolicyRoutesMixin(RoutablePageMixin):
    def _render(self, request, template, context):
        context = {
            **self.get_context(request),
            "cache_generation": policy_cache_generation(),
            **context,
        }
        return TemplateResponse(request, template, context)

    def _refuse_tampered(self, request, *versions):
        """A 503 page if any version to be shown fails its hash check (cached
        per version: a warm check costs no query), else None."""
        source = self.source_page
        for version in versions:
            if version is not None and version.policy_id == source.pk:
                version.policy = source  # the hash covers the policy's translation key
        failed = tampered_versions(versions)
        if not failed:
            return None
        logger.error("Policy page %s refused: versions %s fail their hash check", self.pk, failed)
        return TemplateResponse(
            request,
            "policy_pages/policy_tampered.html",
            self.get_context(request),
            status=503,
        )

    def _version_context(self, version, timeline):
        status = timeline.status(version)
        return {
            "version": version,
            "localized": services.text_for(version, self.locale_id),
            "in_force": timeline.in_force,
            "is_current": status == VersionStatus.IN_FORCE,
            "is_scheduled": status == VersionStatus.SCHEDULED,
            "is_previous": status == VersionStatus.PREVIOUS,
            "is_superseded": status == VersionStatus.SUPERSEDED,
        }

    @path("")
    def current(self, request):
        timeline = policy_timeline(self.source_page)
        in_force, upcoming = timeline.in_force, timeline.upcoming
        if in_force is None:
            raise Http404
        if refused := self._refuse_tampered(request, in_force, upcoming):
            return refused
        context = self._version_context(in_force, timeline)
        context["upcoming"] = upcoming
        return self._render(request, "policy_pages/policy_page.html", context)

    @path("versions/", name="versions")
    def versions(self, request):
        rows = services.version_timeline(self.source_page)
        if not rows:
            raise Http404
        if refused := self._refuse_tampered(request, *(row.version for row in rows)):
            return refused
        return self._render(request, "policy_pages/policy_versions.html", {"rows": rows})

    @path("v/<int:number>/", name="version")
    def version(self, request, number):
        source = self.source_page
        timeline = policy_timeline(source)
        version = next((v for v in timeline.versions if v.number == number), None)
        if version is None:
            raise Http404
        if refused := self._refuse_tampered(request, version):
            return refused
        context = self._version_context(version, timeline)
        context["permalink"] = True
        return self._render(request, "policy_pages/policy_page.html", context)

    @path("v/<int:number>/pdf/", name="archive")
    def archive(self, request, number):
        """The version's archived PDF in the page's language (archive.py)."""
        version = self.source_page.versions.filter(number=number).first()
        if version is None:
            raise Http404
        if refused := self._refuse_tampered(request, version):
            return refused
        try:
            return archive_response(version, self.locale, self.slug)
        except ArchiveUnavailable:
            return TemplateResponse(
                request,
                "policy_pages/archive_unavailable.html",
                {**self.get_context(request), "version": version},
                status=503,
            )

    @path("compare/<int:a>/<int:b>/", name="compare")
    def compare(self, request, a, b):
        versions = {v.number: v for v in self.source_page.versions.filter(number__in=[a, b])}
        if a == b or a not in versions or b not in versions:
            raise Http404
        old, new = versions[a], versions[b]
        if refused := self._refuse_tampered(request, old, new):
            return refused
        old_text = services.text_for(old, self.locale_id)
        new_text = services.text_for(new, self.locale_id)
        missing = [v for v, text in ((old, old_text), (new, new_text)) if text.is_fallback]
        if missing:
            # One language on both sides: where either side lacks the reader's,
            # both sides are the source text, and the page says so.
            source_locale = self.source_page.locale_id
            old_text = services.text_for(old, source_locale)
            new_text = services.text_for(new, source_locale)
        return self._render(
            request,
            "policy_pages/policy_compare.html",
            {
                "old": old,
                "new": new,
                "comparison": compare_versions(old, old_text.text, new, new_text.text),
                "untranslated": missing,
                "compared_language": old_text.text.locale,
            },
        )
