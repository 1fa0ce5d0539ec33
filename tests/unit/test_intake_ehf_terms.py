"""EHF capture of every business term the rules use, and the `extract --json` shape."""

import base64
from decimal import Decimal

import pytest

from fakturaportal.demo import demo_invoice
from services.intake.capture import PDF, PNG, XML, CaptureRefused, capture_document, sniff
from services.intake.ehf import capture, embedded_documents
from services.intake.extract_json import to_json
from shared.xmlsafe import parse_untrusted
from tests.conftest import shared_data

ATTACHMENT = b"%PDF-1.4 a tiny attached time sheet"


def invoice_with_attachment() -> bytes:
    xml = demo_invoice(9)
    blob = base64.b64encode(ATTACHMENT).decode()
    reference = (
        "<cac:AdditionalDocumentReference><cbc:ID>Timeliste</cbc:ID>"
        "<cbc:DocumentDescription>Timeliste november</cbc:DocumentDescription>"
        '<cac:Attachment><cbc:EmbeddedDocumentBinaryObject mimeCode="application/pdf" '
        f'filename="timer.pdf">{blob}</cbc:EmbeddedDocumentBinaryObject></cac:Attachment>'
        "</cac:AdditionalDocumentReference>"
    ).encode()
    return xml.replace(
        b"<cac:AccountingSupplierParty>", reference + b"<cac:AccountingSupplierParty>", 1
    )


def test_embedded_attachments_are_decoded_for_the_archive():
    root = parse_untrusted(invoice_with_attachment())
    [document] = embedded_documents(root)
    assert (document.media_type, document.filename, document.data) == (
        "application/pdf",
        "timer.pdf",
        ATTACHMENT,
    )
    [supporting] = capture(root).supporting_documents
    assert (supporting.id, supporting.description) == ("Timeliste", "Timeliste november")


def test_capture_document_returns_the_embedded_documents_with_the_invoice():
    result = capture_document(invoice_with_attachment(), 10_000_000)
    assert result.media_type == XML and not result.needs_ocr
    assert result.invoice is not None and result.invoice.number == "DEMO-9"
    assert [d.data for d in result.embedded] == [ATTACHMENT]


def test_vat_breakdown_and_allowances_of_the_official_example():
    invoice = capture(
        parse_untrusted(shared_data("ehf", "peppol-examples", "Allowance-example.xml").read_bytes())
    )
    assert [(v.category, v.rate, v.taxable, v.vat) for v in invoice.vat_breakdown] == [
        ("S", Decimal("25"), Decimal("4900.0"), Decimal("1225")),
        ("E", Decimal("0"), Decimal("1000.0"), Decimal("0")),
    ]
    assert [(a.charge, a.amount, a.reason_code) for a in invoice.allowances_charges] == [
        (True, Decimal("200"), "CG"),
        (False, Decimal("200"), "95"),
    ]
    assert (invoice.totals.allowances, invoice.totals.charges) == (Decimal("200"), Decimal("200"))
    assert invoice.totals.tax == Decimal("1225.00")  # the document currency's TaxTotal, not SEK


@pytest.mark.parametrize(
    ("name", "payable", "vat"),
    [
        ("base-example.xml", "1656.25", "331.25"),
        ("Allowance-example.xml", "6125.00", "1225.00"),
        ("vat-category-E.xml", "1200.00", "0"),
        ("base-creditnote-correction.xml", "1656.25", "331.25"),
    ],
)
def test_official_samples_capture_with_the_right_totals(name, payable, vat):
    invoice = capture(parse_untrusted(shared_data("ehf", "peppol-examples", name).read_bytes()))
    assert invoice.totals.payable == Decimal(payable)
    assert invoice.totals.tax == Decimal(vat)


