"""The pages of the "start a return" steps: what each step shows, its form, and
the service check that decides whether the answer holds.

`WizardPage` builds the step's form from the draft, checks a posted answer with
the step's service check (`steps.check_*`) and renders the step: the whole
page, or only `#return-step` for htmx. The views (wizard.py) keep the draft in
the session and choose where to go next.
"""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import ratelimit
from marketplace.models import Order, OrderLine
from policy_pages.labels import RESOLUTION, SHIPPING_METHOD
from policy_pages.rules import Payer, Resolution, ShippingMethod

from .. import photos, steps
from ..citations import Citation, PolicyLinks
from ..confirm import REFUND_DAYS
from ..draft import Draft, StepError
from ..eligibility import Decision, ReasonCode
from ..forms import ItemsForm, ReasonForm, ResolutionForm, ShippingForm
from ..legal_calendar import market_timezone
from ..models import ItemCondition
from ..refunds.estimate import refund_statute, shipping_cost, shipping_payer
from ..services import decide_order

PHOTO_LIMIT = (60, 60 * 60)  # photo uploads per buyer per hour
PHOTO_LIMIT_MESSAGE = gettext_lazy("You have added many photos in a short time. Try again later.")

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
    "exchange_variant": "resolution",
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
    "exchange_variant": "id_exchange_variant",
    "shipping_method": "shipping-fieldset",
}
SHIPPING_HINTS = {
    ShippingMethod.PREPAID_LABEL: gettext_lazy("Print the label we send you and stick it on."),
    ShippingMethod.DROP_OFF: gettext_lazy(
        "Show the QR code at a partner point; no printer needed."
    ),
    ShippingMethod.OWN_CARRIER: gettext_lazy(
        "Send the parcel with any carrier and give us the tracking number."
    ),
}


def step_url(draft: Draft, step: str) -> str:
    return reverse("return_portal:step", args=[uuid.UUID(draft.key), step])


# --- what each step shows -------------------------------------------------------------


@dataclass
class LineRow:
    """One order line on the items step."""

    index: int
    line: OrderLine
    decision: Decision  # with what the buyer declared (unsealed goods)
    # Units the step offers, as judged while still sealed (0: no input, say why).
    returnable: int
    sealed: bool  # sealed hygiene or media: the step asks whether it was unsealed
    deadline: str = ""
    citation: Citation = dataclasses.field(default_factory=Citation)
    notes: tuple[str, ...] = ()

    @property
    def selectable(self) -> bool:
        return self.returnable > 0

    @property
    def single(self) -> bool:
        return self.returnable == 1

    @property
    def why_not(self) -> str:
        return self.decision.reasons[0].message if self.decision.reasons else ""


def _local_date(when: datetime | None, market: str) -> str:
    if when is None:
        return ""
    return date_format(timezone.localtime(when, market_timezone(market)), "DATE_FORMAT")


def _line_rows(order: Order, draft: Draft, at: datetime, links: PolicyLinks):
    rules_cache: dict = {}
    as_sealed = decide_order(order, at, rules_cache=rules_cache)
    declared = dict(
        (line.pk, decision)
        for line, decision in decide_order(order, at, draft.declarations, rules_cache=rules_cache)
    )
    rows = []
    for index, (line, sealed_decision) in enumerate(as_sealed):
        decision = declared[line.pk]
        row = LineRow(
            index=index,
            line=line,
            decision=decision,
            returnable=sealed_decision.returnable_quantity if sealed_decision.eligible else 0,
            sealed=line.sealed_hygiene or line.sealed_media,
        )
        if decision.eligible:
            row.deadline, row.citation = _deadline(order, line, decision, links)
            row.notes = tuple(
                reason.message
                for reason in decision.reasons
                if reason.code
                in (ReasonCode.EXTRA_CONDITIONS, ReasonCode.STATUTORY_PERIOD_NOT_STARTED)
            )
        rows.append(row)
    return rows


