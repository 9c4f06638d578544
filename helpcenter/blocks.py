"""StreamField blocks of a help article: text, numbered steps, callouts,
images and citations of a policy clause (rendered from the version in force)."""

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.images.blocks import ImageChooserBlock

from policy_pages.blocks import ClauseAnchorBlock

from .citations import cited_clause, clause_exists

TEXT_FEATURES = ["bold", "italic", "link", "ol", "ul", "h3"]


class StepsBlock(blocks.StructBlock):
    intro = blocks.CharBlock(label=_("Introduction"), required=False, max_length=200)
    steps = blocks.ListBlock(blocks.TextBlock(label=_("Step")), label=_("Steps"), min_num=1)

    class Meta:
        icon = "list-ol"
        label = _("Numbered steps")
        template = "helpcenter/blocks/steps.html"
        preview_value = {"intro": "To start a return:", "steps": ["Sign in.", "Choose the item."]}


class CalloutBlock(blocks.StructBlock):
    kind = blocks.ChoiceBlock(
        label=_("Kind"),
        choices=[("tip", _("Tip")), ("important", _("Important")), ("warning", _("Warning"))],
        default="tip",
    )
    text = blocks.RichTextBlock(label=_("Text"), features=["bold", "italic", "link"])

    class Meta:
        icon = "warning"
        label = _("Callout")
        template = "helpcenter/blocks/callout.html"
        preview_value = {
            "kind": "tip",
            "text": "<p>Keep the parcel receipt until you are refunded.</p>",
        }


class ImageBlock(blocks.StructBlock):
    image = ImageChooserBlock(label=_("Image"))
    alt = blocks.CharBlock(
        label=_("Alternative text"),
        max_length=250,
        help_text=_("Describe what the image shows, for readers who cannot see it."),
    )
    caption = blocks.CharBlock(label=_("Caption"), required=False, max_length=250)

    class Meta:
        icon = "image"
        label = _("Image")
        template = "helpcenter/blocks/image.html"


class PolicyClauseBlock(blocks.StructBlock):
    """Cites a clause of a policy. The text shown is never copied into the
    article: it is read from the version in force, in the reader's language,
    so the citation always states what currently applies."""

    policy = blocks.PageChooserBlock(label=_("Policy"), page_type="policy_pages.PolicyPage")
    anchor = ClauseAnchorBlock(label=_("Clause number"), help_text=_("For example 2 or 2.1."))

    class Meta:
        icon = "doc-full"
        label = _("Policy clause")
        template = "helpcenter/blocks/policy_clause.html"

    def clean(self, value):
        value = super().clean(value)
        policy = value.get("policy")
        if policy is not None and not clause_exists(policy.specific, value["anchor"]):
            raise blocks.StructBlockValidationError(
                block_errors={
                    "anchor": ValidationError(
                        _("The policy has no clause §%(anchor)s.") % {"anchor": value["anchor"]}
                    )
                }
            )
        return value

    def get_context(self, value, parent_context=None):
        context = super().get_context(value, parent_context=parent_context)
        context["citation"] = cited_clause(
            value["policy"], value["anchor"], translation.get_language()
        )
        return context

    def get_searchable_content(self, value):
        return []


class ArticleBodyBlock(blocks.StreamBlock):
    text = blocks.RichTextBlock(label=_("Text"), features=TEXT_FEATURES)
    steps = StepsBlock()
    callout = CalloutBlock()
    image = ImageBlock()
    policy_clause = PolicyClauseBlock()
