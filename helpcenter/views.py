"""Public help center views: search, the fallback article, votes, the
contact desk and a buyer's own support requests."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.mfa import staff_mfa_redirect, staff_session_verified
from core.ratelimit import client_key, consume

from . import buyer_reply, desk, search
from . import feedback as votes
from .forms import BuyerReplyForm, ContactForm, FeedbackForm
from .locales import default_locale, locale_for
from .models import HelpArticlePage, SupportAttachment, SupportRequest
from .support_scope import may_see

TOO_MANY_REQUESTS = 429

# Rate limits per client: (actions, seconds).
LIMITS = {
    "search": (120, 60),
    "vote": (10, 60),
    "contact": (5, 60 * 60),
    "suggest": (60, 60),
    "reply": (20, 60 * 60),
}


def _limited(request, scope) -> bool:
    limit, period = LIMITS[scope]
    return not consume(scope, client_key(request), limit=limit, period=period)


def _too_many(request, template="429.html", context=None):
    return render(request, template, context or {}, status=TOO_MANY_REQUESTS)


# --- search ---------------------------------------------------------------------------


@require_GET
def search_view(request):
    language = get_language()
    raw = request.GET.get("q", "")
    instant = request.htmx and request.GET.get("instant") == "1"
    if _limited(request, "search"):
        if instant:
            return render(
                request,
                "helpcenter/search.html#instant-results",
                {"limited": True},
                status=TOO_MANY_REQUESTS,
            )
        return _too_many(request)
    if instant:
        outcome = search.instant_results(raw, language)
        return render(request, "helpcenter/search.html#instant-results", {"outcome": outcome})
    outcome = search.run_search(raw, language, request.GET.get("page", 1))
    if outcome.query and request.GET.get("page", "1") in ("", "1"):
        # Every submitted search, those without results too (the zero-results report).
        search.log_search(outcome.query, language, outcome.total)
        votes.note_help_session(request)
    return render(request, "helpcenter/search.html", {"outcome": outcome})


# --- an article in a language it is not translated into yet -------------------------------


@require_GET
def article(request, translation_key):
    """The article in the reader's language if published, else its source
    text inside the reader's site, with a notice."""
    locale = locale_for(get_language())
    pages = HelpArticlePage.objects.live().filter(translation_key=translation_key)
    translated = pages.filter(locale=locale).first() if locale else None
    if translated is not None:
        return HttpResponseRedirect(translated.url)
    source = pages.filter(locale=default_locale()).first()
    if source is None:
        raise Http404
    votes.record_view(source.pk)
    votes.note_help_session(request)
    context = source.get_context(request)
    context["is_fallback"] = True
    return TemplateResponse(request, source.get_template(request), context)


# --- "Was this helpful?" -----------------------------------------------------------------------


@require_POST
def feedback(request, article_id):
    article = get_object_or_404(HelpArticlePage.objects.live(), pk=article_id)
    template = "helpcenter/feedback.html#feedback" if request.htmx else "helpcenter/feedback.html"
    context = {"page": article, "article": article}
    if _limited(request, "vote"):
        context["state"] = "limited"
        return render(request, template, context, status=TOO_MANY_REQUESTS)
    form = FeedbackForm(request.POST)
    if not form.is_valid():
        context.update(state="invalid", feedback_form=form)
        return render(request, template, context, status=400)
    data = form.cleaned_data
    vote, _created = votes.record_vote(
        article, votes.voter_of(request), data["helpful"], data["reason"], data["comment"]
    )
    asks_reason = not vote.helpful and not (vote.reason or vote.comment)
    context.update(
        state="ask_reason" if asks_reason else "thanks",
        vote=vote,
        feedback_form=FeedbackForm(initial={"helpful": "no"}),
    )
    return render(request, template, context)


# --- contact desk -----------------------------------------------------------------------


@require_GET
def suggestions(request):
    if _limited(request, "suggest"):
        articles = []
    else:
        text = " ".join(request.GET.get(name, "") for name in ("message", "topic_text"))
        articles = search.suggest_articles(text[:2000], get_language())
    return render(request, "helpcenter/contact.html#suggestions", {"suggested": articles})


