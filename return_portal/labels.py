"""The prepaid return label (an A6 PDF, carrier style) and the drop-off QR code (SVG).

Pure functions of plain values: no database, no request. The views pass what
the buyer's return says. The label is laid out in fixed boxes (`LABEL_BOXES`),
each inside the page and none over another; the text of each box is fitted
into it (smaller type, then fewer lines), so nothing overlaps whatever the
addresses say. The carrier scans the Code 128 barcode (the tracking number, or
the RMA when there is none); the drop-off point's scanner reads the QR code.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

import segno
from barcode import Code128
from fpdf import FPDF
from fpdf.enums import MethodReturnValue

# A Unicode font for addresses in every EU language (Debian's fonts-dejavu-core);
# without it the PDF falls back to a core font and Latin-1 text.
UNICODE_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
UNICODE_FONT_BOLD = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
A6 = (105, 148)  # mm, portrait
MARGIN = 6
QUIET_ZONE_MODULES = 10  # white space each side of the barcode, in modules


@dataclass(frozen=True)
class Box:
    name: str
    x: float
    y: float
    w: float
    h: float

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def bottom(self) -> float:
        return self.y + self.h

    def intersects(self, other: Box) -> bool:
        return (
            self.x < other.right
            and other.x < self.right
            and self.y < other.bottom
            and other.y < self.bottom
        )


_WIDTH = A6[0] - 2 * MARGIN
QR_SIZE = 32
# The label's regions, top to bottom (mm). Each is drawn only inside its box.
LABEL_BOXES = (
    Box("carrier", MARGIN, MARGIN, _WIDTH, 7),
    Box("return_to", MARGIN, 15, _WIDTH, 30),
    # Room for a full postal address: name, two street lines, town, country.
    Box("sender", MARGIN, 47, _WIDTH, 26),
    Box("reference", MARGIN, 75, _WIDTH - QR_SIZE - 3, QR_SIZE),
    Box("qr", A6[0] - MARGIN - QR_SIZE, 75, QR_SIZE, QR_SIZE),
    Box("barcode", MARGIN, 110, _WIDTH, 22),
    Box("barcode_text", MARGIN, 133, _WIDTH, 8),
)


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


def code128_modules(value: str) -> str:
    """The Code 128 symbol of `value` as modules ("1" a bar, "0" a space), as
    python-barcode encodes it (start, data, check character, stop)."""
    return Code128(value).build()[0]


def address_lines(name: str, address: str, *, split_commas: bool = True) -> list[str]:
    """The seller's returns address under its name, without saying the name twice:
    a stored address often starts with the name already ("Maison Durand, 12 rue…").
    One line per line of the address; with `split_commas` (the label), a one-line
    address is cut at its commas too."""
    lines = [line.strip() for line in (address or "").splitlines() if line.strip()]
    if split_commas and len(lines) == 1:
        lines = [part.strip() for part in lines[0].split(",") if part.strip()]
    name = (name or "").strip()
    if name and lines:
        first = [part.strip() for part in lines[0].split(",")]
        if first[0].casefold() == name.casefold():
            rest = ", ".join(part for part in first[1:] if part)
            lines = ([rest] if rest else []) + lines[1:]
    return ([name] if name else []) + lines


def sender_lines(address: list[str], *, name: str = "", email: str = "") -> list[str]:
    """From whom: the buyer's postal address, one line each, its name first (as
    `Order.sender_lines` gives it); without one, the name and email intake knows."""
    lines = [line.strip() for line in address if line and line.strip()]
    return lines or [part for part in (name.strip(), email.strip()) if part]


@dataclass(frozen=True)
class LabelText:
    """The label's fixed wording, translated by the caller."""

    title: str = "Return label"
    return_to: str = "Return to"
    sender: str = "From"
    order: str = "Order"
    carrier: str = "Prepaid — no postage needed"
    tracking: str = "Tracking"


@dataclass
class Placed:
    """What the label drew where: the boxes and the barcode's value and modules."""

    boxes: list[Box] = field(default_factory=list)
    barcode_value: str = ""
    barcode_modules: str = ""


