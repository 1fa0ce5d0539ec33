"""The first-page picture approvers see on their phones: PDFs drawn, photos scaled, XML none."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from services.intake.preview import PreviewRefused, first_page_png
from tests.samples import scan_png, text_pdf


def test_a_pdf_becomes_a_png_of_its_first_page():
    png = first_page_png(text_pdf(), "application/pdf", width=600)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and image.width == 600
    assert 1.3 < image.height / image.width < 1.5  # A4
    assert len(png) < 200_000


def test_a_scan_is_scaled_down():
    image = Image.open(io.BytesIO(first_page_png(scan_png("1"), "image/png", width=500)))
    assert image.width <= 500


@pytest.mark.parametrize(
    ("data", "media"),
    [(b"<Invoice/>", "application/xml"), (b"%PDF-1.4 broken", "application/pdf")],
)
def test_no_picture_of_xml_or_a_broken_pdf(data, media):
    with pytest.raises(PreviewRefused):
        first_page_png(data, media)