@require_GET
def suggestion_open(request, article_id):
    """A suggested article opened from the contact form: counted, then shown."""
    article = get_object_or_404(HelpArticlePage.objects.live(), pk=article_id)
    search.record_suggestion_open(request, article)
    return redirect(article.url)


def contact(request):
    if request.method == "POST":
        form = ContactForm(request.POST, request.FILES, user=request.user)
        if _limited(request, "contact"):
            return _too_many(request)
        if form.is_bot():
            # Look like success to the bot; nothing is saved or sent.
            return redirect("helpcenter:contact_thanks")
        if form.is_valid():
            data = form.cleaned_data
            support = desk.create_support_request(
                user=request.user,
                email=form.buyer_email(),
                language=get_language(),
                topic=data["topic"],
                order_reference=data["order_reference"],
                message=data["message"],
                images=data["attachments"],
                suggestions_opened=request.session.get("helpcenter_suggestions_opened", []),
            )
            request.session.pop("helpcenter_suggestions_opened", None)
            request.session["helpcenter_last_reference"] = support.reference
            return redirect("helpcenter:contact_thanks")
        status = 400
    else:
        form = ContactForm(user=request.user)
        status = 200
    return render(request, "helpcenter/contact.html", {"form": form}, status=status)


@require_GET
def contact_thanks(request):
    reference = request.session.get("helpcenter_last_reference")
    return render(request, "helpcenter/contact_thanks.html", {"reference": reference})


# --- a buyer's requests ------------------------------------------------------------------


@login_required
def my_requests(request):
    requests_ = SupportRequest.objects.filter(user=request.user).order_by("-created_at")
    return render(request, "helpcenter/my_requests.html", {"support_requests": requests_})


UNPROCESSABLE = 422


@login_required
def request_detail(request, reference):
    """The buyer's request, its conversation and the reply form (POST: the
    buyer's reply, through buyer_reply.add_buyer_reply)."""
    support = get_object_or_404(
        SupportRequest.objects.prefetch_related("replies__attachments", "attachments"),
        reference=reference,
        user=request.user,
    )
    status = 200
    if request.method == "POST":
        if _limited(request, "reply"):
            return _too_many(request)
        form = BuyerReplyForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                buyer_reply.add_buyer_reply(
                    support,
                    user=request.user,
                    body=data["body"],
                    key=data["key"],
                    images=data["attachments"],
                )
            except buyer_reply.KeyReused:
                form.add_error(None, _("This form was already used. Reload the page."))
            else:
                messages.success(request, _("Your reply was sent."))
                return redirect("helpcenter:request_detail", reference=support.reference)
        status = UNPROCESSABLE
    elif request.method != "GET":
        return HttpResponseNotAllowed(["GET", "POST"])
    else:
        form = BuyerReplyForm(initial={"key": uuid.uuid4().hex})
    context = {
        "support": support,
        # The request's own photos; a reply's are listed under the reply.
        "request_attachments": [a for a in support.attachments.all() if a.reply_id is None],
        "reply_form": form,
    }
    return render(request, "helpcenter/request_detail.html", context, status=status)


@login_required
def attachment(request, pk):
    """An attachment, to its buyer or to staff who may see its request.

    The staff branch is staff-only: it needs a TOTP-verified session
    (accounts.mfa), and seller staff see only their sellers' requests
    (support_scope); anything else answers 404, never confirming the id."""
    item = get_object_or_404(SupportAttachment.objects.select_related("request"), pk=pk)
    if item.request.user_id != request.user.pk:
        if not request.user.has_perm("helpcenter.view_supportrequest"):
            raise Http404
        redirect_to_mfa = staff_mfa_redirect(request)
        if redirect_to_mfa is not None:
            return redirect_to_mfa
        if not (staff_session_verified(request) and may_see(request.user, item.request)):
            raise Http404
    response = FileResponse(item.file.open("rb"), content_type=item.content_type)
    # A PDF (from an emailed reply) is downloaded, not shown under the site's origin.
    is_pdf = item.content_type == "application/pdf"
    response["Content-Disposition"] = "attachment" if is_pdf else "inline"
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'"
    return response


def support_home(request):
    return redirect(reverse("helpcenter:contact"))
