"""The staff page "Goodwill refund of an order" (Returns → Goodwill refund of an
order, /admin/returns/goodwill/): a gesture on an order without a return (a late
delivery, a scuffed box the buyer keeps), as the API's
POST /api/v1/orders/{reference}/goodwill-refunds does for integrations.

The form takes the order's reference, an amount (in the order's currency) and
the reason the buyer reads, with a hidden idempotency key drawn when the form is
drawn: a double submit books once (refunds.goodwill.goodwill_refund, which
checks the staff member, locks the order, books, logs and emails). Scoped as
everything else (marketplace.scoping): seller staff reach only orders whose
every line is one of their sellers'; an order none of whose lines is theirs
gets the very answer of an unknown reference, so the page never tells that it
exists. Under /admin/, the staff TOTP step applies (accounts.mfa).
"""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from wagtail.admin.auth import permission_denied
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.widgets import HeaderButton

from core.formatting import format_money
from marketplace.models import Order
from marketplace.scoping import scope_of_user

from .. import actors
from ..refunds import RefundTooLarge, booking, goodwill
from ..refunds.manual import RefundInputError
from .listing import ReturnIndexView
from .settlement_actions import AmountForm

URL_NAME = "returns:order_goodwill"  # in the returns viewset's namespace
REFERENCE_MAX_LENGTH = 64  # marketplace.Order.reference


class OrderGoodwillForm(AmountForm):
    order = forms.CharField(
        label=gettext_lazy("Order reference"),
        max_length=REFERENCE_MAX_LENGTH,
        error_messages={"required": gettext_lazy("Give the order's reference.")},
    )

    field_order = ["order", "amount", "reason"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["amount"].help_text = gettext_lazy("In the order's currency.")


def visible_order(user, reference: str) -> tuple[Order | None, bool]:
    """The order of `reference` as `user` may see it, and whether they cover every
    seller of it. An order with none of their sellers' lines is None, as an
    unknown reference is."""
    order = Order.objects.filter(reference=reference).first()
    if order is None:
        return None, False
    scope = scope_of_user(user)
    sellers = set(order.lines.values_list("seller_id", flat=True))
    if not any(scope.allows(seller) for seller in sellers):
        return None, False
    return order, all(scope.allows(seller) for seller in sellers)


class OrderGoodwillView(WagtailAdminTemplateMixin, View):
    template_name = "return_portal/admin/order_goodwill.html"
    page_title = gettext_lazy("Goodwill refund of an order")
    header_icon = "rotate"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.has_perm(actors.CHANGE_PERMISSION):
            return permission_denied(request)
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": reverse("returns:index"), "label": _("Returns")},
            {"url": "", "label": self.get_page_title()},
        ]

    def render_form(self, form, order: Order | None = None):
        remaining = None
        if order is not None:
            remaining = booking.lock_order(order.pk, lock=False).payments_left
        context = self.get_context_data(form=form, order=order, remaining=remaining)
        return self.render_to_response(context)

    def get(self, request):
        reference = request.GET.get("order", "")
        initial = {}
        order = None
        if reference and len(reference) <= REFERENCE_MAX_LENGTH and "\x00" not in reference:
            initial["order"] = reference
            order, _whole = visible_order(request.user, reference)
        form = OrderGoodwillForm()
        form.initial.update(initial)
        return self.render_form(form, order)

    def post(self, request):
        form = OrderGoodwillForm(request.POST)
        if not form.is_valid():
            return self.render_form(form)
        data = form.cleaned_data
        order, whole = visible_order(request.user, data["order"])
        if order is None:
            form.add_error("order", _("There is no order with this reference for you to refund."))
            return self.render_form(form)
        if not whole:
            form.add_error(
                "order",
                _(
                    "This order also holds other sellers' items: only the operator's staff "
                    "make a goodwill refund of it."
                ),
            )
            return self.render_form(form, order)
        try:
            refunds = goodwill.goodwill_refund(
                order, data["amount"], data["reason"], actor=request.user, key=data["key"]
            )
        except RefundTooLarge as error:
            form.add_error("amount", _too_large(order, error.remaining))
            return self.render_form(form, order)
        except RefundInputError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error))
            return self.render_form(form, order)
        except actors.ActionDenied:
            form.add_error(None, _("The marketplace leaves this refund to the operator's staff."))
            return self.render_form(form, order)
        total = sum((refund.amount for refund in refunds), Decimal("0.00"))
        messages.success(
            request,
            _("Goodwill refund of %(amount)s booked for order %(order)s.")
            % {"amount": format_money(total, order.currency), "order": order.reference},
        )
        return redirect(URL_NAME)


def _too_large(order: Order, remaining: Decimal) -> str:
    return _("At most %(amount)s remains to be refunded.") % {
        "amount": format_money(max(remaining, Decimal("0.00")), order.currency),
    }


class ReturnIndexWithGoodwillView(ReturnIndexView):
    """The returns queue, with the button to the goodwill page for staff who act."""

    @cached_property
    def header_buttons(self):
        buttons = list(super().header_buttons)
        if self.can_act:
            buttons.append(
                HeaderButton(
                    _("Goodwill refund of an order"), url=reverse(URL_NAME), icon_name="plus"
                )
            )
        return buttons
