"""The help center's choice lists, apart from the models so that forms and
blocks can use them without importing the models (which import the blocks)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class FeedbackReason(models.TextChoices):
    OUTDATED = "outdated", _("It is outdated")
    UNCLEAR = "unclear", _("It is unclear")
    NOT_ANSWERED = "not_answered", _("It didn't answer my question")
    OTHER = "other", _("Other")


class SupportTopic(models.TextChoices):
    START_RETURN = "start_return", _("Starting a return")
    SHIPPING = "shipping", _("Return shipping and labels")
    REFUND = "refund", _("Refunds")
    EXCHANGE = "exchange", _("Exchanges and store credit")
    DAMAGED = "damaged", _("Damaged or wrong item")
    WITHDRAWAL = "withdrawal", _("Right of withdrawal")
    OTHER = "other", _("Something else")


class SupportStatus(models.TextChoices):
    NEW = "new", _("New")
    # Staff's turn: opened by staff, or answered by the buyer (helpcenter.buyer_reply).
    OPEN = "open", _("Waiting on support")
    WAITING = "waiting", _("Waiting on buyer")
    SOLVED = "solved", _("Solved")
