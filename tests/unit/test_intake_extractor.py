"""The extractor's parts: money, dates, scoring, OCR confidence and learning from corrections."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from services.intake.candidates import find_amounts, find_dates, parse_money
from services.intake.extractor import (
    SupplierHints,
    extract_invoice,
    learn_from_correction,
    value_pattern,
)
from services.intake.pdftext import pdf_pages
from services.intake.words import PageText, Word
from shared.schemas.invoice import CaptureSource


@pytest.mark.parametrize(
    "text, value",
    [
        ("1 234,50", "1234.50"),
        ("1.234,50", "1234.50"),
        ("1,234.50", "1234.50"),
        ("1234.50", "1234.50"),
        ("1234,50", "1234.50"),
        ("kr 1 234,-", "1234.00"),
        ("NOK 12 500,00", "12500.00"),
        ("-1 250,00", "-1250.00"),
        ("1 250,00-", "-1250.00"),
        ("EUR 1,234,567.89", "1234567.89"),
    ],
)
def test_money(text: str, value: str) -> None:
    assert [m.value for m in find_amounts(text)] == [Decimal(value)]


def test_money_skips_dates_and_percentages() -> None:
    assert [m.value for m in find_amounts("27.11.2026 Mva 25 % 250,00")] == [Decimal("250.00")]
    assert parse_money("1.234") == Decimal("1234.00")


@pytest.mark.parametrize(
    "text",
    [
        "27.11.2026",
        "27/11/2026",
        "2026-11-27",
        "27. november 2026",
        "Nov 27, 2026",
        "27 Nov 2026",
        "November 27th, 2026",
        "27.11.26",
        "27. nov. 2026",
    ],
)
def test_dates(text: str) -> None:
    assert [d for d, _, _ in find_dates(text)] == [date(2026, 11, 27)]


def _words(rows: list[tuple[float, float, str]], confidence: float = 1.0) -> list[PageText]:
    words = []
    for x, y, text in rows:
        for part in text.split():
            width = 5.0 * len(part)
            words.append(Word(part, 1, x, y, x + width, y + 10, confidence))
            x += width + 3
    return [PageText(1, 595, 842, words)]


ROWS = [
    (40, 40, "Testfirma AS"),
    (40, 60, "Org.nr 974 760 673 MVA"),
    (300, 100, "Fakturanr: 1001"),
    (300, 114, "Fakturadato: 01.03.2026"),
    (300, 128, "Forfallsdato: 15.03.2026"),
    (300, 142, "KID: 000000018"),
    (300, 156, "Kontonr: 1503.01.00007"),
    (300, 200, "Sum eks. mva"),
    (480, 200, "800,00"),
    (300, 214, "Mva 25 %"),
    (480, 214, "200,00"),
    (300, 228, "Å betale"),
    (480, 228, "1 000,00"),
]


def test_check_digits_and_arithmetic_make_confidence_high() -> None:
    invoice = extract_invoice(_words(ROWS), CaptureSource.PDF_TEXT)
    assert invoice.payment_id == "000000018"
    assert invoice.totals.tax_exclusive == Decimal("800.00")
    assert invoice.totals.payable == Decimal("1000.00")
    for term in ("BT-83", "BT-84", "BT-30", "BT-109", "BT-110", "BT-115"):
        assert invoice.provenance[term].confidence >= 0.9, term
    assert invoice.provenance["BT-1"].confidence < invoice.provenance["BT-83"].confidence


def test_failed_check_digit_lowers_confidence() -> None:
    rows = [r if "KID" not in r[2] else (300, 142, "KID: 000000017") for r in ROWS]
    invoice = extract_invoice(_words(rows), CaptureSource.PDF_TEXT)
    assert invoice.payment_id == "000000017"
    assert invoice.provenance["BT-83"].confidence < 0.5


def test_totals_that_do_not_add_up_are_less_sure() -> None:
    rows = [r if r[2] != "200,00" else (480, 214, "150,00") for r in ROWS]
    invoice = extract_invoice(_words(rows), CaptureSource.PDF_TEXT)
    assert invoice.provenance["BT-110"].confidence < 0.8


def test_ocr_confidence_lowers_provenance() -> None:
    sure = extract_invoice(_words(ROWS), CaptureSource.PDF_TEXT)
    ocr = extract_invoice(_words(ROWS, confidence=0.6), CaptureSource.OCR)
    assert ocr.payment_id == sure.payment_id
    assert ocr.provenance["BT-83"].source is CaptureSource.OCR
    assert ocr.provenance["BT-1"].confidence < sure.provenance["BT-1"].confidence


def test_unlabelled_guess_is_low_confidence() -> None:
    invoice = extract_invoice(
        _words([(40, 40, "Noe tekst 12.05.2026 og mer tekst her")]), CaptureSource.OCR
    )
    assert invoice.issue_date == date(2026, 5, 12)
    assert invoice.provenance["BT-2"].confidence <= 0.3


def _supplier_pdf(number: str, day: int) -> bytes:
    """A supplier that calls its invoice number 'Bilagsreferanse' and has no due-date label."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.setFont("Helvetica", 10)
    top = A4[1]
    c.drawString(40, top - 40, "Særegen Leverandør AS")
    c.drawString(40, top - 54, "Org.nr 974 760 673 MVA")
    c.drawString(300, top - 100, "Bilagsreferanse")
    c.drawString(420, top - 100, number)
    c.drawString(300, top - 114, "Kunde nr. 4471")
    c.drawString(300, top - 128, f"Fakturadato: {day:02d}.03.2026")
    c.drawString(300, top - 200, "Å betale")
    c.drawRightString(540, top - 200, "1 000,00")
    c.save()
    return buf.getvalue()


def test_a_correction_makes_the_next_invoice_from_that_supplier_right() -> None:
    first = pdf_pages(_supplier_pdf("BR-000451", 3))
    before = extract_invoice(first, CaptureSource.PDF_TEXT)
    assert before.number != "BR-000451"
    hints = learn_from_correction(first, "BT-1", "BR-000451", None)
    assert hints.fields["BT-1"].label == "bilagsreferanse"
    assert hints.fields["BT-1"].relation == "right"
    assert hints.fields["BT-1"].pattern == value_pattern("BR-000451")
    second = pdf_pages(_supplier_pdf("BR-000467", 17))
    after = extract_invoice(second, CaptureSource.PDF_TEXT, hints)
    assert after.number == "BR-000467"
    assert after.provenance["BT-1"].confidence > 0.8
    restored = SupplierHints.model_validate_json(hints.model_dump_json())
    assert extract_invoice(second, CaptureSource.PDF_TEXT, restored).number == "BR-000467"


def test_a_corrected_account_is_remembered() -> None:
    pages = _words(ROWS)
    hints = learn_from_correction(pages, "BT-84", "1503.01.00007", None)
    assert hints.known_accounts == ("15030100007",)


def test_a_line_of_separators_only_does_not_break_the_layout() -> None:
    from services.intake.candidates import build_layout
    from services.intake.words import PageText, Word

    words = [
        Word("|", 1, 10, 10, 12, 20),
        Word("—", 1, 30, 10, 40, 20),
        Word("Fakturanr", 1, 10, 40, 60, 50),
        Word("12345", 1, 70, 40, 100, 50),
    ]
    layout = build_layout([PageText(1, 595, 842, words)])
    segments = [[" ".join(w.text for w in s.words) for s in line.segments] for line in layout.lines]
    assert segments == [["Fakturanr", "12345"]]
