"""The pages of the "start a return" steps: each step's form, the service check
that decides whether the answer holds, and the rendering.

`WizardPage` builds the step's form from the draft, checks a posted answer with
the step's service check (`steps.check_*`) and renders the step: the whole
page, or only `#return-step` for htmx. The views (wizard.py) keep the draft
(the buyer's, in the database: draft.py) and choose where to go next; the order
of the steps is in wizard_steps.py, what the steps show besides their forms in
wizard_display.py.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import ratelimit
from marketplace.models import Order
from policy_pages.labels import RESOLUTION, SHIPPING_METHOD
from policy_pages.rules import Payer, Resolution

from .. import photos, steps
from ..citations import PolicyLinks
from ..draft import Draft, StepError
from ..forms import ItemsForm, ReasonForm, ResolutionForm, ShippingForm
from ..models import ItemCondition
from ..refunds.credit import selection_bonus, validity_months
from ..refunds.estimate import shipping_cost, shipping_payer
from . import wizard_exchange
from .seller_groups import by_seller
from .wizard_display import SHIPPING_HINTS, Choice, line_rows, percent, refund_rule
from .wizard_steps import (
    STEP_HEADINGS,
    STEP_LABELS,
    STEPS,
    Progress,
    apply_errors,
    error_summary,
    step_url,
)

PHOTO_LIMIT = (60, 60 * 60)  # photo uploads per buyer per hour
PHOTO_LIMIT_MESSAGE = gettext_lazy("You have added many photos in a short time. Try again later.")


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
            self.rows = line_rows(self.order, draft, self.at, self.links)
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
                references=[line.reference for line, _d, _u in progress.selection.items],
                initial={
                    "resolution": draft.resolution,
                    "difference_by": draft.difference_by,
                    **{f"exchange-{ref}": sku for ref, sku in draft.exchange_skus.items()},
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
                exchange = data["resolution"] == Resolution.EXCHANGE
                draft.exchange_skus = form.exchange_skus() if exchange else {}
                draft.difference_by = data["difference_by"] if exchange else ""
                steps.check_resolution(progress.selection, draft)
            elif step == "shipping":
                if self.kept(progress) is not None:
                    draft.shipping_method = ""  # nothing is sent back
                else:
                    draft.shipping_method = data["shipping_method"]
                    steps.check_shipping(progress.selection, draft)
        except StepError as error:
            if step == "items":
                self.draft.opened = draft.opened
                self.rows = line_rows(self.order, self.draft, self.at, self.links)
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
            "error_summary": error_summary(form),
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
        context["seller_groups"] = by_seller(context["rows"], lambda item: item["row"].line)
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
        credit_bonus = selection_bonus(selection) or None
        context["choices"] = [
            Choice(
                value=resolution.value,
                label=str(capfirst(RESOLUTION[resolution])),
                hint=(
                    _("+%(bonus)s %% bonus") % {"bonus": percent(bonus)}
                    if resolution == Resolution.STORE_CREDIT and bonus
                    else ""
                ),
                citation=citation,
                # The bonus in money, shown beside the percentage (refunds.credit).
                amount=(credit_bonus if resolution == Resolution.STORE_CREDIT else None),
            )
            for resolution in steps.allowed_resolutions(selection)
        ]
        context["chosen"] = form["resolution"].value() or ""
        context["citation"] = citation
        # A keep-it rule holds for a refund or credit alike (keep_it.KEPT_RESOLUTIONS).
        kept = steps.kept_rule(self.order, selection, progress.reason, Resolution.REFUND)
        context["keep_it_citation"] = self.links.cite(version, kept.clause) if kept else None
        context["keep_it"] = kept
        statutory = all(steps.statutory_open(d, self.at) for _l, d, _u in selection.items)
        context["credit_months"] = validity_months(
            rules, required_by_law=statutory or progress.reason.is_defect
        )
        context["currency"] = self.order.currency
        offered = any(choice.value == Resolution.EXCHANGE for choice in context["choices"])
        context["exchange"] = (
            wizard_exchange.resolution_context(self.order, selection, form) if offered else None
        )

    def kept(self, progress: Progress):
        """The pinned policy's keep-it rule for the answers so far, or None."""
        return steps.kept_rule(self.order, progress.selection, progress.reason, progress.resolution)

    def _shipping_context(self, context, progress, form) -> None:
        selection = progress.selection
        defect = progress.reason.is_defect
        version = selection.items[0][0].pin.version
        kept = self.kept(progress)
        context["kept"] = kept
        context["currency"] = self.order.currency
        if kept is not None:
            context["kept_citation"] = self.links.cite(version, kept.clause)
            context["choices"] = []
            return
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
        if checked.shipping is not None:
            context["shipping_label"] = capfirst(SHIPPING_METHOD[checked.shipping.method])
        context["shipping_cost"] = shipping_cost(checked.shipping, checked.reason.is_defect)
        context["kept"] = checked.kept
        if checked.kept is not None:
            context["kept_citation"] = self.links.cite(version, checked.kept.clause)
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
        context["refund_rule"] = refund_rule(self.order, checked, rules, version, self.links)
        context["confirm_url"] = reverse("return_portal:confirm", args=[context["draft_id"]])
        context["exchange"] = wizard_exchange.review_context(checked)

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
            resolution = steps.check_resolution(progress.selection, page.draft)
            if resolution == Resolution.EXCHANGE and page.draft.shipping_method:
                # The difference is checked once shipping is known (the review).
                shipping = steps.check_shipping(progress.selection, page.draft)
                reason = steps.check_reason(page.draft)
                steps.check_exchange_difference(
                    page.order, progress.selection, page.draft, shipping, reason
                )
        elif step == "shipping" and page.kept(progress) is None:
            steps.check_shipping(progress.selection, page.draft)
    except StepError as error:
        apply_errors(form, error.errors)
