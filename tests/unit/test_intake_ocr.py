"""OCR with the real Tesseract (nor+eng) on generated Norwegian invoice scans.

Deterministic: the page, rotation and noise are seeded, and Tesseract gives the same answer for
the same pixels. Times per page are printed (`pytest -s`), never asserted.
"""

from __future__ import annotations

import io
import os
import time

import pytest
from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from services.intake import ocr
from services.intake.ocr import OcrRefused, ocr_document, sniff_media_type
from services.intake.words import PageText, Word
from tests.unit.test_intake_imaging import (
    INVOICE_LINES,
    encode,
    invoice_pdf,
    make_scan,
    noise_image,
    png_header_only,
)

# label -> the words that must follow it on the same line, exactly
EXPECTED = {
    "Fakturanr:": ["20261127"],
    "Org.nr:": ["974", "760", "673"],
    "KID:": ["000000018"],
    "Kontonr:": ["1503.01.00007"],
    "betale:": ["1", "250,00"],
}
TOKENS = ["Faktura", *EXPECTED, *(value for values in EXPECTED.values() for value in values)]


def _timed_ocr(data: bytes, media_type: str, label: str, dpi: int = 300) -> list[PageText]:
    started = time.perf_counter()
    pages = ocr_document(data, media_type, dpi=dpi)
    seconds = (time.perf_counter() - started) / max(len(pages), 1)
    print(f"\nOCR {label}: {seconds:.2f} s/page")
    return pages


@pytest.fixture(scope="module", params=[200, 300], ids=["200dpi", "300dpi"])
def scanned_png(request: pytest.FixtureRequest) -> PageText:
    dpi: int = request.param
    data = encode(make_scan(dpi, angle=1.5), "PNG", dpi=(dpi, dpi))
    (page,) = _timed_ocr(data, "image/png", f"PNG scan at {dpi} dpi, rotated 1.5°")
    return page


def _find(page: PageText, text: str) -> Word:
    matches = [word for word in page.words if word.text == text]
    assert matches, f"{text!r} not read; got {[word.text for word in page.words]}"
    return matches[0]


def _right_of(page: PageText, label: Word) -> list[str]:
    """Words on the label's line, left to right, starting right of it."""
    middle = (label.y0 + label.y1) / 2
    height = label.y1 - label.y0
    same_line = [
        word
        for word in page.words
        if abs((word.y0 + word.y1) / 2 - middle) < height / 2 and word.x0 > label.x1
    ]
    return [word.text for word in sorted(same_line, key=lambda word: word.x0)]


def _token_accuracy(page: PageText) -> float:
    texts = {word.text for word in page.words}
    return sum(token in texts for token in TOKENS) / len(TOKENS)


def test_scan_reads_every_token(scanned_png: PageText) -> None:
    assert _token_accuracy(scanned_png) == 1.0, [word.text for word in scanned_png.words]
    assert "Å" in {word.text for word in scanned_png.words}  # Norwegian letters, not "A"


def test_scan_values_sit_right_of_their_labels(scanned_png: PageText) -> None:
    for label, values in EXPECTED.items():
        found = _right_of(scanned_png, _find(scanned_png, label))
        assert found[: len(values)] == values, (label, found)


def test_scan_positions_are_points_matching_the_text_pdf(scanned_png: PageText) -> None:
    assert scanned_png.number == 1
    assert scanned_png.width == pytest.approx(A4[0], abs=1.5)
    assert scanned_png.height == pytest.approx(A4[1], abs=1.5)
    drawn = {text.split()[0]: (x, baseline) for x, baseline, text, _, _ in INVOICE_LINES}
    for label in ("Fakturanr:", "Org.nr:", "KID:", "Kontonr:"):
        word = _find(scanned_png, label)
        x, baseline = drawn[label]
        assert word.x0 == pytest.approx(x, abs=3)
        assert word.y0 < baseline < word.y1 + 3
        assert 0.5 < word.confidence <= 1.0


def test_scanned_pdf_is_rasterised_and_read() -> None:
    scan = make_scan(200, angle=-1.0, seed=7)
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    pdf.drawImage(ImageReader(scan), 0, 0, width=A4[0], height=A4[1])
    pdf.showPage()
    pdf.save()
    for dpi in (200, 300):
        (page,) = _timed_ocr(buffer.getvalue(), "application/pdf", f"scanned PDF at {dpi}", dpi)
        assert _token_accuracy(page) == 1.0, [word.text for word in page.words]
        assert page.width == pytest.approx(A4[0], abs=1.5)


