"""The KPI dashboard in the Wagtail admin: the operator's staff see the whole
marketplace, a seller's staff their sellers only, on the same pages."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from helpcenter.reports import self_service
from marketplace.scoping import scope_of_user

from .dashboard import build
from .export import SECTIONS, csv_response
from .forms import DashboardFilterForm, check_scope

PERMISSIONS = ("return_portal.view_returnrequest", "return_portal.change_returnrequest")


def may_see_dashboard(user) -> bool:
    scope = scope_of_user(user)
    has_scope = scope.everything or bool(scope.seller_ids)
    return has_scope and any(user.has_perm(permission) for permission in PERMISSIONS)


class DashboardView(WagtailAdminTemplateMixin, TemplateView):
    template_name = "insights/dashboard.html"
    results_template_name = "insights/_results.html"
    page_title = _("Returns insights")
    header_icon = "table"

    def dispatch(self, request, *args, **kwargs):
        if not may_see_dashboard(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        language = (translation.get_language() or "en").split("-")[0]
        scope = scope_of_user(request.user)
        form = DashboardFilterForm(request.GET, scope=scope, language=language)
        check_scope(form)
        context = self.get_context_data(form=form, operator=scope.everything)
        status = 200
        if form.is_valid():
            filters = form.filters()
            by = form.cleaned_data.get("by") or "category"
            focus = form.cleaned_data.get("reason") or ""
            context.update(build(filters, by, focus, language))
            context["breakdown_label"] = dict(form.fields["by"].choices)[by]
            export = request.GET.get("export", "")
            if export in SECTIONS:
                return csv_response(export, context)
            if scope.everything:
                context["help"] = self_service(filters.start, filters.end)
        else:
            status = 400
        context["query"] = request.GET.urlencode()
        template = self.results_template_name if request.htmx else self.template_name
        return TemplateResponse(request, template, context, status=status)
