from decimal import Decimal

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    InlinePanel,
    MultiFieldPanel,
    ObjectList,
    TabbedInterface,
)
from wagtail.fields import StreamField
from wagtail.models import Page
from wagtail.search import index
from wagtail_localize.fields import SynchronizedField, TranslatableField

from marketplace.markets import MARKET_CHOICES
from marketplace.models import PaymentMethod

from .archive import PolicyVersionArchive  # noqa: F401  (a model of this app)
from .blocks import ClauseStreamBlock
from .chain import ChainVerification  # noqa: F401  (a model of this app)
from .fields import (
    ChoiceListField,
    OrderedChoiceListField,
    clause_field,
    days_field,
    percent_field,
)
from .forms import PolicyPageForm
from .index_page import PolicyIndexPage  # noqa: F401  (a model of this app)
from .labels import WINDOW_START, choices
from .pins import LinePin  # noqa: F401  (a model of this app)
from .routes import PolicyRoutesMixin
from .rule_rows import (  # noqa: F401  (models of this app)
    PolicyCategoryOverride,
    PolicyKeepItRule,
    PolicyShippingOption,
)
from .rules import (
    Condition,
    ItemException,
    ItemFlag,
    PolicyRules,
    Resolution,
    WindowStart,
)
from .scheduling import ScheduleChoice
from .services import source_policy_page
from .translations import PolicyVersionTranslation  # noqa: F401  (a model of this app)
from .versions import PolicyChainHead, PolicyVersion, PolicyVersionText  # noqa: F401
from .workflow import LegalReviewTask, PolicyPagePermissionTester  # noqa: F401  (a model)

# The shortest validity a policy may give store credit (months): shorter would
# take back in practice what the buyer was given (*unverified* floor; DOMAIN.md).
CREDIT_VALIDITY_FLOOR_MONTHS = 12


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
    store_credit_validity_months = models.PositiveSmallIntegerField(
        _("store credit valid for (months)"),
        null=True,
        blank=True,
        validators=[
            MinValueValidator(CREDIT_VALIDITY_FLOOR_MONTHS),
            MaxValueValidator(240),
        ],
        help_text=_(
            "Blank: credit never expires. At least 12 months. Credit given instead of a "
            "refund the law requires (a withdrawal, a defect) never expires, and in "
            "Germany credit stays valid for at least three years (BGB §195)."
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
                    [
                        FieldPanel("offer_store_credit"),
                        FieldPanel("store_credit_bonus_percent"),
                        FieldPanel("store_credit_validity_months"),
                    ]
                ),
                FieldRowPanel([FieldPanel("offer_exchange"), FieldPanel("instant_exchange")]),
                FieldPanel("resolutions_clause"),
            ],
            heading=_("Resolutions offered"),
        ),
        MultiFieldPanel(
            [InlinePanel("keep_it_rules", label=_("Keep-it rule"))],
            heading=_("Refund without return"),
            help_text=_(
                "The buyer keeps the items and is refunded in full, with no label: for "
                "goods worth at most a value, for given reasons, or both. The first rule "
                "that applies is cited to the buyer."
            ),
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
                "store_credit_validity_months",
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
                "keep_it_rules",
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
            keep_it=tuple(rule.to_rule() for rule in self.keep_it_rules.all()),
            store_credit_validity_months=(
                self.store_credit_validity_months if self.offer_store_credit else None
            ),
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
