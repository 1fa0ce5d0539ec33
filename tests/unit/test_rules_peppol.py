"""Peppol BIS Billing 3.0 base rules and the Norwegian national rules (NO-R-*).

A valid EHF invoice has no findings; each targeted mutation gives exactly the rule it breaks.
The last test runs the official Peppol/NO unit tests when ../shared/data is present.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from lxml import etree

from fakturaportal.demo import demo_invoice
from services.validation.rules import engine
from services.validation.rules.engine import NS, Layer, validate_document
from services.validation.rules.norway import supplier_country, valid_norwegian_vat_id
from services.validation.rules.peppol import (
    valid_abn,
    valid_belgian_enterprise,
    valid_codice_fiscale,
    valid_danish_cvr,
    valid_gln,
    valid_ipa_code,
    valid_partita_iva,
    valid_swedish_orgnr,
)
from shared.schemas.events import Severity

OUR_MODULES = ("services.validation.rules.peppol", "services.validation.rules.norway")
LAYERS = (Layer.PEPPOL, Layer.NO)
CBC, CAC = NS["cbc"], NS["cac"]
SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"


@pytest.fixture(autouse=True)
def _only_our_rule_modules(monkeypatch: pytest.MonkeyPatch) -> None:
    # The CEN modules are written by others; these tests judge the Peppol and NO layers only.
    monkeypatch.setattr(engine, "RULE_MODULES", OUR_MODULES)


def findings(root: etree._Element) -> list[tuple[str, Severity]]:
    return [(f.rule_id, f.flag) for f in validate_document(root, LAYERS)]


def ids(root: etree._Element) -> list[str]:
    return [rule_id for rule_id, _ in findings(root)]


def one(root: etree._Element, path: str) -> etree._Element:
    found = root.xpath(path, namespaces=NS)
    assert isinstance(found, list) and len(found) == 1, path
    node = found[0]
    assert isinstance(node, etree._Element)
    return node


def elements(root: etree._Element, path: str) -> list[etree._Element]:
    found = root.xpath(path, namespaces=NS)
    assert isinstance(found, list)
    return [node for node in found if isinstance(node, etree._Element)]


def add_tax_scheme(party: etree._Element, company_id: str, scheme: str) -> None:
    tax_scheme = etree.SubElement(party, f"{{{CAC}}}PartyTaxScheme")
    etree.SubElement(tax_scheme, f"{{{CBC}}}CompanyID").text = company_id
    etree.SubElement(
        etree.SubElement(tax_scheme, f"{{{CAC}}}TaxScheme"), f"{{{CBC}}}ID"
    ).text = scheme


SUPPLIER = "cac:AccountingSupplierParty/cac:Party"
VAT_SCHEME = "cac:PartyTaxScheme[cac:TaxScheme/cbc:ID = 'VAT']"


@pytest.fixture(scope="module")
def demo() -> etree._Element:
    return etree.fromstring(demo_invoice(1))


@pytest.fixture
def base(demo: etree._Element) -> etree._Element:
    """The demo invoice, with «Foretaksregisteret» as an AS must print it."""
    root = copy.deepcopy(demo)
    party = one(root, SUPPLIER)
    if not elements(party, "cac:PartyTaxScheme[cac:TaxScheme/cbc:ID = 'TAX']"):
        legal_entity = one(party, "cac:PartyLegalEntity")
        add_tax_scheme(party, "Foretaksregisteret", "TAX")
        party.append(legal_entity)  # keep the UBL order: PartyTaxScheme, then PartyLegalEntity
    return root


# --- the valid base --------------------------------------------------------------------------


def test_valid_base_has_no_findings(base: etree._Element) -> None:
    assert findings(base) == []


def test_demo_invoice_has_no_fatal_findings(demo: etree._Element) -> None:
    assert [f for f in findings(demo) if f[1] is Severity.FATAL] == []


def test_messages_in_both_languages() -> None:
    rules = engine.all_rules()
    ours = {k: v for k, v in rules.items() if v.layer in LAYERS}
    assert "PEPPOL-EN16931-R001" in ours and "NO-R-001" in ours
    for spec in ours.values():
        assert spec.message_en.strip() and spec.message_nb.strip(), spec.id
    assert ours["NO-R-002"].flag is Severity.WARNING
    assert ours["PEPPOL-COMMON-R044"].flag is Severity.WARNING
    assert ours["PEPPOL-COMMON-R040"].flag is Severity.FATAL


# --- document level --------------------------------------------------------------------------


def test_missing_profile_id(base: etree._Element) -> None:
    profile = one(base, "cbc:ProfileID")
    base.remove(profile)
    assert ids(base) == ["PEPPOL-EN16931-R001", "PEPPOL-EN16931-R007"]


def test_profile_in_wrong_format(base: etree._Element) -> None:
    one(base, "cbc:ProfileID").text = "urn:www.cenbii.eu:profile:bii05:ver2.0"
    assert ids(base) == ["PEPPOL-EN16931-R007"]


def test_wrong_customization_id(base: etree._Element) -> None:
    one(base, "cbc:CustomizationID").text = "urn:cen.eu:en16931:2017"
    assert ids(base) == ["PEPPOL-EN16931-R004"]


def test_no_buyer_reference_nor_order(base: etree._Element) -> None:
    base.remove(one(base, "cbc:BuyerReference"))
    assert ids(base) == ["PEPPOL-EN16931-R003"]


def test_empty_element(base: etree._Element) -> None:
    one(base, "cbc:BuyerReference").text = "  "
    assert ids(base) == ["PEPPOL-EN16931-R008"]


def test_missing_seller_endpoint(base: etree._Element) -> None:
    party = one(base, SUPPLIER)
    party.remove(one(party, "cbc:EndpointID"))
    assert ids(base) == ["PEPPOL-EN16931-R020"]


# --- currencies and amounts ------------------------------------------------------------------


def test_currency_mismatch(base: etree._Element) -> None:
    one(base, "cac:LegalMonetaryTotal/cbc:PayableAmount").set("currencyID", "EUR")
    assert ids(base) == ["PEPPOL-EN16931-R051"]


def test_subtotal_tax_amount_in_other_currency(base: etree._Element) -> None:
    one(base, "cac:TaxTotal/cac:TaxSubtotal/cbc:TaxAmount").set("currencyID", "SEK")
    assert ids(base) == ["PEPPOL-EN16931-R051"]


def test_unknown_currency_code(base: etree._Element) -> None:
    one(base, "cac:LegalMonetaryTotal/cbc:PayableAmount").set("currencyID", "NKR")
    assert ids(base) == ["PEPPOL-EN16931-CL007", "PEPPOL-EN16931-R051"]


def test_line_amount_does_not_match_quantity_times_price(base: etree._Element) -> None:
    one(base, "cac:InvoiceLine/cac:Price/cbc:PriceAmount").text = "999.00"
    assert ids(base) == ["PEPPOL-EN16931-R120"]


def test_line_amount_within_rounding_slack(base: etree._Element) -> None:
    one(base, "cac:InvoiceLine/cac:Price/cbc:PriceAmount").text = "1000.02"
    assert ids(base) == []


def test_direct_debit_without_mandate(base: etree._Element) -> None:
    one(base, "cac:PaymentMeans/cbc:PaymentMeansCode").text = "59"
    assert ids(base) == ["PEPPOL-EN16931-R061"]


# --- code lists and formats ------------------------------------------------------------------


def test_unknown_electronic_address_scheme(base: etree._Element) -> None:
    one(base, f"{SUPPLIER}/cbc:EndpointID").set("schemeID", "NO:ORGNR")
    assert ids(base) == ["PEPPOL-EN16931-CL008"]


def test_attachment_mime_type_not_allowed(base: etree._Element) -> None:
    reference = etree.Element(f"{{{CAC}}}AdditionalDocumentReference")
    etree.SubElement(reference, f"{{{CBC}}}ID").text = "Timeliste"
    attachment = etree.SubElement(reference, f"{{{CAC}}}Attachment")
    binary = etree.SubElement(attachment, f"{{{CBC}}}EmbeddedDocumentBinaryObject")
    binary.set("mimeCode", "application/zip")
    binary.set("filename", "timer.zip")
    binary.text = "UEsDBA=="
    one(base, "cac:AccountingSupplierParty").addprevious(reference)
    assert ids(base) == ["PEPPOL-EN16931-CL001"]
    binary.set("mimeCode", "application/pdf")
    assert ids(base) == []


def test_allowance_reason_code_not_in_uncl5189(base: etree._Element) -> None:
    charge = etree.Element(f"{{{CAC}}}AllowanceCharge")
    etree.SubElement(charge, f"{{{CBC}}}ChargeIndicator").text = "false"
    etree.SubElement(charge, f"{{{CBC}}}AllowanceChargeReasonCode").text = "FC"
    etree.SubElement(charge, f"{{{CBC}}}Amount", currencyID="NOK").text = "0.00"
    one(base, "cac:TaxTotal").addprevious(charge)
    assert ids(base) == ["PEPPOL-EN16931-CL002"]


def test_date_not_yyyy_mm_dd(base: etree._Element) -> None:
    one(base, "cbc:DueDate").text = "11.12.2026"
    assert ids(base) == ["PEPPOL-EN16931-F001"]


def test_invoice_type_code_not_for_profile(base: etree._Element) -> None:
    one(base, "cbc:InvoiceTypeCode").text = "381"
    assert ids(base) == ["PEPPOL-EN16931-P0100"]


def test_german_only_invoice_type(base: etree._Element) -> None:
    one(base, "cbc:InvoiceTypeCode").text = "384"
    assert ids(base) == ["PEPPOL-EN16931-P0112"]


def test_vatex_code_with_wrong_category(base: etree._Element) -> None:
    category = one(base, "cac:TaxTotal/cac:TaxSubtotal/cac:TaxCategory")
    reason = etree.Element(f"{{{CBC}}}TaxExemptionReasonCode")
    reason.text = "VATEX-EU-IC"
    one(category, "cbc:Percent").addnext(reason)
    assert ids(base) == ["PEPPOL-EN16931-P0106"]


# --- identifier schemes ----------------------------------------------------------------------


def test_orgnr_endpoint_with_bad_check_digit(base: etree._Element) -> None:
    one(base, f"{SUPPLIER}/cbc:EndpointID").text = "974760674"
    assert ids(base) == ["PEPPOL-COMMON-R041"]


def test_orgnr_endpoint_with_spaces(base: etree._Element) -> None:
    one(base, f"{SUPPLIER}/cbc:EndpointID").text = "974 760 673"
    assert ids(base) == ["PEPPOL-COMMON-R041"]


def test_gln_endpoint_with_bad_check_digit(base: etree._Element) -> None:
    endpoint = one(base, f"{SUPPLIER}/cbc:EndpointID")
    endpoint.set("schemeID", "0088")
    endpoint.text = "7080000000011"
    assert ids(base) == ["PEPPOL-COMMON-R040"]
    endpoint.text = "7080000000012"
    assert ids(base) == []


def test_ipa_code_is_only_a_warning(base: etree._Element) -> None:
    endpoint = one(base, "cac:AccountingCustomerParty/cac:Party/cbc:EndpointID")
    endpoint.set("schemeID", "0201")
    endpoint.text = "UF12"
    assert findings(base) == [("PEPPOL-COMMON-R044", Severity.WARNING)]


@pytest.mark.parametrize(
    ("check", "good", "bad"),
    [
        (valid_gln, "5790000435975", "5790000435976"),
        (valid_belgian_enterprise, "0403019261", "0403019262"),
        (valid_danish_cvr, "DK12345678", "DK1234567"),
        (valid_danish_cvr, "12345678", "DK 1234567"),
        (valid_ipa_code, "UFXYZ1", "UF-XY1"),
        (valid_codice_fiscale, "RSSMRA85T10A562S", "RSSMRA85T10A56"),
        (valid_codice_fiscale, "12345678901", "1234567890A"),
        (valid_partita_iva, "IT12345678903", "IT12345678901"),
        (valid_swedish_orgnr, "5560360793", "5560360794"),
        (valid_abn, "51824753556", "51824753557"),
        (valid_norwegian_vat_id, "NO974760673MVA", "NO974760674MVA"),
    ],
)
def test_identifier_checks(check: object, good: str, bad: str) -> None:
    assert callable(check)
    assert check(good) is True
    assert check(bad) is False


# --- Norway ----------------------------------------------------------------------------------


def test_norwegian_vat_id_with_bad_check_digit(base: etree._Element) -> None:
    one(base, f"{SUPPLIER}/{VAT_SCHEME}/cbc:CompanyID").text = "NO974760674MVA"
    assert findings(base) == [("NO-R-001", Severity.FATAL)]


@pytest.mark.parametrize("vat_id", ["NO974760673", "NO 974 760 673 MVA", "NO974760673mva"])
def test_norwegian_vat_id_in_wrong_form(base: etree._Element, vat_id: str) -> None:
    one(base, f"{SUPPLIER}/{VAT_SCHEME}/cbc:CompanyID").text = vat_id
    assert findings(base) == [("NO-R-001", Severity.FATAL)]


def test_missing_foretaksregisteret_is_a_warning(base: etree._Element) -> None:
    party = one(base, SUPPLIER)
    party.remove(one(party, "cac:PartyTaxScheme[cac:TaxScheme/cbc:ID = 'TAX']"))
    assert findings(base) == [("NO-R-002", Severity.WARNING)]


def test_foreign_supplier_needs_no_foretaksregisteret(demo: etree._Element) -> None:
    root = copy.deepcopy(demo)
    one(root, f"{SUPPLIER}/{VAT_SCHEME}/cbc:CompanyID").text = "SE556036079301"
    party = one(root, SUPPLIER)
    for node in elements(party, "cac:PartyTaxScheme[cac:TaxScheme/cbc:ID = 'TAX']"):
        party.remove(node)
    assert supplier_country(engine.Doc(root)) == "SE"
    assert findings(root) == []  # the Norwegian postal address does not count: the VAT id does


def test_supplier_country_from_tax_representative_then_address(demo: etree._Element) -> None:
    root = copy.deepcopy(demo)
    party = one(root, SUPPLIER)
    party.remove(one(party, VAT_SCHEME))
    for node in elements(party, "cac:PartyTaxScheme"):
        party.remove(node)
    assert supplier_country(engine.Doc(root)) == "NO"  # postal address
    representative = etree.SubElement(root, f"{{{CAC}}}TaxRepresentativeParty")
    add_tax_scheme(representative, "SE556036079301", "VAT")
    assert supplier_country(engine.Doc(root)) == "SE"
    assert "NO-R-002" not in ids(root)


# --- the official unit tests -----------------------------------------------------------------


def test_official_peppol_and_norwegian_unit_tests() -> None:
    if not SHARED_DATA.exists():
        pytest.skip(f"../shared/data not present ({SHARED_DATA}): needs the official rule tests")
    from bench.rule_tests import all_cases, run_case

    disagreements = {}
    total = 0
    for case in all_cases(SHARED_DATA):
        if not any(r.startswith(("PEPPOL-", "NO-R-")) for r in case.scope):
            continue
        total += 1
        problems = run_case(case)
        if problems:
            disagreements[case.name] = problems
    assert total > 200
    assert disagreements == {}
