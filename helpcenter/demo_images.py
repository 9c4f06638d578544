"""Demo images of the help center, drawn with Pillow when the demo is seeded
(no binary files in the repository) and saved as Wagtail images in the
"Help center" collection. Idempotent: an image is found again by its title,
and its file is reused when it is already in storage."""

from __future__ import annotations

import random
from io import BytesIO

from django.core.files.images import ImageFile
from django.db import transaction
from PIL import Image, ImageDraw
from wagtail.images import get_image_model
from wagtail.models import Collection

COLLECTION = "Help center"
RETURN_LABEL = "Return label on a parcel (diagram)"
RETURN_LABEL_FILE = "help-return-label-diagram.png"

BOX = (196, 148, 96)
BOX_DARK = (160, 114, 68)
TAPE = (222, 196, 150)
INK = (33, 37, 41)
GREY = (150, 155, 160)
ACCENT = (13, 110, 253)
OLD_LABEL = (236, 236, 226)


def draw_return_label(width: int = 800, height: int = 520) -> bytes:
    """A parcel seen from the front with a return label on its largest side:
    barcode, QR code, address lines and the return arrow. No words, so one
    picture serves every language (its alternative text is translated)."""
    rng = random.Random(4)  # the same picture, byte for byte, every time
    image = Image.new("RGB", (width, height), (248, 249, 250))
    draw = ImageDraw.Draw(image)

    # The parcel: front face, top face in perspective, tape across the top.
    left, top, right, bottom = 90, 130, 710, 480
    draw.polygon(
        [(left, top), (left + 70, top - 70), (right + 70, top - 70), (right, top)], fill=BOX_DARK
    )
    draw.polygon(
        [(right, top), (right + 70, top - 70), (right + 70, bottom - 70), (right, bottom)],
        fill=BOX_DARK,
    )
    draw.rectangle((left, top, right, bottom), fill=BOX, outline=INK, width=3)
    draw.rectangle((left, top, right, top + 34), fill=TAPE)

    # An old label, crossed out (covered by the new one in the article's steps).
    draw.rectangle((left + 30, top + 70, left + 170, top + 160), fill=OLD_LABEL, outline=GREY)
    draw.line((left + 30, top + 70, left + 170, top + 160), fill=GREY, width=4)
    draw.line((left + 30, top + 160, left + 170, top + 70), fill=GREY, width=4)

    # The return label.
    lx, ly, lw, lh = 300, 190, 360, 250
    draw.rectangle((lx + 6, ly + 6, lx + lw + 6, ly + lh + 6), fill=BOX_DARK)  # shadow
    draw.rectangle((lx, ly, lx + lw, ly + lh), fill="white", outline=INK, width=3)

    # Return arrow (top left of the label).
    draw.arc((lx + 18, ly + 16, lx + 78, ly + 76), start=200, end=90, fill=ACCENT, width=7)
    draw.polygon([(lx + 12, ly + 44), (lx + 34, ly + 44), (lx + 23, ly + 26)], fill=ACCENT)

    # Address lines.
    for row, length in enumerate((190, 150, 170)):
        y = ly + 24 + row * 20
        draw.rectangle((lx + 100, y, lx + 100 + length, y + 9), fill=GREY)

    # QR code: a 21 by 21 grid with the three finder squares.
    cell, qx, qy = 5, lx + 20, ly + 110
    for i in range(21):
        for j in range(21):
            if rng.random() < 0.5:
                x, y = qx + i * cell, qy + j * cell
                draw.rectangle((x, y, x + cell - 1, y + cell - 1), fill=INK)
    for fx, fy in ((0, 0), (14, 0), (0, 14)):
        x, y = qx + fx * cell, qy + fy * cell
        draw.rectangle((x, y, x + 7 * cell - 1, y + 7 * cell - 1), fill="white")
        draw.rectangle((x, y, x + 7 * cell - 1, y + 7 * cell - 1), outline=INK, width=cell)
        draw.rectangle((x + 2 * cell, y + 2 * cell, x + 5 * cell - 1, y + 5 * cell - 1), fill=INK)

    # Barcode.
    x = lx + 150
    while x < lx + lw - 24:
        bar = rng.choice((2, 2, 3, 5))
        draw.rectangle((x, ly + 120, x + bar - 1, ly + 215), fill=INK)
        x += bar + rng.choice((2, 3, 4))

    output = BytesIO()
    image.save(output, format="PNG", optimize=True)
    return output.getvalue()


def help_collection() -> Collection:
    root = Collection.get_first_root_node()
    collection = root.get_children().filter(name=COLLECTION).first()
    if collection is None:
        collection = root.add_child(name=COLLECTION)
    return collection


@transaction.atomic
def return_label_image():
    """The Wagtail image of the return label diagram, created once."""
    Image_ = get_image_model()
    collection = help_collection()
    image = Image_.objects.filter(title=RETURN_LABEL, collection=collection).first()
    if image is not None:
        return image
    image = Image_(
        title=RETURN_LABEL,
        collection=collection,
        description="A parcel with the return label on its largest side.",
    )
    storage = image.file.field.storage
    name = image.get_upload_to(RETURN_LABEL_FILE)
    if storage.exists(name):
        # Seeded before (e.g. into a database since reset): same drawing, same file.
        image.file = name  # reads the dimensions from the stored file
    else:
        image.file = ImageFile(BytesIO(draw_return_label()), name=RETURN_LABEL_FILE)
    image._set_image_file_metadata()
    image.save()
    return image
