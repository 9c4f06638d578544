"""The admin's side of version translations (translations.py): the list of
every version's languages, the translator's form for any version, and legal's
sign-off. Who may translate is who may edit the policy page in that language
(Wagtail's page permissions); who signs off is a legal approver other than
the translator."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from wagtail.admin.auth import permission_denied
from wagtail.admin.menu import MenuItem
from wagtail.admin.rich_text import get_rich_text_editor_widget
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.models import Locale
from wagtail.permission_policies.pages import PagePermissionPolicy
from wagtail.rich_text import expand_db_html

from .translations import (
    PolicyVersionTranslation,
    TranslationError,
    send_back,
    sign_off,
    source_text,
    submit_translation,
    translated_page,
)
from .versions import PolicyVersion, PolicyVersionText
from .workflow import is_legal_approver

LIST_URL_NAME = "policy_pages_translations"
TRANSLATE_URL_NAME = "policy_pages_translate_version"
REVIEW_URL_NAME = "policy_pages_review_translation"


def can_translate(user, version: PolicyVersion, locale) -> bool:
    page = translated_page(version, locale) or version.policy
    return page.permissions_for_user(user).can_edit()


def may_open(user) -> bool:
    return is_legal_approver(user) or PagePermissionPolicy().user_has_permission(user, "change")


def rich_text_widget():
    """Wagtail's editor, answering a value that is not its JSON with a blank
    (a "required" error) rather than failing."""
    widget = get_rich_text_editor_widget()
    read = widget.value_from_datadict

    def value_from_datadict(data, files, name):
        try:
            return read(data, files, name)
        except (ValueError, TypeError, KeyError, AttributeError):
            return ""

    widget.value_from_datadict = value_from_datadict
    return widget


def target_locales():
    codes = [code for code, _name in settings.WAGTAIL_CONTENT_LANGUAGES]
    return list(Locale.objects.filter(language_code__in=codes).order_by("language_code"))


# --- the list -------------------------------------------------------------------------


class TranslationListView(WagtailAdminTemplateMixin, View):
    template_name = "policy_pages/translations/index.html"
    page_title = gettext_lazy("Policy translations")
    header_icon = "globe"

    def get(self, request):
        if not may_open(request.user):
            return permission_denied(request)
        locales = target_locales()
        versions = (
            PolicyVersion.objects.select_related("policy", "policy__locale")
            .prefetch_related("texts__signed_off_by", "texts__translated_by", "translations")
            .order_by("policy__title", "policy_id", "-number")
        )
        rows = []
        for version in versions:
            texts = {text.locale_id: text for text in version.texts.all()}
            pending = {item.locale_id: item for item in version.translations.all()}
            cells = [
                {
                    "locale": locale,
                    "text": texts.get(locale.pk),
                    "pending": pending.get(locale.pk) if locale.pk not in texts else None,
                    "is_source": locale.pk == version.policy.locale_id,
                }
                for locale in locales
            ]
            rows.append({"version": version, "cells": cells})
        return self.render_to_response(self.get_context_data(rows=rows, locales=locales))


# --- the translator's form ---------------------------------------------------------------


class VersionTranslationForm(forms.Form):
    """One field per segment of the source text, each required: a text is
    complete or absent."""

    title = forms.CharField(label=gettext_lazy("Title"), max_length=255)
    summary = forms.CharField(label=gettext_lazy("Summary"), max_length=255, required=False)

    def __init__(self, *args, source: PolicyVersionText, **kwargs):
        super().__init__(*args, **kwargs)
        self.source = source
        self.fields["summary"].required = bool(source.summary)
        for clause in source.clauses:
            anchor = clause["anchor"]
            self.fields[f"heading_{anchor}"] = forms.CharField(
                label=_("§%(anchor)s heading") % {"anchor": anchor}, max_length=255
            )
            self.fields[f"html_{anchor}"] = forms.CharField(
                label=_("§%(anchor)s text") % {"anchor": anchor},
                widget=rich_text_widget(),
            )

    def segments(self):
        """Pairs of (source, fields) for the template, in source order."""
        yield {"label": _("Title"), "source": self.source.title, "fields": [self["title"]]}
        if self.source.summary:
            yield {
                "label": _("Summary"),
                "source": self.source.summary,
                "fields": [self["summary"]],
            }
        for clause in self.source.clauses:
            anchor = clause["anchor"]
            yield {
                "label": f"§{anchor} {clause['heading']}",
                "source": clause["html"],
                "is_html": True,
                "fields": [self[f"heading_{anchor}"], self[f"html_{anchor}"]],
            }

    def clauses(self) -> list[dict]:
        return [
            {
                "anchor": clause["anchor"],
                "heading": self.cleaned_data[f"heading_{clause['anchor']}"],
                "html": expand_db_html(self.cleaned_data[f"html_{clause['anchor']}"]),
            }
            for clause in self.source.clauses
        ]


def initial_translation(version: PolicyVersion, locale, source: PolicyVersionText) -> dict:
    """The translator starts from the working copy if there is one, else from
    what other versions already say in that language for the same source
    words (a clause unchanged since a translated version keeps its text)."""
    pending = PolicyVersionTranslation.objects.filter(version=version, locale=locale).first()
    if pending is not None:
        initial = {"title": pending.title, "summary": pending.summary}
        for clause in pending.clauses:
            initial[f"heading_{clause['anchor']}"] = clause["heading"]
            initial[f"html_{clause['anchor']}"] = clause["html"]
        return initial
    initial: dict = {}
    others = PolicyVersionText.objects.filter(
        version__policy_id=version.policy_id, locale=locale
    ).order_by("-version__number")
    sources = {
        text.version_id: text
        for text in PolicyVersionText.objects.filter(
            version__policy_id=version.policy_id, page_id=version.policy_id
        )
    }
    for other in others:
        original = sources.get(other.version_id)
        if original is None:
            continue
        if original.title == source.title:
            initial.setdefault("title", other.title)
        if original.summary == source.summary:
            initial.setdefault("summary", other.summary)
        for clause in source.clauses:
            before = original.clause(clause["anchor"])
            translated = other.clause(clause["anchor"])
            if before and translated and before["html"] == clause["html"]:
                initial.setdefault(f"heading_{clause['anchor']}", translated["heading"])
                initial.setdefault(f"html_{clause['anchor']}", translated["html"])
    return initial


class TranslateVersionView(WagtailAdminTemplateMixin, View):
    template_name = "policy_pages/translations/translate.html"
    header_icon = "globe"

    def get_page_title(self):
        return _("Translate version %(number)s") % {"number": self.version.number}

    def dispatch(self, request, version_id: int, language: str):
        self.version = PolicyVersion.objects.select_related("policy").filter(pk=version_id).first()
        self.locale = Locale.objects.filter(language_code=language).first()
        if self.version is None or self.locale is None:
            raise Http404
        if not can_translate(request.user, self.version, self.locale):
            return permission_denied(request)
        self.source = source_text(self.version)
        if self.locale.pk == self.source.locale_id:
            raise Http404
        return super().dispatch(request)

    def render_form(self, form, status=200):
        pending = PolicyVersionTranslation.objects.filter(
            version=self.version, locale=self.locale
        ).first()
        context = self.get_context_data(
            form=form, version=self.version, locale=self.locale, pending=pending
        )
        return self.render_to_response(context, status=status)

    def get(self, request):
        initial = initial_translation(self.version, self.locale, self.source)
        return self.render_form(VersionTranslationForm(source=self.source, initial=initial))

    def post(self, request):
        form = VersionTranslationForm(request.POST, source=self.source)
        if not form.is_valid():
            return self.render_form(form, status=400)
        try:
            submit_translation(
                self.version,
                self.locale,
                title=form.cleaned_data["title"],
                summary=form.cleaned_data.get("summary", ""),
                clauses=form.clauses(),
                user=request.user,
            )
        except TranslationError as error:
            for message in error.messages:
                form.add_error(None, message)
            return self.render_form(form, status=400)
        messages.success(
            request,
            _("Version %(number)s in %(language)s is submitted for legal sign-off.")
            % {"number": self.version.number, "language": self.locale.get_display_name()},
        )
        return redirect(LIST_URL_NAME)


# --- legal sign-off -------------------------------------------------------------------


class ReviewTranslationView(WagtailAdminTemplateMixin, View):
    template_name = "policy_pages/translations/review.html"
    page_title = gettext_lazy("Sign off a translation")
    header_icon = "globe"

    def dispatch(self, request, translation_id: int):
        self.translation = (
            PolicyVersionTranslation.objects.select_related(
                "version", "version__policy", "locale", "translated_by"
            )
            .filter(pk=translation_id)
            .first()
        )
        if self.translation is None:
            raise Http404
        if not is_legal_approver(request.user):
            return permission_denied(request)
        return super().dispatch(request)

    def render_review(self, error=None, status=200):
        source = source_text(self.translation.version)
        pairs = [
            {
                "anchor": clause["anchor"],
                "source": clause,
                "translation": next(
                    (c for c in self.translation.clauses if c["anchor"] == clause["anchor"]),
                    None,
                ),
            }
            for clause in source.clauses
        ]
        context = self.get_context_data(
            translation=self.translation, source=source, pairs=pairs, error=error
        )
        return self.render_to_response(context, status=status)

    def get(self, request):
        return self.render_review()

    def post(self, request):
        action = request.POST.get("action")
        try:
            with transaction.atomic():
                if action == "sign_off":
                    sign_off(self.translation.pk, request.user)
                    message = _("Signed off: readers now get this version in %(language)s.")
                elif action == "send_back":
                    comment = request.POST.get("comment", "")
                    if "\x00" in comment or len(comment) > 2000:
                        return self.render_review(
                            _("Write a comment of at most 2000 characters."), 400
                        )
                    send_back(self.translation.pk, request.user, comment)
                    message = _("Sent back to the translator (%(language)s).")
                else:
                    return self.render_review(_("Choose to sign off or to send back."), 400)
        except PermissionDenied as refusal:
            return self.render_review(str(refusal), 403)
        except TranslationError as error:
            return self.render_review(" ".join(error.messages), 400)
        messages.success(
            request, message % {"language": self.translation.locale.get_display_name()}
        )
        return redirect(LIST_URL_NAME)


# --- wiring (wagtail_hooks.py) -----------------------------------------------------------


def translation_urls():
    return [
        path("policy-translations/", TranslationListView.as_view(), name=LIST_URL_NAME),
        path(
            "policy-translations/<int:version_id>/<str:language>/",
            TranslateVersionView.as_view(),
            name=TRANSLATE_URL_NAME,
        ),
        path(
            "policy-translations/review/<int:translation_id>/",
            ReviewTranslationView.as_view(),
            name=REVIEW_URL_NAME,
        ),
    ]


class TranslationsMenuItem(MenuItem):
    def is_shown(self, request):
        return may_open(request.user)


def translations_menu_item():
    return TranslationsMenuItem(
        gettext_lazy("Policy translations"),
        reverse(LIST_URL_NAME),
        name="policy-translations",
        icon_name="globe",
        order=1310,
    )
