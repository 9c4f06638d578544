"""The packing slip (an A5 PDF) that goes inside the parcel: the RMA, the order,
the seller, and the items returned (title, SKU, quantity), so the seller's staff
know what to expect when they open it. `packing_slip_pdf` is a pure function of
plain values; `for_return` reads them from a return, in the active language."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from .labels import UNICODE_FONT, UNICODE_FONT_BOLD, LabelPdf

A5 = (148, 210)
MARGIN = 10


@dataclass(frozen=True)
class SlipItem:
    title: str
    sku: str
    quantity: int


@dataclass(frozen=True)
class SlipText:
    title: str = "Packing slip"
    order: str = "Order"
    seller: str = "Seller"
    item: str = "Item"
    sku: str = "SKU"
    quantity: str = "Quantity"
    note: str = "Put this slip inside the parcel."


def packing_slip_pdf(
    *,
    rma: str,
    order_reference: str,
    seller: str,
    items: list[SlipItem],
    text: SlipText | None = None,
    compress: bool = True,
    unicode_font: bool | None = None,
) -> bytes:
    text = text or SlipText()
    if unicode_font is None:
        unicode_font = UNICODE_FONT.exists() and UNICODE_FONT_BOLD.exists()
    pdf = LabelPdf(unicode_font, page_format=A5)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_auto_page_break(auto=True, margin=MARGIN)
    pdf.set_compression(compress)
    pdf.set_title(f"{text.title} {rma}")
    pdf.set_creator("Returns Hub")
    pdf.add_page()
    width = pdf.w - 2 * MARGIN

    pdf.set_font(pdf.family, "B", 14)
    pdf.cell(width, 8, pdf.text_of(f"{text.title} {rma}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(pdf.family, "", 10)
    for line in (f"{text.order} {order_reference}", f"{text.seller}: {seller}"):
        pdf.cell(width, 5, pdf.text_of(line), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)

    quantity_w, sku_w = 22, 36
    title_w = width - quantity_w - sku_w
    pdf.set_font(pdf.family, "B", 9)
    pdf.cell(title_w, 6, pdf.text_of(text.item), border="B")
    pdf.cell(sku_w, 6, pdf.text_of(text.sku), border="B")
    pdf.cell(quantity_w, 6, pdf.text_of(text.quantity), border="B", align="R")
    pdf.ln()
    pdf.set_font(pdf.family, "", 9)
    for item in items:
        top = pdf.get_y()
        pdf.multi_cell(title_w, 5, pdf.text_of(item.title), new_x="RIGHT", new_y="TOP")
        pdf.multi_cell(sku_w, 5, pdf.text_of(item.sku), new_x="RIGHT", new_y="TOP")
        pdf.cell(quantity_w, 5, str(item.quantity), align="R")
        lines = max(
            len(pdf.multi_cell(title_w, 5, pdf.text_of(item.title), dry_run=True, output="LINES")),
            len(pdf.multi_cell(sku_w, 5, pdf.text_of(item.sku), dry_run=True, output="LINES")),
        )
        pdf.set_xy(MARGIN, top + 5 * lines + 1)
    pdf.ln(4)
    pdf.set_font(pdf.family, "", 8)
    pdf.multi_cell(width, 4, pdf.text_of(text.note))
    return bytes(pdf.output())


def for_return(return_request) -> bytes:
    """The slip of a return: its lines' titles, SKUs and quantities."""
    lines = list(return_request.lines.select_related("order_line__seller").order_by("pk"))
    seller = return_request.seller or (lines[0].order_line.seller if lines else None)
    return packing_slip_pdf(
        rma=return_request.rma,
        order_reference=return_request.order.reference,
        seller=seller.name if seller else "",
        items=[
            SlipItem(line.order_line.title, line.order_line.sku, line.quantity) for line in lines
        ],
        text=SlipText(
            title=_("Packing slip"),
            order=_("Order"),
            seller=_("Seller"),
            item=_("Item"),
            sku=_("SKU"),
            quantity=_("Quantity"),
            note=_("Put this slip inside the parcel."),
        ),
    )
