"""The NOK rate an invoice in another currency states itself (BT-111 / BT-110): amount limits
are in NOK, so approval routes on it."""

from decimal import Decimal

from fakturaportal.demo import demo_invoice
from services.intake.ehf import capture
from shared.nok import nok_rate
from shared.schemas.invoice import CanonicalInvoice, Totals
from shared.xmlsafe import parse_untrusted


def test_a_nok_invoice_is_one_to_one() -> None:
    invoice = capture(parse_untrusted(demo_invoice(1)))
    assert invoice.tax_currency is None and invoice.totals.tax_in_tax_currency is None
    assert nok_rate(invoice) == Decimal(1)


def test_an_ehf_in_euro_states_its_vat_in_nok() -> None:
    xml = demo_invoice(
        2, lines=(("Konsulent", Decimal("800.00")),), currency="EUR", nok_rate=Decimal("11.5")
    )
    invoice = capture(parse_untrusted(xml))

    assert (invoice.currency, invoice.tax_currency) == ("EUR", "NOK")
    assert invoice.totals.tax == Decimal("200.00")
    assert invoice.totals.tax_in_tax_currency == Decimal("2300.00")
    assert {"BT-6", "BT-111"} <= set(invoice.provenance)
    assert nok_rate(invoice) == Decimal("11.500000")


def foreign(tax: str | None, in_nok: str | None, tax_currency: str | None) -> CanonicalInvoice:
    return CanonicalInvoice(
        currency="SEK",
        tax_currency=tax_currency,
        totals=Totals(
            tax=Decimal(tax) if tax else None,
            tax_in_tax_currency=Decimal(in_nok) if in_nok else None,
        ),
    )


def test_the_rate_is_the_vat_in_nok_over_the_vat() -> None:
    assert nok_rate(foreign("1000.00", "987.65", "NOK")) == Decimal("0.987650")


def test_no_rate_when_the_invoice_does_not_say() -> None:
    assert nok_rate(foreign("1000.00", None, None)) is None
    assert nok_rate(foreign("1000.00", "95.00", "EUR")) is None  # VAT accounted in euro
    assert nok_rate(foreign("0.00", "0.00", "NOK")) is None  # zero VAT: nothing to divide
    assert nok_rate(foreign(None, "100.00", "NOK")) is None
