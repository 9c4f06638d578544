"""Starting a return: items → reason → resolution → shipping → review → confirm.

Each step is a plain form that posts and redirects (works without JavaScript);
with htmx the form swaps only the step (`#return-step`) and the answer is the
next step's partial with its URL pushed. What the buyer chose so far is a
`Draft` kept in the database under their account (draft.py), keyed by the
draft id in the URL: a draft id that is not the buyer's is a 404, so drafts
never cross buyers, and survive signing out and in again. Every
check is the service's (`steps.check_*`); confirm runs them all again. What
each step shows is in wizard_pages.py (its order in wizard_steps.py, its rows
and choices in wizard_display.py).
"""

from __future__ import annotations

import uuid

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from marketplace.models import Order

from .. import photos
from ..citations import PolicyLinks
from ..confirm import confirm_return
from ..draft import (
    MAX_DRAFTS,
    Draft,
    StepError,
    buyer_order,
    create_draft,
    drop_draft,
    load_draft,
    save_draft,
)
from ..eligibility_reasons import wording
from ..models import ReturnRequest
from ..services import decide_order, orders_for_decisions
from .wizard_pages import PHOTO_LIMIT, PHOTO_LIMIT_MESSAGE, WizardPage, limited, recheck
from .wizard_steps import STEPS, BackTo, apply_errors, check_progress, earliest_step, step_url

__all__ = ["MAX_DRAFTS", "STEPS", "confirm", "delete_photo", "start", "step", "upload_photo"]

CREATE_LIMIT = (10, 60 * 60)  # returns confirmed per buyer per hour
TOO_MANY_REQUESTS = 429
UNPROCESSABLE = 422

# --- drafts (kept in the database, the buyer's: draft.py) -----------------------------


def _load(request, draft_id: uuid.UUID) -> tuple[Draft, Order]:
    """The buyer's draft and its order (lines ready to judge), else 404."""
    draft = load_draft(request.user, draft_id)
    if draft is None:
        raise Http404
    return draft, _order_of(request, draft)


def _order_of(request, draft: Draft) -> Order:
    order = orders_for_decisions(
        Order.objects.filter(pk=draft.order_id, buyer=request.user)
    ).first()
    if order is None:
        raise Http404
    return order


def _redirect(request, url: str):
    if request.htmx:
        return HttpResponseClientRedirect(url)
    return redirect(url)


def _back_to(request, draft, back: BackTo, page: WizardPage | None = None):
    """Send the buyer to the step that failed; it shows the errors again."""
    url = step_url(draft, back.step) + "?recheck=1"
    if request.htmx and page is not None:
        progress = check_progress(page.order, page.draft, page.at, back.step)
        form = page.form(back.step, progress)
        apply_errors(form, back.errors)
        response = page.render(back.step, progress, form, status=UNPROCESSABLE)
        response["HX-Push-Url"] = step_url(draft, back.step)
        return response
    return _redirect(request, url)


def _already_confirmed(request, draft_id):
    """A draft no longer found may have become a return (a replayed
    confirm, a double click, the browser's Back button): show that return.
    Otherwise, or when it is another buyer's, 404."""
    done = ReturnRequest.objects.filter(idempotency_key=draft_id.hex, buyer=request.user).first()
    if done is None:
        raise Http404
    return _redirect(request, reverse("return_portal:detail", args=[done.public_id]))


# --- views ----------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def start(request, order_id):
    order = buyer_order(request.user, order_id)
    if order is None:
        raise Http404
    decisions = decide_order(order, timezone.now())
    if not any(decision.eligible for _line, decision in decisions):
        links = PolicyLinks(request)
        lines = [
            (line, wording(line, decision, links, order.market)) for line, decision in decisions
        ]
        return render(
            request,
            "return_portal/start/not_returnable.html",
            {"order": order, "decisions": decisions, "lines": lines},
        )
    draft = create_draft(request.user, order)
    return _redirect(request, step_url(draft, "items"))


