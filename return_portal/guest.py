"""Guest access to one order: the "Find my order" request, the magic link it
emails, and what a guest session may open (accounts/guest_access.py holds the
guest user, the token and the session; this knows orders).

`request_link` never tells the caller anything: whether the pair matches, the
email belongs to an account or to staff, the answer is the same. Only the email
differs: a link for a guest, a "sign in" reminder for an account, nothing for
staff.
"""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from django.conf import settings
from django.db import transaction
from django.http import Http404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from accounts import guest_access
from core.outbox import queue_email
from core.public_url import public_url
from marketplace.models import Order

from .models import ReturnDraft, ReturnPhoto, ReturnRequest

logger = logging.getLogger(__name__)


def matching_order(reference: str, email: str) -> Order | None:
    """The one order with this reference (any case) placed with this email (any case)."""
    orders = list(
        Order.objects.filter(reference__iexact=reference, buyer_email__iexact=email).select_related(
            "buyer"
        )[:2]
    )
    return orders[0] if len(orders) == 1 else None


def request_link(reference: str, email: str, language: str) -> None:
    """Email a link to the order when the pair matches; otherwise do nothing."""
    order = matching_order(reference, email)
    if order is None:
        return
    with transaction.atomic():
        holder = order.buyer or guest_access.holder_of(order.buyer_email)
        if holder is not None and not holder.is_guest:
            if holder.is_active and not guest_access.is_staff(holder):
                _queue(order, "sign_in", language, login_url=_url("account_login", language))
            else:
                logger.info("Find my order: no link for order %s (staff or inactive)", order.pk)
            return
        guest = holder or guest_access.new_guest(order.buyer_email, language)
        if not guest_access.may_get_link(guest):
            return
        token = guest_access.token_for(guest, order.public_id)
        link = _url("guest_open_order", language, order.public_id)
        link += "?" + urlencode({"sesame": token})
        _queue(order, "link", language, link=link, minutes=settings.SESAME_MAX_AGE // 60)


def open_order(request, order_id, token: str) -> Order | None:
    """Sign the guest of a good token in for its order and attach the order to
    them; None (and nothing changes) for a bad, expired, used or foreign token."""
    user = guest_access.user_of_token(token, order_id)
    if user is None:
        return None
    with transaction.atomic():
        order = Order.objects.select_for_update().filter(public_id=order_id).first()
        if order is None or order.buyer_email.lower() != user.email.lower():
            return None
        if order.buyer_id not in (None, user.pk):
            return None  # an account took it meanwhile: its owner signs in
        if order.buyer_id is None:
            order.buyer = user
            order.save(update_fields=["buyer"])
        language = translation.get_language() or settings.LANGUAGE_CODE
        if language in dict(settings.LANGUAGES) and user.preferred_language != language:
            user.preferred_language = language  # the withdrawal's acknowledgement uses it
            user.save(update_fields=["preferred_language"])
        guest_access.sign_in(request, user, order.public_id)
    return order


def _url(name: str, language: str, *args) -> str:
    with translation.override(language):
        return public_url(reverse(name, args=args))


def _queue(order: Order, template: str, language: str, **context) -> None:
    with translation.override(language):
        context = {"order": order, **context}
        subject = render_to_string(f"guest/email/{template}_subject.txt", context)
        body = render_to_string(f"guest/email/{template}.txt", context)
    queue_email(
        kind=f"guest_{template}",
        recipient=order.buyer_email,
        language=language,
        subject=subject,
        body=body,
        about=order,
    )


# --- what a guest session may open ---------------------------------------------------------


def _order_of(kwargs) -> str | None:
    """The public id (str) of the order a portal URL's ids lead to; None when
    they lead nowhere, or when a URL has an id this does not know (refused)."""
    if "order_id" in kwargs:  # what else the URL names, the view finds in this order
        return str(kwargs["order_id"])
    known = {"draft_id", "return_id", "photo_id"}
    if set(kwargs) - known - {"step"}:
        return None
    if "draft_id" in kwargs:
        found = ReturnDraft.objects.filter(public_id=kwargs["draft_id"])
        value = found.values_list("order__public_id", flat=True).first()
        return str(value) if value else None
    if "return_id" in kwargs:
        found = ReturnRequest.objects.filter(public_id=kwargs["return_id"])
        value = found.values_list("order__public_id", flat=True).first()
        return str(value) if value else None
    if "photo_id" in kwargs:
        photo = ReturnPhoto.objects.filter(public_id=kwargs["photo_id"]).values(
            "return_request__order__public_id", "draft"
        )
        photo = photo.first()
        if photo is None:
            return None
        if photo["return_request__order__public_id"]:
            return str(photo["return_request__order__public_id"])
        draft = ReturnDraft.objects.filter(public_id=photo["draft"])
        value = draft.values_list("order__public_id", flat=True).first()
        return str(value) if value else None
    return None


class GuestScopeMiddleware:
    """In a restricted session (accounts.guest_access.restricted) every portal URL
    naming an order, a draft, a return or a photo answers 404 unless it leads to
    an order the session opened by link: buyer scoping in the views still
    applies on top. The list of orders filters itself (views/orders.py)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        match = getattr(request, "resolver_match", None)
        if match is None or match.namespace != "return_portal" or not view_kwargs:
            return None
        if not guest_access.restricted(request):
            return None
        if _order_of(view_kwargs) not in guest_access.granted(request):
            raise Http404
        return None
