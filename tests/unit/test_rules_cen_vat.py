"""EN16931 VAT category rules (services/validation/rules/cen_vat.py).

A valid demo invoice (one 25 % S line) is turned into a valid document of each VAT category and
then broken one rule at a time. The last tests run the official CEN unit tests of these families
when ../shared/data is present.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

import services.validation.rules.engine as engine
from fakturaportal.demo import demo_invoice
from services.validation.rules import all_rules, validate_document
from shared.schemas.events import Severity

CBC = engine.NS["cbc"]
CAC = engine.NS["cac"]
CN = engine.NS["cn"]
NS = engine.NS
FAMILY = re.compile(r"BR-(S|Z|E|AE|IC|G|O|IG|IP)-\d+$")
SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data"


@pytest.fixture(autouse=True)
def _only_vat_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    # Other rule modules are written separately; these tests judge this module alone.
    monkeypatch.setattr(engine, "RULE_MODULES", ("services.validation.rules.cen_vat",))


def vat_ids() -> set[str]:
    return {rule_id for rule_id in all_rules() if FAMILY.match(rule_id)}


def fired(root: etree._Element) -> Counter[str]:
    findings = validate_document(root, only=vat_ids())
    return Counter(f.rule_id for f in findings)


# --------------------------------------------------------------------------------------------
# Building documents


def base() -> etree._Element:
    return etree.fromstring(demo_invoice(1))


def one(root: etree._Element, path: str) -> etree._Element:
    found = root.xpath(path, namespaces=NS)
    assert found, path
    return found[0]


def sub(parent: etree._Element, tag: str, text: str | None = None, **attrs: str) -> etree._Element:
    prefix, name = tag.split(":")
    node = etree.SubElement(parent, f"{{{NS[prefix]}}}{name}", attrs)
    node.text = text
    return node


def set_text(root: etree._Element, path: str, text: str) -> None:
    one(root, path).text = text


def remove(root: etree._Element, path: str) -> None:
    for node in root.xpath(path, namespaces=NS):
        node.getparent().remove(node)


def line_category(root: etree._Element) -> etree._Element:
    return one(
        root,
        "//cac:InvoiceLine/cac:Item/cac:ClassifiedTaxCategory | "
        "//cac:CreditNoteLine/cac:Item/cac:ClassifiedTaxCategory",
    )


def breakdown(root: etree._Element) -> etree._Element:
    return one(root, "cac:TaxTotal/cac:TaxSubtotal")


def recategorise(
    root: etree._Element, code: str, percent: str | None = "0", reason: str | None = None
) -> etree._Element:
    """Make the single line and the VAT breakdown category `code` at `percent` with a consistent
    tax amount and totals (net 1000.00)."""
    net = Decimal("1000.00")
    tax = (net * Decimal(percent or "0") / 100).quantize(Decimal("0.01"))
    for category in (line_category(root), one(breakdown(root), "cac:TaxCategory")):
        one(category, "cbc:ID").text = code
        remove(category, "cbc:Percent")
        remove(category, "cbc:TaxExemptionReason")
        if percent is not None:
            one(category, "cbc:ID").addnext(etree.Element(f"{{{CBC}}}Percent"))
            one(category, "cbc:Percent").text = percent
    category = one(breakdown(root), "cac:TaxCategory")
    if reason is not None:
        scheme = one(category, "cac:TaxScheme")
        node = etree.Element(f"{{{CBC}}}TaxExemptionReason")
        node.text = reason
        scheme.addprevious(node)
    for path in ("cac:TaxTotal/cbc:TaxAmount", "cac:TaxTotal/cac:TaxSubtotal/cbc:TaxAmount"):
        set_text(root, path, f"{tax:.2f}")
    for path in ("TaxInclusiveAmount", "PayableAmount"):
        set_text(root, f"cac:LegalMonetaryTotal/cbc:{path}", f"{net + tax:.2f}")
    return root


def add_allowance_charge(
    root: etree._Element, charge: bool, code: str, percent: str | None, amount: str = "100.00"
) -> etree._Element:
    """A document level allowance/charge placed where UBL wants it (before TaxTotal). Amounts in
    the breakdown are left to the test."""
    node = etree.Element(f"{{{CAC}}}AllowanceCharge")
    one(root, "cac:TaxTotal").addprevious(node)
    sub(node, "cbc:ChargeIndicator", "true" if charge else "false")
    sub(node, "cbc:AllowanceChargeReason", "Frakt" if charge else "Rabatt")
    sub(node, "cbc:Amount", amount, currencyID="NOK")
    category = sub(node, "cac:TaxCategory")
    sub(category, "cbc:ID", code)
    if percent is not None:
        sub(category, "cbc:Percent", percent)
    sub(sub(category, "cac:TaxScheme"), "cbc:ID", "VAT")
    return node


def add_delivery(root: etree._Element, country: str = "SE") -> None:
    delivery = etree.Element(f"{{{CAC}}}Delivery")
    one(root, "cac:PaymentMeans").addprevious(delivery)
    sub(delivery, "cbc:ActualDeliveryDate", "2024-05-01")
    address = sub(sub(delivery, "cac:DeliveryLocation"), "cac:Address")
    sub(sub(address, "cac:Country"), "cbc:IdentificationCode", country)


def as_credit_note(root: etree._Element) -> etree._Element:
    """The same document as a UBL CreditNote."""
    text = etree.tostring(root).decode()
    text = text.replace(engine.NS["ubl"], CN).replace("<Invoice", "<CreditNote")
    text = text.replace("</Invoice>", "</CreditNote>").replace("InvoiceLine>", "CreditNoteLine>")
    text = text.replace("InvoicedQuantity", "CreditedQuantity")
    text = text.replace("InvoiceTypeCode>380<", "CreditNoteTypeCode>381<")
    text = text.replace("InvoiceTypeCode>", "CreditNoteTypeCode>")
    return etree.fromstring(text.encode())


def valid(code: str) -> etree._Element:
    """A valid document of one VAT category."""
    root = base()
    if code == "S":
        return root
    if code == "Z":
        return recategorise(root, "Z")
    if code == "E":
        return recategorise(root, "E", reason="Fritatt etter mval. kapittel 3")
    if code == "AE":
        return recategorise(root, "AE", reason="Reverse charge")
    if code == "K":
        recategorise(root, "K", reason="Intra-community supply")
        add_delivery(root)
        return root
    if code == "G":
        return recategorise(root, "G", reason="Export outside the EU")
    if code == "O":
        recategorise(root, "O", percent=None, reason="Not subject to VAT")
        remove(root, "//cac:PartyTaxScheme")
        return root
    if code in ("L", "M"):
        return recategorise(root, code, percent="7")
    raise AssertionError(code)


# --------------------------------------------------------------------------------------------
# Registry


def test_registers_every_rule_of_the_families_once() -> None:
    expected = {
        f"BR-{family}-{n:02d}"
        for family in ("S", "Z", "E", "AE", "G", "O", "IG", "IP")
        for n in range(1, 11)
    }
    expected |= {f"BR-IC-{n:02d}" for n in range(1, 13)} | {
        "BR-O-11",
        "BR-O-12",
        "BR-O-13",
        "BR-O-14",
    }
    assert vat_ids() == expected


def test_every_rule_is_fatal_with_words_in_both_languages() -> None:
    specs = {rule_id: spec for rule_id, spec in all_rules().items() if rule_id in vat_ids()}
    for spec in specs.values():
        assert spec.flag is Severity.FATAL
        assert spec.layer is engine.Layer.CEN
        assert len(spec.message_en) > 40
        assert len(spec.message_nb) > 40
        assert spec.message_en != spec.message_nb
    assert "Reverse charge" in specs["BR-AE-02"].message_en
    assert "omvendt avgiftsplikt" in specs["BR-AE-02"].message_nb


# --------------------------------------------------------------------------------------------
# Valid variants


@pytest.mark.parametrize("code", ["S", "Z", "E", "AE", "K", "G", "O", "L", "M"])
def test_valid_document_of_each_category_passes(code: str) -> None:
    assert fired(valid(code)) == Counter()


@pytest.mark.parametrize("code", ["S", "Z", "E", "AE", "K", "G", "O", "L", "M"])
def test_valid_credit_note_of_each_category_passes(code: str) -> None:
    assert fired(as_credit_note(valid(code))) == Counter()


def test_mixed_rates_with_allowance_and_charge_pass() -> None:
    root = base()
    add_allowance_charge(root, charge=False, code="S", percent="25", amount="100.00")
    add_allowance_charge(root, charge=True, code="S", percent="25", amount="40.00")
    set_text(root, "cac:TaxTotal/cac:TaxSubtotal/cbc:TaxableAmount", "940.00")
    set_text(root, "cac:TaxTotal/cac:TaxSubtotal/cbc:TaxAmount", "235.00")
    assert fired(root) == Counter()


# --------------------------------------------------------------------------------------------
# Breaking one rule at a time


def test_s_line_without_breakdown() -> None:
    root = base()
    remove(root, "cac:TaxTotal/cac:TaxSubtotal")
    assert fired(root)["BR-S-01"] == 1


def test_s_without_seller_tax_ids() -> None:
    root = base()
    remove(root, "cac:AccountingSupplierParty//cac:PartyTaxScheme")
    add_allowance_charge(root, charge=False, code="S", percent="25", amount="0.00")
    add_allowance_charge(root, charge=True, code="S", percent="25", amount="0.00")
    assert {"BR-S-02", "BR-S-03", "BR-S-04"} <= set(fired(root))


def test_s_rates_must_be_positive() -> None:
    root = base()
    one(line_category(root), "cbc:Percent").text = "0"
    add_allowance_charge(root, charge=False, code="S", percent="0", amount="0.00")
    add_allowance_charge(root, charge=True, code="S", percent="0", amount="0.00")
    result = fired(root)
    assert result["BR-S-05"] == result["BR-S-06"] == result["BR-S-07"] == 1


def test_s_taxable_amount_per_rate_with_its_tolerance() -> None:
    root = base()
    set_text(root, "cac:TaxTotal/cac:TaxSubtotal/cbc:TaxableAmount", "1000.99")
    assert "BR-S-08" not in fired(root)  # the rule accepts a difference below 1
    set_text(root, "cac:TaxTotal/cac:TaxSubtotal/cbc:TaxableAmount", "1001.00")
    assert fired(root)["BR-S-08"] == 1


def test_s_breakdown_at_a_rate_no_line_uses() -> None:
    root = base()
    one(breakdown(root), "cac:TaxCategory/cbc:Percent").text = "15"
    set_text(root, "cac:TaxTotal/cac:TaxSubtotal/cbc:TaxAmount", "150.00")
    assert fired(root)["BR-S-08"] == 1


def test_s_tax_amount_is_taxable_times_rate() -> None:
    root = base()
    set_text(root, "cac:TaxTotal/cac:TaxSubtotal/cbc:TaxAmount", "250.99")
    assert "BR-S-09" not in fired(root)
    set_text(root, "cac:TaxTotal/cac:TaxSubtotal/cbc:TaxAmount", "251.00")
    assert fired(root)["BR-S-09"] == 1


def test_s_tax_amount_on_a_negative_credit_note_uses_absolute_values() -> None:
    root = as_credit_note(base())
    for path in ("cac:TaxTotal/cac:TaxSubtotal/cbc:TaxableAmount", "//cbc:LineExtensionAmount"):
        for node in root.xpath(path, namespaces=NS):
            node.text = "-1000.00"
    set_text(root, "cac:TaxTotal/cac:TaxSubtotal/cbc:TaxAmount", "-250.00")
    assert "BR-S-08" not in fired(root)
    assert "BR-S-09" not in fired(root)


def test_s_breakdown_with_exemption_reason() -> None:
    root = base()
    one(breakdown(root), "cac:TaxCategory/cac:TaxScheme").addprevious(
        etree.Element(f"{{{CBC}}}TaxExemptionReason")
    )
    assert fired(root)["BR-S-10"] == 1


def test_z_rules() -> None:
    root = valid("Z")
    one(line_category(root), "cbc:Percent").text = "25"
    assert fired(root)["BR-Z-05"] == 1

    root = valid("Z")
    set_text(root, "cac:TaxTotal/cac:TaxSubtotal/cbc:TaxAmount", "0.01")
    assert fired(root)["BR-Z-09"] == 1

    root = valid("Z")
    set_text(root, "cac:TaxTotal/cac:TaxSubtotal/cbc:TaxableAmount", "1000.01")
    assert fired(root)["BR-Z-08"] == 1  # no tolerance for the zero-rate families

    root = valid("Z")
    one(breakdown(root), "cac:TaxCategory/cac:TaxScheme").addprevious(
        etree.Element(f"{{{CBC}}}TaxExemptionReasonCode")
    )
    assert fired(root)["BR-Z-10"] == 1

    root = valid("Z")
    breakdown(root).addnext(etree.fromstring(etree.tostring(breakdown(root))))
    assert fired(root)["BR-Z-01"] == 1


def test_e_needs_exemption_reason_and_zero_rates() -> None:
    root = valid("E")
    remove(root, "//cbc:TaxExemptionReason")
    assert fired(root)["BR-E-10"] == 1

    root = valid("E")
    add_allowance_charge(root, charge=False, code="E", percent="25", amount="0.00")
    add_allowance_charge(root, charge=True, code="E", percent=None, amount="0.00")
    result = fired(root)
    assert result["BR-E-06"] == result["BR-E-07"] == 1


def test_e_accepts_a_seller_tax_registration_but_g_needs_a_vat_identifier() -> None:
    for code, rule_id, fires in (("E", "BR-E-02", False), ("G", "BR-G-02", True)):
        root = valid(code)
        set_text(
            root, "cac:AccountingSupplierParty//cac:PartyTaxScheme/cac:TaxScheme/cbc:ID", "TAX"
        )
        assert (rule_id in fired(root)) is fires


def test_e_taxable_amount_includes_allowances_and_charges() -> None:
    root = valid("E")
    add_allowance_charge(root, charge=False, code="E", percent="0", amount="100.00")
    assert fired(root)["BR-E-08"] == 1
    set_text(root, "cac:TaxTotal/cac:TaxSubtotal/cbc:TaxableAmount", "900.00")
    assert "BR-E-08" not in fired(root)


def test_ae_needs_buyer_identifier() -> None:
    root = valid("AE")
    remove(root, "cac:AccountingCustomerParty//cac:PartyTaxScheme")
    assert "BR-AE-02" not in fired(root)  # the buyer's legal registration identifier suffices
    remove(root, "cac:AccountingCustomerParty//cac:PartyLegalEntity/cbc:CompanyID")
    assert fired(root)["BR-AE-02"] == 1


def test_ae_tax_amount_and_rate() -> None:
    root = valid("AE")
    one(line_category(root), "cbc:Percent").text = "25"
    set_text(root, "cac:TaxTotal/cac:TaxSubtotal/cbc:TaxAmount", "250.00")
    result = fired(root)
    assert result["BR-AE-05"] == result["BR-AE-09"] == 1


def test_intra_community_supply() -> None:
    root = valid("K")
    remove(root, "cac:AccountingCustomerParty//cac:PartyTaxScheme")
    assert fired(root)["BR-IC-02"] == 1

    root = valid("K")
    remove(root, "cac:Delivery")
    result = fired(root)
    assert result["BR-IC-11"] == result["BR-IC-12"] == 1

    root = valid("K")
    remove(root, "cac:Delivery/cbc:ActualDeliveryDate")
    period = etree.Element(f"{{{CAC}}}InvoicePeriod")
    one(root, "cac:Delivery").addprevious(period)
    sub(period, "cbc:StartDate", "2024-05-01")
    assert "BR-IC-11" not in fired(root)

    root = valid("K")
    remove(root, "//cbc:TaxExemptionReason")
    assert fired(root)["BR-IC-10"] == 1


def test_export_rules() -> None:
    root = valid("G")
    remove(root, "//cbc:TaxExemptionReason")
    set_text(root, "cac:TaxTotal/cac:TaxSubtotal/cbc:TaxAmount", "1.00")
    result = fired(root)
    assert result["BR-G-10"] == result["BR-G-09"] == 1


def test_not_subject_to_vat_forbids_vat_identifiers_and_rates() -> None:
    root = recategorise(base(), "O", percent=None, reason="Not subject to VAT")
    add_allowance_charge(root, charge=False, code="O", percent=None, amount="0.00")
    add_allowance_charge(root, charge=True, code="O", percent=None, amount="0.00")
    result = fired(root)
    assert result["BR-O-02"] == result["BR-O-03"] == result["BR-O-04"] == 1

    root = valid("O")
    etree.SubElement(line_category(root), f"{{{CBC}}}Percent").text = "0"
    assert fired(root)["BR-O-05"] == 1


def test_not_subject_to_vat_excludes_other_categories() -> None:
    root = valid("O")
    extra = etree.fromstring(etree.tostring(one(root, "cac:InvoiceLine")))
    one(root, "cac:InvoiceLine").addnext(extra)
    one(extra, "cbc:ID").text = "2"
    one(extra, ".//cac:ClassifiedTaxCategory/cbc:ID").text = "Z"
    etree.SubElement(one(extra, ".//cac:ClassifiedTaxCategory"), f"{{{CBC}}}Percent").text = "0"
    z_breakdown = etree.fromstring(etree.tostring(breakdown(root)))
    breakdown(root).addnext(z_breakdown)
    one(z_breakdown, "cac:TaxCategory/cbc:ID").text = "Z"
    add_allowance_charge(root, charge=False, code="Z", percent="0", amount="0.00")
    add_allowance_charge(root, charge=True, code="Z", percent="0", amount="0.00")
    result = fired(root)
    for rule_id in ("BR-O-11", "BR-O-12", "BR-O-13", "BR-O-14"):
        assert result[rule_id] == 1, rule_id


@pytest.mark.parametrize(("code", "prefix"), [("L", "BR-IG"), ("M", "BR-IP")])
def test_canary_islands_and_ceuta_melilla(code: str, prefix: str) -> None:
    root = valid(code)
    one(line_category(root), "cbc:Percent").text = "-7"
    assert fired(root)[f"{prefix}-05"] == 1

    root = valid(code)
    set_text(root, "cac:TaxTotal/cac:TaxSubtotal/cbc:TaxAmount", "71.00")
    assert fired(root)[f"{prefix}-09"] == 1

    root = valid(code)
    one(breakdown(root), "cac:TaxCategory/cac:TaxScheme").addprevious(
        etree.Element(f"{{{CBC}}}TaxExemptionReason")
    )
    assert fired(root)[f"{prefix}-10"] == 1


def test_credit_note_taxable_amount_is_checked_against_credit_note_lines() -> None:
    root = as_credit_note(base())
    assert fired(root) == Counter()
    set_text(root, "cac:TaxTotal/cac:TaxSubtotal/cbc:TaxableAmount", "1500.00")
    assert fired(root)["BR-S-08"] == 1


def test_locations_point_at_the_context() -> None:
    root = valid("Z")
    one(line_category(root), "cbc:Percent").text = "25"
    findings = validate_document(root, only={"BR-Z-05"})
    assert [f.location for f in findings] == [
        "/Invoice/cac:InvoiceLine[1]/cac:Item[1]/cac:ClassifiedTaxCategory[1]"
    ]


# --------------------------------------------------------------------------------------------
# The official unit tests


def _renamed(rule_id: str) -> str:
    """The CEN unit tests for codes L and M still carry the pre-1.3 ids BR-AF-* and BR-AG-*; the
    release calls those rules BR-IG-* and BR-IP-*."""
    return re.sub(r"^BR-AF-", "BR-IG-", re.sub(r"^BR-AG-", "BR-IP-", rule_id))


def _official_cases() -> Iterator[object]:
    from bench.rule_tests import Case, all_cases

    for case in all_cases(SHARED):
        if any(re.match(r"BR-A[FG]-", s) for s in case.scope):
            case = Case(
                case.file,
                case.index,
                frozenset(_renamed(s) for s in case.scope),
                case.layers,
                Counter({_renamed(k): v for k, v in case.errors.items()}),
                Counter({_renamed(k): v for k, v in case.warnings.items()}),
                {_renamed(s) for s in case.successes},
                case.document,
            )
        if any(FAMILY.match(s) for s in case.scope):
            yield case


def test_official_unit_tests_of_the_vat_families_agree() -> None:
    if not SHARED.is_dir():
        pytest.skip("../shared/data not present (the official rule tests live outside the repo)")
    from bench.rule_tests import Case, run_case

    problems = {}
    total = 0
    for case in _official_cases():
        assert isinstance(case, Case)
        total += 1
        found = run_case(case)
        if found:
            problems[case.name] = found
    assert total > 500
    assert problems == {}
