"""Product images of some demo lines, drawn here with Pillow: the demo needs no
network and names no outside address. Each goes through the same re-encoding as
a fetched image (product_images.thumbnail) and is kept as the line's image; the
other demo lines show the placeholder. Idempotent: a line with an image keeps it.
"""

from __future__ import annotations

from io import BytesIO

from PIL import Image, ImageDraw

from . import product_images
from .models import OrderLine

SIDE = 240
# SKU -> (background, product colour, shape): a garment, a shoe, a lamp or a vase.
DEMO_IMAGES = {
    "MD-OXF-42": ("#dbe7f3", "#2f5d8a", "garment"),
    "MD-DRB-43": ("#efe6dc", "#6b4226", "shoe"),
    "MD-JKT-M": ("#e6eadb", "#55613a", "garment"),
    "MD-POLO-M": ("#dde1ee", "#22305a", "garment"),
    "NL-LAMP-01": ("#f1ecdc", "#a07d2c", "lamp"),
    "AL-LAMP-ARC": ("#f3eadb", "#b8772a", "lamp"),
    "AL-VASE-07": ("#f5ead6", "#c27c1e", "vase"),
}


def draw(background: str, colour: str, shape: str) -> bytes:
    """A small PNG of a product's outline on a coloured tile."""
    image = Image.new("RGB", (SIDE, SIDE), background)
    pen = ImageDraw.Draw(image)
    if shape == "garment":
        pen.polygon(
            [(70, 50), (100, 40), (140, 40), (170, 50), (205, 95), (180, 115), (165, 100),
             (165, 200), (75, 200), (75, 100), (60, 115), (35, 95)],
            fill=colour,
        )  # fmt: skip
        pen.line([(120, 45), (120, 200)], fill=background, width=3)
    elif shape == "shoe":
        pen.rounded_rectangle((40, 130, 200, 175), radius=20, fill=colour)
        pen.rectangle((40, 90, 110, 150), fill=colour)
        pen.rectangle((35, 172, 205, 182), fill="#2b2b2b")
    elif shape == "lamp":
        pen.polygon([(80, 50), (160, 50), (185, 115), (55, 115)], fill=colour)
        pen.rectangle((115, 115, 125, 185), fill="#555555")
        pen.ellipse((80, 180, 160, 200), fill="#555555")
    else:  # a vase
        pen.ellipse((70, 90, 170, 200), fill=colour)
        pen.rectangle((100, 45, 140, 110), fill=colour)
    out = BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def seed_line_images() -> int:
    """Give the demo lines of DEMO_IMAGES their image; the number drawn."""
    drawn = 0
    lines = OrderLine.objects.filter(
        order__reference__startswith="DEMO-", sku__in=list(DEMO_IMAGES), image=""
    )
    for line in lines:
        product_images.store(line, product_images.thumbnail(draw(*DEMO_IMAGES[line.sku])))
        drawn += 1
    return drawn
