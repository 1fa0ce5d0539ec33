"""pdftext + sandbox: words from a text layer, embedded XML, and every hostile PDF refused clearly."""

from __future__ import annotations

import io
import time
import zlib

import pytest
from reportlab.pdfgen import canvas

from services.intake.pdftext import PdfRefused, embedded_xml, has_text_layer, pdf_pages
from services.intake.sandbox import (
    SandboxRefused,
    embedded_xml_isolated,
    pdf_pages_isolated,
)

CII = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:'
    b'CrossIndustryInvoice:100"><rsm:ExchangedDocument/></rsm:CrossIndustryInvoice>'
)


def _simple_pdf(pages: int = 1, **kwargs: object) -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, **kwargs)  # type: ignore[arg-type]
    for number in range(pages):
        c.setFont("Helvetica", 10)
        c.drawString(50, 800, f"Fakturanr: 2026-{number:04d}   Beløp 1 234,50")
        c.drawString(
            50, 780, "Org.nr 974 760 673 MVA Foretaksregisteret Storgata 1 0155 Oslo Norge"
        )
        c.drawString(50, 760, "Betales til kontonummer 1503.01.00007 innen forfall")
        c.showPage()
    c.save()
    return buf.getvalue()


def _raw_pdf(objects: list[bytes]) -> bytes:
    """A PDF from numbered object bodies (1-based), with a correct xref; object 1 is the catalog."""
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


def _stream(data: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s >>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def _pdf_with_attachment(name: bytes, content: bytes, via: str = "names") -> bytes:
    page_content = b"BT /F1 12 Tf 50 800 Td (Faktura med vedlegg) Tj ET"
    spec = b"<< /Type /Filespec /F (%s) /UF (%s) /EF << /F 6 0 R >> /AFRelationship /Data >>" % (
        name,
        name,
    )
    if via == "names":
        catalog = (
            b"<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles << /Names [(%s) 5 0 R] >> >> >>"
            % name
        )
    else:
        catalog = b"<< /Type /Catalog /Pages 2 0 R /AF [5 0 R] >>"
    return _raw_pdf(
        [
            catalog,
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
            b"/Resources << /Font << /F1 7 0 R >> >> >>",
            _stream(page_content),
            spec,
            _stream(
                zlib.compress(content),
                b"/Type /EmbeddedFile /Subtype /text#2Fxml /Filter /FlateDecode",
            ),
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ]
    )


def _bomb_pdf(megabytes: int) -> bytes:
    """A small PDF whose page content inflates to `megabytes` MB of spaces."""
    packer = zlib.compressobj(1)
    chunk = b" " * (1 << 20)
    packed = b"".join(packer.compress(chunk) for _ in range(megabytes)) + packer.flush()
    return _raw_pdf(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
            _stream(packed, b"/Filter /FlateDecode"),
        ]
    )


def test_words_have_positions_from_the_top_left() -> None:
    pages = pdf_pages(_simple_pdf())
    words = {w.text: w for w in pages[0].words}
    assert words["Fakturanr:"].page == 1
    assert 30 < words["Fakturanr:"].y0 < words["Fakturanr:"].y1 < 45  # baseline 42 from the top
    assert words["Fakturanr:"].x0 == pytest.approx(50)
    assert words["Org.nr"].y0 > words["Fakturanr:"].y0
    assert "1" in words and "234,50" in words
    assert has_text_layer(pages)


def test_a_page_without_text_needs_ocr() -> None:
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    c.rect(10, 10, 100, 100)
    c.showPage()
    c.save()
    assert not has_text_layer(pdf_pages(buf.getvalue()))


@pytest.mark.parametrize("name", [b"factur-x.xml", b"invoice-ehf.xml"])
def test_embedded_invoice_xml_is_found_in_the_names_tree(name: bytes) -> None:
    assert embedded_xml(_pdf_with_attachment(name, CII)) == CII


def test_embedded_invoice_xml_is_found_via_af() -> None:
    assert embedded_xml(_pdf_with_attachment(b"zugferd-invoice.xml", CII, via="af")) == CII


def test_a_pdf_without_attachments_has_no_embedded_xml() -> None:
    assert embedded_xml(_simple_pdf()) is None
    assert embedded_xml_isolated(_simple_pdf()) is None


def test_text_of_the_raw_pdf_is_read_too() -> None:
    pages = pdf_pages(_pdf_with_attachment(b"factur-x.xml", CII))
    assert [w.text for w in pages[0].words] == ["Faktura", "med", "vedlegg"]


def test_encrypted_pdf_is_refused() -> None:
    data = _simple_pdf(encrypt="hemmelig")
    with pytest.raises(PdfRefused, match="encrypted"):
        pdf_pages(data)
    with pytest.raises(PdfRefused, match="password"):
        pdf_pages_isolated(data)


@pytest.mark.parametrize("cut", [0.3, 0.6, 0.95])
def test_truncated_pdf_is_refused(cut: float) -> None:
    data = _simple_pdf()
    with pytest.raises(PdfRefused, match="truncated or damaged"):
        pdf_pages_isolated(data[: int(len(data) * cut)])


def test_garbage_is_not_a_pdf() -> None:
    with pytest.raises(PdfRefused, match="not a PDF"):
        pdf_pages(b"GIF89a" + b"\0" * 100)


def test_damaged_pdf_body_is_refused_with_a_reason() -> None:
    data = _simple_pdf().replace(b"/Type /Pages", b"/Type /Xyzzy").replace(b"obj", b"jbo")
    with pytest.raises((PdfRefused, SandboxRefused)):
        pdf_pages_isolated(data)


def test_too_many_pages_are_refused() -> None:
    with pytest.raises(PdfRefused, match="more than 50 pages"):
        pdf_pages_isolated(_simple_pdf(pages=51))
    assert len(pdf_pages_isolated(_simple_pdf(pages=3), max_pages=3)) == 3


def test_decompression_bomb_is_refused_for_memory_quickly() -> None:
    data = _bomb_pdf(600)
    assert len(data) < 4 * 1024 * 1024
    started = time.monotonic()
    with pytest.raises(SandboxRefused, match="memory"):
        pdf_pages_isolated(data, memory_mb=256)
    assert time.monotonic() - started < 10
    assert len(pdf_pages_isolated(_simple_pdf())) == 1  # the service keeps working


def test_slow_pdf_is_refused_for_time() -> None:
    with pytest.raises(SandboxRefused, match="longer than"):
        pdf_pages_isolated(_bomb_pdf(150), timeout_s=0.05, memory_mb=2048)
