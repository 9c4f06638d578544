"""The order of the "start a return" steps and what carries an answer back to
its step: the steps and their headings, each step's URL, which step holds each
field the services name in their errors (`earliest_step`, `BackTo`), the checks
of the steps already done (`check_progress`) and a step's error summary.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy

from policy_pages.rules import Resolution

from .. import steps
from ..draft import Draft, StepError

STEPS = ("items", "reason", "resolution", "shipping", "review")
STEP_LABELS = {
    "items": gettext_lazy("Items"),
    "reason": gettext_lazy("Reason"),
    "resolution": gettext_lazy("Refund or exchange"),
    "shipping": gettext_lazy("Shipping"),
    "review": gettext_lazy("Review"),
}
STEP_HEADINGS = {
    "items": gettext_lazy("Which items are you returning?"),
    "reason": gettext_lazy("Why are you returning them?"),
    "resolution": gettext_lazy("What would you like instead?"),
    "shipping": gettext_lazy("How will you send them back?"),
    "review": gettext_lazy("Check and confirm your return"),
}
# The step whose form holds each field the services name in their errors.
STEP_OF_FIELD = {
    "items": "items",
    "reason": "reason",
    "condition": "reason",
    "comment": "reason",
    "photos": "reason",
    "resolution": "resolution",
    "difference_by": "resolution",
    "shipping_method": "shipping",
}
# Where the error summary's link for each field points.
FIELD_ANCHORS = {
    "items": "items-fieldset",
    "reason": "reason-fieldset",
    "condition": "condition-fieldset",
    "comment": "id_comment",
    "photos": "id_photos",
    "resolution": "resolution-fieldset",
    "difference_by": "difference_by-fieldset",
    "shipping_method": "shipping-fieldset",
}


def step_url(draft: Draft, step: str) -> str:
    return reverse("return_portal:step", args=[uuid.UUID(draft.key), step])


class BackTo(Exception):
    """An earlier step no longer holds: go back to it and show why."""

    def __init__(self, step: str, errors: dict[str, list[str]]):
        super().__init__(step)
        self.step = step
        self.errors = errors


def earliest_step(errors: dict[str, list[str]]) -> str:
    steps = [
        "resolution" if field.startswith("exchange-") else STEP_OF_FIELD.get(field, "items")
        for field in errors
    ] or ["items"]
    return min(steps, key=STEPS.index)


@dataclass
class Progress:
    """What the steps before the current one established."""

    selection: steps.Selection | None = None
    reason: object = None
    resolution: Resolution | None = None


def check_progress(order, draft, at, step: str) -> Progress:
    """Run the checks of every step before `step`; BackTo the first that fails."""
    done = Progress()
    position = STEPS.index(step)
    try:
        if position > 0:
            done.selection = steps.check_items(order, draft, at)
        if position > 1:
            done.reason = steps.check_reason(draft)
        if position > 2:
            done.resolution = steps.check_resolution(done.selection, draft)
        if position > 3 and steps.kept_rule(order, done.selection, done.reason, done.resolution):
            pass  # the buyer keeps the items: nothing to ship (keep_it.py)
        elif position > 3:
            shipping = steps.check_shipping(done.selection, draft)
            if done.resolution == Resolution.EXCHANGE:
                steps.check_exchange_difference(order, done.selection, draft, shipping, done.reason)
    except StepError as error:
        raise BackTo(earliest_step(error.errors), error.errors) from error
    return done


def apply_errors(form, errors: dict[str, list[str]]) -> None:
    if not form.is_bound:  # a page showing why its saved answer no longer holds
        form.full_clean()
        form.cleaned_data = {}
    for field, messages in errors.items():
        for message in messages:
            form.add_error(field if field in form.fields else None, message)


def error_summary(form) -> list[dict]:
    """Every error of the step, each linking to its field (or group of fields)."""
    if form is None:
        return []
    summary = []
    for field, messages in form.errors.items():
        if field.startswith(("qty-", "opened-")):
            anchor = "line-" + field.split("-", 1)[1]
        elif field == "__all__":
            anchor = FIELD_ANCHORS["items"]
        elif field.startswith("exchange-"):
            anchor = f"{field}-fieldset"  # the line's variants
        else:
            anchor = FIELD_ANCHORS.get(field, f"id_{field}")
        summary.extend({"anchor": anchor, "message": message} for message in messages)
    return summary
