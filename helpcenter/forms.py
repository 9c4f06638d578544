from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from core.uploads import clean_image

from .choices import FeedbackReason, SupportTopic

# Photos a buyer may attach to a support request, each at most
# settings.HELPCENTER_ATTACHMENT_MAX_BYTES (5 MB unless set).
MAX_FILES = 3


def max_bytes() -> int:
    return getattr(settings, "HELPCENTER_ATTACHMENT_MAX_BYTES", 5 * 1024 * 1024)


class FeedbackForm(forms.Form):
    helpful = forms.TypedChoiceField(
        label=_("Was this article helpful?"),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda value: value == "yes",
    )
    reason = forms.ChoiceField(
        label=_("What was wrong?"),
        choices=FeedbackReason.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Anything else? (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Please do not include personal details such as your address."),
    )


class MultipleImageInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class ImageAttachmentsField(forms.FileField):
    """Up to MAX_FILES images, each checked by content; cleans to CleanImage objects."""

    widget = MultipleImageInput

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "widget", MultipleImageInput(attrs={"accept": "image/jpeg,image/png,image/webp"})
        )
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if not files:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        if len(files) > MAX_FILES:
            raise ValidationError(
                _("Attach at most %(count)d images.") % {"count": MAX_FILES}, code="too_many"
            )
        images, errors = [], []
        for upload in files:
            try:
                images.append(clean_image(upload, max_bytes=max_bytes()))
            except ValidationError as error:
                errors.extend(error.error_list)
        if errors:
            raise ValidationError(errors)
        return images


order_reference_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9-]{2,31}$",
    _("Use the order number as shown in your confirmation email, e.g. MP-2026-001234."),
)


class ContactForm(forms.Form):
    email = forms.EmailField(
        label=_("Your email address"),
        help_text=_("We answer you here."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    topic = forms.ChoiceField(
        label=_("Topic"), choices=[("", _("Choose a topic")), *SupportTopic.choices]
    )
    order_reference = forms.CharField(
        label=_("Order number (optional)"),
        required=False,
        max_length=32,
        validators=[order_reference_validator],
    )
    message = forms.CharField(
        label=_("Your message"),
        min_length=20,
        max_length=5000,
        widget=forms.Textarea(
            attrs={
                "rows": 6,
                # Deflection: matching articles appear below as the buyer types.
                "hx-get": reverse_lazy("helpcenter:suggestions"),
                "hx-trigger": "input changed delay:500ms",
                "hx-target": "#suggestions",
                "hx-swap": "innerHTML",
                "hx-sync": "this:replace",
            }
        ),
        help_text=_("Tell us what happened; at least 20 characters."),
    )
    attachments = ImageAttachmentsField(
        label=_("Photos (optional)"),
        required=False,
        help_text=_("Up to 3 JPEG, PNG or WebP images, 5 MB each."),
    )
    # Honeypot: hidden from people, filled by bots.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if user is not None and user.is_authenticated:
            del self.fields["email"]

    def is_bot(self) -> bool:
        return bool(self.data.get("website"))

    def buyer_email(self) -> str:
        if self.user is not None and self.user.is_authenticated:
            return self.user.email
        return self.cleaned_data["email"]


class BuyerReplyForm(forms.Form):
    """The buyer's answer on their request's page (helpcenter.buyer_reply)."""

    body = forms.CharField(
        label=_("Your reply"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": _("Write your reply before sending it.")},
    )
    attachments = ImageAttachmentsField(
        label=_("Photos (optional)"),
        required=False,
        help_text=_("Up to 3 JPEG, PNG or WebP images, 5 MB each."),
    )
    # One key per rendered form: a double submit adds the reply once.
    key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def clean_body(self):
        body = self.cleaned_data["body"].strip()
        if not body:
            raise ValidationError(_("Write your reply before sending it."), code="required")
        return body
