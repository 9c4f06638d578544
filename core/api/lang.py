"""The `lang` parameter, one type for every endpoint (and the embeds).

Accepted, exactly as the schema's pattern says: empty (the default, English),
or one of our language codes in any case, optionally followed by subtags
("fr", "FR", "fr-FR", "fr_BE", "de-CH-1996"); the primary subtag decides.
Anything else is a 400 naming `lang`, on every endpoint. Unprefixed URLs are
English whatever Accept-Language says, so the header is not consulted.
"""

from __future__ import annotations

import re
from functools import wraps
from typing import Annotated

from django.conf import settings
from django.http import HttpRequest
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from pydantic import BeforeValidator, WithJsonSchema

from .fields import field_error, format_lazy_percent
from .text import either_case

DEFAULT_LANG = settings.LANGUAGE_CODE.split("-")[0]
MAX_LANG_LENGTH = 35  # a primary subtag and a few subtags (BCP 47 tags are rarely longer)


def languages() -> tuple[str, ...]:
    return tuple(code for code, _name in settings.LANGUAGES)


LANG_PATTERN = (
    "^(?:(?:"
    + "|".join(either_case(code) for code in languages())
    + ")(?:[-_][A-Za-z0-9]{1,8}){0,3})?$"
)
_LANG_RE = re.compile(LANG_PATTERN)


def lang_error_message():
    return format_lazy_percent(
        _("Use one of these language codes: %(codes)s."), {"codes": ", ".join(languages())}
    )


def parse_lang(raw: str | None) -> str | None:
    """The language code for a raw parameter (None or "" give the default),
    or None when it is not one we answer in."""
    if raw is None or raw == "":
        return DEFAULT_LANG
    if len(raw) > MAX_LANG_LENGTH or not _LANG_RE.fullmatch(raw):
        return None
    return re.split("[-_]", raw, maxsplit=1)[0].lower()


def request_lang(request: HttpRequest) -> str:
    """The language to answer this request in: its valid `lang`, else the
    default (an invalid one is reported, in the default language)."""
    return parse_lang(request.GET.get("lang")) or DEFAULT_LANG


def _validate(value: object) -> str:
    code = parse_lang(value) if isinstance(value, str) else None
    if code is None:
        raise field_error(lang_error_message())
    return code


Lang = Annotated[
    str,
    BeforeValidator(_validate),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": LANG_PATTERN,
            "maxLength": MAX_LANG_LENGTH,
            "description": "Language of the answer and its messages: "
            + ", ".join(languages())
            + " (any case, subtags such as fr-FR ignored). Default: "
            + DEFAULT_LANG
            + ". Content-Language says which was used.",
            "examples": ["fr"],
        }
    ),
]


def language_scope(run):
    """Wrap an operation (ninja "view" decorator mode: before auth and
    validation) so that everything it says, errors included, is in the
    request's language, and the answer names that language."""

    @wraps(run)
    def wrapper(request: HttpRequest, *args, **kwargs):
        lang = request_lang(request)
        with translation.override(lang):
            response = run(request, *args, **kwargs)
        if not response.has_header("Content-Language"):
            response["Content-Language"] = lang
        return response

    return wrapper
