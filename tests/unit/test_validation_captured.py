"""Checks for PDF- and OCR-captured invoices: § 5-1-1 contents, arithmetic, check digits."""

from decimal import Decimal

import pytest

from services.validation.captured import check_captured
from shared.schemas.invoice import CanonicalInvoice, Party, Totals


def complete(**changes) -> CanonicalInvoice:
    base = CanonicalInvoice(
        number="770031",
        issue_date="2026-11-20",
        due_date="2026-12-04",
        currency="NOK",
        seller=Party(name="Kontorrekvisita Nord AS", legal_id="974760673", vat_id="NO974760673MVA"),
        payment_id="000000018",
        payment_account="15030100007",
        totals=Totals(
            tax_exclusive=Decimal("1000.00"),
            tax=Decimal("250.00"),
            tax_inclusive=Decimal("1250.00"),
            payable=Decimal("1250.00"),
        ),
    )
    return base.model_copy(update=changes)


def ids(invoice: CanonicalInvoice) -> set[str]:
    return {f.rule_id for f in check_captured(invoice)}


def test_a_complete_invoice_passes():
    assert check_captured(complete()) == []


@pytest.mark.parametrize(
    ("changes", "rule"),
    [
        ({"number": None}, "NO-BF-01"),
        ({"issue_date": None}, "NO-BF-02"),
        ({"seller": Party(legal_id="974760673")}, "NO-BF-03"),
        ({"seller": Party(name="X AS")}, "NO-BF-04"),
        ({"totals": Totals(tax_exclusive=Decimal(1000), payable=Decimal(1000))}, "NO-BF-05"),
        ({"totals": Totals()}, "NO-BF-06"),
        ({"due_date": None}, "NO-BF-07"),
        (
            {
                "totals": Totals(
                    tax_exclusive=Decimal(1000),
                    tax=Decimal(250),
                    tax_inclusive=Decimal(1300),
                    payable=Decimal(1300),
                )
            },
            "FP-AR-01",
        ),
        ({"seller": Party(name="X", legal_id="974760674")}, "FP-CD-01"),
        ({"seller": Party(name="X", legal_id="974760673", vat_id="NO974760674MVA")}, "FP-CD-02"),
        ({"payment_id": "000000017"}, "FP-CD-03"),
        ({"payment_account": "15030100008"}, "FP-CD-04"),
        ({"payment_account": "NO9386011117948"}, "FP-CD-04"),
    ],
)
def test_each_missing_field_or_wrong_digit_is_named(changes, rule):
    assert rule in ids(complete(**changes))


def test_due_date_is_a_warning_and_rounding_of_two_ore_is_accepted():
    [finding] = check_captured(complete(due_date=None))
    assert finding.flag.value == "warning"
    rounded = Totals(
        tax_exclusive=Decimal("1000.01"),
        tax=Decimal("250.00"),
        tax_inclusive=Decimal("1250.00"),
        payable=Decimal("1250.00"),
    )
    assert check_captured(complete(totals=rounded)) == []


def test_iban_and_foreign_vat_ids_are_accepted():
    foreign = Party(name="Supplier GmbH", vat_id="DE123456789")
    assert check_captured(complete(seller=foreign, payment_account="NO9386011117947")) == []
