from django import template
from django.utils import formats
from django.utils.html import format_html
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
        message = _("You are translating version %(number)s, effective from %(date)s.") % {
            "number": version.number,
            "date": formats.date_format(version.effective_from, "DATETIME_FORMAT"),
        }
    return format_html(
        '<div class="help-block help-info policy-translation-version" role="note"><p>{}</p></div>',
        message,
    )
