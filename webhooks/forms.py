"""The admin's form of an endpoint: its seller within the user's scope, an
http(s) URL, the events it wants, and the rotation of its secret."""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from marketplace.models import Seller
from marketplace.scoping import scope_of_user

from . import addresses
from .events import EVENT_CHOICES
from .models import WebhookEndpoint

# How long the old secret keeps signing after a rotation.
ROTATION_GRACE = timedelta(hours=24)


class WebhookEndpointForm(WagtailAdminModelForm):
    url = forms.URLField(
        label=_("URL"),
        max_length=500,
        assume_scheme="https",
        validators=[URLValidator(schemes=["http", "https"])],
        help_text=_("Where the events are POSTed (http or https)."),
    )
    events = forms.MultipleChoiceField(
        label=_("Events"), choices=EVENT_CHOICES, widget=forms.CheckboxSelectMultiple
    )
    secret = forms.CharField(
        label=_("Signing secret"),
        required=False,
        disabled=True,
        help_text=_("Verify the webhook-signature header with this secret (Standard Webhooks)."),
    )
    rotate_secret = forms.BooleanField(
        label=_("Rotate the secret"),
        required=False,
        help_text=_("A new secret signs from now on; the old one also signs for 24 hours."),
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["seller", "url", "description", "events", "enabled"]

    def __init__(self, *args, for_user=None, **kwargs):
        super().__init__(*args, for_user=for_user, **kwargs)
        scope = scope_of_user(for_user)
        self.scope = scope
        self.fields["seller"].queryset = scope.filter(Seller.objects.all(), field="pk")
        if not scope.everything:
            self.fields["seller"].required = True
            self.fields["seller"].empty_label = None
        if self.instance.pk:
            self.fields["secret"].initial = self.instance.secret
        else:
            del self.fields["secret"]
            del self.fields["rotate_secret"]

    def clean_url(self):
        url = self.cleaned_data["url"]
        refusal = addresses.literal_refusal(url)
        if refusal:
            raise forms.ValidationError(refusal, code="private_address")
        return url

    def clean_seller(self):
        seller = self.cleaned_data.get("seller")
        if seller is None and not self.scope.everything:
            raise forms.ValidationError(_("Choose one of your sellers."), code="required")
        if seller is not None and not self.scope.allows(seller.pk):
            raise forms.ValidationError(_("Choose one of your sellers."), code="invalid")
        return seller

    def save(self, commit=True):
        if self.cleaned_data.get("rotate_secret"):
            self.instance.rotate(ROTATION_GRACE)
        return super().save(commit=commit)
