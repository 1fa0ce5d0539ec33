from fakturaportal.demo import demo_invoice
from services.intake.ehf import capture
from services.validation.domain import check_invoice, is_fatal
from shared.schemas.invoice import CanonicalInvoice, Totals
from shared.xmlsafe import parse_untrusted


def test_complete_invoice_has_no_findings():
    assert check_invoice(capture(parse_untrusted(demo_invoice(1)))) == []


def test_missing_header_fields_are_fatal_with_official_rule_ids():
    findings = check_invoice(CanonicalInvoice(totals=Totals(payable=100)))
    ids = {f.rule_id for f in findings}
    assert {
        "BR-01",
        "BR-02",
        "BR-03",
        "BR-05",
        "BR-06",
        "BR-07",
        "BR-16",
        "PEPPOL-EN16931-R001",
    } <= ids
    assert "BR-CO-25" in ids  # positive amount due without due date or terms
    assert is_fatal(findings)
    assert all(f.message_nb and f.message_en and f.location for f in findings)


def test_payment_terms_satisfy_br_co_25():
    invoice = capture(parse_untrusted(demo_invoice(1))).model_copy(
        update={"due_date": None, "payment_terms": "30 dager netto"}
    )
    assert check_invoice(invoice) == []
