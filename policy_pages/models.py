from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Min
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    InlinePanel,
    MultiFieldPanel,
    ObjectList,
    TabbedInterface,
)
from wagtail.fields import StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index
from wagtail_localize.fields import SynchronizedField, TranslatableField

from marketplace.markets import MARKET_CHOICES
from marketplace.models import PaymentMethod

from .archive import PolicyVersionArchive  # noqa: F401  (a model of this app)
from .blocks import ClauseStreamBlock
from .chain import ChainVerification  # noqa: F401  (a model of this app)
from .fields import ChoiceListField, OrderedChoiceListField
from .forms import PolicyPageForm
from .labels import CONDITION, OVERRIDE_KIND, PAYER, SHIPPING_METHOD, WINDOW_START, choices
from .pins import LinePin  # noqa: F401  (a model of this app)
from .routes import PolicyRoutesMixin
from .rules import (
    CategoryOverride,
    Condition,
    ItemException,
    ItemFlag,
    OverrideKind,
    Payer,
    PolicyRules,
    Resolution,
    ShippingMethod,
    ShippingOption,
    WindowStart,
)
from .scheduling import ScheduleChoice
from .services import source_policy_page, text_for
from .timeline import policy_timelines
from .translations import PolicyVersionTranslation  # noqa: F401  (a model of this app)
from .versions import PolicyChainHead, PolicyVersion, PolicyVersionText  # noqa: F401
from .workflow import LegalReviewTask, PolicyPagePermissionTester  # noqa: F401  (a model)

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


class PolicyIndexPage(Page):
    """The list of policies, one per locale; the "Legal review" workflow sits here."""

    intro = models.CharField(_("intro"), max_length=300, blank=True)

    parent_page_types = ["core.HomePage"]
    subpage_types = ["policy_pages.PolicyPage"]
    max_count_per_parent = 1

    content_panels = [*Page.content_panels, FieldPanel("intro")]

    class Meta:
        verbose_name = _("policy index")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["policies"] = self.policies_in_force()
        return context

    def policies_in_force(self) -> list[dict]:
        """The index's policies, each with the version of its source policy in
        force now: three queries whatever the number of policies."""
        pages = list(PolicyPage.objects.child_of(self).live().order_by("path"))
        sources = dict(
            PolicyPage.objects.filter(translation_key__in=[page.translation_key for page in pages])
            .order_by()  # no default ordering in the GROUP BY
            .values("translation_key")
            .annotate(source_id=Min("id"))
            .values_list("translation_key", "source_id")
        )
        timelines = policy_timelines(sources.values())
        rows = []
        for page in pages:
            timeline = timelines.get(sources.get(page.translation_key))
            version = timeline.in_force if timeline else None
            # The summary of the version in force, in the page's language where it
            # has one: the page's own summary may be that of a scheduled version.
            localized = text_for(version, page.locale_id) if version else None
            summary = localized.text.summary if localized else page.summary
            rows.append({"page": page, "version": version, "summary": summary})
        return rows


class PolicyKind(models.TextChoices):
    RETURN = "return", _("Return policy")
    REFUND = "refund", _("Refund policy")
    LEGAL = "legal", _("Other legal page")


