from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail import blocks

ANCHOR_PATTERN = r"^\d{1,3}(\.\d{1,3}){0,3}$"


class ClauseAnchorBlock(blocks.RegexBlock):
    """The clause's stable number ("2", "2.1"). Synchronised, never translated,
    because rules and decisions cite clauses by it."""

    def __init__(self, **kwargs):
        super().__init__(
            regex=ANCHOR_PATTERN,
            error_messages={"invalid": _("Use a clause number such as 2 or 2.1.")},
            **kwargs,
        )

    def get_translatable_segments(self, value):
        return []


class ClauseBlock(blocks.StructBlock):
    anchor = ClauseAnchorBlock(label=_("Clause number"), help_text=_("For example 2 or 2.1."))
    heading = blocks.CharBlock(label=_("Heading"), max_length=200)
    text = blocks.RichTextBlock(
        label=_("Text"), features=["bold", "italic", "link", "ol", "ul"], required=True
    )

    class Meta:
        icon = "list-ol"
        label = _("Clause")
        template = "policy_pages/blocks/clause.html"
        preview_value = {
            "anchor": "2",
            "heading": "Return window",
            "text": "<p>You may return an item within 30 days of delivery.</p>",
        }


class ClauseStreamBlock(blocks.StreamBlock):
    clause = ClauseBlock()

    def clean(self, value):
        value = super().clean(value)
        seen = set()
        for child in value:
            anchor = child.value["anchor"]
            if anchor in seen:
                raise ValidationError(
                    _("Clause §%(anchor)s appears twice; each clause number must be unique.")
                    % {"anchor": anchor}
                )
            seen.add(anchor)
        return value
