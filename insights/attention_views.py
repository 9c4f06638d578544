"""The "Needs attention" page and its weekly email."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from core.outbox import queue_email
from core.public_url import public_url
from marketplace.models import ProductCategory
from marketplace.scoping import scope_of_user

from .attention import MIN_PEERS_FOR_SELLERS, SIGNIFICANCE, flags, shown_to_sellers
from .dashboard import reason_labels, returns_list_url
from .filters import Filters
from .forms import DashboardFilterForm, check_scope
from .views import may_see_dashboard

WEEKLY_DAYS = 28


def described(found, language: str) -> list[dict]:
    reasons = reason_labels(language)
    categories = {c.path: c.name for c in ProductCategory.objects.all()}
    return [
        {
            "flag": flag,
            "category": categories.get(flag.category, flag.category or "–"),
            "reason": reasons.get(flag.reason, flag.reason),
        }
        for flag in found
    ]


class AttentionView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "insights/attention.html"
    page_title = _("Needs attention")
    header_icon = "warning"

    def dispatch(self, request, *args, **kwargs):
        if not may_see_dashboard(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        language = (translation.get_language() or "en").split("-")[0]
        form = DashboardFilterForm(
            request.GET, scope=scope_of_user(request.user), language=language
        )
        check_scope(form)
        # The flags compare sellers and products within categories: no category,
        # product or reason filter, which would leave nothing to compare with.
        period_fields = [form[name] for name in ("start", "end", "market", "seller")]
        context = self.get_context_data(
            form=form,
            period_fields=period_fields,
            significance=SIGNIFICANCE,
            operator=scope_of_user(request.user).everything,
            min_peers=MIN_PEERS_FOR_SELLERS,
        )
        if not form.is_valid():
            return TemplateResponse(request, self.template_name, context, status=400)
        filters = form.filters()
        found = flags(filters)
        operator = scope_of_user(request.user).everything
        if not operator:
            found = [flag for flag in found if shown_to_sellers(flag)]
        rows = described(found, language)
        for row in rows:
            flag = row["flag"]
            scoped = Filters(
                start=filters.start,
                end=filters.end,
                seller_ids=frozenset({flag.seller_id}),
                sku=flag.key if flag.level == "product" else "",
            )
            row["returns_url"] = returns_list_url(scoped, flag.reason)
        context.update(filters=filters, rows=rows)
        return TemplateResponse(request, self.template_name, context)


def weekly_recipients():
    """(user, scope) of every active staff member who may see the dashboard."""
    for user in get_user_model().objects.filter(is_active=True, is_staff=True):
        if may_see_dashboard(user):
            yield user, scope_of_user(user)


def send_weekly(today: dt.date | None = None) -> int:
    today = today or timezone.localdate()
    period = Filters(start=today - dt.timedelta(days=WEEKLY_DAYS), end=today - dt.timedelta(days=1))
    everything = flags(period)
    sent = 0
    for user, scope in weekly_recipients():
        mine = [
            f
            for f in everything
            if scope.everything or (f.seller_id in scope.seller_ids and shown_to_sellers(f))
        ]
        if not mine:
            continue
        language = getattr(user, "preferred_language", "") or "en"
        with translation.override(language):
            context = {
                "rows": described(mine, language),
                "period": period,
                "url": public_url(reverse("insights_attention")),
            }
            subject = render_to_string("insights/email/attention_subject.txt", context)
            body = render_to_string("insights/email/attention.txt", context)
        queue_email(
            kind="attention_weekly",
            recipient=user.email,
            language=language,
            subject=subject,
            body=body,
        )
        sent += 1
    return sent


@shared_task(name="insights.send_attention_weekly", ignore_result=True)
def send_attention_weekly() -> int:
    return send_weekly()
