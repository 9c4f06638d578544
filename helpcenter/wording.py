"""The wording of a policy clause, without its markup.

A clause is stored as the rich-text HTML of the version that published it,
and the editor rewrites that markup on every save (Draftail adds
`data-block-key` attributes, reorders attributes, turns line breaks into
paragraphs). Articles citing a clause must be flagged only when what a reader
reads changed, so clauses are compared on their normalised text.
"""

from __future__ import annotations

import re
import unicodedata
from html.parser import HTMLParser

# Elements that separate words when rendered: replaced by a space, so that
# "<p>a</p><p>b</p>" and "a<br>b" read the same. Inline elements (<b>, <a>, …)
# are removed without a space: bolding part of a word must not split it.
_BREAKING = frozenset(
    {
        "address",
        "blockquote",
        "br",
        "dd",
        "div",
        "dl",
        "dt",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "li",
        "ol",
        "p",
        "table",
        "td",
        "th",
        "tr",
        "ul",
    }
)
# Invisible characters an editor or a paste may add without changing a word.
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"))
_WHITESPACE = re.compile(r"\s+")  # Unicode: also no-break and narrow no-break spaces


class _TextCollector(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)  # entities become characters
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in _BREAKING:
            self.parts.append(" ")

    handle_startendtag = handle_starttag

    def handle_endtag(self, tag):
        if tag in _BREAKING:
            self.parts.append(" ")

    def handle_data(self, data):
        self.parts.append(data)


def normalised_text(html: str | None) -> str:
    """The text a reader sees in `html`: tags stripped, entities unescaped,
    invisible characters dropped, whitespace collapsed, Unicode in NFC."""
    collector = _TextCollector()
    collector.feed(html or "")
    collector.close()
    text = unicodedata.normalize("NFC", "".join(collector.parts)).translate(_INVISIBLE)
    return _WHITESPACE.sub(" ", text).strip()


def clause_wording(clause: dict) -> tuple[str, str]:
    """A clause's heading and text as read: equal wordings mean no change."""
    return normalised_text(clause.get("heading")), normalised_text(clause.get("html"))