class LabelPdf(FPDF):
    """An FPDF with the label's font (DejaVu when installed, else Helvetica)."""

    def __init__(self, unicode_font: bool, page_format=A6):
        super().__init__(orientation="P", unit="mm", format=page_format)
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

    def fitted_text(
        self, box: Box, lines: list[str], *, size: float, style: str = "", minimum: float = 6
    ) -> None:
        """`lines` inside `box`: the type shrinks to `minimum`, then lines are cut."""
        text = self.text_of("\n".join(lines))
        while True:
            self.set_font(self.family, style, size)
            height = size * 0.42
            wrapped = self.multi_cell(
                box.w, height, text, dry_run=True, output=MethodReturnValue.LINES
            )
            if len(wrapped) * height <= box.h or size <= minimum:
                break
            size -= 0.5
        wrapped = wrapped[: max(1, int(box.h // height))]
        self.set_xy(box.x, box.y)
        for line in wrapped:
            self.set_x(box.x)
            self.cell(box.w, height, line, new_x="LMARGIN", new_y="NEXT")

    def headed(self, box: Box, heading: str, lines: list[str], size: float, style="") -> None:
        self.set_font(self.family, "B", 7)
        self.set_xy(box.x, box.y)
        self.cell(box.w, 4, self.text_of(heading.upper()))
        body = Box(box.name, box.x, box.y + 4.5, box.w, box.h - 4.5)
        self.fitted_text(body, lines, size=size, style=style)

    def barcode(self, box: Box, modules: str) -> None:
        """Bars as filled rectangles, centred in `box` with their quiet zones."""
        width = min(0.5, box.w / (len(modules) + 2 * QUIET_ZONE_MODULES))
        x = box.x + (box.w - width * len(modules)) / 2
        self.set_fill_color(0, 0, 0)
        start = None
        for index, module in enumerate(modules + "0"):
            if module == "1" and start is None:
                start = index
            elif module == "0" and start is not None:
                self.rect(x + start * width, box.y, (index - start) * width, box.h, style="F")
                start = None


def prepaid_label_pdf(
    *,
    rma: str,
    order_reference: str,
    return_to: str,
    sender: str,
    qr: str,
    tracking: str = "",
    text: LabelText | None = None,
    compress: bool = True,
    unicode_font: bool | None = None,
    placed: Placed | None = None,
) -> bytes:
    """An A6 label: the carrier line; where to (`return_to`, one line each, the
    seller's name first: see `address_lines`); from whom (`sender`, one line each:
    see `sender_lines`); the order, RMA and
    tracking number beside the QR code; and a Code 128 barcode of the tracking
    number (of the RMA without one). `placed`, when given, records the layout."""
    text = text or LabelText()
    placed = placed if placed is not None else Placed()
    if unicode_font is None:
        unicode_font = UNICODE_FONT.exists() and UNICODE_FONT_BOLD.exists()
    boxes = {box.name: box for box in LABEL_BOXES}
    pdf = LabelPdf(unicode_font)
    pdf.set_compression(compress)
    pdf.set_title(f"{text.title} {rma}")
    pdf.set_subject(f"{rma} {order_reference} {tracking}".strip())
    pdf.set_creator("Returns Hub")
    pdf.add_page()

    box = boxes["carrier"]
    pdf.set_font(pdf.family, "B", 11)
    pdf.set_xy(box.x, box.y)
    pdf.cell(box.w, box.h, pdf.text_of(text.carrier), border="B")
    pdf.headed(boxes["return_to"], text.return_to, return_to.splitlines(), 11, "B")
    pdf.headed(boxes["sender"], text.sender, sender.splitlines(), 9)

    box = boxes["reference"]
    reference = [f"{text.order} {order_reference}"]
    if tracking:
        reference.append(f"{text.tracking} {tracking}")
    pdf.fitted_text(Box(box.name, box.x, box.y, box.w, 10), [rma], size=16, style="B")
    pdf.fitted_text(Box(box.name, box.x, box.y + 12, box.w, box.h - 12), reference, size=8)

    box = boxes["qr"]
    pdf.image(_qr_png(qr), x=box.x, y=box.y, w=box.w, h=box.h)

    value = tracking or rma
    modules = code128_modules(value)
    pdf.barcode(boxes["barcode"], modules)
    box = boxes["barcode_text"]
    pdf.set_font(pdf.family, "", 9)
    pdf.set_xy(box.x, box.y)
    pdf.cell(box.w, box.h, value, align="C")

    placed.boxes[:] = list(LABEL_BOXES)
    placed.barcode_value, placed.barcode_modules = value, modules
    return bytes(pdf.output())
