"""The archive PDF of one policy version in one language: what a consumer saw
(title, summary, the rules at a glance, every clause) with the version's
identity and approval trail.

A pure function of plain, already translated values (policy_pages.archive
builds them): no database, no request, no network. Clause HTML is reduced to
the few tags the PDF renders (paragraphs, emphasis, lists, line breaks,
absolute links); images and embeds would need fetching and are left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape
from html.parser import HTMLParser
from pathlib import Path

from fpdf import FPDF

# Debian's fonts-dejavu-core gives every EU language; without it the PDF falls
# back to core fonts and Latin-1 text (French and German letters survive).
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
SANS, SANS_BOLD = FONT_DIR / "DejaVuSans.ttf", FONT_DIR / "DejaVuSans-Bold.ttf"
# The oblique faces are in fonts-dejavu-extra; upright text stands in without them.
SANS_OBLIQUE = FONT_DIR / "DejaVuSans-Oblique.ttf"
SANS_BOLD_OBLIQUE = FONT_DIR / "DejaVuSans-BoldOblique.ttf"
MONO = FONT_DIR / "DejaVuSansMono.ttf"
MARGIN = 18  # mm
FOOTER_HEIGHT = 12  # mm


@dataclass(frozen=True)
class Fact:
    label: str
    value: str
    mono: bool = False  # hashes: fixed width, so they read character by character


@dataclass(frozen=True)
class Clause:
    anchor: str
    heading: str
    html: str


@dataclass(frozen=True)
class ArchiveContent:
    """Everything the PDF says, in its language."""

    language: str  # BCP 47 code of the document, e.g. "fr"
    kicker: str  # "Archived copy of a policy version"
    title: str
    summary: str = ""
    notice: str = ""  # set when the text is not in the document's language
    facts: list[Fact] = field(default_factory=list)
    glance_heading: str = ""
    glance: list[Fact] = field(default_factory=list)
    clauses: list[Clause] = field(default_factory=list)
    trail_heading: str = ""
    trail: list[Fact] = field(default_factory=list)
    footer: str = ""  # "Version 2 · generated on …"
    page_label: str = "Page %(page)s of %(pages)s"  # filled in on each page
    subject: str = ""  # PDF metadata
    keywords: str = ""


def unicode_fonts_available() -> bool:
    return all(path.exists() for path in (SANS, SANS_BOLD, MONO))


def latin1(value: str) -> str:
    """Core fonts are Latin-1: keep the letters, replace typographic marks."""
    # The narrow no-break space French groups digits with ("1 234,50 €") → a no-break space.
    marks = (("—", "-"), ("–", "-"), ("’", "'"), ("‘", "'"), ("…", "..."), ("\u202f", "\xa0"))
    for typographic, plain in marks:
        value = value.replace(typographic, plain)
    for quote in ("„", "“", "”"):
        value = value.replace(quote, '"')
    return value.replace("€", "EUR").encode("latin-1", "replace").decode("latin-1")


class _ClauseHTML(HTMLParser):
    """Clause HTML reduced to tags fpdf2's write_html renders well, text escaped."""

    INLINE = {"b": "b", "strong": "b", "i": "i", "em": "i", "u": "u"}
    BLOCK = {"p", "ul", "ol", "li", "blockquote"}
    HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
    SKIPPED = {"script", "style", "iframe", "object", "svg", "noscript", "template"}

    def __init__(self, text_of):
        super().__init__(convert_charrefs=True)
        self.text_of = text_of
        self.out: list[str] = []
        self.closers: list[str] = []  # what each open element closes with
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIPPED:
            self.skipping += 1
            return
        if self.skipping:
            return
        if tag == "br":
            self.out.append("<br>")
        elif tag == "hr":
            self.out.append("<hr>")
        elif tag in self.INLINE:
            self._open(f"<{self.INLINE[tag]}>", f"</{self.INLINE[tag]}>")
        elif tag in self.HEADINGS:
            self._open("<p><b>", "</b></p>")
        elif tag == "blockquote":
            self._open("<p><i>", "</i></p>")
        elif tag in self.BLOCK:
            self._open(f"<{tag}>", f"</{tag}>")
        elif tag == "a":
            href = dict(attrs).get("href") or ""
            # A relative link means nothing on paper; an absolute one stays clickable.
            if href.startswith(("https://", "http://", "mailto:")):
                self._open(f'<a href="{escape(href)}">', "</a>")
            else:
                self._open("", "")
        elif tag not in {"img", "embed", "source"}:
            self._open("", "")  # unknown wrapper (span, div…): its text only

    def handle_endtag(self, tag):
        if tag in self.SKIPPED:
            self.skipping = max(0, self.skipping - 1)
            return
        if self.skipping or tag in {"br", "hr", "img", "embed", "source"}:
            return
        if self.closers:
            self.out.append(self.closers.pop())

    def handle_data(self, data):
        if not self.skipping:
            self.out.append(escape(self.text_of(data), quote=False))

    def _open(self, opener, closer):
        self.out.append(opener)
        self.closers.append(closer)

    def result(self) -> str:
        self.close()
        return "".join(self.out) + "".join(reversed(self.closers))


