from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

# --- the policy page's recurring fields ---------------------------------------------------

CLAUSE_HELP = _("The number of the clause that states this rule, e.g. 2 or 2.1.")
anchor_validator = RegexValidator(r"^(\d{1,3}(\.\d{1,3}){0,3})?$", _("Use a number such as 2.1."))


def clause_field():
    return models.CharField(
        _("clause"),
        max_length=16,
        blank=True,
        validators=[anchor_validator],
        help_text=CLAUSE_HELP,
    )


def days_field(verbose_name, default, help_text=""):
    return models.PositiveSmallIntegerField(
        verbose_name,
        default=default,
        validators=[MinValueValidator(0), MaxValueValidator(3650)],
        help_text=help_text,
    )


def percent_field(verbose_name, help_text=""):
    return models.DecimalField(
        verbose_name,
        max_digits=5,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text=help_text,
    )


# --- list fields ---------------------------------------------------------------------------


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


def ordered_choices_errors(values, list_choices) -> list[ValidationError]:
    """What is wrong with an ordered list of codes: unknown codes, codes given twice."""
    allowed = {code for code, _label in list_choices}
    errors, seen = [], set()
    if not isinstance(values, list | tuple):
        return [ValidationError(_("Expected a list."), code="invalid")]
    for value in values:
        if not isinstance(value, str) or value not in allowed:
            errors.append(
                ValidationError(
                    _("Unknown value: %(values)s."), code="invalid_choice", params={"values": value}
                )
            )
        elif value in seen:
            errors.append(
                ValidationError(
                    _("%(value)s is listed more than once."),
                    code="repeated",
                    params={"value": dict(list_choices).get(value, value)},
                )
            )
        seen.add(value)
    return errors


class OrderedChoiceWidget(forms.MultiWidget):
    """One select per place: the first choice, the second, ..."""

    def __init__(self, choices, attrs=None):
        options = [("", "—"), *choices]
        super().__init__([forms.Select(choices=options) for _choice in choices], attrs)

    def decompress(self, value):
        values = list(value or ())
        return values + [""] * (len(self.widgets) - len(values))


class OrderedChoiceFormField(forms.MultiValueField):
    """An ordered list of distinct codes from a vocabulary; blank places are skipped."""

    def __init__(self, *, choices, **kwargs):
        self.list_choices = list(choices)
        fields = [
            forms.ChoiceField(choices=[("", "—"), *self.list_choices], required=False)
            for _choice in self.list_choices
        ]
        kwargs.setdefault("required", False)
        super().__init__(
            fields,
            require_all_fields=False,
            widget=OrderedChoiceWidget(self.list_choices),
            **kwargs,
        )

    def compress(self, data_list):
        return [value for value in data_list or () if value]

    def validate(self, value):
        super().validate(value)
        errors = ordered_choices_errors(value, self.list_choices)
        if errors:
            raise ValidationError(errors)


class OrderedChoiceListField(models.JSONField):
    """An ordered list of distinct codes from a fixed vocabulary, stored as JSON
    and edited as one select per place."""

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
        errors = ordered_choices_errors(value or [], self.list_choices)
        if errors:
            raise ValidationError(errors)

    def formfield(self, **kwargs):
        return OrderedChoiceFormField(
            choices=self.list_choices,
            required=not self.blank,
            label=self.verbose_name,
            help_text=self.help_text,
        )
