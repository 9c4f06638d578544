"""The wagtail-localize editor's notice of the version being translated."""

from wagtail_localize.models import SourceDeletedError

from policy_pages.templatetags.policy_admin_tags import policy_translation_notice


class _DeletedSource:
    def as_instance(self):
        raise SourceDeletedError


class _Translation:
    source = _DeletedSource()


def test_a_translation_whose_source_page_was_deleted_shows_no_notice_and_no_error():
    assert policy_translation_notice(_Translation()) == ""
