from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class ChoiceListField(models.JSONField):
    """A list of codes from a fixed vocabulary, stored as JSON (portable to
    SQLite) and edited as checkboxes."""

    def __init__(self, *args, list_choices=(), **kwargs):
        self.list_choices = list(list_choices)
        kwargs.setdefault("default", list)
        kwargs.setdefault("blank", True)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["list_choices"] = self.list_choices
        return name, path, args, kwargs

    def validate(self, value, model_instance):
        super().validate(value, model_instance)
        allowed = {code for code, _label in self.list_choices}
        unknown = sorted(set(value or ()) - allowed)
        if unknown:
            raise ValidationError(
                _("Unknown value: %(values)s."), params={"values": ", ".join(unknown)}
            )

    def formfield(self, **kwargs):
        return forms.MultipleChoiceField(
            choices=self.list_choices,
            required=not self.blank,
            label=self.verbose_name,
            help_text=self.help_text,
            widget=forms.CheckboxSelectMultiple,
        )
