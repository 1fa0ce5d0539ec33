"""Image work before OCR: limits, EXIF, grayscale, deskew, threshold, PDF rasterising.

The invoice page is drawn with reportlab (a text PDF with known positions), rasterised with
pypdfium2, rotated and noised into a "scan". The helpers are reused by test_intake_ocr.py.
"""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image
from reportlab.lib import pdfencrypt
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from services.intake import imaging
from services.intake.imaging import OcrRefused

# (x, y from the top in points, text, font size, bold)
INVOICE_LINES: list[tuple[float, float, str, int, bool]] = [
    (70, 60, "Faktura", 20, True),
    (70, 110, "Nordlys Regnskap AS", 11, False),
    (70, 128, "Storgata 12, 0155 Oslo", 10, False),
    (70, 160, "Fakturanr: 20261127", 10, False),
    (70, 178, "Fakturadato: 27.11.2026", 10, False),
    (70, 196, "Forfallsdato: 11.12.2026", 10, False),
    (330, 160, "Org.nr: 974 760 673", 10, False),
    (330, 178, "Kontonr: 1503.01.00007", 10, False),
    (330, 196, "KID: 000000018", 10, False),
    (70, 260, "Beskrivelse", 10, True),
    (400, 260, "Beløp", 10, True),
    (70, 280, "Rådgivning november", 10, False),
    (400, 280, "1 000,00", 10, False),
    (70, 298, "Merverdiavgift 25 %", 10, False),
    (400, 298, "250,00", 10, False),
    (70, 340, "Å betale: 1 250,00", 12, True),
]


def invoice_pdf(
    lines: list[tuple[float, float, str, int, bool]] = INVOICE_LINES,
    encrypt: pdfencrypt.StandardEncryption | None = None,
    pages: int = 1,
) -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, encrypt=encrypt)
    for _ in range(pages):
        for x, y, text, size, bold in lines:
            pdf.setFont("Helvetica-Bold" if bold else "Helvetica", size)
            pdf.drawString(x, A4[1] - y, text)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def make_scan(dpi: int, angle: float = 1.5, noise: float = 12.0, seed: int = 1) -> Image.Image:
    """The invoice as a scanner would deliver it: rasterised, slightly rotated, noisy."""
    (page,) = imaging.rasterise_pdf(invoice_pdf(), dpi=dpi)
    rotated = page.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=255)
    rng = np.random.default_rng(seed)
    pixels = np.asarray(rotated, dtype=np.float64) + rng.normal(0.0, noise, rotated.size[::-1])
    specks = rng.random(pixels.shape)
    pixels[specks < 0.002] = 0
    pixels[specks > 0.998] = 255
    scan = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    scan.info["dpi"] = (dpi, dpi)
    return scan


def encode(image: Image.Image, fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width x height (a decompression bomb's calling card)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + body))
        return struct.pack(">I", len(body)) + kind + body + crc

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\0" * 1024)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


def noise_image(width: int = 1500, height: int = 2000, seed: int = 0) -> Image.Image:
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 256, (height, width), dtype=np.uint8))


# --- load_image: limits and hostile files ---------------------------------------------------


def test_load_image_decodes_png_and_jpeg() -> None:
    scan = make_scan(100, angle=0)
    for fmt in ("PNG", "JPEG"):
        image = imaging.load_image(encode(scan, fmt))
        assert image.size == scan.size


