"""Citations of the policy version a return rests on: "§2, policy v2" linked to
that version's permalink (…/v/2/#clause-2) in the reader's language, with the
statute when the law is the basis."""

from __future__ import annotations

from dataclasses import dataclass

from wagtail.models import Locale


@dataclass(frozen=True)
class Citation:
    clause: str = ""
    version: int | None = None
    url: str = ""  # the version's permalink, with the clause's anchor
    statute: str = ""

    def __bool__(self) -> bool:
        return bool(self.clause or self.statute)


class PolicyLinks:
    """Builds citations for one request; each version's page URL is looked up once."""

    def __init__(self, request):
        self.request = request
        self._urls: dict[tuple[int, int], str] = {}
        self._locale: Locale | None = None

    def _active_locale(self) -> Locale | None:
        if self._locale is None:
            try:
                self._locale = Locale.get_active()
            except Locale.DoesNotExist:
                return None
        return self._locale

    def version_url(self, version) -> str:
        """The permalink of `version` on the policy page in the reader's language
        (the source page when it is not translated), or "" when not routable."""
        key = (version.policy_id, version.number)
        if key not in self._urls:
            source = version.policy
            page = source
            locale = self._active_locale()
            if locale is not None and source.locale_id != locale.pk:
                translated = source.get_translation_or_none(locale)
                if translated is not None and translated.live:
                    page = translated
            url = page.get_url(self.request)
            self._urls[key] = (
                url + page.reverse_subpage("version", args=[version.number]) if url else ""
            )
        return self._urls[key]

    def cite(self, version, clause: str = "", statute: str = "") -> Citation:
        if not clause:
            return Citation(statute=statute)
        url = self.version_url(version) if version is not None else ""
        return Citation(
            clause=clause,
            version=version.number if version is not None else None,
            url=f"{url}#clause-{clause}" if url else "",
            statute=statute,
        )
