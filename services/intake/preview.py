"""A small PNG of an original's first page, for people deciding on a phone.

Runs in the intake sandbox (a limited child process): the original is untrusted input, and the
portal never decodes it itself. PDFs are rendered with pypdfium2; photos and scans are scaled.
"""

from __future__ import annotations

import io

import pypdfium2 as pdfium
from PIL import Image

from services.intake.capture import JPEG, PDF, PNG
from services.intake.imaging import OcrRefused, check_dimensions, load_image

PREVIEW_WIDTH = 900
"""Pixels: sharp on a 390-point phone screen at 2x, and a PNG of 100-200 kB."""


class PreviewRefused(ValueError):
    """No preview for this original (its type has none, or it cannot be drawn)."""


def first_page_png(data: bytes, media_type: str, width: int = PREVIEW_WIDTH) -> bytes:
    """The first page (PDF) or the picture (JPEG/PNG), `width` pixels wide, as PNG bytes."""
    if media_type == PDF:
        image = _pdf_first_page(data, width)
    elif media_type in (JPEG, PNG):
        try:
            image = load_image(data)
        except OcrRefused as exc:
            raise PreviewRefused(str(exc)) from exc
        image.thumbnail((width, width * 3))
    else:
        raise PreviewRefused(f"no picture of a {media_type} original")
    out = io.BytesIO()
    image.convert("L").save(out, format="PNG", optimize=True)
    return out.getvalue()


def _pdf_first_page(data: bytes, width: int) -> Image.Image:
    try:
        document = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise PreviewRefused(f"the PDF cannot be opened ({exc})") from exc
    try:
        if len(document) == 0:
            raise PreviewRefused("the PDF has no pages")
        page = document[0]
        try:
            page_width, page_height = page.get_size()
            scale = width / max(page_width, 1.0)
            try:
                check_dimensions(round(page_width * scale), round(page_height * scale))
            except OcrRefused as exc:
                raise PreviewRefused(str(exc)) from exc
            bitmap = page.render(scale=scale, fill_color=(255, 255, 255, 255))
            image: Image.Image = bitmap.to_pil().copy()
            bitmap.close()
            return image
        finally:
            page.close()
    finally:
        document.close()
