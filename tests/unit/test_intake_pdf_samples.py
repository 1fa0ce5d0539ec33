"""Sample invoice PDFs drawn with reportlab, each with its known truth, in very different layouts.

Other intake tests import `SAMPLES`; the tests here read every sample end to end (PDF bytes ->
words -> canonical invoice) and compare the benchmark fields exactly.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from services.intake.extractor import extract_invoice
from services.intake.pdftext import has_text_layer, pdf_pages
from shared.schemas.invoice import CaptureSource, DocumentKind

W, H = A4


@dataclass
class Sample:
    name: str
    pdf: bytes
    truth: dict[str, Any]
    extra: dict[str, Any] = field(default_factory=dict)


def _doc(draw: Callable[[canvas.Canvas], None], **kwargs: Any) -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, **kwargs)
    c.setTitle("invoice")
    draw(c)
    c.save()
    return buf.getvalue()


def _t(
    c: canvas.Canvas, x: float, y: float, text: str, size: float = 9, bold: bool = False
) -> None:
    """Text at (x, y) measured from the top-left, like the words we read."""
    c.setFont("Helvetica-Bold" if bold else "Helvetica", size)
    c.drawString(x, H - y, text)


def _r(
    c: canvas.Canvas, x: float, y: float, text: str, size: float = 9, bold: bool = False
) -> None:
    c.setFont("Helvetica-Bold" if bold else "Helvetica", size)
    c.drawRightString(x, H - y, text)


def _nok(value: Decimal, style: str = "space") -> str:
    """Norwegian/English money notation."""
    sign = "-" if value < 0 else ""
    whole, frac = f"{abs(value):.2f}".split(".")
    groups = f"{int(whole):,}"
    if style == "space":
        return sign + groups.replace(",", " ") + "," + frac
    if style == "dot":
        return sign + groups.replace(",", ".") + "," + frac
    if style == "en":
        return sign + groups + "." + frac
    return sign + whole + "," + frac  # plain


# --- 1. One column, classic Norwegian: info box at the right, table, totals, footer ------------


def one_column() -> Sample:
    lines = [
        ("Konsulenttimer mars", 10, Decimal("950.00")),
        ("Reisekostnader", 1, Decimal("1200.00")),
    ]
    net = sum(q * p for _, q, p in lines)
    vat = (net * Decimal("0.25")).quantize(Decimal("0.01"))

    def draw(c: canvas.Canvas) -> None:
        _t(c, 40, 50, "Fjordlys Rådgivning AS", 18, bold=True)
        _t(c, 40, 66, "Storgata 1, 0155 Oslo")
        _t(c, 40, 130, "Nordkunde AS", 10)
        _t(c, 40, 142, "Postboks 12")
        _t(c, 40, 154, "5003 Bergen")
        _t(c, 380, 110, "FAKTURA", 16, bold=True)
        info = [
            ("Fakturanr:", "2026-0042"),
            ("Fakturadato:", "27.11.2026"),
            ("Forfallsdato:", "11.12.2026"),
            ("KID:", "20260048"),
            ("Kontonr:", "1503.01.00007"),
            ("Deres ref:", "Kari Nordmann"),
            ("Vår ref:", "Ola Hansen"),
        ]
        for i, (label, value) in enumerate(info):
            _t(c, 380, 135 + i * 14, label)
            _t(c, 460, 135 + i * 14, value)
        y = 270
        for x, label in ((40, "Beskrivelse"), (300, "Antall"), (380, "Pris"), (470, "Mva")):
            _t(c, x, y, label, bold=True)
        _r(c, 555, y, "Beløp", bold=True)
        for i, (text, qty, price) in enumerate(lines):
            yy = y + 18 + i * 14
            _t(c, 40, yy, text)
            _r(c, 330, yy, str(qty))
            _r(c, 440, yy, _nok(price))
            _t(c, 470, yy, "25 %")
            _r(c, 555, yy, _nok(qty * price))
        _t(c, 360, 400, "Sum eks. mva")
        _r(c, 555, 400, _nok(net))
        _t(c, 360, 414, "Mva 25 %")
        _r(c, 555, 414, _nok(vat))
        _t(c, 360, 432, "Å betale", 11, bold=True)
        _r(c, 555, 432, _nok(net + vat), 11, bold=True)
        _t(c, 40, 800, "Fjordlys Rådgivning AS · Org.nr 974 760 673 MVA · Foretaksregisteret", 7)

    return Sample(
        "one-column",
        _doc(draw),
        {
            "number": "2026-0042",
            "issue_date": date(2026, 11, 27),
            "due_date": date(2026, 12, 11),
            "currency": "NOK",
            "payable": net + vat,
            "tax": vat,
            "seller_orgnr": "974760673",
            "kid": "20260048",
            "account": "15030100007",
        },
        {
            "tax_exclusive": net,
            "seller_name": "Fjordlys Rådgivning AS",
            "buyer_reference": "Kari Nordmann",
            "lines": 2,
            "vat_id": "NO974760673MVA",
        },
    )


# --- 2. Two columns: labels and values in separate columns, dot thousands, slashed dates -------


def two_column() -> Sample:
    net, vat = Decimal("12480.00"), Decimal("3120.00")

    def draw(c: canvas.Canvas) -> None:
        _t(c, 320, 40, "Vestlandske Maskin ASA", 14, bold=True)
        _t(c, 320, 56, "Org. nr.: NO 923 609 016 MVA")
        _t(c, 320, 68, "Bankkonto: 8601 11 17947")
        _t(c, 40, 40, "Faktureres til:", bold=True)
        _t(c, 40, 54, "Bygg og Anlegg Nord AS")
        _t(c, 40, 66, "Kundens org.nr: 984 851 006")
        _t(c, 40, 78, "Industriveien 4, 9008 Tromsø")
        left = [
            ("Fakturanummer", "VM-118273"),
            ("Fakturadato", "03/02/2026"),
            ("Ordrenr", "PO-5521"),
            ("Deres referanse", "Per Olsen"),
        ]
        right = [
            ("Forfallsdato", "05/03/2026"),
            ("KID-nr", "1000123456 5"),
            ("Valuta", "NOK"),
            ("Betalingsbetingelser", "30 dager netto"),
        ]
        for i, (label, value) in enumerate(left):
            _t(c, 40, 140 + i * 16, label)
            _t(c, 150, 140 + i * 16, value)
        for i, (label, value) in enumerate(right):
            _t(c, 320, 140 + i * 16, label)
            _t(c, 440, 140 + i * 16, value)
        _t(c, 40, 240, "Hydraulikkslange 20 m, diverse koblinger og montering på anlegg")
        _t(c, 40, 254, "Beløp eks. mva")
        _r(c, 250, 254, _nok(net, "dot"))
        _t(c, 320, 254, "Merverdiavgift 25 %")
        _r(c, 555, 254, _nok(vat, "dot"))
        _t(c, 320, 280, "Totalt å betale", 12, bold=True)
        _r(c, 555, 280, "kr " + _nok(net + vat, "dot"), 12, bold=True)

    return Sample(
        "two-column",
        _doc(draw),
        {
            "number": "VM-118273",
            "issue_date": date(2026, 2, 3),
            "due_date": date(2026, 3, 5),
            "currency": "NOK",
            "payable": net + vat,
            "tax": vat,
            "seller_orgnr": "923609016",
            "kid": "10001234565",
            "account": "86011117947",
        },
        {
            "buyer_orgnr": "984851006",
            "order_reference": "PO-5521",
            "seller_name": "Vestlandske Maskin ASA",
            "buyer_name": "Bygg og Anlegg Nord AS",
            "tax_exclusive": net,
        },
    )


# --- 3. Giro slip at the bottom; totals as a row under column headers; ISO dates ----------------


def giro_slip() -> Sample:
    net, vat = Decimal("1000.00"), Decimal("150.00")

    def draw(c: canvas.Canvas) -> None:
        c.rect(40, H - 90, 120, 50)  # a logo box
        _t(c, 60, 70, "LOGO", 16, bold=True)
        _t(c, 200, 60, "Matsentralen Øst AS", 13, bold=True)
        _t(c, 200, 74, "Foretaksregisteret NO 812 345 672 MVA", 8)
        _t(c, 40, 130, "Kunde: Kafe Solsiden AS")
        _t(c, 360, 130, "Faktura nr. 55500123")
        _t(c, 360, 144, "Dato: 2026-11-02")
        _t(c, 40, 200, "Varelevering uke 44 (matvarer, 15 % mva)")
        for x, label in ((300, "Netto"), (390, "MVA"), (480, "Totalt")):
            _t(c, x, 240, label, bold=True)
        _t(c, 300, 256, _nok(net))
        _t(c, 390, 256, _nok(vat))
        _t(c, 480, 256, _nok(net + vat))
        c.line(30, H - 560, W - 30, H - 560)
        _t(c, 40, 580, "GIRO", 12, bold=True)
        _t(c, 300, 580, "Betalingsfrist", 7)
        _t(c, 300, 592, "2026-11-16")
        _t(c, 40, 620, "Betalt av", 7)
        _t(c, 40, 632, "Kafe Solsiden AS")
        _t(c, 300, 620, "Betalt til", 7)
        _t(c, 300, 632, "Matsentralen Øst AS")
        _t(c, 40, 720, "Kundeidentifikasjon (KID)", 7)
        _t(c, 170, 720, "Kroner", 7)
        _t(c, 250, 720, "Øre", 7)
        _t(c, 330, 720, "Til konto", 7)
        _t(c, 40, 734, "555001231")
        _t(c, 170, 734, "1 150")
        _t(c, 250, 734, "00")
        _t(c, 330, 734, "9710.12.34561")

    return Sample(
        "giro-slip",
        _doc(draw),
        {
            "number": "55500123",
            "issue_date": date(2026, 11, 2),
            "due_date": date(2026, 11, 16),
            "currency": "NOK",
            "payable": net + vat,
            "tax": vat,
            "seller_orgnr": "812345672",
            "kid": "555001231",
            "account": "97101234561",
        },
        {"tax_exclusive": net, "seller_name": "Matsentralen Øst AS"},
    )


# --- 4. English, foreign supplier, EUR, IBAN/BIC, reverse charge ----------------------------------


def english() -> Sample:
    net = Decimal("4250.00")

    def draw(c: canvas.Canvas) -> None:
        _t(c, 40, 50, "Rheinland Software GmbH", 16, bold=True)
        _t(c, 40, 66, "Hauptstrasse 5, 50667 Köln, Germany · VAT ID DE129273398", 8)
        _t(c, 420, 50, "INVOICE", 20, bold=True)
        _t(c, 40, 120, "Bill to:", bold=True)
        _t(c, 40, 134, "Nordkunde AS")
        _t(c, 40, 146, "VAT: NO 984 851 006 MVA")
        _t(c, 360, 120, "Invoice No.: RS-2026-0917")
        _t(c, 360, 134, "Invoice Date: Nov 27, 2026")
        _t(c, 360, 148, "Due Date: December 27, 2026")
        _t(c, 360, 162, "Your reference: J. Berg")
        y = 220
        _t(c, 40, y, "Description", bold=True)
        _t(c, 300, y, "Qty", bold=True)
        _t(c, 360, y, "Unit price", bold=True)
        _r(c, 555, y, "Amount", bold=True)
        rows = [
            ("Annual licence, Pro edition", 1, Decimal("3750.00")),
            ("Onboarding workshop", 2, Decimal("250.00")),
        ]
        for i, (text, qty, price) in enumerate(rows):
            _t(c, 40, y + 16 + i * 14, text)
            _t(c, 300, y + 16 + i * 14, str(qty))
            _t(c, 360, y + 16 + i * 14, _nok(price, "en"))
            _r(c, 555, y + 16 + i * 14, _nok(qty * price, "en"))
        _t(c, 360, 320, "Subtotal")
        _r(c, 555, 320, "EUR " + _nok(net, "en"))
        _t(c, 360, 334, "VAT 0% (reverse charge)")
        _r(c, 555, 334, "EUR 0.00")
        _t(c, 360, 352, "Total due", 11, bold=True)
        _r(c, 555, 352, "EUR " + _nok(net, "en"), 11, bold=True)
        _t(c, 40, 420, "Payment: IBAN DE89 3704 0044 0532 0130 00   BIC COBADEFFXXX")
        _t(c, 40, 434, "Please quote the invoice number with your payment.")

    return Sample(
        "english",
        _doc(draw),
        {
            "number": "RS-2026-0917",
            "issue_date": date(2026, 11, 27),
            "due_date": date(2026, 12, 27),
            "currency": "EUR",
            "payable": net,
            "tax": Decimal("0.00"),
            "seller_orgnr": None,
            "kid": None,
            "account": "DE89370400440532013000",
        },
        {"bic": "COBADEFFXXX", "buyer_orgnr": "984851006", "lines": 2, "tax_exclusive": net},
    )


# --- 5. Credit note with negative amounts and a written-out date ----------------------------------


def credit_note() -> Sample:
    net, vat = Decimal("-1000.00"), Decimal("-250.00")

    def draw(c: canvas.Canvas) -> None:
        _t(c, 40, 50, "Fjordlys Rådgivning AS", 16, bold=True)
        _t(c, 40, 64, "Org.nr: 974 760 673 MVA", 8)
        _t(c, 40, 110, "KREDITNOTA", 18, bold=True)
        _t(c, 40, 140, "Kreditnotanr: K-2026-007")
        _t(c, 40, 154, "Dato: 27. november 2026")
        _t(c, 40, 168, "Gjelder faktura 2026-0042 av 13.11.2026")
        _t(c, 40, 220, "Kreditering av feilført timeantall")
        _t(c, 360, 260, "Sum ekskl. mva")
        _r(c, 555, 260, _nok(net))
        _t(c, 360, 274, "Mva")
        _r(c, 555, 274, _nok(vat))
        _t(c, 360, 292, "Å godskrive", bold=True)
        _r(c, 555, 292, _nok(net + vat), bold=True)
        _t(c, 40, 330, "Beløpet avregnes mot neste faktura. Bankkonto 1503 01 00007.")

    return Sample(
        "credit-note",
        _doc(draw),
        {
            "number": "K-2026-007",
            "issue_date": date(2026, 11, 27),
            "due_date": None,
            "currency": "NOK",
            "payable": Decimal("1250.00"),
            "tax": Decimal("250.00"),
            "seller_orgnr": "974760673",
            "kid": None,
            "account": "15030100007",
        },
        {"kind": DocumentKind.CREDIT_NOTE},
    )


# --- 6. Three pages, many lines, header repeated, totals on the last page -------------------------


def multi_page() -> Sample:
    rows = [
        (f"Artikkel {i:03d} kontorrekvisita", i % 5 + 1, Decimal(37 + i) + Decimal("0.50"))
        for i in range(1, 91)
    ]
    net = sum((q * p for _, q, p in rows), Decimal(0))
    vat = (net * Decimal("0.25")).quantize(Decimal("0.01"))

    def header(c: canvas.Canvas, page: int) -> None:
        _t(c, 40, 40, "Kontorleveranser Norge AS", 13, bold=True)
        _r(c, 555, 40, f"Side {page} av 3")
        if page == 1:
            _t(c, 40, 60, "Org.nr 998 877 660 MVA")
            _t(c, 360, 80, "Fakturanr.")
            _t(c, 450, 80, "7781201")
            _t(c, 360, 94, "Fakturadato")
            _t(c, 450, 94, "1.12.2026")
            _t(c, 360, 108, "Forfall")
            _t(c, 450, 108, "31.12.2026")
        y = 140
        _t(c, 40, y, "Varenr", bold=True)
        _t(c, 100, y, "Varetekst", bold=True)
        _t(c, 330, y, "Antall", bold=True)
        _t(c, 400, y, "À pris", bold=True)
        _r(c, 555, y, "Sum", bold=True)

    def draw(c: canvas.Canvas) -> None:
        per_page = 40
        for page in range(3):
            header(c, page + 1)
            chunk = rows[page * per_page : (page + 1) * per_page]
            for i, (text, qty, price) in enumerate(chunk):
                y = 158 + i * 14
                _t(c, 40, y, f"{1000 + page * per_page + i}")
                _t(c, 100, y, text)
                _r(c, 360, y, str(qty))
                _r(c, 450, y, _nok(price, "plain"))
                _r(c, 555, y, _nok(qty * price, "plain"))
            if page == 2:
                y = 158 + len(chunk) * 14 + 30
                _t(c, 360, y, "Sum eks. mva")
                _r(c, 555, y, _nok(net, "plain"))
                _t(c, 360, y + 14, "Mva 25%")
                _r(c, 555, y + 14, _nok(vat, "plain"))
                _t(c, 360, y + 28, "Sum inkl. mva")
                _r(c, 555, y + 28, _nok(net + vat, "plain"))
                _t(c, 360, y + 46, "Beløp å betale", bold=True)
                _r(c, 555, y + 46, _nok(net + vat, "plain"), bold=True)
                _t(c, 40, y + 80, "Betales til kontonr 6063.10.20340 med KID 202601197")
            c.showPage()

    return Sample(
        "multi-page",
        _doc(draw),
        {
            "number": "7781201",
            "issue_date": date(2026, 12, 1),
            "due_date": date(2026, 12, 31),
            "currency": "NOK",
            "payable": net + vat,
            "tax": vat,
            "seller_orgnr": "998877660",
            "kid": "202601197",
            "account": "60631020340",
        },
        {"lines": 90, "tax_exclusive": net, "tax_inclusive": net + vat},
    )


SAMPLES: list[Callable[[], Sample]] = [
    one_column,
    two_column,
    giro_slip,
    english,
    credit_note,
    multi_page,
]


def benchmark_fields(invoice: Any) -> dict[str, Any]:
    return {
        "number": invoice.number,
        "issue_date": invoice.issue_date,
        "due_date": invoice.due_date,
        "currency": invoice.currency,
        "payable": invoice.totals.payable,
        "tax": invoice.totals.tax,
        "seller_orgnr": invoice.seller.legal_id,
        "kid": invoice.payment_id,
        "account": invoice.payment_account,
    }


@pytest.fixture(scope="module", params=SAMPLES, ids=lambda f: f.__name__)
def sample(request: pytest.FixtureRequest) -> Sample:
    made: Sample = request.param()
    return made


def test_sample_pdf_has_a_text_layer(sample: Sample) -> None:
    assert has_text_layer(pdf_pages(sample.pdf))


def test_benchmark_fields_are_read_exactly(sample: Sample) -> None:
    invoice = extract_invoice(pdf_pages(sample.pdf), CaptureSource.PDF_TEXT)
    assert benchmark_fields(invoice) == sample.truth


def test_further_fields_are_read(sample: Sample) -> None:
    invoice = extract_invoice(pdf_pages(sample.pdf), CaptureSource.PDF_TEXT)
    read = {
        "tax_exclusive": invoice.totals.tax_exclusive,
        "tax_inclusive": invoice.totals.tax_inclusive,
        "seller_name": invoice.seller.name,
        "buyer_name": invoice.buyer.name,
        "buyer_orgnr": invoice.buyer.legal_id,
        "buyer_reference": invoice.buyer_reference,
        "order_reference": invoice.order_reference,
        "bic": invoice.payment_bic,
        "vat_id": invoice.seller.vat_id,
        "kind": invoice.kind,
        "lines": len(invoice.lines),
    }
    assert {k: read[k] for k in sample.extra} == sample.extra
