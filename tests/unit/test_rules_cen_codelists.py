"""EN16931 code list rules (BR-CL-*): the demo invoice and a credit note pass, one targeted
breakage per rule fires exactly that rule at exactly that element, and the official unit tests
agree when ../shared/data is beside the clone."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import etree

from fakturaportal.demo import demo_invoice
from services.validation.rules import Layer, all_rules, validate_document
from services.validation.rules import cen_codelist_data as data
from services.validation.rules.cen_codelists import normalize_space
from services.validation.rules.engine import NS
from shared.schemas.events import Severity

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
CBC, CAC = NS["cbc"], NS["cac"]
EXPECTED_IDS = {
    f"BR-CL-{n:02d}"
    for n in (1, 3, 4, 5, 6, 7, 10, 11, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26)
}
CODE_LIST_RULES = {rule_id for rule_id in all_rules() if rule_id.startswith("BR-CL-")}

Element = etree._Element


def findings(root: Element) -> list[tuple[str, str | None]]:
    return [
        (f.rule_id, f.location) for f in validate_document(root, (Layer.CEN,), only=CODE_LIST_RULES)
    ]


def invoice() -> Element:
    return etree.fromstring(demo_invoice(1))


def credit_note() -> Element:
    """The demo invoice rewritten as a CreditNote (the names that differ, nothing else)."""
    root = invoice()
    root.tag = f"{{{NS['cn']}}}CreditNote"
    renames = {
        "InvoiceTypeCode": "CreditNoteTypeCode",
        "InvoiceLine": "CreditNoteLine",
        "InvoicedQuantity": "CreditedQuantity",
    }
    for node in root.iter():
        if isinstance(node.tag, str) and etree.QName(node).localname in renames:
            name = etree.QName(node)
            node.tag = f"{{{name.namespace}}}{renames[name.localname]}"
    first(root, "cbc:CreditNoteTypeCode").text = "381"
    return etree.fromstring(etree.tostring(root))


def first(root: Element, path: str) -> Element:
    found = root.xpath(path, namespaces=NS)
    assert isinstance(found, list) and found, path
    node = found[0]
    assert isinstance(node, Element)
    return node


def add(parent: Element, ns: str, name: str, text: str | None = None, **attrs: str) -> Element:
    node = etree.SubElement(parent, f"{{{ns}}}{name}", attrs)
    node.text = text
    return node


def add_after(root: Element, path: str, ns: str, name: str, text: str | None = None) -> Element:
    anchor = first(root, path)
    node = etree.Element(f"{{{ns}}}{name}")
    node.text = text
    anchor.addnext(node)
    return node


def item(root: Element) -> Element:
    return first(root, "cac:InvoiceLine/cac:Item")


def allowance_charge(root: Element, indicator: str, reason_code: str) -> None:
    node = etree.Element(f"{{{CAC}}}AllowanceCharge")
    first(root, "cac:TaxTotal").addprevious(node)
    add(node, CBC, "ChargeIndicator", indicator)
    add(node, CBC, "AllowanceChargeReasonCode", reason_code)
    add(node, CBC, "Amount", "10.00", currencyID="NOK")


def document_reference(root: Element, scheme: str, type_code: str) -> Element:
    reference = etree.Element(f"{{{CAC}}}AdditionalDocumentReference")
    first(root, "cac:AccountingSupplierParty").addprevious(reference)
    add(reference, CBC, "ID", "W-1", schemeID=scheme)
    add(reference, CBC, "DocumentTypeCode", type_code)
    return reference


def party_identification(root: Element, party: str, scheme: str) -> None:
    party_node = first(root, f"cac:{party}/cac:Party")
    identification = etree.Element(f"{{{CAC}}}PartyIdentification")
    first(party_node, "cbc:EndpointID").addnext(identification)
    add(identification, CBC, "ID", "1234", schemeID=scheme)


SUPPLIER = "/Invoice/cac:AccountingSupplierParty[1]/cac:Party[1]"
CUSTOMER = "/Invoice/cac:AccountingCustomerParty[1]/cac:Party[1]"
LINE_ITEM = "/Invoice/cac:InvoiceLine[1]/cac:Item[1]"

Mutation = Callable[[Element], object]

#: (name, mutation of the demo invoice, the exact findings expected)
BREAKAGES: list[tuple[str, Mutation, list[tuple[str, str]]]] = [
    (
        "unknown invoice type code",
        lambda r: setattr(first(r, "cbc:InvoiceTypeCode"), "text", "999"),
        [("BR-CL-01", "/Invoice/cbc:InvoiceTypeCode[1]")],
    ),
    (
        "credit note type code on an invoice",
        lambda r: setattr(first(r, "cbc:InvoiceTypeCode"), "text", "381"),
        [("BR-CL-01", "/Invoice/cbc:InvoiceTypeCode[1]")],
    ),
    (
        "bad currencyID on an amount",
        lambda r: first(r, "cac:TaxTotal/cbc:TaxAmount").set("currencyID", "NKK"),
        [("BR-CL-03", "/Invoice/cac:TaxTotal[1]/cbc:TaxAmount[1]")],
    ),
    (
        "lower-case currencyID",
        lambda r: first(r, "cac:InvoiceLine/cac:Price/cbc:PriceAmount").set("currencyID", "nok"),
        [("BR-CL-03", "/Invoice/cac:InvoiceLine[1]/cac:Price[1]/cbc:PriceAmount[1]")],
    ),
    (
        "amount without currencyID",
        lambda r: first(r, "cac:LegalMonetaryTotal/cbc:PayableAmount").attrib.pop("currencyID"),
        [("BR-CL-03", "/Invoice/cac:LegalMonetaryTotal[1]/cbc:PayableAmount[1]")],
    ),
    (
        "bad document currency",
        lambda r: setattr(first(r, "cbc:DocumentCurrencyCode"), "text", "EURO"),
        [("BR-CL-04", "/Invoice/cbc:DocumentCurrencyCode[1]")],
    ),
    (
        "bad tax currency",
        lambda r: add_after(r, "cbc:DocumentCurrencyCode", CBC, "TaxCurrencyCode", "GGG"),
        [("BR-CL-05", "/Invoice/cbc:TaxCurrencyCode[1]")],
    ),
    (
        "bad VAT point date code",
        lambda r: add(
            add_after(r, "cbc:BuyerReference", CAC, "InvoicePeriod"), CBC, "DescriptionCode", "31"
        ),
        [("BR-CL-06", "/Invoice/cac:InvoicePeriod[1]/cbc:DescriptionCode[1]")],
    ),
    (
        "bad invoiced object identifier scheme",
        lambda r: document_reference(r, "XXA", "130"),
        [("BR-CL-07", "/Invoice/cac:AdditionalDocumentReference[1]/cbc:ID[1]")],
    ),
    (
        "bad party identifier scheme",
        lambda r: party_identification(r, "AccountingCustomerParty", "9901"),
        [("BR-CL-10", f"{CUSTOMER}/cac:PartyIdentification[1]/cbc:ID[1]")],
    ),
    (
        "SEPA for the buyer",
        lambda r: party_identification(r, "AccountingCustomerParty", "SEPA"),
        [("BR-CL-10", f"{CUSTOMER}/cac:PartyIdentification[1]/cbc:ID[1]")],
    ),
    (
        "bad legal registration scheme",
        lambda r: first(r, "cac:AccountingSupplierParty//cac:PartyLegalEntity/cbc:CompanyID").set(
            "schemeID", "0181"
        ),
        [("BR-CL-11", f"{SUPPLIER}/cac:PartyLegalEntity[1]/cbc:CompanyID[1]")],
    ),
    (
        "bad item classification scheme",
        lambda r: add(
            add(item(r), CAC, "CommodityClassification"),
            CBC,
            "ItemClassificationCode",
            "12345",
            listID="XXX",
        ),
        [
            (
                "BR-CL-13",
                f"{LINE_ITEM}/cac:CommodityClassification[1]/cbc:ItemClassificationCode[1]",
            )
        ],
    ),
    (
        "bad country",
        lambda r: setattr(
            first(r, "cac:AccountingCustomerParty//cac:Country/cbc:IdentificationCode"),
            "text",
            "XY",
        ),
        [("BR-CL-14", f"{CUSTOMER}/cac:PostalAddress[1]/cac:Country[1]/cbc:IdentificationCode[1]")],
    ),
    (
        "bad country of origin",
        lambda r: add(add(item(r), CAC, "OriginCountry"), CBC, "IdentificationCode", "HC"),
        [("BR-CL-15", f"{LINE_ITEM}/cac:OriginCountry[1]/cbc:IdentificationCode[1]")],
    ),
    (
        "bad payment means code",
        lambda r: setattr(first(r, "cac:PaymentMeans/cbc:PaymentMeansCode"), "text", "99"),
        [("BR-CL-16", "/Invoice/cac:PaymentMeans[1]/cbc:PaymentMeansCode[1]")],
    ),
    (
        "bad VAT category in the breakdown",
        lambda r: setattr(first(r, "//cac:TaxCategory/cbc:ID"), "text", "X"),
        [
            (
                "BR-CL-17",
                "/Invoice/cac:TaxTotal[1]/cac:TaxSubtotal[1]/cac:TaxCategory[1]/cbc:ID[1]",
            )
        ],
    ),
    (
        "bad VAT category on the item",
        lambda r: setattr(first(r, "//cac:ClassifiedTaxCategory/cbc:ID"), "text", "AA"),
        [("BR-CL-18", f"{LINE_ITEM}/cac:ClassifiedTaxCategory[1]/cbc:ID[1]")],
    ),
    (
        "bad allowance reason code",
        lambda r: allowance_charge(r, "false", "143"),
        [("BR-CL-19", "/Invoice/cac:AllowanceCharge[1]/cbc:AllowanceChargeReasonCode[1]")],
    ),
    (
        "charge reason code on an allowance",
        lambda r: allowance_charge(r, "false", "AAA"),
        [("BR-CL-19", "/Invoice/cac:AllowanceCharge[1]/cbc:AllowanceChargeReasonCode[1]")],
    ),
    (
        "bad charge reason code",
        lambda r: allowance_charge(r, "true", "XBB"),
        [("BR-CL-20", "/Invoice/cac:AllowanceCharge[1]/cbc:AllowanceChargeReasonCode[1]")],
    ),
    (
        "bad item standard identifier scheme",
        lambda r: add(
            add(item(r), CAC, "StandardItemIdentification"), CBC, "ID", "1", schemeID="0283"
        ),
        [("BR-CL-21", f"{LINE_ITEM}/cac:StandardItemIdentification[1]/cbc:ID[1]")],
    ),
    (
        "bad VAT exemption reason code",
        lambda r: add_after(
            r,
            "//cac:TaxSubtotal/cac:TaxCategory/cbc:Percent",
            CBC,
            "TaxExemptionReasonCode",
            "VATEX-EU-XX",
        ),
        [
            (
                "BR-CL-22",
                "/Invoice/cac:TaxTotal[1]/cac:TaxSubtotal[1]/cac:TaxCategory[1]"
                "/cbc:TaxExemptionReasonCode[1]",
            )
        ],
    ),
    (
        "bad unit code",
        lambda r: first(r, "//cbc:InvoicedQuantity").set("unitCode", "2D"),
        [("BR-CL-23", "/Invoice/cac:InvoiceLine[1]/cbc:InvoicedQuantity[1]")],
    ),
    (
        "bad base quantity unit code",
        lambda r: add(first(r, "//cac:Price"), CBC, "BaseQuantity", "1", unitCode="each"),
        [("BR-CL-23", "/Invoice/cac:InvoiceLine[1]/cac:Price[1]/cbc:BaseQuantity[1]")],
    ),
    (
        "bad attachment MIME code",
        lambda r: add(
            add(document_reference(r, "AAA", "916"), CAC, "Attachment"),
            CBC,
            "EmbeddedDocumentBinaryObject",
            "JVBERi0=",
            mimeCode="application/pxf",
            filename="a.pdf",
        ),
        [
            (
                "BR-CL-24",
                "/Invoice/cac:AdditionalDocumentReference[1]/cac:Attachment[1]"
                "/cbc:EmbeddedDocumentBinaryObject[1]",
            )
        ],
    ),
    (
        "bad endpoint scheme",
        lambda r: first(r, "cac:AccountingCustomerParty//cbc:EndpointID").set("schemeID", "9908"),
        [("BR-CL-25", f"{CUSTOMER}/cbc:EndpointID[1]")],
    ),
    (
        "bad delivery location scheme",
        lambda r: add(
            add(
                add_after(r, "cac:AccountingCustomerParty", CAC, "Delivery"),
                CAC,
                "DeliveryLocation",
            ),
            CBC,
            "ID",
            "7080000000000",
            schemeID="9999",
        ),
        [("BR-CL-26", "/Invoice/cac:Delivery[1]/cac:DeliveryLocation[1]/cbc:ID[1]")],
    ),
]

#: Mutations that look odd but are allowed.
ACCEPTED: list[tuple[str, Mutation]] = [
    (
        "currency with surrounding whitespace",
        lambda r: setattr(first(r, "cbc:DocumentCurrencyCode"), "text", "\n  NOK "),
    ),
    ("Rec 21 package unit", lambda r: first(r, "//cbc:InvoicedQuantity").set("unitCode", "XBX")),
    ("piece unit H87", lambda r: first(r, "//cbc:InvoicedQuantity").set("unitCode", "H87")),
    (
        "Kosovo as a country",
        lambda r: setattr(first(r, "//cac:Country/cbc:IdentificationCode"), "text", "1A"),
    ),
    ("SEPA for the seller", lambda r: party_identification(r, "AccountingSupplierParty", "SEPA")),
    (
        "Norwegian orgnr as legal registration scheme",
        lambda r: first(r, "//cac:PartyLegalEntity/cbc:CompanyID").set("schemeID", "0192"),
    ),
    ("object scheme only checked for type code 130", lambda r: document_reference(r, "XXA", "50")),
    ("allowance reason code", lambda r: allowance_charge(r, "false", "95")),
    ("charge reason code", lambda r: allowance_charge(r, "true", "FC")),
    ("charge indicator written as 1", lambda r: allowance_charge(r, "1", "AAA")),
    (
        "VATEX code in lower case",
        lambda r: add_after(
            r,
            "//cac:TaxSubtotal/cac:TaxCategory/cbc:Percent",
            CBC,
            "TaxExemptionReasonCode",
            "vatex-eu-ic",
        ),
    ),
    (
        "standard identifier scheme 0160 (GTIN)",
        lambda r: add(
            add(item(r), CAC, "StandardItemIdentification"), CBC, "ID", "1", schemeID="0160"
        ),
    ),
]


def test_all_code_list_rules_registered_fatal_cen_with_both_languages() -> None:
    rules = all_rules()
    assert CODE_LIST_RULES == EXPECTED_IDS
    for rule_id in EXPECTED_IDS:
        spec = rules[rule_id]
        assert spec.flag is Severity.FATAL
        assert spec.layer is Layer.CEN
        assert spec.message_en and spec.message_nb and spec.message_en != spec.message_nb


def test_demo_invoice_passes() -> None:
    assert findings(invoice()) == []


def test_credit_note_passes_and_checks_its_own_type_list() -> None:
    root = credit_note()
    assert findings(root) == []
    first(root, "cbc:CreditNoteTypeCode").text = "380"
    first(root, "//cbc:CreditedQuantity").set("unitCode", "PCS")
    assert findings(root) == [
        ("BR-CL-01", "/CreditNote/cbc:CreditNoteTypeCode[1]"),
        ("BR-CL-23", "/CreditNote/cac:CreditNoteLine[1]/cbc:CreditedQuantity[1]"),
    ]


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [pytest.param(m, e, id=name) for name, m, e in BREAKAGES],
)
def test_breakage_fires_exactly_its_rule(mutate: Mutation, expected: list[tuple[str, str]]) -> None:
    root = invoice()
    mutate(root)
    assert findings(root) == expected


@pytest.mark.parametrize("mutate", [pytest.param(m, id=name) for name, m in ACCEPTED])
def test_allowed_values_pass(mutate: Mutation) -> None:
    root = invoice()
    mutate(root)
    assert findings(root) == []


def test_every_offending_element_is_reported() -> None:
    root = invoice()
    for amount in first(root, "cac:LegalMonetaryTotal"):
        amount.set("currencyID", "NKK")
    locations = [loc for rule_id, loc in findings(root) if rule_id == "BR-CL-03"]
    assert locations == [
        f"/Invoice/cac:LegalMonetaryTotal[1]/cbc:{name}[1]"
        for name in (
            "LineExtensionAmount",
            "TaxExclusiveAmount",
            "TaxInclusiveAmount",
            "PayableAmount",
        )
    ]


def test_code_list_data() -> None:
    assert normalize_space("\t a \n b  ") == "a b"
    assert len(data.UNIT_CODES) == len(data.UNECE_REC20_UNITS) + len(data.UNECE_REC21_UNITS)
    assert {"EA", "H87", "C62", "HUR", "KGM", "LTR", "MTR", "XBX", "XPK"} <= data.UNIT_CODES
    assert {"0088", "0192", "0240"} <= data.ISO6523_ICD
    assert not {"0001", "0092", "0103", "0181", "0182", "0241"} & data.ISO6523_ICD
    assert "NOK" in data.ISO4217_CURRENCIES and "HRK" not in data.ISO4217_CURRENCIES
    assert "0192" in data.EAS_SCHEMES and "9908" not in data.EAS_SCHEMES
    for codes in (data.UNIT_CODES, data.UNTDID1153_OBJECT_SCHEMES, data.VATEX_CODES):
        assert all(code and code == code.strip() and " " not in code for code in codes)


def test_official_code_list_unit_tests_agree() -> None:
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data not present (the official rule tests live beside the clone)")
    from bench.rule_tests import all_cases, run_case

    cases = [c for c in all_cases(SHARED_DATA) if any(r.startswith("BR-CL-") for r in c.scope)]
    assert len(cases) >= 40
    disagreements = {case.name: problems for case in cases if (problems := run_case(case))}
    assert disagreements == {}