def _deadline(order, line, decision: Decision, links: PolicyLinks) -> tuple[str, Citation]:
    """The date shown as "Returnable until" and what grants it: the policy clause
    of the pinned version, or the statute when the legal period ends later."""
    if decision.deadline is None:
        return "", Citation()
    by_code = {reason.code: reason for reason in decision.reasons}
    window = by_code.get(ReasonCode.WITHIN_POLICY_WINDOW)
    law = by_code.get(ReasonCode.WITHIN_STATUTORY_PERIOD)
    if window is not None and decision.deadline == decision.policy_deadline:
        citation = links.cite(line.pin.version, window.clause)
    elif law is not None:
        citation = Citation(statute=law.statute)
    else:
        citation = Citation()
    return _local_date(decision.deadline, order.market), citation


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    hint: str = ""
    amount: object = None  # a cost, shown with the order's currency
    free_note: str = ""
    citation: Citation = dataclasses.field(default_factory=Citation)


# --- the step pages -------------------------------------------------------------------


class BackTo(Exception):
    """An earlier step no longer holds: go back to it and show why."""

    def __init__(self, step: str, errors: dict[str, list[str]]):
        super().__init__(step)
        self.step = step
        self.errors = errors


def earliest_step(errors: dict[str, list[str]]) -> str:
    steps = [STEP_OF_FIELD.get(field, "items") for field in errors] or ["items"]
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
        if position > 3:
            steps.check_shipping(done.selection, draft)
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


def _error_summary(form) -> list[dict]:
    """Every error of the step, each linking to its field (or group of fields)."""
    if form is None:
        return []
    summary = []
    for field, messages in form.errors.items():
        if field.startswith(("qty-", "opened-")):
            anchor = "line-" + field.split("-", 1)[1]
        elif field == "__all__":
            anchor = FIELD_ANCHORS["items"]
        else:
            anchor = FIELD_ANCHORS.get(field, f"id_{field}")
        summary.extend({"anchor": anchor, "message": message} for message in messages)
    return summary


