import json

from allauth.core import ratelimit
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from .forms import DeleteAccountForm
from .privacy import delete_account, export_user_data


@login_required
@require_http_methods(["GET", "POST"])
def my_data(request):
    """The privacy page: download my data, or delete my account."""
    form = DeleteAccountForm(request.POST or None, user=request.user)
    if request.method == "POST":
        limited = ratelimit.consume_or_429(request, action="delete_account", user=request.user)
        if limited:
            return limited
        if form.is_valid():
            delete_account(request.user)
            logout(request)
            messages.success(request, _("Your account has been deleted."))
            return redirect("/")
    return render(request, "account/my_data.html", {"form": form})


@login_required
@require_http_methods(["POST"])
def export_data(request):
    limited = ratelimit.consume_or_429(request, action="export_data", user=request.user)
    if limited:
        return limited
    payload = json.dumps(export_user_data(request.user), indent=2, ensure_ascii=False)
    response = HttpResponse(payload, content_type="application/json; charset=utf-8")
    filename = f"my-data-{timezone.now():%Y-%m-%d}.json"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
