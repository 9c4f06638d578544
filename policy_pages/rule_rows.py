"""The repeatable rows of a policy page's rules (inline panels): category
overrides, return shipping options and keep-it rules. Each turns into its
immutable rule value (policy_pages.rules) with `to_rule`."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import FieldPanel, FieldRowPanel
from wagtail.models import Orderable

from .fields import ChoiceListField, clause_field
from .labels import CONDITION, OVERRIDE_KIND, PAYER, SHIPPING_METHOD, choices
from .rules import (
    CategoryOverride,
    Condition,
    KeepItRule,
    OverrideKind,
    Payer,
    ShippingMethod,
    ShippingOption,
)


class PolicyCategoryOverride(Orderable):
    page = ParentalKey(
        "policy_pages.PolicyPage", on_delete=models.CASCADE, related_name="category_overrides"
    )
    category_code = models.CharField(
        _("category code"),
        max_length=64,
        validators=[RegexValidator(r"^[a-z0-9][a-z0-9_-]*$", _("Use the marketplace code."))],
        help_text=_("Applies to the category and its sub-categories."),
    )
    kind = models.CharField(_("override"), max_length=16, choices=choices(OVERRIDE_KIND))
    days = models.PositiveSmallIntegerField(_("days"), null=True, blank=True)
    extra_conditions = ChoiceListField(_("extra conditions"), list_choices=choices(CONDITION))
    clause = clause_field()

    panels = [
        FieldRowPanel([FieldPanel("category_code"), FieldPanel("kind"), FieldPanel("days")]),
        FieldPanel("extra_conditions"),
        FieldPanel("clause"),
    ]

    def clean(self):
        super().clean()
        if self.kind == OverrideKind.DAYS and self.days is None:
            raise ValidationError({"days": _("Give the number of days for this category.")})

    def to_rule(self) -> CategoryOverride:
        return CategoryOverride(
            category=self.category_code,
            kind=OverrideKind(self.kind),
            days=self.days if self.kind == OverrideKind.DAYS else None,
            conditions=tuple(Condition(c) for c in sorted(self.extra_conditions or ())),
            clause=self.clause,
        )


class PolicyShippingOption(Orderable):
    page = ParentalKey(
        "policy_pages.PolicyPage", on_delete=models.CASCADE, related_name="shipping_options"
    )
    method = models.CharField(_("method"), max_length=16, choices=choices(SHIPPING_METHOD))
    fee = models.DecimalField(
        _("fee"),
        max_digits=8,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(Decimal("0"))],
    )
    change_of_mind_payer = models.CharField(
        _("who pays on change of mind"), max_length=16, choices=choices(PAYER), default=Payer.BUYER
    )
    defect_payer = models.CharField(
        _("who pays for a defective or wrong item"),
        max_length=16,
        choices=choices(PAYER),
        default=Payer.MERCHANT,
    )
    clause = clause_field()

    panels = [
        FieldRowPanel([FieldPanel("method"), FieldPanel("fee")]),
        FieldRowPanel([FieldPanel("change_of_mind_payer"), FieldPanel("defect_payer")]),
        FieldPanel("clause"),
    ]

    def to_rule(self) -> ShippingOption:
        return ShippingOption(
            method=ShippingMethod(self.method),
            fee=self.fee,
            change_of_mind_payer=Payer(self.change_of_mind_payer),
            defect_payer=Payer(self.defect_payer),
            clause=self.clause,
        )


REASON_CODES = RegexValidator(
    r"^[\s,]*[a-z0-9][a-z0-9_-]*(\s*,[\s,]*[a-z0-9][a-z0-9_-]*)*[\s,]*$",
    _("Give return reason codes separated by commas, such as arrived-damaged, wrong-item."),
)


class PolicyKeepItRule(Orderable):
    """Refund without return: below a value, for given reasons, or both."""

    page = ParentalKey(
        "policy_pages.PolicyPage", on_delete=models.CASCADE, related_name="keep_it_rules"
    )
    max_value = models.DecimalField(
        _("goods worth at most"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
        help_text=_("In the policy currency. Blank: any value (then give reasons)."),
    )
    reason_codes = models.CharField(
        _("for these reasons"),
        max_length=500,
        blank=True,
        validators=[REASON_CODES],
        help_text=_(
            "Return reason codes, separated by commas (Snippets → Return reasons). "
            "Blank: any reason (then give a value)."
        ),
    )
    clause = clause_field()

    panels = [
        FieldRowPanel([FieldPanel("max_value"), FieldPanel("reason_codes")]),
        FieldPanel("clause"),
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("keep-it rule")
        verbose_name_plural = _("keep-it rules")

    @property
    def reasons(self) -> tuple[str, ...]:
        codes = (code.strip() for code in (self.reason_codes or "").split(","))
        return tuple(sorted({code for code in codes if code}))

    def clean(self):
        super().clean()
        if self.max_value is None and not (self.reason_codes or "").strip():
            raise ValidationError(
                _("Give a value, reasons or both: a rule without either would keep nothing.")
            )

    def to_rule(self) -> KeepItRule:
        return KeepItRule(clause=self.clause, max_value=self.max_value, reasons=self.reasons)
