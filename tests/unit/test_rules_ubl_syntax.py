"""UBL syntax rules (UBL-CR-*, UBL-DT-*, UBL-SR-*): the demo invoice and a credit note pass,
one targeted breakage per family fires exactly the rule meant, at the element meant, with the
official flag; and the official unit tests agree when ../shared/data is beside the clone."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from fakturaportal.demo import demo_invoice
from services.validation.rules import Layer, all_rules, validate_document
from services.validation.rules.engine import NS
from services.validation.rules.ubl_syntax import FORBIDDEN
from shared.schemas.events import Severity

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
CBC, CAC = NS["cbc"], NS["cac"]
UBL_RULES = {rule_id for rule_id in all_rules() if rule_id.startswith("UBL-")}

Element = etree._Element


def findings(root: Element) -> list[tuple[str, Severity, str | None]]:
    return [
        (f.rule_id, f.flag, f.location)
        for f in validate_document(root, (Layer.CEN,), only=UBL_RULES)
    ]


def ids(root: Element) -> list[str]:
    return [rule_id for rule_id, _, _ in findings(root)]


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
    assert isinstance(node, etree._Element)
    return node


def add(parent: Element, path: str, text: str | None = None, **attributes: str) -> Element:
    """Append the child steps of `path` (cbc:/cac: names) under parent; returns the last."""
    node = parent
    for step in path.split("/"):
        prefix, local = step.split(":")
        node = etree.SubElement(node, f"{{{NS[prefix]}}}{local}")
    node.text = text
    for name, value in attributes.items():
        node.set(name, value)
    return node


def location(node: Element) -> str:
    steps = []
    current: Element | None = node
    while current is not None:
        name = etree.QName(current)
        prefix = {CBC: "cbc", CAC: "cac"}.get(name.namespace or "")
        step = f"{prefix}:{name.localname}" if prefix else name.localname
        parent = current.getparent()
        if parent is not None:
            step += f"[{sum(1 for _ in current.itersiblings(current.tag, preceding=True)) + 1}]"
        steps.append(step)
        current = parent
    return "/" + "/".join(reversed(steps))


# --- the registry ----------------------------------------------------------------------------


def test_registry_ids_flags_and_words() -> None:
    rules = all_rules()
    cr = {r for r in UBL_RULES if r.startswith("UBL-CR-")}
    dt = {r for r in UBL_RULES if r.startswith("UBL-DT-")}
    sr = {r for r in UBL_RULES if r.startswith("UBL-SR-")}
    # CR-001..680 less the numbers the official file does not use.
    assert cr == {f"UBL-CR-{n:03d}" for n in range(1, 681)} - {
        "UBL-CR-120",
        "UBL-CR-423",
        "UBL-CR-536",
    }
    assert dt == {"UBL-DT-01", "UBL-DT-06", "UBL-DT-07"} | {f"UBL-DT-{n:02d}" for n in range(8, 29)}
    assert sr == {f"UBL-SR-{n:02d}" for n in (*range(1, 41), 42, 43, 44, 45, 46, 47, 48, 49, 50)}
    fatal_cr = {r for r in cr if rules[r].flag is Severity.FATAL}
    assert fatal_cr == {"UBL-CR-666", "UBL-CR-673"}
    assert all(
        rules[r].flag is Severity.FATAL for r in sr | {"UBL-DT-01", "UBL-DT-06", "UBL-DT-07"}
    )
    assert all(rules[f"UBL-DT-{n:02d}"].flag is Severity.WARNING for n in range(8, 29))
    assert all(rules[r].layer is Layer.CEN for r in UBL_RULES)
    assert all(rules[r].message_en and rules[r].message_nb for r in UBL_RULES)
    assert rules["UBL-CR-005"].message_en == "A UBL invoice should not include the UUID"
    assert rules["UBL-CR-005"].message_nb == "En UBL-faktura bør ikke inneholde UUID"
    assert (
        rules["UBL-CR-210"].message_en
        == "A UBL invoice should not include the AccountingCustomerParty Party PostalAddress ID"
    )


def test_table_numbers_are_unique_and_paths_named() -> None:
    numbers = [row.rule_id for row in FORBIDDEN]
    assert len(numbers) == len(set(numbers))
    by_id = {row.rule_id: row.path for row in FORBIDDEN}
    assert by_id["UBL-CR-147"] == "cac:AccountingSupplierParty/cac:Party/cac:PostalAddress/cbc:ID"
    assert by_id["UBL-CR-244"].endswith("cac:PartyLegalEntity/cbc:CompanyLegalForm")
    assert by_id["UBL-CR-412"] == "cac:PaymentMeans/cbc:PaymentDueDate"
    assert by_id["UBL-CR-537"] == "LINE/cac:DocumentReference/cbc:DocumentType"
    assert by_id["UBL-CR-647"] == "LINE/cac:ItemPriceExtension"
    assert by_id["UBL-CR-672"] == "cbc:CreditNoteTypeCode/@listID"


# --- clean documents -------------------------------------------------------------------------


def test_demo_invoice_and_credit_note_have_no_ubl_findings() -> None:
    assert findings(invoice()) == []
    assert findings(credit_note()) == []


# --- UBL-DT ----------------------------------------------------------------------------------


def test_dt01_amount_with_three_decimals_is_fatal_there() -> None:
    root = invoice()
    payable = first(root, "cac:LegalMonetaryTotal/cbc:PayableAmount")
    payable.text = "1250.001"
    assert findings(root) == [("UBL-DT-01", Severity.FATAL, location(payable))]


def test_dt01_ignores_price_amounts_and_price_allowances() -> None:
    root = invoice()
    price = first(root, "cac:InvoiceLine/cac:Price")
    first(price, "cbc:PriceAmount").text = "1000.0001"
    add(price, "cac:AllowanceCharge/cbc:Amount", "1.001")
    assert "UBL-DT-01" not in ids(root)


def test_dt01_counts_every_amount() -> None:
    root = invoice()
    for node in root.iter(f"{{{CBC}}}TaxAmount", f"{{{CBC}}}LineExtensionAmount"):
        node.text = f"{node.text}1"
    assert ids(root).count("UBL-DT-01") == 4


def test_dt06_dt07_binary_object_without_mime_code_or_filename() -> None:
    root = invoice()
    reference = etree.Element(f"{{{CAC}}}AdditionalDocumentReference")
    first(root, "cac:AccountingSupplierParty").addprevious(reference)
    add(reference, "cbc:ID", "Timesheet")
    binary = add(reference, "cac:Attachment/cbc:EmbeddedDocumentBinaryObject", "aGVp")
    assert sorted(findings(root)) == [
        ("UBL-DT-06", Severity.FATAL, location(binary)),
        ("UBL-DT-07", Severity.FATAL, location(binary)),
    ]
    binary.set("mimeCode", "application/pdf")
    binary.set("filename", "timesheet.pdf")
    assert findings(root) == []


def test_dt_attribute_warnings_once_per_document() -> None:
    root = invoice()
    first(root, "cbc:ID").set("schemeName", "x")
    first(root, "cbc:DocumentCurrencyCode").set("listAgencyID", "6")
    first(root, "cac:InvoiceLine/cbc:ID").set("schemeName", "y")
    assert sorted(findings(root)) == [
        ("UBL-DT-08", Severity.WARNING, location(first(root, "cbc:ID"))),
        ("UBL-DT-28", Severity.WARNING, location(first(root, "cbc:DocumentCurrencyCode"))),
    ]


def test_dt18_name_attribute_allowed_only_on_payment_means_code() -> None:
    root = invoice()
    first(root, "cac:PaymentMeans/cbc:PaymentMeansCode").set("name", "Kreditoverføring")
    assert findings(root) == []
    first(root, "cac:InvoiceLine/cac:Item/cbc:Name").set("name", "x")
    assert ids(root) == ["UBL-DT-18"]


# --- UBL-SR ----------------------------------------------------------------------------------


def test_sr34_second_line_note_fatal_on_that_line() -> None:
    root = invoice()
    line = first(root, "cac:InvoiceLine")
    first(line, "cbc:ID").addnext(etree.Element(f"{{{CBC}}}Note"))
    first(line, "cbc:Note").addnext(etree.Element(f"{{{CBC}}}Note"))
    assert findings(root) == [("UBL-SR-34", Severity.FATAL, location(line))]


def test_sr12_two_seller_vat_identifiers() -> None:
    root = invoice()
    scheme = first(root, "cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme")
    first(scheme, "cbc:CompanyID").addnext(etree.fromstring(etree.tostring(scheme[0])))
    assert ids(root) == ["UBL-SR-12"]


def test_sr42_three_party_tax_schemes() -> None:
    root = invoice()
    scheme = first(root, "cac:AccountingSupplierParty/cac:Party/cac:PartyTaxScheme[2]")
    extra = etree.fromstring(etree.tostring(scheme))
    first(extra, "cac:TaxScheme/cbc:ID").text = "GST"
    scheme.addnext(extra)
    # Also a second non-VAT tax registration: UBL-SR-13.
    assert ids(root) == ["UBL-SR-13", "UBL-SR-42"]


def test_sr44_sr47_payment_means_must_agree() -> None:
    root = invoice()
    means = first(root, "cac:PaymentMeans")
    means.addnext(etree.fromstring(etree.tostring(means)))
    assert findings(root) == []  # the same code and payment id twice is allowed
    second = first(root, "cac:PaymentMeans[2]")
    first(second, "cbc:PaymentMeansCode").text = "31"
    first(second, "cbc:PaymentID").text = "000000026"
    assert findings(root) == [
        ("UBL-SR-44", Severity.FATAL, "/Invoice"),
        ("UBL-SR-47", Severity.FATAL, "/Invoice"),
    ]


def test_sr48_line_needs_exactly_one_classified_tax_category() -> None:
    root = invoice()
    line = first(root, "cac:InvoiceLine")
    category = first(line, "cac:Item/cac:ClassifiedTaxCategory")
    category.getparent().remove(category)
    assert findings(root) == [("UBL-SR-48", Severity.FATAL, location(line))]


def test_sr43_document_type_code_other_than_130() -> None:
    root = invoice()
    reference = etree.Element(f"{{{CAC}}}AdditionalDocumentReference")
    first(root, "cac:AccountingSupplierParty").addprevious(reference)
    add(reference, "cbc:ID", "X-1")
    code = add(reference, "cbc:DocumentTypeCode", "916")
    assert findings(root) == [("UBL-SR-43", Severity.FATAL, location(reference))]
    code.text = "130"
    assert findings(root) == []


# --- UBL-CR ----------------------------------------------------------------------------------


def test_cr_root_element_warns_once_at_it() -> None:
    root = invoice()
    uuid = etree.Element(f"{{{CBC}}}UUID")
    uuid.text = "6a6c2b3e"
    first(root, "cbc:IssueDate").addprevious(uuid)
    assert findings(root) == [("UBL-CR-005", Severity.WARNING, location(uuid))]


def test_cr_deep_paths_in_lines_and_parties() -> None:
    root = invoice()
    add(first(root, "cac:InvoiceLine"), "cbc:FreeOfChargeIndicator", "false")
    add(first(root, "cac:AccountingCustomerParty/cac:Party/cac:PostalAddress"), "cbc:Region", "Ø")
    assert ids(root) == ["UBL-CR-226", "UBL-CR-519"]


def test_cr_fires_once_per_document() -> None:
    root = invoice()
    means = first(root, "cac:PaymentMeans")
    add(means, "cbc:InstructionID", "a")
    means.addnext(etree.fromstring(etree.tostring(means)))
    assert ids(root) == ["UBL-CR-414"]


def test_cr_attribute_rows_and_descendant_rows() -> None:
    root = invoice()
    first(root, "cbc:CustomizationID").set("schemeID", "x")
    first(root, "cac:InvoiceLine/cac:Item/cac:ClassifiedTaxCategory/cbc:ID").set(
        "schemeID", "UNCL5305"
    )
    assert ids(root) == ["UBL-CR-648", "UBL-CR-679"]


def test_cr002_ubl_version() -> None:
    root = invoice()
    version = etree.Element(f"{{{CBC}}}UBLVersionID")
    version.text = "2.0"
    root.insert(0, version)
    assert ids(root) == ["UBL-CR-002"]
    version.text = "2.1"
    assert findings(root) == []


def test_cr412_due_date_in_payment_means_only_warns_for_invoices() -> None:
    for root, expected in ((invoice(), ["UBL-CR-412"]), (credit_note(), [])):
        add(first(root, "cac:PaymentMeans"), "cbc:PaymentDueDate", "2026-12-11")
        assert ids(root) == expected


def test_cr666_cr673_invoiced_object_with_attachment_or_description_are_fatal() -> None:
    root = invoice()
    reference = etree.Element(f"{{{CAC}}}AdditionalDocumentReference")
    first(root, "cac:AccountingSupplierParty").addprevious(reference)
    add(reference, "cbc:ID", "OBJ-1", schemeID="AAB")
    add(reference, "cbc:DocumentTypeCode", "130")
    add(reference, "cbc:DocumentDescription", "Metering point")
    add(reference, "cac:Attachment/cac:ExternalReference/cbc:URI", "https://example.org/x")
    assert sorted(findings(root)) == [
        ("UBL-CR-666", Severity.FATAL, location(first(reference, "cac:Attachment"))),
        ("UBL-CR-673", Severity.FATAL, location(first(reference, "cbc:DocumentDescription"))),
    ]


def test_credit_note_line_rows_apply_to_credit_note_lines() -> None:
    root = credit_note()
    add(first(root, "cac:CreditNoteLine/cac:Item"), "cbc:BrandName", "Acme")
    assert ids(root) == ["UBL-CR-569"]


# --- the official unit tests -------------------------------------------------------------------


def test_official_ubl_syntax_unit_tests_agree() -> None:
    if not SHARED_DATA.exists():
        pytest.skip(
            f"../shared/data not present ({SHARED_DATA}): the official rule tests live there"
        )
    from bench.rule_tests import all_cases, run_case

    cases = [c for c in all_cases(SHARED_DATA) if any(r.startswith("UBL-") for r in c.scope)]
    assert cases
    disagreements = {case.name: problems for case in cases if (problems := run_case(case))}
    assert disagreements == {}


def test_official_samples_have_no_fatal_ubl_findings() -> None:
    if not SHARED_DATA.exists():
        pytest.skip(f"../shared/data not present ({SHARED_DATA}): the samples live there")
    samples = sorted((SHARED_DATA / "ehf").rglob("*.xml"))
    assert len(samples) >= 11
    for path in samples:
        root = etree.parse(str(path), etree.XMLParser(resolve_entities=False)).getroot()
        fatal = [(r, loc) for r, flag, loc in findings(root) if flag is Severity.FATAL]
        assert fatal == [], path.name