def test_phone_photo_without_a_believable_dpi_maps_to_an_a4_page() -> None:
    """Phones write 72 dpi; the page is then assumed to fill the photo's width (A4)."""
    photo = make_scan(300, angle=2.0, seed=3).convert("RGB")
    data = encode(photo, "JPEG", quality=80, dpi=(72, 72))
    (page,) = _timed_ocr(data, "image/jpeg", "JPEG photo (72 dpi tag)")
    assert page.width == pytest.approx(A4[0], rel=0.01)
    assert _token_accuracy(page) == 1.0, [word.text for word in page.words]


def test_noise_is_no_text_not_a_crash() -> None:
    (page,) = _timed_ocr(encode(noise_image(), "PNG"), "image/png", "noise")
    assert page.words == []


def test_blank_page_is_no_text() -> None:
    (page,) = ocr_document(encode(Image.new("L", (1240, 1754), 255), "PNG"), "image/png")
    assert page.words == []


@pytest.mark.parametrize(
    ("data", "media_type", "reason"),
    [
        (png_header_only(100_000, 100_000), "image/png", "decompression bomb"),
        (png_header_only(8_000, 8_000), "image/png", "40 megapixels"),
        (b"<?xml version='1.0'?><Invoice/>", "application/xml", "not a PDF, PNG or JPEG"),
        (b"GIF89a....", "image/gif", "not a PDF, PNG or JPEG"),
        (b"%PDF-1.7\n rubbish", "application/pdf", "damaged"),
    ],
    ids=["bomb", "too-many-pixels", "xml", "gif", "broken-pdf"],
)
def test_hostile_documents_are_refused_with_a_reason(
    data: bytes, media_type: str, reason: str
) -> None:
    with pytest.raises(OcrRefused, match=reason):
        ocr_document(data, media_type)


def test_truncated_jpeg_is_refused() -> None:
    data = encode(make_scan(100, angle=0).convert("RGB"), "JPEG")
    with pytest.raises(OcrRefused, match="truncated"):
        ocr_document(data[: len(data) // 2], "image/jpeg")


def test_password_protected_pdf_is_refused() -> None:
    from reportlab.lib import pdfencrypt

    locked = invoice_pdf(encrypt=pdfencrypt.StandardEncryption("hemmelig", ownerPassword="x"))
    with pytest.raises(OcrRefused, match="encrypted"):
        ocr_document(locked, "application/pdf")


def test_declared_type_must_match_the_content() -> None:
    with pytest.raises(OcrRefused, match="declared image/jpeg but its content is image/png"):
        ocr_document(encode(Image.new("L", (100, 100), 255), "PNG"), "image/jpeg")


def test_dpi_out_of_range_is_refused() -> None:
    with pytest.raises(OcrRefused, match="dpi"):
        ocr_document(invoice_pdf(), "application/pdf", dpi=2400)


def test_slow_page_times_out_as_a_refusal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ocr, "PAGE_TIMEOUT_SECONDS", 0.001)
    with pytest.raises(OcrRefused, match="took longer than"):
        ocr.ocr_image(make_scan(100, angle=0), 1, 100)


def test_tesseract_runs_with_one_openmp_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OMP_THREAD_LIMIT", raising=False)
    ocr.ocr_image(Image.new("L", (200, 100), 255), 1, 300)
    assert os.environ["OMP_THREAD_LIMIT"] == "1"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"%PDF-1.7\n", "application/pdf"),
        (b"\x00\x00junk before %PDF-1.4", "application/pdf"),
        (b"\x89PNG\r\n\x1a\n....", "image/png"),
        (b"\xff\xd8\xff\xe0....", "image/jpeg"),
        (b"<?xml version='1.0'?><Invoice/>", "application/xml"),
        (b"\xef\xbb\xbf\n  <Invoice/>", "application/xml"),
        (b"GIF89a", None),
        (b"", None),
        (b"faktura.pdf", None),
    ],
)
def test_sniff_media_type_uses_magic_bytes(data: bytes, expected: str | None) -> None:
    assert sniff_media_type(data) == expected


@pytest.mark.parametrize(
    ("text", "conf", "kept"),
    [
        ("Faktura", "96.5", True),
        ("", "95", False),
        ("   ", "95", False),
        ("Faktura", "-1", False),
        ("xq", "12", False),
        ("|", "40", False),
        (":", "91", True),
        ("—————", "90", False),
    ],
)
def test_word_filter_and_confidence_mapping(text: str, conf: str, kept: bool) -> None:
    row = {"text": text, "conf": conf, "left": 300, "top": 600, "width": 150, "height": 30}
    word = ocr._word(row, 2, 72 / 300)
    assert (word is not None) == kept
    if word is not None:
        assert (word.page, word.x0, word.y0, word.x1, word.y1) == (2, 72.0, 144.0, 108.0, 151.2)
        assert 0.0 <= word.confidence <= 1.0