class WizardPage:
    """Renders one step: the whole page, or only the step for htmx."""

    def __init__(self, request, draft: Draft, order: Order, at: datetime):
        self.request = request
        self.draft = draft
        self.order = order
        self.at = at
        self.links = PolicyLinks(request)

    # forms ----------------------------------------------------------------------------

    def form(self, step: str, progress: Progress, data=None, files=None):
        draft = self.draft
        if step == "items":
            self.rows = _line_rows(self.order, draft, self.at, self.links)
            return ItemsForm(data, rows=self.rows, draft=draft)
        if step == "reason":
            return ReasonForm(
                data,
                files,
                initial={
                    "reason": draft.reason_code,
                    "condition": draft.condition,
                    "comment": draft.comment,
                },
            )
        if step == "resolution":
            return ResolutionForm(
                data,
                initial={
                    "resolution": draft.resolution,
                    "exchange_variant": draft.exchange_variant,
                },
            )
        if step == "shipping":
            return ShippingForm(data, initial={"shipping_method": draft.shipping_method})
        return None

    def submit(self, step: str, progress: Progress, form) -> bool:
        """Check the posted step with the service; save it into the draft when valid."""
        if not form.is_valid():
            return False
        draft = Draft.from_session(self.draft.to_session())
        data = form.cleaned_data
        try:
            if step == "items":
                draft.quantities = form.quantities()
                draft.opened = form.opened()
                steps.check_items(self.order, draft, self.at)
                # What they declared now changes what the page shows (an unsealed item).
                self.draft.opened = draft.opened
            elif step == "reason":
                draft.reason_code = data["reason"]
                draft.condition = data["condition"]
                draft.comment = data["comment"]
                # Photos are kept even when the rest needs fixing: a file input
                # cannot be filled in again for the buyer.
                stored = self._store_photos(form)
                steps.check_reason(draft)
                if not stored:
                    return False
            elif step == "resolution":
                draft.resolution = data["resolution"]
                draft.exchange_variant = (
                    data["exchange_variant"] if data["resolution"] == Resolution.EXCHANGE else ""
                )
                steps.check_resolution(progress.selection, draft)
            elif step == "shipping":
                draft.shipping_method = data["shipping_method"]
                steps.check_shipping(progress.selection, draft)
        except StepError as error:
            if step == "items":
                self.draft.opened = draft.opened
                self.rows = _line_rows(self.order, self.draft, self.at, self.links)
            apply_errors(form, error.errors)
            return False
        self.draft = draft
        return True

    def _store_photos(self, form) -> bool:
        """Store the photos sent with the form (no JavaScript); False, with the
        error on the form, when they are refused."""
        uploads = form.cleaned_data.get("photos") or []
        if not uploads:
            return True
        try:
            if limited(self.request, "return-photo", PHOTO_LIMIT):
                raise ValidationError(PHOTO_LIMIT_MESSAGE)
            photos.add_photos(self.request.user, self.draft.key, uploads)
        except ValidationError as error:
            form.add_error("photos", error)
            return False
        return True

    # context --------------------------------------------------------------------------

    def context(self, step: str, progress: Progress, form) -> dict:
        context = {
            "step": step,
            "heading": STEP_HEADINGS[step],
            "order": self.order,
            "draft": self.draft,
            "draft_id": uuid.UUID(self.draft.key),
            "form": form,
            "action": step_url(self.draft, step),
            "progress": self._progress_items(step),
            "back_url": (
                step_url(self.draft, STEPS[STEPS.index(step) - 1])
                if step != "items"
                else reverse("return_portal:orders")
            ),
            "error_summary": _error_summary(form),
            "step_template": f"return_portal/start/_{step}.html",
        }
        getattr(self, f"_{step}_context")(context, progress, form)
        return context

    def _progress_items(self, current: str) -> list[dict]:
        position = STEPS.index(current)
        return [
            {
                "label": STEP_LABELS[step],
                "number": number,
                "current": step == current,
                "done": number - 1 < position,
                "url": step_url(self.draft, step) if number - 1 < position else "",
            }
            for number, step in enumerate(STEPS, start=1)
        ]

    def _items_context(self, context, progress, form) -> None:
        context["rows"] = [
            {
                "row": row,
                "quantity": form[f"qty-{row.index}"] if row.selectable else None,
                "opened": form[f"opened-{row.index}"] if row.selectable and row.sealed else None,
            }
            for row in self.rows
        ]
        context["items_errors"] = form.non_field_errors()

    def _reason_context(self, context, progress, form) -> None:
        chosen = form["reason"].value() or ""
        context["reason_tree"] = steps.reason_tree()
        context["chosen_reason"] = chosen
        context["conditions"] = ItemCondition.choices
        context["chosen_condition"] = form["condition"].value() or ""
        context.update(self.photos_context())

    def photos_context(self, errors=()) -> dict:
        stored = list(photos.draft_photos(self.request.user, self.draft.key))
        return {
            "photos": stored,
            "photo_errors": list(errors),
            "photo_room": max(0, photos.max_files() - len(stored)),
            "photo_max_files": photos.max_files(),
            "photo_max_bytes": photos.max_bytes(),
            "draft_id": uuid.UUID(self.draft.key),
        }

    def _resolution_context(self, context, progress, form) -> None:
        selection = progress.selection
        rules = selection.first_rules
        version = selection.items[0][0].pin.version
        citation = self.links.cite(version, rules.resolutions_clause)
        bonus = rules.store_credit_bonus_percent
        context["choices"] = [
            Choice(
                value=resolution.value,
                label=str(capfirst(RESOLUTION[resolution])),
                hint=(
                    _("+%(bonus)s %% bonus") % {"bonus": _percent(bonus)}
                    if resolution == Resolution.STORE_CREDIT and bonus
                    else ""
                ),
                citation=citation,
            )
            for resolution in steps.allowed_resolutions(selection)
        ]
        context["chosen"] = form["resolution"].value() or ""
        context["citation"] = citation

    def _shipping_context(self, context, progress, form) -> None:
        selection = progress.selection
        defect = progress.reason.is_defect
        version = selection.items[0][0].pin.version
        choices = []
        for option, cost in steps.shipping_costs(selection, defect):
            free_because_defect = (
                defect
                and not cost
                and option.fee > 0
                and shipping_payer(option, False) == Payer.BUYER
            )
            choices.append(
                Choice(
                    value=option.method.value,
                    label=str(capfirst(SHIPPING_METHOD[option.method])),
                    hint=str(SHIPPING_HINTS[option.method]),
                    amount=cost,
                    free_note=(
                        _("Free because the item is defective, damaged or not what you ordered.")
                        if free_because_defect
                        else ""
                    ),
                    citation=self.links.cite(version, option.clause),
                )
            )
        context["choices"] = choices
        context["chosen"] = form["shipping_method"].value() or ""
        context["currency"] = self.order.currency

    def _review_context(self, context, progress, form) -> None:
        checked = steps.review(self.order, self.draft, self.at)
        selection = checked.selection
        version = selection.items[0][0].pin.version
        rules = selection.first_rules
        estimate = checked.estimate
        context["review"] = checked
        context["items"] = [(line, units) for line, _decision, units in selection.items]
        context["condition_label"] = ItemCondition(self.draft.condition).label
        context["resolution_label"] = capfirst(RESOLUTION[checked.resolution])
        context["shipping_label"] = capfirst(SHIPPING_METHOD[checked.shipping.method])
        context["shipping_cost"] = shipping_cost(checked.shipping, checked.reason.is_defect)
        context["photo_count"] = photos.draft_photos(self.request.user, self.draft.key).count()
        context["figures"] = [
            {
                "label": figure.label,
                "amount": figure.amount,
                "citation": self.links.cite(version, figure.clause, figure.statute),
            }
            for figure in estimate.figures
        ]
        context["currency"] = estimate.currency
        context["total"] = estimate.total
        context["express_kept"] = estimate.express_surcharge_kept
        context["refund_rule"] = _refund_rule(self.order, checked, rules, version, self.links)
        context["confirm_url"] = reverse("return_portal:confirm", args=[context["draft_id"]])

    # responses ------------------------------------------------------------------------

    def render(self, step, progress, form, *, status=200, push=False):
        context = self.context(step, progress, form)
        if self.request.htmx and not self.request.htmx.history_restore_request:
            context["partial"] = True
            response = render(self.request, "return_portal/start/_step.html", context)
            if push:
                response["HX-Push-Url"] = context["action"]
            response.status_code = status if status < 400 else 200
            return response
        return render(self.request, "return_portal/start/step.html", context, status=status)


