from django import template
from django.urls import reverse
from django.utils import formats
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from wagtail_localize.models import SourceDeletedError

register = template.Library()


@register.simple_tag
def policy_translation_notice(translation):
    """In wagtail-localize's editor: which policy version is being translated."""
    from ..models import PolicyPage
    from ..services import source_policy_page, version_translated_by

    try:
        source = translation.source.as_instance()
    except SourceDeletedError:  # the source page was deleted: nothing to name
        return ""
    if not isinstance(source, PolicyPage):
        return ""
    version = version_translated_by(source_policy_page(source), source)
    if version is None:
        message = _("This policy text matches no published version yet.")
    else:
        message = _(
            "You are translating version %(number)s, effective from %(date)s. Publishing "
            "submits the complete translation for legal sign-off; a text with segments left "
            "untranslated is not submitted. Earlier versions are translated under Policy "
            "translations."
        ) % {
            "number": version.number,
            "date": formats.date_format(version.effective_from, "DATETIME_FORMAT"),
        }
    notice = format_html(
        '<div class="help-block help-info policy-translation-version" role="note"><p>{}</p>'
        '<p><a href="{}">{}</a></p></div>',
        message,
        reverse("policy_pages_translations"),
        _("Policy translations"),
    )
    refusal = last_refusal(source_policy_page(source), version, translation.target_locale)
    if refusal:
        notice += format_html(
            '<div class="help-block help-warning" role="alert"><p>{}</p><ul>{}</ul></div>',
            _("Your last publication of this version was not submitted for sign-off:"),
            format_html_join("", "<li>{}</li>", ((gap,) for gap in refusal)),
        )
    return notice


def last_refusal(policy, version, locale) -> list[str]:
    """The untranslated segments of the latest publication of this version in
    this language, if it was refused and nothing was submitted since."""
    from wagtail.models import PageLogEntry

    from ..translations import PolicyVersionTranslation

    if version is None:
        return []
    entry = (
        PageLogEntry.objects.filter(page=policy, action="policy_pages.translation_incomplete")
        .order_by("-timestamp")
        .first()
    )
    if entry is None or entry.data.get("version") != version.number:
        return []
    if entry.data.get("language") != locale.language_code:
        return []
    submitted = PolicyVersionTranslation.objects.filter(
        version=version, locale=locale, submitted_at__gt=entry.timestamp
    ).exists()
    return [] if submitted else list(entry.data.get("gaps") or [])
