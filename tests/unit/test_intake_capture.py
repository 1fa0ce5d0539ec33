from decimal import Decimal

import pytest

from fakturaportal.demo import demo_invoice
from services.intake.ehf import NotUblInvoice, capture, document_kind
from shared.schemas.invoice import DocumentKind
from shared.xmlsafe import UnsafeOrInvalidXml, parse_untrusted
from tests.conftest import shared_data


def test_demo_invoice_is_captured_with_header_fields_and_provenance():
    invoice = capture(parse_untrusted(demo_invoice(7)))
    assert invoice.number == "DEMO-7"
    assert invoice.currency == "NOK"
    assert invoice.seller.legal_id == "974760673"
    assert invoice.seller.vat_id == "NO974760673MVA"
    assert invoice.totals.payable == Decimal("1250.00")
    assert invoice.totals.tax == Decimal("250.00")
    assert invoice.payment_account == "15030100007"
    assert len(invoice.lines) == 1 and invoice.lines[0].vat_rate == Decimal("25")
    assert invoice.provenance["BT-1"].confidence == 1.0


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"%PDF-1.7 not xml", "not XML"),
        (b"<Invoice><unclosed></Invoice>", "not well-formed"),
        (b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>', "DOCTYPE"),
        (b'<!DOCTYPE x SYSTEM "file:///etc/passwd"><x/>', "DOCTYPE"),
    ],
)
def test_hostile_or_broken_xml_is_refused_with_a_reason(data, reason):
    with pytest.raises(UnsafeOrInvalidXml, match=reason):
        parse_untrusted(data)


def test_oversized_xml_is_refused_before_parsing():
    with pytest.raises(UnsafeOrInvalidXml, match="limit"):
        parse_untrusted(b"<a>" + b"x" * 200 + b"</a>", max_bytes=100)


def test_other_xml_is_not_an_invoice():
    with pytest.raises(NotUblInvoice, match="not a UBL"):
        document_kind(parse_untrusted(b"<Order xmlns='urn:x'/>"))


def test_official_norwegian_example_is_captured():
    root = parse_untrusted(
        shared_data("ehf", "national-NO", "Norwegian-example-1.xml").read_bytes()
    )
    invoice = capture(root)
    assert invoice.number == "TOSL108"
    assert invoice.seller.endpoint_scheme == "0192"
    assert invoice.totals.payable == Decimal("802.00")
    assert invoice.totals.prepaid == Decimal("1000")


def test_official_credit_note_is_captured_as_credit_note():
    path = shared_data("ehf", "peppol-examples", "base-creditnote-correction.xml")
    invoice = capture(parse_untrusted(path.read_bytes()))
    assert invoice.kind is DocumentKind.CREDIT_NOTE
    assert invoice.type_code == "381"
    assert invoice.preceding_invoice == "Snippet1"