@pytest.mark.parametrize(
    ("width", "height", "reason"),
    [
        (100_000, 100_000, "decompression bomb"),
        (9_000, 9_000, "the limit is 40 megapixels"),
        (30_000, 100, "longest side"),
        (10, 10, "too small"),
    ],
)
def test_load_image_refuses_absurd_dimensions(width: int, height: int, reason: str) -> None:
    with pytest.raises(OcrRefused, match=reason):
        imaging.load_image(png_header_only(width, height))


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_load_image_refuses_truncated_files(fmt: str) -> None:
    data = encode(make_scan(100, angle=0).convert("RGB"), fmt)
    with pytest.raises(OcrRefused, match="truncated"):
        imaging.load_image(data[: len(data) // 2])


def test_load_image_refuses_what_is_not_an_image() -> None:
    with pytest.raises(OcrRefused, match="not a readable PNG or JPEG"):
        imaging.load_image(b"\xff\xd8\xff" + b"x" * 1000)
    with pytest.raises(OcrRefused, match="not a readable PNG or JPEG"):
        imaging.load_image(encode(Image.new("L", (100, 100), 255), "GIF"))


def test_load_image_applies_exif_orientation() -> None:
    """A phone held upright writes landscape pixels plus "rotate 90° clockwise" (6)."""
    landscape = Image.new("RGB", (400, 300), "white")
    exif = Image.Exif()
    exif[0x0112] = 6
    image = imaging.load_image(encode(landscape, "JPEG", exif=exif.tobytes()))
    assert image.size == (300, 400)


# --- grayscale, deskew, threshold -----------------------------------------------------------


def test_to_grayscale_puts_transparency_on_white_paper() -> None:
    transparent = Image.new("RGBA", (50, 50), (0, 0, 0, 0))
    gray = imaging.to_grayscale(transparent)
    assert gray.mode == "L"
    assert gray.getextrema() == (255, 255)


@pytest.mark.parametrize("dpi", [200, 300])
@pytest.mark.parametrize("angle", [1.5, -2.3, 0.0, 6.0])
def test_deskew_finds_the_rotation(dpi: int, angle: float) -> None:
    scan = make_scan(dpi, angle=angle)
    straight, found = imaging.deskew(scan)
    assert found == pytest.approx(angle, abs=0.5)
    assert straight.size == scan.size  # same page frame, so coordinates stay comparable


def test_deskew_leaves_a_blank_page_alone() -> None:
    blank = Image.new("L", (600, 800), 255)
    _, angle = imaging.deskew(blank)
    assert angle == 0.0


def test_otsu_separates_ink_from_paper() -> None:
    pixels = np.array([30] * 100 + [220] * 900, dtype=np.uint8)
    assert 30 < imaging.otsu_level(pixels) <= 220


def test_threshold_keeps_text_and_drops_noise_and_shadows() -> None:
    scan = make_scan(200, angle=0)
    # a shadow across the right half, as on a phone photo
    shade = np.ones(scan.size[::-1]) * np.linspace(1.0, 0.55, scan.width)
    shaded = Image.fromarray((np.asarray(scan) * shade).astype(np.uint8))
    binary = imaging.threshold(shaded)
    assert binary.mode == "1"
    ink = ~np.asarray(binary, dtype=bool)
    assert 0.002 < ink.mean() < 0.05  # text, not a black shadow or speckle
    right_half = ink[:, scan.width // 2 :]
    assert right_half.mean() < 0.05
    assert not imaging.looks_like_noise(binary)


def test_noise_is_recognised_as_not_a_page() -> None:
    assert imaging.looks_like_noise(imaging.threshold(noise_image()))


# --- rasterise_pdf --------------------------------------------------------------------------


@pytest.mark.parametrize("dpi", [200, 300])
def test_rasterise_pdf_renders_pages_at_the_dpi(dpi: int) -> None:
    pages = imaging.rasterise_pdf(invoice_pdf(pages=2), dpi=dpi)
    assert len(pages) == 2
    assert pages[0].mode == "L"
    width, height = pages[0].size
    assert width == pytest.approx(A4[0] * dpi / 72, abs=1)  # pdfium rounds up
    assert height == pytest.approx(A4[1] * dpi / 72, abs=1)
    assert pages[0].info["dpi"] == (dpi, dpi)


def test_rasterise_pdf_refuses_password_protected_pdfs() -> None:
    locked = invoice_pdf(encrypt=pdfencrypt.StandardEncryption("hemmelig", ownerPassword="x"))
    with pytest.raises(OcrRefused, match="encrypted with a password"):
        imaging.rasterise_pdf(locked)


def test_rasterise_pdf_reads_permission_only_encryption() -> None:
    """An empty user password (only printing/copying restricted) opens like any PDF."""
    restricted = invoice_pdf(encrypt=pdfencrypt.StandardEncryption("", ownerPassword="eier"))
    assert len(imaging.rasterise_pdf(restricted, dpi=72)) == 1


def test_rasterise_pdf_refuses_broken_pdfs() -> None:
    with pytest.raises(OcrRefused, match="damaged or not a PDF"):
        imaging.rasterise_pdf(b"%PDF-1.7\n1 0 obj rubbish")
    data = invoice_pdf()
    with pytest.raises(OcrRefused, match="damaged or not a PDF"):
        imaging.rasterise_pdf(data[: len(data) // 3])


def test_rasterise_pdf_refuses_too_many_pages() -> None:
    with pytest.raises(OcrRefused, match="21 pages; the limit is 20"):
        imaging.rasterise_pdf(invoice_pdf(pages=21), dpi=72)


def test_rasterise_pdf_refuses_a_giant_page_before_rendering_it() -> None:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(14_400, 14_400))  # 200 x 200 inches
    pdf.drawString(72, 72, "Faktura")
    pdf.save()
    with pytest.raises(OcrRefused, match="page 1: .*megapixels"):
        imaging.rasterise_pdf(buffer.getvalue(), dpi=300)
