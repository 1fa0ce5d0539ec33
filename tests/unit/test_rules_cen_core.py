"""EN 16931 core rules (BR-01…BR-67, BR-CO-*, BR-DEC-*): a valid invoice, targeted breakages,
a credit note, and the official unit tests when ../shared/data is beside the clone."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from fakturaportal.demo import demo_invoice
from services.validation.rules import Layer, all_rules, validate_document
from services.validation.rules.engine import NS
from shared.schemas.events import Severity

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
CBC, CAC = NS["cbc"], NS["cac"]


def is_core(rule_id: str) -> bool:
    return rule_id.startswith(("BR-CO-", "BR-DEC-")) or (
        rule_id.startswith("BR-") and rule_id[3:5].isdigit()
    )


CORE = {rule_id for rule_id in all_rules() if is_core(rule_id)}


def findings(root: etree._Element) -> list[tuple[str, str | None]]:
    return [(f.rule_id, f.location) for f in validate_document(root, (Layer.CEN,), only=CORE)]


def invoice() -> etree._Element:
    lines = (("Kopipapir A4", Decimal("600.00")), ("Toner", Decimal("400.00")))
    return etree.fromstring(demo_invoice(1, lines=lines))


def credit_note() -> etree._Element:
    """The demo invoice rewritten as a CreditNote (the names that differ, nothing else)."""
    root = invoice()
    root.tag = f"{{{NS['cn']}}}CreditNote"
    renames = {
        "InvoiceTypeCode": "CreditNoteTypeCode",
        "InvoiceLine": "CreditNoteLine",
        "InvoicedQuantity": "CreditedQuantity",
    }
    for node in root.iter():
        if not isinstance(node.tag, str):
            continue
        name = etree.QName(node)
        if name.localname in renames:
            node.tag = f"{{{name.namespace}}}{renames[name.localname]}"
    first(root, "cbc:CreditNoteTypeCode").text = "381"
    return etree.fromstring(etree.tostring(root))


def first(root: etree._Element, path: str) -> etree._Element:
    found = root.xpath(path, namespaces=NS)
    assert isinstance(found, list) and found, path
    node = found[0]
    assert isinstance(node, etree._Element)
    return node


def remove(root: etree._Element, path: str) -> None:
    node = first(root, path)
    parent = node.getparent()
    assert parent is not None
    parent.remove(node)


def set_text(root: etree._Element, path: str, value: str) -> None:
    first(root, path).text = value


def add(
    parent: etree._Element, ns: str, name: str, text: str | None = None, index: int | None = None
) -> etree._Element:
    node = etree.Element(f"{{{ns}}}{name}")
    node.text = text
    if index is None:
        parent.append(node)
    else:
        parent.insert(index, node)
    return node


def add_document_allowance(
    root: etree._Element, amount: str, *, charge: bool = False, reason: bool = True
) -> etree._Element:
    ac = add(root, CAC, "AllowanceCharge", index=root.index(first(root, "cac:TaxTotal")))
    add(ac, CBC, "ChargeIndicator", "true" if charge else "false")
    if reason:
        add(ac, CBC, "AllowanceChargeReason", "Rabatt")
    add(ac, CBC, "Amount", amount)
    category = add(ac, CAC, "TaxCategory")
    add(category, CBC, "ID", "S")
    add(category, CBC, "Percent", "25")
    add(add(category, CAC, "TaxScheme"), CBC, "ID", "VAT")
    return ac


def set_vat(root: etree._Element, vat: str) -> None:
    """Change the VAT amount everywhere it is repeated so only BR-CO-17 can object."""
    set_text(root, "cac:TaxTotal/cbc:TaxAmount", vat)
    set_text(root, "cac:TaxTotal/cac:TaxSubtotal/cbc:TaxAmount", vat)
    total = str(Decimal("1000.00") + Decimal(vat))
    set_text(root, "cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount", total)
    set_text(root, "cac:LegalMonetaryTotal/cbc:PayableAmount", total)


TOTALS = "/Invoice/cac:LegalMonetaryTotal[1]"
SELLER = "/Invoice/cac:AccountingSupplierParty[1]/cac:Party[1]"


# --------------------------------------------------------------------------------------------
# Registry
# --------------------------------------------------------------------------------------------


def test_the_core_rules_are_registered_with_words_and_flags() -> None:
    specs = {rule_id: spec for rule_id, spec in all_rules().items() if is_core(rule_id)}
    assert {"BR-01", "BR-65", "BR-CO-03", "BR-CO-26", "BR-DEC-01", "BR-DEC-28"} <= set(specs)
    assert not {"BR-34", "BR-35", "BR-CO-01", "BR-CO-05", "BR-DEC-03"} & set(specs)
    assert len(specs) == 101
    for spec in specs.values():
        assert spec.layer is Layer.CEN
        assert spec.message_en.strip() and spec.message_nb.strip()
        assert spec.flag is (Severity.WARNING if spec.id == "BR-51" else Severity.FATAL)


def test_a_valid_invoice_and_credit_note_have_no_core_findings() -> None:
    assert findings(invoice()) == []
    assert findings(credit_note()) == []


# --------------------------------------------------------------------------------------------
# BR-01 … BR-16: mandatory document elements
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "rule_id"),
    [
        ("cbc:CustomizationID", "BR-01"),
        ("cbc:ID", "BR-02"),
        ("cbc:IssueDate", "BR-03"),
        ("cbc:InvoiceTypeCode", "BR-04"),
        ("cbc:DocumentCurrencyCode", "BR-05"),
        (
            "cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName",
            "BR-06",
        ),
        (
            "cac:AccountingCustomerParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName",
            "BR-07",
        ),
        ("cac:AccountingSupplierParty/cac:Party/cac:PostalAddress", "BR-08"),
        ("cac:AccountingCustomerParty/cac:Party/cac:PostalAddress", "BR-10"),
    ],
)
def test_missing_document_element_is_reported_on_the_document(path: str, rule_id: str) -> None:
    root = invoice()
    remove(root, path)
    assert findings(root) == [(rule_id, "/Invoice")]


def test_a_blank_invoice_number_counts_as_missing() -> None:
    root = invoice()
    set_text(root, "cbc:ID", "   ")
    assert findings(root) == [("BR-02", "/Invoice")]


def test_country_codes_are_reported_on_the_postal_address() -> None:
    root = invoice()
    remove(root, "cac:AccountingSupplierParty/cac:Party/cac:PostalAddress/cac:Country")
    set_text(
        root,
        "cac:AccountingCustomerParty/cac:Party/cac:PostalAddress/cac:Country/"
        "cbc:IdentificationCode",
        "",
    )
    assert findings(root) == [
        ("BR-09", f"{SELLER}/cac:PostalAddress[1]"),
        ("BR-11", "/Invoice/cac:AccountingCustomerParty[1]/cac:Party[1]/cac:PostalAddress[1]"),
    ]


@pytest.mark.parametrize(
    ("element", "rule_id"),
    [
        ("LineExtensionAmount", "BR-12"),
        ("TaxExclusiveAmount", "BR-13"),
        ("TaxInclusiveAmount", "BR-14"),
        ("PayableAmount", "BR-15"),
    ],
)
def test_missing_totals_are_reported_on_the_monetary_total(element: str, rule_id: str) -> None:
    root = invoice()
    remove(root, f"cac:LegalMonetaryTotal/cbc:{element}")
    # The sums that need the missing amount fail too, as in the official validator.
    assert (rule_id, TOTALS) in findings(root)


def test_no_lines_is_br_16() -> None:
    root = invoice()
    for line in root.findall(f"{{{CAC}}}InvoiceLine"):
        root.remove(line)
    for amount in ("LineExtensionAmount", "TaxExclusiveAmount"):
        set_text(root, f"cac:LegalMonetaryTotal/cbc:{amount}", "0.00")
    for path in (
        "cac:TaxTotal/cbc:TaxAmount",
        "cac:TaxTotal/cac:TaxSubtotal/cbc:TaxAmount",
        "cac:TaxTotal/cac:TaxSubtotal/cbc:TaxableAmount",
        "cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount",
        "cac:LegalMonetaryTotal/cbc:PayableAmount",
    ):
        set_text(root, path, "0.00")
    assert findings(root) == [("BR-16", "/Invoice")]


# --------------------------------------------------------------------------------------------
# Lines: BR-21 … BR-28, BR-CO-04, BR-64, BR-65
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "rule_id"),
    [
        ("cbc:ID", "BR-21"),
        ("cbc:InvoicedQuantity/@unitCode", "BR-23"),
        ("cac:Item/cbc:Name", "BR-25"),
        ("cac:Item/cac:ClassifiedTaxCategory", "BR-CO-04"),
    ],
)
def test_line_rules_point_at_the_line(path: str, rule_id: str) -> None:
    root = invoice()
    line = first(root, "cac:InvoiceLine[2]")
    if path.endswith("@unitCode"):
        del first(line, "cbc:InvoicedQuantity").attrib["unitCode"]
    else:
        remove(line, path)
    assert findings(root) == [(rule_id, "/Invoice/cac:InvoiceLine[2]")]


def test_missing_quantity_is_br_22_and_its_unit_code_br_23() -> None:
    root = invoice()
    remove(root, "cac:InvoiceLine[2]/cbc:InvoicedQuantity")
    line = "/Invoice/cac:InvoiceLine[2]"
    assert findings(root) == [("BR-22", line), ("BR-23", line)]


def test_missing_line_net_amount_is_br_24_and_the_line_sum_no_longer_adds_up() -> None:
    root = invoice()
    remove(root, "cac:InvoiceLine[2]/cbc:LineExtensionAmount")
    assert findings(root) == [("BR-24", "/Invoice/cac:InvoiceLine[2]"), ("BR-CO-10", TOTALS)]


def test_net_price_missing_or_negative() -> None:
    root = invoice()
    remove(root, "cac:InvoiceLine[1]/cac:Price/cbc:PriceAmount")
    set_text(root, "cac:InvoiceLine[2]/cac:Price/cbc:PriceAmount", "-400.00")
    # A missing price fails BR-27's comparison too, exactly as the official binding does.
    assert findings(root) == [
        ("BR-26", "/Invoice/cac:InvoiceLine[1]"),
        ("BR-27", "/Invoice/cac:InvoiceLine[1]"),
        ("BR-27", "/Invoice/cac:InvoiceLine[2]"),
    ]


def test_negative_gross_price_is_br_28_and_an_unreadable_price_is_left_to_syntax_rules() -> None:
    root = invoice()
    price = first(root, "cac:InvoiceLine[1]/cac:Price")
    ac = add(price, CAC, "AllowanceCharge")
    add(ac, CBC, "ChargeIndicator", "false")
    add(ac, CBC, "Amount", "0.00")
    add(ac, CBC, "BaseAmount", "-600.00")
    set_text(root, "cac:InvoiceLine[2]/cac:Price/cbc:PriceAmount", "fire hundre")
    assert findings(root) == [("BR-28", "/Invoice/cac:InvoiceLine[1]")]


def test_item_identifiers_need_their_scheme() -> None:
    root = invoice()
    item = first(root, "cac:InvoiceLine[1]/cac:Item")
    add(add(item, CAC, "StandardItemIdentification"), CBC, "ID", "7300010000001")
    add(add(item, CAC, "CommodityClassification"), CBC, "ItemClassificationCode", "44121618")
    item_path = "/Invoice/cac:InvoiceLine[1]/cac:Item[1]"
    assert findings(root) == [
        ("BR-64", f"{item_path}/cac:StandardItemIdentification[1]/cbc:ID[1]"),
        ("BR-65", f"{item_path}/cac:CommodityClassification[1]/cbc:ItemClassificationCode[1]"),
    ]


# --------------------------------------------------------------------------------------------
# Periods, allowances and charges
# --------------------------------------------------------------------------------------------


def test_periods() -> None:
    root = invoice()
    period = add(
        root, CAC, "InvoicePeriod", index=root.index(first(root, "cac:AccountingSupplierParty"))
    )
    add(period, CBC, "StartDate", "2026-02-01")
    add(period, CBC, "EndDate", "2026-01-31")
    line = first(root, "cac:InvoiceLine[2]")
    add(line, CAC, "InvoicePeriod", index=line.index(first(line, "cac:Item")))
    assert findings(root) == [
        ("BR-29", "/Invoice/cac:InvoicePeriod[1]"),
        ("BR-CO-20", "/Invoice/cac:InvoiceLine[2]/cac:InvoicePeriod[1]"),
    ]


def test_empty_invoicing_period_is_br_co_19_and_tax_point_date_excludes_its_code() -> None:
    root = invoice()
    period = add(
        root, CAC, "InvoicePeriod", index=root.index(first(root, "cac:AccountingSupplierParty"))
    )
    assert findings(root) == [("BR-CO-19", "/Invoice/cac:InvoicePeriod[1]")]
    add(period, CBC, "DescriptionCode", "35")
    add(
        root,
        CBC,
        "TaxPointDate",
        "2026-01-31",
        index=root.index(first(root, "cbc:DocumentCurrencyCode")),
    )
    assert findings(root) == [("BR-CO-03", "/Invoice")]


def test_document_allowance_without_reason_or_category_and_sum_missing() -> None:
    root = invoice()
    ac = add_document_allowance(root, "100.00", reason=False)
    remove(ac, "cac:TaxCategory/cbc:ID")
    assert findings(root) == [
        ("BR-32", "/Invoice/cac:AllowanceCharge[1]"),
        ("BR-33", "/Invoice/cac:AllowanceCharge[1]"),
        ("BR-CO-11", TOTALS),  # allowances present but no BT-107
        ("BR-CO-21", "/Invoice/cac:AllowanceCharge[1]"),
    ]


def test_document_charge_totals_add_up() -> None:
    root = invoice()
    add_document_allowance(root, "100.00", charge=True)
    totals = first(root, "cac:LegalMonetaryTotal")
    add(totals, CBC, "ChargeTotalAmount", "100.00", index=2)
    set_text(root, "cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount", "1100.00")
    set_text(root, "cac:TaxTotal/cac:TaxSubtotal/cbc:TaxableAmount", "1100.00")
    set_vat(root, "275.00")
    set_text(root, "cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount", "1375.00")
    set_text(root, "cac:LegalMonetaryTotal/cbc:PayableAmount", "1375.00")
    assert findings(root) == []
    set_text(root, "cac:LegalMonetaryTotal/cbc:ChargeTotalAmount", "99.00")
    assert findings(root) == [("BR-CO-12", TOTALS), ("BR-CO-13", TOTALS)]


def test_line_charge_without_amount_or_reason() -> None:
    root = invoice()
    line = first(root, "cac:InvoiceLine[1]")
    ac = add(line, CAC, "AllowanceCharge", index=line.index(first(line, "cac:Item")))
    add(ac, CBC, "ChargeIndicator", "true")
    where = "/Invoice/cac:InvoiceLine[1]/cac:AllowanceCharge[1]"
    assert findings(root) == [("BR-43", where), ("BR-44", where), ("BR-CO-24", where)]


# --------------------------------------------------------------------------------------------
# Arithmetic: BR-CO-10 … BR-CO-17
# --------------------------------------------------------------------------------------------


def test_line_sum_must_equal_bt_106() -> None:
    root = invoice()
    set_text(root, "cac:InvoiceLine[2]/cbc:LineExtensionAmount", "400.01")
    assert findings(root) == [("BR-CO-10", TOTALS)]


def test_total_without_vat() -> None:
    root = invoice()
    set_text(root, "cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount", "999.00")
    set_text(root, "cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount", "1249.00")
    set_text(root, "cac:LegalMonetaryTotal/cbc:PayableAmount", "1249.00")
    assert findings(root) == [("BR-CO-13", TOTALS)]


def test_vat_total_must_be_the_sum_of_the_breakdown() -> None:
    root = invoice()
    set_text(root, "cac:TaxTotal/cbc:TaxAmount", "250.01")
    assert findings(root) == [("BR-CO-14", "/Invoice/cac:TaxTotal[1]"), ("BR-CO-15", "/Invoice")]


def test_total_with_vat_is_exact() -> None:
    root = invoice()
    set_text(root, "cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount", "1250.01")
    set_text(root, "cac:LegalMonetaryTotal/cbc:PayableAmount", "1250.01")
    assert findings(root) == [("BR-CO-15", "/Invoice")]


def test_br_co_15_uses_the_vat_total_in_the_document_currency() -> None:
    root = invoice()
    accounting = add(root, CAC, "TaxTotal", index=root.index(first(root, "cac:TaxTotal")) + 1)
    add(accounting, CBC, "TaxAmount", "22.41").set("currencyID", "EUR")
    add(
        root,
        CBC,
        "TaxCurrencyCode",
        "EUR",
        index=root.index(first(root, "cbc:DocumentCurrencyCode")) + 1,
    )
    assert findings(root) == []
    first(root, "cac:TaxTotal[2]/cbc:TaxAmount").set("currencyID", "NOK")  # two NOK VAT totals
    assert ("BR-CO-15", "/Invoice") in findings(root)
    assert ("BR-53", "/Invoice") in findings(root)  # and none in the accounting currency


@pytest.mark.parametrize(
    ("prepaid", "rounding", "payable", "ok"),
    [
        (None, None, "1250.00", True),
        ("250.00", None, "1000.00", True),
        ("250.00", None, "1250.00", False),
        (None, "0.40", "1250.40", True),
        ("250.00", "-0.30", "999.70", True),
        (None, None, "1249.99", False),
    ],
)
def test_amount_due(prepaid: str | None, rounding: str | None, payable: str, ok: bool) -> None:
    root = invoice()
    totals = first(root, "cac:LegalMonetaryTotal")
    before_payable = totals.index(first(totals, "cbc:PayableAmount"))
    if rounding is not None:
        add(totals, CBC, "PayableRoundingAmount", rounding, index=before_payable)
    if prepaid is not None:
        add(totals, CBC, "PrepaidAmount", prepaid, index=before_payable)
    set_text(root, "cac:LegalMonetaryTotal/cbc:PayableAmount", payable)
    assert findings(root) == ([] if ok else [("BR-CO-16", TOTALS)])


@pytest.mark.parametrize(
    ("vat", "ok"),
    [("250.00", True), ("250.99", True), ("249.01", True), ("251.00", False), ("249.00", False)],
)
def test_vat_category_amount_allows_less_than_one_unit_of_difference(vat: str, ok: bool) -> None:
    root = invoice()
    set_vat(root, vat)
    subtotal = "/Invoice/cac:TaxTotal[1]/cac:TaxSubtotal[1]"
    assert findings(root) == ([] if ok else [("BR-CO-17", subtotal)])


def test_vat_category_amount_with_a_zero_rate_must_round_to_zero() -> None:
    root = invoice()
    for path in (
        "cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory/cbc:Percent",
        "cac:InvoiceLine/cac:Item/cac:ClassifiedTaxCategory/cbc:Percent",
    ):
        set_text(root, path, "0")
    set_vat(root, "0.49")
    assert findings(root) == []
    set_vat(root, "0.50")
    assert findings(root) == [("BR-CO-17", "/Invoice/cac:TaxTotal[1]/cac:TaxSubtotal[1]")]


def test_credit_note_with_negative_amounts_adds_up() -> None:
    root = credit_note()
    for path in ("cac:CreditNoteLine[1]/cbc:LineExtensionAmount",):
        set_text(root, path, "-600.00")
    set_text(root, "cac:CreditNoteLine[1]/cac:Price/cbc:PriceAmount", "600.00")
    for path, value in (
        ("cbc:LineExtensionAmount", "-200.00"),
        ("cbc:TaxExclusiveAmount", "-200.00"),
        ("cbc:TaxInclusiveAmount", "-250.00"),
        ("cbc:PayableAmount", "-250.00"),
    ):
        set_text(root, f"cac:LegalMonetaryTotal/{path}", value)
    set_text(root, "cac:TaxTotal/cac:TaxSubtotal/cbc:TaxableAmount", "-200.00")
    set_text(root, "cac:TaxTotal/cbc:TaxAmount", "-50.00")
    set_text(root, "cac:TaxTotal/cac:TaxSubtotal/cbc:TaxAmount", "-50.00")
    assert findings(root) == []


# --------------------------------------------------------------------------------------------
# BR-DEC-*
# --------------------------------------------------------------------------------------------


def test_three_decimals_are_reported_per_amount() -> None:
    root = invoice()
    set_text(root, "cac:InvoiceLine[1]/cbc:LineExtensionAmount", "600.001")  # still sums to 1000.00
    set_text(root, "cac:LegalMonetaryTotal/cbc:PayableAmount", "1250.000")
    set_text(root, "cac:TaxTotal/cbc:TaxAmount", "250.000")
    set_text(root, "cac:TaxTotal/cac:TaxSubtotal/cbc:TaxableAmount", "1000.000")
    assert findings(root) == [
        ("BR-DEC-13", "/Invoice"),
        ("BR-DEC-18", TOTALS),
        ("BR-DEC-19", "/Invoice/cac:TaxTotal[1]/cac:TaxSubtotal[1]"),
        ("BR-DEC-23", "/Invoice/cac:InvoiceLine[1]"),
    ]


def test_document_allowance_with_three_decimals() -> None:
    root = invoice()
    ac = add_document_allowance(root, "0.005")
    add(ac, CBC, "BaseAmount", "1000.0")
    add(first(root, "cac:LegalMonetaryTotal"), CBC, "AllowanceTotalAmount", "0.01", index=2)
    # BT-107 = round(0.005, 2) = 0.01, so only the decimals are wrong.
    set_text(root, "cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount", "999.99")
    set_text(root, "cac:TaxTotal/cac:TaxSubtotal/cbc:TaxableAmount", "999.99")
    set_text(root, "cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount", "1249.99")
    set_text(root, "cac:LegalMonetaryTotal/cbc:PayableAmount", "1249.99")
    assert findings(root) == [("BR-DEC-01", "/Invoice/cac:AllowanceCharge[1]")]


# --------------------------------------------------------------------------------------------
# Conditions: BR-CO-09, BR-CO-18, BR-CO-25, BR-CO-26, payment and parties
# --------------------------------------------------------------------------------------------


def test_vat_identifier_needs_a_country_prefix_but_other_tax_schemes_do_not() -> None:
    root = invoice()
    set_text(
        root,
        "cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme[1]/cbc:CompanyID",
        "974760673MVA",
    )
    assert findings(root) == [("BR-CO-09", f"{SELLER}/cac:PartyTaxScheme[1]")]


def test_no_vat_breakdown_is_br_co_18() -> None:
    root = invoice()
    remove(root, "cac:TaxTotal/cac:TaxSubtotal")
    assert findings(root) == [("BR-CO-18", "/Invoice")]


def test_positive_amount_due_needs_due_date_or_terms_on_invoices_only() -> None:
    root = invoice()
    remove(root, "cbc:DueDate")
    assert findings(root) == [("BR-CO-25", f"{TOTALS}/cbc:PayableAmount[1]")]
    terms = add(root, CAC, "PaymentTerms", index=root.index(first(root, "cac:TaxTotal")))
    add(terms, CBC, "Note", "14 dager netto")
    assert findings(root) == []
    note = credit_note()
    remove(note, "cbc:DueDate")
    assert findings(note) == []


def test_seller_must_be_identifiable() -> None:
    root = invoice()
    party = first(root, "cac:AccountingSupplierParty/cac:Party")
    remove(party, "cac:PartyLegalEntity/cbc:CompanyID")
    remove(party, "cac:PartyTaxScheme[1]")
    assert findings(root) == [("BR-CO-26", "/Invoice/cac:AccountingSupplierParty[1]")]


def test_credit_transfer_needs_an_account() -> None:
    root = invoice()
    set_text(root, "cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID", " ")
    assert findings(root) == [
        ("BR-50", "/Invoice/cac:PaymentMeans[1]/cac:PayeeFinancialAccount[1]")
    ]
    remove(root, "cac:PaymentMeans/cac:PayeeFinancialAccount")
    assert findings(root) == [("BR-61", "/Invoice/cac:PaymentMeans[1]")]
    remove(root, "cac:PaymentMeans/cbc:PaymentMeansCode")
    assert findings(root) == [("BR-49", "/Invoice/cac:PaymentMeans[1]")]


def test_full_card_number_is_only_a_warning() -> None:
    root = invoice()
    card = add(first(root, "cac:PaymentMeans"), CAC, "CardAccount")
    add(card, CBC, "PrimaryAccountNumberID", "4111111111111111")
    (finding,) = validate_document(root, (Layer.CEN,), only=CORE)
    assert (finding.rule_id, finding.flag) == ("BR-51", Severity.WARNING)
    assert (
        finding.location
        == "/Invoice/cac:PaymentMeans[1]/cac:CardAccount[1]/cbc:PrimaryAccountNumberID[1]"
    )
    first(card, "cbc:PrimaryAccountNumberID").text = "****1111"
    assert findings(root) == []


def test_payee_that_is_the_seller_or_has_no_name() -> None:
    root = invoice()
    payee = add(root, CAC, "PayeeParty", index=root.index(first(root, "cac:PaymentMeans")))
    assert findings(root) == [("BR-17", "/Invoice/cac:PayeeParty[1]")]
    add(add(payee, CAC, "PartyName"), CBC, "Name", "Factoring AS")
    assert findings(root) == []


def test_tax_representative_needs_name_address_country_and_vat_number() -> None:
    root = invoice()
    rep = add(
        root, CAC, "TaxRepresentativeParty", index=root.index(first(root, "cac:PaymentMeans"))
    )
    where = "/Invoice/cac:TaxRepresentativeParty[1]"
    assert findings(root) == [("BR-18", where), ("BR-19", where), ("BR-56", where)]
    add(add(rep, CAC, "PartyName"), CBC, "Name", "Skatterepresentant AS")
    add(rep, CAC, "PostalAddress")
    scheme = add(rep, CAC, "PartyTaxScheme")
    add(scheme, CBC, "CompanyID", "SE556677889901")
    add(add(scheme, CAC, "TaxScheme"), CBC, "ID", "VAT")
    assert findings(root) == [("BR-20", f"{where}/cac:PostalAddress[1]")]


# --------------------------------------------------------------------------------------------
# CreditNote names
# --------------------------------------------------------------------------------------------


def test_credit_note_line_rules_use_credit_note_names() -> None:
    root = credit_note()
    del first(root, "cac:CreditNoteLine[1]/cbc:CreditedQuantity").attrib["unitCode"]
    set_text(root, "cac:CreditNoteLine[2]/cbc:LineExtensionAmount", "400.01")
    remove(root, "cbc:CreditNoteTypeCode")
    assert findings(root) == [
        ("BR-04", "/CreditNote"),
        ("BR-23", "/CreditNote/cac:CreditNoteLine[1]"),
        ("BR-CO-10", "/CreditNote/cac:LegalMonetaryTotal[1]"),
    ]


# --------------------------------------------------------------------------------------------
# The official unit tests
# --------------------------------------------------------------------------------------------


def test_official_rule_tests_agree() -> None:
    if not (SHARED_DATA / "rule-tests").is_dir():
        pytest.skip("../shared/data not present (the official rule tests live beside the clone)")
    from bench.rule_tests import all_cases, run_case

    checked, disagreements = 0, {}
    for case in all_cases(SHARED_DATA):
        if not any(is_core(rule_id) for rule_id in case.scope):
            continue
        checked += 1
        problems = run_case(case)
        if problems:
            disagreements[case.name] = problems
    assert checked > 400
    assert disagreements == {}