def test_json_shape_for_the_norwegian_example():
    data = shared_data("ehf", "national-NO", "Norwegian-example-1.xml").read_bytes()
    shaped = to_json(capture(parse_untrusted(data)))
    assert set(shaped) == {
        "document_type",
        "invoice_number",
        "issue_date",
        "due_date",
        "currency",
        "supplier",
        "buyer",
        "order_reference",
        "buyer_reference",
        "payment",
        "totals",
        "vat_breakdown",
        "lines",
        "fields",
    }
    assert shaped["document_type"] == "invoice"
    assert shaped["supplier"] == {
        "name": "The Sellercompany ASA",
        "orgnr": "123456785",
        "vat_id": "NO123456785MVA",
    }
    assert shaped["payment"] == {
        "kid": "0003434323213231",
        "account": None,
        "iban": "NO9386011117947",
        "bic": "DNBANOKK",
    }
    assert shaped["totals"] == {
        "line_extension": "1436.5",
        "tax_exclusive": "1436.5",
        "vat": "365.28",
        "tax_inclusive": "1801.78",
        "payable": "802.00",
    }
    assert shaped["fields"]["payment.iban"] == {"source": "xml", "confidence": 1.0}
    assert shaped["lines"][0] == {
        "description": "Laptop computer",
        "quantity": "1",
        "unit_price": "1273",
        "net_amount": "1273",
        "vat_category": "S",
        "vat_rate": "25",
    }


def test_json_shape_of_a_credit_note_and_a_bban_account():
    shaped = to_json(capture(parse_untrusted(demo_invoice(3))))
    assert shaped["payment"]["account"] == "15030100007" and shaped["payment"]["iban"] is None
    assert shaped["fields"]["payment.account"]["source"] == "xml"
    credit = shared_data("ehf", "peppol-examples", "base-creditnote-correction.xml").read_bytes()
    assert to_json(capture(parse_untrusted(credit)))["document_type"] == "credit_note"


@pytest.mark.parametrize(
    ("data", "media"),
    [
        (b"%PDF-1.7\n...", PDF),
        (b"\x89PNG\r\n\x1a\n....", PNG),
        (b"\xff\xd8\xff\xe0..", "image/jpeg"),
        (b"\xef\xbb\xbf<?xml version='1.0'?><a/>", XML),
        (b"  \n<Invoice/>", XML),
    ],
)
def test_type_is_sniffed_from_content(data, media):
    assert sniff(data) == media


@pytest.mark.parametrize("data", [b"PK\x03\x04zipfile", b"MZ\x90\x00exe", b"just text"])
def test_other_types_are_refused_with_a_reason(data):
    with pytest.raises(CaptureRefused, match="unsupported document type") as refused:
        capture_document(data, 1000)
    assert refused.value.code == "FP-INTAKE-TYPE"


def test_hostile_xml_is_refused_by_capture():
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]><lolz>&lol2;</lolz>'
    )
    xxe = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'
    for data in (bomb, xxe):
        with pytest.raises(CaptureRefused, match="DOCTYPE") as refused:
            capture_document(data, 10_000)
        assert refused.value.code == "FP-INTAKE-XML"
    with pytest.raises(CaptureRefused, match="limit") as big:
        capture_document(b"<a>" + b"x" * 60_000_000 + b"</a>", 50 * 1024 * 1024)
    assert big.value.code == "FP-INTAKE-SIZE"


SAMPLE_PAYABLE = {
    ("national-NO", "Norwegian-example-1.xml"): "802.00",
    ("ehf-examples", "ehf-3-faktura-1.xml"): "802.00",
    ("peppol-examples", "base-example.xml"): "1656.25",
    ("peppol-examples", "base-creditnote-correction.xml"): "1656.25",
    ("peppol-examples", "base-negative-inv-correction.xml"): "-1656.25",
    ("peppol-examples", "sales-order-example.xml"): "1656.25",
    ("peppol-examples", "Allowance-example.xml"): "6125.00",
    ("peppol-examples", "Vat-category-S.xml"): "8550",
    ("peppol-examples", "vat-category-E.xml"): "1200.00",
    ("peppol-examples", "vat-category-O.xml"): "3200.00",
    ("peppol-examples", "vat-category-Z.xml"): "1200.00",
}


@pytest.mark.parametrize(("folder", "name"), sorted(SAMPLE_PAYABLE))
def test_every_official_sample_captures_totals_that_add_up(folder, name):
    """Each sample's payable amount, and the EN16931 sums between the captured totals."""
    result = capture_document(shared_data("ehf", folder, name).read_bytes(), 10_000_000)
    assert result.invoice is not None
    totals = result.invoice.totals
    assert totals.payable == Decimal(SAMPLE_PAYABLE[(folder, name)])
    assert totals.tax_inclusive == totals.tax_exclusive + (totals.tax or 0)  # BR-CO-15
    assert totals.payable == totals.tax_inclusive - (totals.prepaid or 0) + (totals.rounding or 0)
    breakdown = result.invoice.vat_breakdown
    assert breakdown and sum((v.vat or 0) for v in breakdown) == (totals.tax or 0)  # BR-CO-14
