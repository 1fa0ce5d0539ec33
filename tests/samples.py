"""Invoices made in the tests, with known content: a text PDF and a scan of it."""

from __future__ import annotations

import io

import pypdfium2 as pdfium
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

LINES = [
    ("Faktura", 22),
    ("Kontorrekvisita Nord AS", 12),
    ("Org.nr: 974 760 673 MVA", 11),
    ("Fakturanr: 770031", 11),
    ("Fakturadato: 20.11.2026", 11),
    ("Forfallsdato: 04.12.2026", 11),
    ("Kontonr: 1503.01.00007", 11),
    ("KID: 000000018", 11),
    ("Sum eks. mva: 1 000,00", 11),
    ("Mva 25 %: 250,00", 11),
    ("Å betale: 1 250,00", 12),
]


def text_pdf(number: str = "770031") -> bytes:
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    y = 780
    for text, size in LINES:
        page.setFont("Helvetica-Bold" if size > 11 else "Helvetica", size)
        page.drawString(60, y, text.replace("770031", number))
        y -= 28
    page.save()
    return buffer.getvalue()


def scan_png(number: str) -> bytes:
    document = pdfium.PdfDocument(text_pdf(number))
    image = document[0].render(scale=250 / 72).to_pil().convert("L").rotate(1.0, fillcolor=255)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()
