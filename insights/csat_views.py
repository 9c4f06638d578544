"""The buyer's survey page: no login, the link's token is the key."""

from __future__ import annotations

from django import forms
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from core.ratelimit import client_key, consume

from . import csat
from .csat_models import COMMENT_MAX_LENGTH

RATINGS = [
    (5, _("5 — very satisfied")),
    (4, _("4 — satisfied")),
    (3, _("3 — neither")),
    (2, _("2 — dissatisfied")),
    (1, _("1 — very dissatisfied")),
]


class AnswerForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("How satisfied are you with how your return was handled?"),
        choices=RATINGS,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a rating from 1 to 5.")},
    )
    comment = forms.CharField(
        label=_("Anything you want to tell us? (optional)"),
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


def _limited(request) -> bool:
    try:
        return not consume("csat", client_key(request), limit=20, period=3600)
    except Exception:  # the cache is down: the single-use token still holds
        return False


def _closed(request, survey):
    template = "insights/csat/answered.html" if survey.answered_at else "insights/csat/expired.html"
    return render(request, template, {"survey": survey}, status=410)


@require_http_methods(["GET", "POST"])
def answer(request, token):
    survey = csat.find(token)
    if survey is None:
        return render(request, "insights/csat/expired.html", {}, status=404)
    if not csat.is_open(survey):
        return _closed(request, survey)
    form = AnswerForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if _limited(request):
            return render(request, "429.html", status=429, headers={"Retry-After": "3600"})
        if form.is_valid():
            try:
                csat.answer(survey, form.cleaned_data["rating"], form.cleaned_data["comment"])
            except csat.SurveyClosed:
                survey.refresh_from_db()
                return _closed(request, survey)
            return render(request, "insights/csat/thanks.html", {"survey": survey})
        status = 422
    else:
        status = 200
    return render(
        request,
        "insights/csat/form.html",
        {"form": form, "survey": survey, "return": survey.return_request},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def opt_out(request, token):
    survey = csat.find(token)
    if survey is None:
        return render(request, "insights/csat/expired.html", {}, status=404)
    if request.method == "POST":
        csat.opt_out(survey)
        return render(request, "insights/csat/opted_out.html", {})
    return render(request, "insights/csat/opt_out.html", {"survey": survey})