@login_required
@require_http_methods(["GET", "POST"])
def step(request, draft_id, step):
    if step not in STEPS:
        raise Http404
    draft = load_draft(request.user, draft_id)
    if draft is None:
        return _already_confirmed(request, draft_id)
    order = _order_of(request, draft)
    page = WizardPage(request, draft, order, timezone.now())
    try:
        progress = check_progress(order, draft, page.at, step)
    except BackTo as back:
        return _back_to(request, draft, back)
    if request.method == "POST" and step == "review":
        return HttpResponseNotAllowed(["GET"])
    if request.method == "POST":
        form = page.form(step, progress, request.POST, request.FILES)
        if page.submit(step, progress, form):
            if not save_draft(request.user, page.draft):  # confirmed meanwhile
                return _already_confirmed(request, draft_id)
            following = STEPS[STEPS.index(step) + 1]
            if request.htmx:
                next_progress = check_progress(order, page.draft, page.at, following)
                next_form = page.form(following, next_progress)
                return page.render(following, next_progress, next_form, push=True)
            return redirect(step_url(page.draft, following))
        return page.render(step, progress, form, status=UNPROCESSABLE)
    form = page.form(step, progress)
    if request.GET.get("recheck") and step != "review":
        recheck(page, step, progress, form)
    return page.render(step, progress, form)


@login_required
@require_POST
def confirm(request, draft_id):
    key = draft_id.hex
    draft = load_draft(request.user, draft_id)
    if draft is None:
        return _already_confirmed(request, draft_id)
    # The confirm is the hot path (bench/confirm_bench.py): confirm_return reads the
    # order and its lines again under its lock, so only ownership is checked here.
    order = get_object_or_404(Order.objects.only("pk"), pk=draft.order_id, buyer=request.user)
    # A replay (a double click racing the redirect) is answered, never rate-limited.
    if limited(request, "return-create", CREATE_LIMIT) and not (
        ReturnRequest.objects.filter(idempotency_key=key).exists()
    ):
        template = "return_portal/start/_limited.html" if request.htmx else "429.html"
        return render(request, template, {}, status=TOO_MANY_REQUESTS)
    try:
        return_request, _created = confirm_return(request.user, order, draft)
    except StepError as error:
        draft, order = _load(request, draft_id)
        page = WizardPage(request, draft, order, timezone.now())
        return _back_to(request, draft, BackTo(earliest_step(error.errors), error.errors), page)
    drop_draft(request.user, key)
    return _redirect(request, reverse("return_portal:detail", args=[return_request.public_id]))


@login_required
@require_POST
def upload_photo(request, draft_id):
    draft, order = _load(request, draft_id)
    page = WizardPage(request, draft, order, timezone.now())
    errors, added = [], []
    if limited(request, "return-photo", PHOTO_LIMIT):
        errors = [str(PHOTO_LIMIT_MESSAGE)]
    else:
        try:
            added = photos.add_photos(request.user, draft.key, request.FILES.getlist("photos"))
        except ValidationError as error:
            errors = error.messages
    if request.htmx:
        context = page.photos_context(errors)
        if added:
            context["photo_status"] = ngettext(
                "%(count)d photo added.", "%(count)d photos added.", len(added)
            ) % {"count": len(added)}
        return render(request, "return_portal/start/_photos.html", context)
    if not errors:
        return redirect(step_url(draft, "reason"))
    try:
        progress = check_progress(order, draft, page.at, "reason")
    except BackTo as back:
        return _back_to(request, draft, back)
    form = page.form("reason", progress)
    apply_errors(form, {"photos": errors})
    return page.render("reason", progress, form, status=UNPROCESSABLE)


@login_required
@require_POST
def delete_photo(request, draft_id, photo_id):
    draft, order = _load(request, draft_id)
    if not photos.delete_photo(request.user, draft.key, photo_id):
        raise Http404
    if request.htmx:
        page = WizardPage(request, draft, order, timezone.now())
        context = page.photos_context()
        context["photo_status"] = _("Photo removed.")
        return render(request, "return_portal/start/_photos.html", context)
    return redirect(step_url(draft, "reason"))