class PolicyPage(PolicyRoutesMixin, Page):
    """A policy: structured rules plus numbered clauses, versioned on publish."""

    kind = models.CharField(_("kind"), max_length=16, choices=PolicyKind, default=PolicyKind.RETURN)
    summary = models.CharField(
        _("summary"), max_length=255, blank=True, help_text=_("One line shown on product pages.")
    )
    effective_from = models.DateTimeField(
        _("effective from"),
        null=True,
        blank=True,
        help_text=_(
            "When this version starts to govern new orders. Blank: when it is published. "
            "Always after the version in force; two versions never share an instant."
        ),
    )
    schedule_choice = models.CharField(
        _("while a version is scheduled"),
        max_length=16,
        blank=True,
        choices=ScheduleChoice,
        help_text=_(
            "Asked only while a published version waits for its effective date: this "
            "version either replaces it or takes effect after it."
        ),
    )
    change_reason = models.TextField(
        _("reason for this change"),
        blank=True,
        help_text=_(
            "Required to submit to Legal review: why this version changes the policy. "
            "Recorded, with the approval, in the version and its hash."
        ),
    )
    # Only legal approvers fill it (PolicyPageForm); never translated nor synchronised.
    prose_override_reason = models.TextField(
        _("legal override of numbers typed by hand"),
        blank=True,
        help_text=_(
            "Legal approvers only: why numbers typed in the clauses or the summary may "
            "differ from the rules. Without it, such numbers block the submission to "
            "Legal review. Recorded in the page history."
        ),
    )
    # Scope.
    markets = ChoiceListField(_("markets"), list_choices=MARKET_CHOICES)
    seller_ref = models.CharField(
        _("seller reference"),
        max_length=64,
        blank=True,
        help_text=_("Blank for the marketplace-wide policy; a seller's policy overrides it."),
    )
    currency = models.CharField(
        _("currency"),
        max_length=3,
        default="EUR",
        validators=[RegexValidator(r"^[A-Z]{3}$", _("Use an ISO 4217 code such as EUR."))],
    )
    # Window.
    window_days = days_field(_("return window (days)"), 30)
    window_start = models.CharField(
        _("window counted from"),
        max_length=16,
        choices=choices(WINDOW_START),
        default=WindowStart.DELIVERY,
    )
    window_clause = clause_field()
    # Item-state exceptions (Directive 2011/83/EU Art. 16), evaluated per item.
    exclude_custom_made = models.BooleanField(
        _("custom-made items cannot be returned"), default=True
    )
    exclude_perishable = models.BooleanField(_("perishable goods cannot be returned"), default=True)
    exclude_unsealed_hygiene = models.BooleanField(
        _("sealed hygiene goods cannot be returned once unsealed"), default=True
    )
    exclude_unsealed_media = models.BooleanField(
        _("sealed audio, video or software cannot be returned once unsealed"), default=True
    )
    exceptions_clause = clause_field()
    # Conditions.
    require_original_packaging = models.BooleanField(_("original packaging"), default=False)
    require_tags = models.BooleanField(_("tags attached"), default=False)
    require_accessories = models.BooleanField(_("all accessories"), default=False)
    require_unused = models.BooleanField(_("unused"), default=False)
    conditions_clause = clause_field()
    # Resolutions.
    offer_refund = models.BooleanField(_("refund to the original payment"), default=True)
    offer_store_credit = models.BooleanField(_("store credit"), default=False)
    store_credit_bonus_percent = percent_field(_("store credit bonus (%)"))
    offer_exchange = models.BooleanField(_("exchange"), default=False)
    instant_exchange = models.BooleanField(
        _("instant exchange"),
        default=False,
        help_text=_(
            "The replacement ships as soon as the exchange is approved, before the return "
            "arrives. The value of the returned items is held on the buyer's means of "
            "payment until then, and charged if nothing is sent back in time."
        ),
    )
    resolutions_clause = clause_field()
    # Money.
    restocking_fee_percent = percent_field(_("restocking fee (%)"))
    diminished_value_deduction = models.BooleanField(
        _("deduction for diminished value allowed"), default=False
    )
    money_clause = clause_field()
    refund_order = OrderedChoiceListField(
        _("refund order of the means of payment"),
        list_choices=PaymentMethod.choices,
        help_text=_(
            "When an order was paid with several means, the refund goes back to them in "
            "this order, each up to what it paid. Means not listed follow in the order "
            "of the checkout. Leave blank for the order of the checkout."
        ),
    )
    # Deadlines.
    approval_business_days = days_field(_("approve within (business days)"), 2)
    ship_back_days = days_field(_("ship back within (days of approval)"), 14)
    refund_days = days_field(_("refund within (days of the withdrawal notice)"), 14)
    deadlines_clause = clause_field()

    clauses = StreamField(ClauseStreamBlock(), verbose_name=_("clauses"), blank=True)

    parent_page_types = ["policy_pages.PolicyIndexPage"]
    subpage_types: list[str] = []
    base_form_class = PolicyPageForm

    search_fields = [
        *Page.search_fields,
        index.SearchField("summary"),
        index.SearchField("clauses"),
        index.FilterField("kind"),
    ]

    content_panels = [
        *Page.content_panels,
        FieldPanel("kind"),
        FieldPanel("summary"),
        FieldPanel("effective_from"),
        FieldPanel("schedule_choice", widget=forms.RadioSelect),
        FieldPanel("change_reason"),
        FieldPanel("clauses"),
        FieldPanel("prose_override_reason"),
    ]
    rules_panels = [
        MultiFieldPanel(
            [
                FieldPanel("markets"),
                FieldPanel("seller_ref"),
                FieldPanel("currency"),
            ],
            heading=_("Scope"),
        ),
        MultiFieldPanel(
            [
                FieldRowPanel([FieldPanel("window_days"), FieldPanel("window_start")]),
                FieldPanel("window_clause"),
                InlinePanel("category_overrides", label=_("Category override")),
            ],
            heading=_("Return window"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("exclude_custom_made"),
                FieldPanel("exclude_perishable"),
                FieldPanel("exclude_unsealed_hygiene"),
                FieldPanel("exclude_unsealed_media"),
                FieldPanel("exceptions_clause"),
            ],
            heading=_("Item-state exceptions"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("require_original_packaging"),
                FieldPanel("require_tags"),
                FieldPanel("require_accessories"),
                FieldPanel("require_unused"),
                FieldPanel("conditions_clause"),
            ],
            heading=_("Conditions"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("offer_refund"),
                FieldRowPanel(
                    [FieldPanel("offer_store_credit"), FieldPanel("store_credit_bonus_percent")]
                ),
                FieldRowPanel([FieldPanel("offer_exchange"), FieldPanel("instant_exchange")]),
                FieldPanel("resolutions_clause"),
            ],
            heading=_("Resolutions offered"),
        ),
        InlinePanel("shipping_options", label=_("Return shipping option"), min_num=1),
        MultiFieldPanel(
            [
                FieldPanel("restocking_fee_percent"),
                FieldPanel("diminished_value_deduction"),
                FieldPanel("refund_order"),
                FieldPanel("money_clause"),
            ],
            heading=_("Money"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("approval_business_days"),
                FieldPanel("ship_back_days"),
                FieldPanel("refund_days"),
                FieldPanel("deadlines_clause"),
            ],
            heading=_("Deadlines"),
        ),
    ]

    edit_handler = TabbedInterface(
        [
            ObjectList(content_panels, heading=_("Content")),
            ObjectList(rules_panels, heading=_("Rules")),
            ObjectList(Page.promote_panels, heading=_("Promote")),
            ObjectList(Page.settings_panels, heading=_("Settings")),
        ]
    )

    # The rules are synchronised from the source page, never translated.
    translatable_fields = [
        TranslatableField("title"),
        TranslatableField("seo_title"),
        TranslatableField("search_description"),
        TranslatableField("summary"),
        TranslatableField("clauses"),
        SynchronizedField("slug"),
        *(
            SynchronizedField(name)
            for name in [
                "kind",
                "effective_from",
                "markets",
                "seller_ref",
                "currency",
                "window_days",
                "window_start",
                "window_clause",
                "exclude_custom_made",
                "exclude_perishable",
                "exclude_unsealed_hygiene",
                "exclude_unsealed_media",
                "exceptions_clause",
                "require_original_packaging",
                "require_tags",
                "require_accessories",
                "require_unused",
                "conditions_clause",
                "offer_refund",
                "offer_store_credit",
                "store_credit_bonus_percent",
                "offer_exchange",
                "instant_exchange",
                "resolutions_clause",
                "restocking_fee_percent",
                "diminished_value_deduction",
                "money_clause",
                "refund_order",
                "approval_business_days",
                "ship_back_days",
                "refund_days",
                "deadlines_clause",
                "category_overrides",
                "shipping_options",
            ]
        ),
    ]

    class Meta:
        verbose_name = _("policy")
        verbose_name_plural = _("policies")

    def permissions_for_user(self, user):
        # Four eyes: nobody publishes a policy directly (see workflow.py).
        return PolicyPagePermissionTester(user, self)

    # --- rules -----------------------------------------------------------------

    def build_rules(self) -> PolicyRules:
        """The page's structured rules, as the immutable value versions freeze."""
        flags = (
            (self.exclude_custom_made, ItemFlag.CUSTOM_MADE),
            (self.exclude_perishable, ItemFlag.PERISHABLE),
            (self.exclude_unsealed_hygiene, ItemFlag.SEALED_HYGIENE),
            (self.exclude_unsealed_media, ItemFlag.SEALED_MEDIA),
        )
        conditions = (
            (self.require_original_packaging, Condition.ORIGINAL_PACKAGING),
            (self.require_tags, Condition.TAGS),
            (self.require_accessories, Condition.ACCESSORIES),
            (self.require_unused, Condition.UNUSED),
        )
        resolutions = (
            (self.offer_refund, Resolution.REFUND),
            (self.offer_store_credit, Resolution.STORE_CREDIT),
            (self.offer_exchange, Resolution.EXCHANGE),
        )
        return PolicyRules(
            currency=self.currency,
            markets=tuple(sorted(self.markets or ())),
            seller=self.seller_ref,
            window_days=self.window_days,
            window_start=WindowStart(self.window_start),
            window_clause=self.window_clause,
            category_overrides=tuple(
                override.to_rule() for override in self.category_overrides.all()
            ),
            item_exceptions=tuple(
                ItemException(flag=flag, clause=self.exceptions_clause)
                for enabled, flag in flags
                if enabled
            ),
            conditions=tuple(condition for enabled, condition in conditions if enabled),
            conditions_clause=self.conditions_clause,
            resolutions=tuple(resolution for enabled, resolution in resolutions if enabled),
            store_credit_bonus_percent=self.store_credit_bonus_percent or Decimal("0"),
            resolutions_clause=self.resolutions_clause,
            shipping_options=tuple(option.to_rule() for option in self.shipping_options.all()),
            restocking_fee_percent=self.restocking_fee_percent or Decimal("0"),
            diminished_value_deduction=self.diminished_value_deduction,
            money_clause=self.money_clause,
            refund_order=tuple(self.refund_order or ()),
            instant_exchange=self.offer_exchange and self.instant_exchange,
            approval_business_days=self.approval_business_days,
            ship_back_days=self.ship_back_days,
            refund_days=self.refund_days,
            deadlines_clause=self.deadlines_clause,
        )

    def clause_anchors(self) -> list[str]:
        return [child.value["anchor"] for child in self.clauses if child.block_type == "clause"]

    @cached_property
    def source_page(self):
        """The page in the locale the policy was written in (translations point to it)."""
        return source_policy_page(self)


class PolicyCategoryOverride(Orderable):
    page = ParentalKey(PolicyPage, on_delete=models.CASCADE, related_name="category_overrides")
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
    page = ParentalKey(PolicyPage, on_delete=models.CASCADE, related_name="shipping_options")
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