def _percent(value) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def _refund_rule(order, checked, rules, version, links) -> dict:
    """When the money is due: the law's 14 days from this notice under the
    statutory right, else the policy's deadline."""
    if checked.statutory:
        return {
            "text": _(
                "Under your legal right of withdrawal, we refund you within %(days)d days "
                "of this notice."
            )
            % {"days": REFUND_DAYS},
            "citation": Citation(statute=refund_statute(order.market)),
        }
    return {
        "text": _("We refund you within %(days)d days of receiving your return.")
        % {"days": rules.refund_days},
        "citation": links.cite(version, rules.deadlines_clause),
    }


def limited(request, scope: str, limits: tuple[int, int]) -> bool:
    limit, period = limits
    return not ratelimit.consume(scope, ratelimit.client_key(request), limit=limit, period=period)


def recheck(page: WizardPage, step: str, progress: Progress, form) -> None:
    """Show why the saved answer of this step no longer holds (after a failed confirm)."""
    try:
        if step == "items":
            steps.check_items(page.order, page.draft, page.at)
        elif step == "reason":
            steps.check_reason(page.draft)
        elif step == "resolution":
            steps.check_resolution(progress.selection, page.draft)
        elif step == "shipping":
            steps.check_shipping(progress.selection, page.draft)
    except StepError as error:
        apply_errors(form, error.errors)