def clause_html(html: str, text_of=str) -> str:
    parser = _ClauseHTML(text_of)
    parser.feed(html or "")
    return parser.result()


class _ArchivePDF(FPDF):
    def __init__(self, content: ArchiveContent, unicode_font: bool):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.content = content
        self.unicode = unicode_font
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(auto=True, margin=MARGIN + FOOTER_HEIGHT)
        if unicode_font:
            self.add_font("ArchiveSans", "", str(SANS))
            self.add_font("ArchiveSans", "B", str(SANS_BOLD))
            italic = SANS_OBLIQUE if SANS_OBLIQUE.exists() else SANS
            bold_italic = SANS_BOLD_OBLIQUE if SANS_BOLD_OBLIQUE.exists() else SANS_BOLD
            self.add_font("ArchiveSans", "I", str(italic))
            self.add_font("ArchiveSans", "BI", str(bold_italic))
            self.add_font("ArchiveMono", "", str(MONO))
            self.sans, self.mono = "ArchiveSans", "ArchiveMono"
        else:
            self.sans, self.mono = "Helvetica", "Courier"

    def text_of(self, value: str) -> str:
        return value if self.unicode else latin1(value)

    def footer(self):
        self.set_y(-(MARGIN + FOOTER_HEIGHT) + 4)
        self.set_font(self.sans, "", 8)
        self.set_text_color(90)
        width = self.epw / 2
        self.cell(width, 4, self.text_of(self.content.footer), align="L")
        # fpdf2 replaces {nb} with the page count when the document is done.
        label = self.content.page_label % {"page": self.page_no(), "pages": "{nb}"}
        self.cell(width, 4, self.text_of(label), align="R")
        self.set_text_color(0)

    def paragraph(self, value: str, size: float = 10, style: str = "", family: str = ""):
        self.set_font(family or self.sans, style, size)
        self.multi_cell(0, size * 0.5, self.text_of(value), align="L")

    def section_heading(self, value: str):
        self.ln(4)
        self.set_font(self.sans, "B", 13)
        self.multi_cell(0, 7, self.text_of(value), align="L")
        self.ln(1)

    def facts(self, facts: list[Fact]):
        label_width = 62  # German labels are long words
        for fact in facts:
            self.set_x(self.l_margin)
            self.set_font(self.sans, "B", 9.5)
            top = self.get_y()
            self.multi_cell(label_width, 5, self.text_of(fact.label), align="L")
            bottom = self.get_y()
            self.set_xy(self.l_margin + label_width, top)
            if fact.mono:
                self.set_font(self.mono, "", 8)  # a whole SHA-256 on one line
            else:
                self.set_font(self.sans, "", 9.5)
            self.multi_cell(0, 5, self.text_of(fact.value or "—"), align="L")
            self.set_y(max(bottom, self.get_y()) + 1)

    def clause(self, clause: Clause):
        self.ln(3)
        self.set_font(self.sans, "B", 11.5)
        self.multi_cell(0, 6, self.text_of(f"§{clause.anchor} {clause.heading}"), align="L")
        self.set_font(self.sans, "", 10)
        self.write_html(
            clause_html(clause.html, self.text_of),
            font_family=self.sans,
            warn_on_tags_not_matching=False,
            li_prefix_color=(0, 0, 0),
        )


def render_archive_pdf(
    content: ArchiveContent, *, compress: bool = True, unicode_font: bool | None = None
) -> bytes:
    """The archive as PDF bytes (A4, numbered pages, the footer on each)."""
    if unicode_font is None:
        unicode_font = unicode_fonts_available()
    pdf = _ArchivePDF(content, unicode_font)
    pdf.set_compression(compress)
    pdf.set_title(pdf.text_of(content.title))
    pdf.set_subject(pdf.text_of(content.subject))
    pdf.set_keywords(pdf.text_of(content.keywords))
    pdf.set_creator("Returns Hub")
    pdf.set_lang(content.language)
    pdf.add_page()

    pdf.set_text_color(90)
    pdf.paragraph(content.kicker, size=9)
    pdf.set_text_color(0)
    pdf.ln(1)
    pdf.paragraph(content.title, size=18, style="B")
    if content.notice:
        pdf.ln(2)
        pdf.set_fill_color(255, 243, 205)
        pdf.set_font(pdf.sans, "B", 9.5)
        pdf.multi_cell(0, 5, pdf.text_of(content.notice), align="L", fill=True, padding=2)
    pdf.ln(3)
    pdf.facts(content.facts)
    if content.summary:
        pdf.ln(3)
        pdf.paragraph(content.summary, size=11)
    if content.glance:
        pdf.section_heading(content.glance_heading)
        pdf.facts(content.glance)
    for clause in content.clauses:
        pdf.clause(clause)
    if content.trail:
        pdf.section_heading(content.trail_heading)
        pdf.facts(content.trail)
    return bytes(pdf.output())
