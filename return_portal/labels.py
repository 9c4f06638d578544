"""The prepaid return label (an A6 PDF) and the drop-off QR code (SVG).

Pure functions of plain values: no database, no request. The views pass what
the buyer's return says; the carrier reads the QR code and the Code 39 barcode,
both carrying the RMA number.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import segno
from fpdf import FPDF

# A Unicode font for addresses in every EU language (Debian's fonts-dejavu-core);
# without it the PDF falls back to a core font and Latin-1 text.
UNICODE_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
UNICODE_FONT_BOLD = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
A6 = (105, 148)  # mm, portrait
MARGIN = 6


def qr_payload(rma: str, code: str = "") -> str:
    """What the drop-off point's scanner reads: our prefix, the RMA, the code."""
    return f"RETURNSHUB:{rma}:{code}" if code else f"RETURNSHUB:{rma}"


def qr_svg(payload: str, *, title: str) -> bytes:
    """The QR code as a standalone SVG with a <title> for screen readers."""
    buffer = io.BytesIO()
    segno.make(payload, error="m").save(
        buffer, kind="svg", scale=6, border=2, title=title, xmldecl=False, svgclass="qr-code"
    )
    return buffer.getvalue()


def _qr_png(payload: str) -> io.BytesIO:
    buffer = io.BytesIO()
    segno.make(payload, error="m").save(buffer, kind="png", scale=8, border=1)
    buffer.seek(0)
    return buffer


@dataclass(frozen=True)
class LabelText:
    """The label's fixed wording, translated by the caller."""

    title: str = "Return label"
    return_to: str = "Return to"
    sender: str = "From"
    order: str = "Order"
    carrier: str = "Prepaid — no postage needed"


class _Label(FPDF):
    def __init__(self, unicode_font: bool):
        super().__init__(orientation="P", unit="mm", format=A6)
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(auto=False)
        self.unicode = unicode_font
        if unicode_font:
            self.add_font("Label", "", str(UNICODE_FONT))
            self.add_font("Label", "B", str(UNICODE_FONT_BOLD))
            self.family = "Label"
        else:
            self.family = "Helvetica"

    def text_of(self, value: str) -> str:
        if self.unicode:
            return value
        # Core fonts are Latin-1: keep the letters, replace the rest.
        value = value.replace("—", "-").replace("’", "'").replace("„", '"').replace("“", '"')
        return value.encode("latin-1", "replace").decode("latin-1")

    def heading(self, value: str) -> None:
        self.set_font(self.family, "B", 8)
        self.cell(0, 4, self.text_of(value.upper()), new_x="LMARGIN", new_y="NEXT")

    def block(self, value: str, size: float = 10, style: str = "") -> None:
        self.set_font(self.family, style, size)
        self.multi_cell(0, size * 0.45, self.text_of(value), align="L")
        self.ln(1.5)


def prepaid_label_pdf(
    *,
    rma: str,
    order_reference: str,
    return_to: str,
    sender: str,
    qr: str,
    text: LabelText | None = None,
    compress: bool = True,
    unicode_font: bool | None = None,
) -> bytes:
    """An A6 label: where to, from whom, the RMA in large type, a QR code and a
    Code 39 barcode of the RMA, and the carrier line."""
    text = text or LabelText()
    if unicode_font is None:
        unicode_font = UNICODE_FONT.exists() and UNICODE_FONT_BOLD.exists()
    pdf = _Label(unicode_font)
    pdf.set_compression(compress)
    pdf.set_title(f"{text.title} {rma}")
    pdf.set_subject(f"{rma} {order_reference}")
    pdf.set_creator("Returns Hub")
    pdf.add_page()

    pdf.set_font(pdf.family, "B", 12)
    pdf.cell(0, 6, pdf.text_of(text.carrier), border="B", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    pdf.heading(text.return_to)
    pdf.block(return_to, size=12, style="B")
    pdf.heading(text.sender)
    pdf.block(sender, size=9)
    pdf.heading(f"{text.order} {order_reference}")
    pdf.ln(1)

    # The RMA, readable by people, next to the QR code for the scanner.
    top = pdf.get_y()
    size = 34
    pdf.image(_qr_png(qr), x=pdf.w - MARGIN - size, y=top, w=size, h=size)
    pdf.set_font(pdf.family, "B", 18)
    pdf.set_xy(MARGIN, top + 10)
    pdf.cell(pdf.w - 3 * MARGIN - size, 10, rma)

    bar_top = top + size + 4
    wide = 1.1  # the Code 39 wide bar, in mm: the whole code fits the width
    pdf.code39(f"*{rma}*", x=MARGIN, y=bar_top, w=wide, h=16)
    pdf.set_xy(MARGIN, bar_top + 17)
    pdf.set_font(pdf.family, "", 9)
    pdf.cell(0, 4, rma, align="C")
    return bytes(pdf.output())
