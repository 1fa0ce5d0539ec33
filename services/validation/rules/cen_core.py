"""EN 16931 core rules for UBL: BR-01…BR-67, BR-CO-03…BR-CO-26 and BR-DEC-01…BR-DEC-28.

Our own implementation of the public rule texts of the CEN validation artefacts (release 1.3.x).
Each rule is checked on the context the official binding names (the document, the monetary
totals, each invoice line, each VAT breakdown, …) and reports that context's location once per
violation, so counts match the official validator.

Two principles decide the corner cases:

* Where the official binding compares a missing value (an empty sequence), the comparison is
  false and the rule fires; we do the same (e.g. BR-CO-10 fires when BT-106 is missing).
* Where the official binding could not evaluate at all (a text that is not a number or a date),
  the official validator raises an error instead of a finding; we report nothing for that rule
  (the syntax rules catch such values) rather than invent a finding it would not give.

Arithmetic is Decimal with XPath's `round()` (half towards positive infinity) and the official
tolerances. BR-CO-05…08 are `true()` in the release and therefore not registered here; the
VAT-category families (BR-S/Z/E/AE/K/G/O/IC/IG/IP…) live in `cen_vat`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from decimal import ROUND_FLOOR, Decimal

from lxml import etree

from services.validation.rules.engine import Doc, per_document, rule, string_value
from shared.schemas.events import Severity

Element = etree._Element
Contexts = Callable[[Doc], Iterable[Element]]
Test = Callable[[Doc, Element], bool]

# --------------------------------------------------------------------------------------------
# Reading values the way the rules do
# --------------------------------------------------------------------------------------------


class _Unreadable(Exception):
    """A value the official rule cannot evaluate (not a decimal, not a date): no finding."""


_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_HUNDRED = Decimal(100)
_VAT = "[cac:TaxScheme/cbc:ID[translate(normalize-space(.), 'vat', 'VAT') = 'VAT']]"
"""Predicate: a tax category or tax scheme party entry whose scheme is VAT (case-insensitive)."""


def _string(node: Element | str) -> str:
    return node if isinstance(node, str) else string_value(node)


def _number(raw: str) -> Decimal:
    text = raw.strip()
    if not _DECIMAL.fullmatch(text):
        raise _Unreadable(raw)
    return Decimal(text)


def _value(doc: Doc, path: str, node: Element) -> Decimal | None:
    """The first match as a decimal; None when absent."""
    found = doc.xpath(path, node)
    return _number(_string(found[0])) if found else None


def _values(doc: Doc, path: str, node: Element) -> list[Decimal]:
    return [_number(_string(item)) for item in doc.xpath(path, node)]


def _round(value: Decimal, places: int = 0) -> Decimal:
    """XPath `round()` on `value * 10^places`, scaled back: halves go towards +infinity."""
    scale = Decimal(10) ** places
    return (value * scale + Decimal("0.5")).to_integral_value(ROUND_FLOOR) / scale


def _round2(value: Decimal) -> Decimal:
    return _round(value, 2)


def _nonblank(doc: Doc, path: str, node: Element) -> bool:
    """`normalize-space(path) != ''` on the first match."""
    found = doc.xpath(path, node)
    return bool(found) and bool(_string(found[0]).strip())


def _exists(path: str) -> Test:
    return lambda doc, node: doc.exists(path, node)


def _filled(path: str) -> Test:
    return lambda doc, node: _nonblank(doc, path, node)


def _reason() -> Test:
    return _exists("cbc:AllowanceChargeReason | cbc:AllowanceChargeReasonCode")


def _two_decimals(path: str) -> Test:
    """At most two digits after the decimal point (nothing to check when absent)."""

    def test(doc: Doc, node: Element) -> bool:
        found = doc.xpath(path, node)
        if not found:
            return True
        text = _string(found[0]).strip()
        return len(text.partition(".")[2]) <= 2

    return test


def _date(raw: str) -> date:
    text = raw.strip()
    try:
        return date.fromisoformat(text[:10])
    except ValueError as exc:
        raise _Unreadable(raw) from exc


def _indicator(doc: Doc, node: Element) -> bool | None:
    """cbc:ChargeIndicator as an xs:boolean; None when missing or not a boolean."""
    text = doc.text("cbc:ChargeIndicator", node)
    if text in ("true", "1"):
        return True
    if text in ("false", "0"):
        return False
    return None


# --------------------------------------------------------------------------------------------
# Contexts (what each rule is evaluated on)
# --------------------------------------------------------------------------------------------

_LINES = "cac:InvoiceLine | cac:CreditNoteLine"


def _document(doc: Doc) -> list[Element]:
    return [doc.root]


# The contexts below are per-document views: the rules that share one (the lines, the
# document's allowances, ...) read it once per document, and only iterate over it.


def _at(path: str) -> Contexts:
    def contexts(doc: Doc) -> list[Element]:
        return doc.nodes(path)

    return per_document(contexts)


def _document_allowance_charges(charge: bool) -> Contexts:
    def contexts(doc: Doc) -> list[Element]:
        return [ac for ac in doc.nodes("cac:AllowanceCharge") if _indicator(doc, ac) is charge]

    return per_document(contexts)


def _line_allowance_charges(charge: bool) -> Contexts:
    path = ".//cac:InvoiceLine/cac:AllowanceCharge | .//cac:CreditNoteLine/cac:AllowanceCharge"

    def contexts(doc: Doc) -> list[Element]:
        return [ac for ac in doc.nodes(path) if _indicator(doc, ac) is charge]

    return per_document(contexts)


_TOTALS = _at("cac:LegalMonetaryTotal")
_EACH_LINE = _at(_LINES)
_DOCUMENT_ALLOWANCES = _document_allowance_charges(charge=False)
_DOCUMENT_CHARGES = _document_allowance_charges(charge=True)
_LINE_ALLOWANCES = _line_allowance_charges(charge=False)
_LINE_CHARGES = _line_allowance_charges(charge=True)
_VAT_BREAKDOWNS = _at(".//cac:TaxTotal/cac:TaxSubtotal")
_TAX_REPRESENTATIVE = _at("cac:TaxRepresentativeParty")
_PAYMENT_MEANS = _at("cac:PaymentMeans")


def _check(
    rule_id: str,
    message_en: str,
    message_nb: str,
    contexts: Contexts,
    test: Test,
    flag: Severity = Severity.FATAL,
) -> None:
    """Register a rule: one finding at each context where `test` is false."""

    def check(doc: Doc) -> Iterator[str]:
        for node in contexts(doc):
            try:
                holds = test(doc, node)
            except _Unreadable:
                continue
            if not holds:
                yield doc.location(node)

    check.__name__ = check.__qualname__ = "check_" + rule_id.replace("-", "_").lower()
    rule(rule_id, message_en, message_nb, flag=flag)(check)


# --------------------------------------------------------------------------------------------
# BR-01 … BR-16: the document, its parties and totals
# --------------------------------------------------------------------------------------------

_check(
    "BR-01",
    "An Invoice shall have a Specification identifier (BT-24).",
    "Fakturaen må ha en spesifikasjonsidentifikator (BT-24, CustomizationID).",
    _document,
    _filled("cbc:CustomizationID"),
)
_check(
    "BR-02",
    "An Invoice shall have an Invoice number (BT-1).",
    "Fakturaen må ha et fakturanummer (BT-1).",
    _document,
    _filled("cbc:ID"),
)
_check(
    "BR-03",
    "An Invoice shall have an Invoice issue date (BT-2).",
    "Fakturaen må ha en fakturadato (BT-2).",
    _document,
    _filled("cbc:IssueDate"),
)
_check(
    "BR-04",
    "An Invoice shall have an Invoice type code (BT-3).",
    "Fakturaen må ha en fakturatypekode (BT-3).",
    _document,
    lambda doc, node: (
        _nonblank(doc, "cbc:InvoiceTypeCode", node)
        or _nonblank(doc, "cbc:CreditNoteTypeCode", node)
    ),
)
_check(
    "BR-05",
    "An Invoice shall have an Invoice currency code (BT-5).",
    "Fakturaen må ha en valutakode (BT-5).",
    _document,
    _filled("cbc:DocumentCurrencyCode"),
)
_check(
    "BR-06",
    "An Invoice shall contain the Seller name (BT-27).",
    "Fakturaen må inneholde selgers navn (BT-27, juridisk navn).",
    _document,
    _filled("cac:AccountingSupplierParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName"),
)
_check(
    "BR-07",
    "An Invoice shall contain the Buyer name (BT-44).",
    "Fakturaen må inneholde kjøpers navn (BT-44, juridisk navn).",
    _document,
    _filled("cac:AccountingCustomerParty/cac:Party/cac:PartyLegalEntity/cbc:RegistrationName"),
)
_check(
    "BR-08",
    "An Invoice shall contain the Seller postal address (BG-5).",
    "Fakturaen må inneholde selgers postadresse (BG-5).",
    _document,
    _exists("cac:AccountingSupplierParty/cac:Party/cac:PostalAddress"),
)
_check(
    "BR-09",
    "The Seller postal address (BG-5) shall contain a Seller country code (BT-40).",
    "Selgers postadresse (BG-5) må inneholde landkode (BT-40).",
    _at("cac:AccountingSupplierParty/cac:Party/cac:PostalAddress"),
    _filled("cac:Country/cbc:IdentificationCode"),
)
_check(
    "BR-10",
    "An Invoice shall contain the Buyer postal address (BG-8).",
    "Fakturaen må inneholde kjøpers postadresse (BG-8).",
    _document,
    _exists("cac:AccountingCustomerParty/cac:Party/cac:PostalAddress"),
)
_check(
    "BR-11",
    "The Buyer postal address (BG-8) shall contain a Buyer country code (BT-55).",
    "Kjøpers postadresse (BG-8) må inneholde landkode (BT-55).",
    _at("cac:AccountingCustomerParty/cac:Party/cac:PostalAddress"),
    _filled("cac:Country/cbc:IdentificationCode"),
)
_check(
    "BR-12",
    "An Invoice shall have the Sum of Invoice line net amount (BT-106).",
    "Fakturaen må ha summen av linjebeløpene (BT-106).",
    _TOTALS,
    _exists("cbc:LineExtensionAmount"),
)
_check(
    "BR-13",
    "An Invoice shall have the Invoice total amount without VAT (BT-109).",
    "Fakturaen må ha totalbeløp uten mva. (BT-109).",
    _TOTALS,
    _exists("cbc:TaxExclusiveAmount"),
)
_check(
    "BR-14",
    "An Invoice shall have the Invoice total amount with VAT (BT-112).",
    "Fakturaen må ha totalbeløp med mva. (BT-112).",
    _TOTALS,
    _exists("cbc:TaxInclusiveAmount"),
)
_check(
    "BR-15",
    "An Invoice shall have the Amount due for payment (BT-115).",
    "Fakturaen må ha beløp til betaling (BT-115).",
    _TOTALS,
    _exists("cbc:PayableAmount"),
)
_check(
    "BR-16",
    "An Invoice shall have at least one Invoice line (BG-25).",
    "Fakturaen må ha minst én fakturalinje (BG-25).",
    _document,
    _exists(_LINES),
)

# --------------------------------------------------------------------------------------------
# BR-17 … BR-20, BR-56: payee and seller tax representative
# --------------------------------------------------------------------------------------------


def _payee_named_and_distinct(doc: Doc, payee: Element) -> bool:
    """The official binding: the Payee has a name, and neither its name nor its identifier
    equals the Seller's (a Payee that is the Seller should not be given at all)."""
    seller = "../cac:AccountingSupplierParty/cac:Party/"
    names = {_string(n) for n in doc.xpath("cac:PartyName/cbc:Name", payee)}
    seller_names = {_string(n) for n in doc.xpath(seller + "cac:PartyName/cbc:Name", payee)}
    ids = {_string(n) for n in doc.xpath("cac:PartyIdentification/cbc:ID", payee)}
    seller_ids = {_string(n) for n in doc.xpath(seller + "cac:PartyIdentification/cbc:ID", payee)}
    return bool(names) and not names & seller_names and not ids & seller_ids


_check(
    "BR-17",
    "The Payee name (BT-59) shall be provided in the Invoice, if the Payee (BG-10) is different "
    "from the Seller (BG-4).",
    "Betalingsmottakers navn (BT-59) må oppgis når betalingsmottaker (BG-10) er en annen enn "
    "selger (BG-4).",
    _at("cac:PayeeParty"),
    _payee_named_and_distinct,
)
_check(
    "BR-18",
    "The Seller tax representative name (BT-62) shall be provided in the Invoice, if the Seller "
    "(BG-4) has a Seller tax representative party (BG-11).",
    "Navnet på selgers skatterepresentant (BT-62) må oppgis når selger (BG-4) har en "
    "skatterepresentant (BG-11).",
    _TAX_REPRESENTATIVE,
    _filled("cac:PartyName/cbc:Name"),
)
_check(
    "BR-19",
    "The Seller tax representative postal address (BG-12) shall be provided in the Invoice, if "
    "the Seller (BG-4) has a Seller tax representative party (BG-11).",
    "Postadressen til selgers skatterepresentant (BG-12) må oppgis når selger (BG-4) har en "
    "skatterepresentant (BG-11).",
    _TAX_REPRESENTATIVE,
    _exists("cac:PostalAddress"),
)
_check(
    "BR-20",
    "The Seller tax representative postal address (BG-12) shall contain a Tax representative "
    "country code (BT-69), if the Seller (BG-4) has a Seller tax representative party (BG-11).",
    "Postadressen til selgers skatterepresentant (BG-12) må inneholde landkode (BT-69).",
    _at("cac:TaxRepresentativeParty/cac:PostalAddress"),
    _filled("cac:Country/cbc:IdentificationCode"),
)
_check(
    "BR-56",
    "Each Seller tax representative party (BG-11) shall have a Seller tax representative VAT "
    "identifier (BT-63).",
    "Selgers skatterepresentant (BG-11) må ha et mva-nummer (BT-63).",
    _TAX_REPRESENTATIVE,
    _exists(f"cac:PartyTaxScheme{_VAT}/cbc:CompanyID"),
)

# --------------------------------------------------------------------------------------------
# BR-21 … BR-28, BR-CO-04, BR-64, BR-65: invoice lines
# --------------------------------------------------------------------------------------------


def _not_negative(path: str, *, required: bool) -> Test:
    """`(path) >= 0`: some match is zero or more. Without a match the comparison is false, so
    the official rule fires unless the value is optional (`or not(exists(path))`)."""

    def test(doc: Doc, node: Element) -> bool:
        values = _values(doc, path, node)
        if not values:
            return not required
        return any(value >= 0 for value in values)

    return test


_check(
    "BR-21",
    "Each Invoice line (BG-25) shall have an Invoice line identifier (BT-126).",
    "Hver fakturalinje (BG-25) må ha en linjeidentifikator (BT-126).",
    _EACH_LINE,
    _filled("cbc:ID"),
)
_check(
    "BR-22",
    "Each Invoice line (BG-25) shall have an Invoiced quantity (BT-129).",
    "Hver fakturalinje (BG-25) må ha fakturert mengde (BT-129).",
    _EACH_LINE,
    _exists("cbc:InvoicedQuantity | cbc:CreditedQuantity"),
)
_check(
    "BR-23",
    "An Invoice line (BG-25) shall have an Invoiced quantity unit of measure code (BT-130).",
    "Hver fakturalinje (BG-25) må ha en enhetskode for mengden (BT-130, unitCode).",
    _EACH_LINE,
    _exists("cbc:InvoicedQuantity/@unitCode | cbc:CreditedQuantity/@unitCode"),
)
_check(
    "BR-24",
    "Each Invoice line (BG-25) shall have an Invoice line net amount (BT-131).",
    "Hver fakturalinje (BG-25) må ha et nettobeløp for linjen (BT-131).",
    _EACH_LINE,
    _exists("cbc:LineExtensionAmount"),
)
_check(
    "BR-25",
    "Each Invoice line (BG-25) shall contain the Item name (BT-153).",
    "Hver fakturalinje (BG-25) må inneholde varenavn (BT-153).",
    _EACH_LINE,
    _filled("cac:Item/cbc:Name"),
)
_check(
    "BR-26",
    "Each Invoice line (BG-25) shall contain the Item net price (BT-146).",
    "Hver fakturalinje (BG-25) må inneholde nettopris for varen (BT-146).",
    _EACH_LINE,
    _exists("cac:Price/cbc:PriceAmount"),
)
_check(
    "BR-27",
    "The Item net price (BT-146) shall NOT be negative.",
    "Nettoprisen for varen (BT-146) kan ikke være negativ.",
    _EACH_LINE,
    _not_negative("cac:Price/cbc:PriceAmount", required=True),
)
_check(
    "BR-28",
    "The Item gross price (BT-148) shall NOT be negative.",
    "Bruttoprisen for varen (BT-148) kan ikke være negativ.",
    _EACH_LINE,
    _not_negative("cac:Price/cac:AllowanceCharge/cbc:BaseAmount", required=False),
)
_check(
    "BR-CO-04",
    "Each Invoice line (BG-25) shall be categorized with an Invoiced item VAT category code "
    "(BT-151).",
    "Hver fakturalinje (BG-25) må ha en mva-kategorikode for varen (BT-151).",
    _EACH_LINE,
    _exists(f"cac:Item/cac:ClassifiedTaxCategory{_VAT}/cbc:ID"),
)
_check(
    "BR-64",
    "The Item standard identifier (BT-157) shall have a Scheme identifier.",
    "Standard vareidentifikator (BT-157) må ha en skjemaidentifikator (schemeID).",
    _at(
        "cac:InvoiceLine/cac:Item/cac:StandardItemIdentification/cbc:ID"
        " | cac:CreditNoteLine/cac:Item/cac:StandardItemIdentification/cbc:ID"
    ),
    _exists("@schemeID"),
)
_check(
    "BR-65",
    "The Item classification identifier (BT-158) shall have a Scheme identifier.",
    "Vareklassifiseringskoden (BT-158) må ha en skjemaidentifikator (listID).",
    _at(
        "cac:InvoiceLine/cac:Item/cac:CommodityClassification/cbc:ItemClassificationCode"
        " | cac:CreditNoteLine/cac:Item/cac:CommodityClassification/cbc:ItemClassificationCode"
    ),
    _exists("@listID"),
)

# --------------------------------------------------------------------------------------------
# BR-29, BR-30, BR-CO-19, BR-CO-20: periods
# --------------------------------------------------------------------------------------------


def _period_in_order(doc: Doc, period: Element) -> bool:
    start, end = doc.xpath("cbc:StartDate", period), doc.xpath("cbc:EndDate", period)
    if not start or not end:
        return True
    return _date(_string(end[0])) >= _date(_string(start[0]))


_DOCUMENT_PERIOD = _at("cac:InvoicePeriod")
_LINE_PERIOD = _at("cac:InvoiceLine/cac:InvoicePeriod | cac:CreditNoteLine/cac:InvoicePeriod")

_check(
    "BR-29",
    "If both Invoicing period start date (BT-73) and Invoicing period end date (BT-74) are given "
    "then the Invoicing period end date (BT-74) shall be later or equal to the Invoicing period "
    "start date (BT-73).",
    "Når både startdato (BT-73) og sluttdato (BT-74) for faktureringsperioden er oppgitt, kan "
    "sluttdatoen ikke være før startdatoen.",
    _DOCUMENT_PERIOD,
    _period_in_order,
)
_check(
    "BR-30",
    "If both Invoice line period start date (BT-134) and Invoice line period end date (BT-135) "
    "are given then the Invoice line period end date (BT-135) shall be later or equal to the "
    "Invoice line period start date (BT-134).",
    "Når både startdato (BT-134) og sluttdato (BT-135) for linjens periode er oppgitt, kan "
    "sluttdatoen ikke være før startdatoen.",
    _LINE_PERIOD,
    _period_in_order,
)
_check(
    "BR-CO-19",
    "If Invoicing period (BG-14) is used, the Invoicing period start date (BT-73) or the "
    "Invoicing period end date (BT-74) shall be filled, or both.",
    "Når faktureringsperiode (BG-14) brukes, må startdato (BT-73), sluttdato (BT-74) eller begge "
    "fylles ut.",
    _DOCUMENT_PERIOD,
    _exists("cbc:StartDate | cbc:EndDate | cbc:DescriptionCode"),
)
_check(
    "BR-CO-20",
    "If Invoice line period (BG-26) is used, the Invoice line period start date (BT-134) or the "
    "Invoice line period end date (BT-135) shall be filled, or both.",
    "Når periode på fakturalinjen (BG-26) brukes, må startdato (BT-134), sluttdato (BT-135) eller "
    "begge fylles ut.",
    _LINE_PERIOD,
    _exists("cbc:StartDate | cbc:EndDate"),
)

# --------------------------------------------------------------------------------------------
# BR-31 … BR-44, BR-CO-21 … BR-CO-24: allowances and charges
# --------------------------------------------------------------------------------------------

_VAT_CATEGORY_ID = f"cac:TaxCategory{_VAT}/cbc:ID"

_check(
    "BR-31",
    "Each Document level allowance (BG-20) shall have a Document level allowance amount (BT-92).",
    "Hver rabatt på dokumentnivå (BG-20) må ha et beløp (BT-92).",
    _DOCUMENT_ALLOWANCES,
    _exists("cbc:Amount"),
)
_check(
    "BR-32",
    "Each Document level allowance (BG-20) shall have a Document level allowance VAT category "
    "code (BT-95).",
    "Hver rabatt på dokumentnivå (BG-20) må ha en mva-kategorikode (BT-95).",
    _DOCUMENT_ALLOWANCES,
    _exists(_VAT_CATEGORY_ID),
)
_check(
    "BR-33",
    "Each Document level allowance (BG-20) shall have a Document level allowance reason (BT-97) "
    "or a Document level allowance reason code (BT-98).",
    "Hver rabatt på dokumentnivå (BG-20) må ha en årsak (BT-97) eller en årsakskode (BT-98).",
    _DOCUMENT_ALLOWANCES,
    _reason(),
)
_check(
    "BR-36",
    "Each Document level charge (BG-21) shall have a Document level charge amount (BT-99).",
    "Hvert gebyr på dokumentnivå (BG-21) må ha et beløp (BT-99).",
    _DOCUMENT_CHARGES,
    _exists("cbc:Amount"),
)
_check(
    "BR-37",
    "Each Document level charge (BG-21) shall have a Document level charge VAT category code "
    "(BT-102).",
    "Hvert gebyr på dokumentnivå (BG-21) må ha en mva-kategorikode (BT-102).",
    _DOCUMENT_CHARGES,
    _exists(_VAT_CATEGORY_ID),
)
_check(
    "BR-38",
    "Each Document level charge (BG-21) shall have a Document level charge reason (BT-104) or a "
    "Document level charge reason code (BT-105).",
    "Hvert gebyr på dokumentnivå (BG-21) må ha en årsak (BT-104) eller en årsakskode (BT-105).",
    _DOCUMENT_CHARGES,
    _reason(),
)
_check(
    "BR-41",
    "Each Invoice line allowance (BG-27) shall have an Invoice line allowance amount (BT-136).",
    "Hver rabatt på fakturalinjen (BG-27) må ha et beløp (BT-136).",
    _LINE_ALLOWANCES,
    _exists("cbc:Amount"),
)
_check(
    "BR-42",
    "Each Invoice line allowance (BG-27) shall have an Invoice line allowance reason (BT-139) or "
    "an Invoice line allowance reason code (BT-140).",
    "Hver rabatt på fakturalinjen (BG-27) må ha en årsak (BT-139) eller en årsakskode (BT-140).",
    _LINE_ALLOWANCES,
    _reason(),
)
_check(
    "BR-43",
    "Each Invoice line charge (BG-28) shall have an Invoice line charge amount (BT-141).",
    "Hvert gebyr på fakturalinjen (BG-28) må ha et beløp (BT-141).",
    _LINE_CHARGES,
    _exists("cbc:Amount"),
)
_check(
    "BR-44",
    "Each Invoice line charge (BG-28) shall have an Invoice line charge reason (BT-144) or an "
    "Invoice line charge reason code (BT-145).",
    "Hvert gebyr på fakturalinjen (BG-28) må ha en årsak (BT-144) eller en årsakskode (BT-145).",
    _LINE_CHARGES,
    _reason(),
)
_check(
    "BR-CO-21",
    "Each Document level allowance (BG-20) shall contain a Document level allowance reason "
    "(BT-97) or a Document level allowance reason code (BT-98), or both.",
    "Hver rabatt på dokumentnivå (BG-20) må ha en årsak (BT-97), en årsakskode (BT-98) eller "
    "begge.",
    _DOCUMENT_ALLOWANCES,
    _reason(),
)
_check(
    "BR-CO-22",
    "Each Document level charge (BG-21) shall contain a Document level charge reason (BT-104) or "
    "a Document level charge reason code (BT-105), or both.",
    "Hvert gebyr på dokumentnivå (BG-21) må ha en årsak (BT-104), en årsakskode (BT-105) eller "
    "begge.",
    _DOCUMENT_CHARGES,
    _reason(),
)
_check(
    "BR-CO-23",
    "Each Invoice line allowance (BG-27) shall contain an Invoice line allowance reason (BT-139) "
    "or an Invoice line allowance reason code (BT-140), or both.",
    "Hver rabatt på fakturalinjen (BG-27) må ha en årsak (BT-139), en årsakskode (BT-140) eller "
    "begge.",
    _LINE_ALLOWANCES,
    _reason(),
)
_check(
    "BR-CO-24",
    "Each Invoice line charge (BG-28) shall contain an Invoice line charge reason (BT-144) or an "
    "Invoice line charge reason code (BT-145), or both.",
    "Hvert gebyr på fakturalinjen (BG-28) må ha en årsak (BT-144), en årsakskode (BT-145) eller "
    "begge.",
    _LINE_CHARGES,
    _reason(),
)

# --------------------------------------------------------------------------------------------
# BR-45 … BR-48: VAT breakdown
# --------------------------------------------------------------------------------------------


def _rate_unless_not_subject(doc: Doc, subtotal: Element) -> bool:
    category = f"cac:TaxCategory{_VAT}"
    if doc.exists(f"{category}/cbc:Percent", subtotal):
        return True
    return any(_string(n).strip() == "O" for n in doc.xpath(f"{category}/cbc:ID", subtotal))


_check(
    "BR-45",
    "Each VAT breakdown (BG-23) shall have a VAT category taxable amount (BT-116).",
    "Hver linje i mva-spesifikasjonen (BG-23) må ha et beregningsgrunnlag (BT-116).",
    _VAT_BREAKDOWNS,
    _exists("cbc:TaxableAmount"),
)
_check(
    "BR-46",
    "Each VAT breakdown (BG-23) shall have a VAT category tax amount (BT-117).",
    "Hver linje i mva-spesifikasjonen (BG-23) må ha et mva-beløp (BT-117).",
    _VAT_BREAKDOWNS,
    _exists("cbc:TaxAmount"),
)
_check(
    "BR-47",
    "Each VAT breakdown (BG-23) shall be defined through a VAT category code (BT-118).",
    "Hver linje i mva-spesifikasjonen (BG-23) må ha en mva-kategorikode (BT-118).",
    _VAT_BREAKDOWNS,
    _exists(_VAT_CATEGORY_ID),
)
_check(
    "BR-48",
    "Each VAT breakdown (BG-23) shall have a VAT category rate (BT-119), except if the Invoice is "
    "not subject to VAT.",
    "Hver linje i mva-spesifikasjonen (BG-23) må ha en mva-sats (BT-119), unntatt når fakturaen "
    "ikke er mva-pliktig (kategori O).",
    _VAT_BREAKDOWNS,
    _rate_unless_not_subject,
)

# --------------------------------------------------------------------------------------------
# BR-49 … BR-55, BR-57, BR-61 … BR-63, BR-66, BR-67: payment, references, addresses
# --------------------------------------------------------------------------------------------


def _account_for_credit_transfer(doc: Doc, means: Element) -> bool:
    code = doc.text("cbc:PaymentMeansCode", means) or ""
    return code not in ("30", "58") or doc.exists("cac:PayeeFinancialAccount/cbc:ID", means)


def _tax_currency_amount_given(doc: Doc, root: Element) -> bool:
    amounts = {n.get("currencyID") for n in doc.nodes(".//cac:TaxTotal/cbc:TaxAmount", root)}
    return all(_string(code) in amounts for code in doc.xpath("cbc:TaxCurrencyCode", root))


def _at_most_one(path: str) -> Test:
    return lambda doc, node: len(doc.xpath(path, node)) <= 1


_check(
    "BR-49",
    "A Payment instruction (BG-16) shall specify the Payment means type code (BT-81).",
    "Betalingsinformasjonen (BG-16) må angi betalingsmåte med kode (BT-81).",
    _PAYMENT_MEANS,
    _exists("cbc:PaymentMeansCode"),
)
_check(
    "BR-50",
    "A Payment account identifier (BT-84) shall be present if Credit transfer (BG-17) "
    "information is provided in the Invoice.",
    "Kontonummer (BT-84) må oppgis når fakturaen har opplysninger om kontooverføring (BG-17).",
    _at(
        "cac:PaymentMeans[normalize-space(cbc:PaymentMeansCode) = '30'"
        " or normalize-space(cbc:PaymentMeansCode) = '58']/cac:PayeeFinancialAccount"
    ),
    _filled("cbc:ID"),
)
_check(
    "BR-51",
    "In accordance with card payments security standards an invoice should never include a full "
    "card primary account number (BT-87): at most the first 6 and last 4 digits may be shown.",
    "Av hensyn til sikkerhetsstandarder for kortbetaling bør fakturaen aldri vise hele "
    "kortnummeret (BT-87): høyst de 6 første og 4 siste sifrene kan vises.",
    _at("cac:PaymentMeans/cac:CardAccount/cbc:PrimaryAccountNumberID"),
    lambda doc, node: len(" ".join(_string(node).split())) <= 10,
    flag=Severity.WARNING,
)
_check(
    "BR-52",
    "Each Additional supporting document (BG-24) shall contain a Supporting document reference "
    "(BT-122).",
    "Hvert vedlegg eller tilleggsdokument (BG-24) må ha en dokumentreferanse (BT-122).",
    _at("cac:AdditionalDocumentReference"),
    _filled("cbc:ID"),
)
_check(
    "BR-53",
    "If the VAT accounting currency code (BT-6) is present, then the Invoice total VAT amount in "
    "accounting currency (BT-111) shall be provided.",
    "Når valutakode for mva-regnskap (BT-6) er oppgitt, må total mva i den valutaen (BT-111) "
    "også oppgis.",
    _document,
    _tax_currency_amount_given,
)
_check(
    "BR-54",
    "Each Item attribute (BG-32) shall contain an Item attribute name (BT-160) and an Item "
    "attribute value (BT-161).",
    "Hver vareegenskap (BG-32) må ha både navn (BT-160) og verdi (BT-161).",
    _at(".//cac:AdditionalItemProperty"),
    lambda doc, node: doc.exists("cbc:Name", node) and doc.exists("cbc:Value", node),
)
_check(
    "BR-55",
    "Each Preceding Invoice reference (BG-3) shall contain a Preceding Invoice reference (BT-25).",
    "Hver referanse til tidligere faktura (BG-3) må inneholde fakturanummeret (BT-25).",
    _at("cac:BillingReference"),
    _exists("cac:InvoiceDocumentReference/cbc:ID"),
)
_check(
    "BR-57",
    "Each Deliver to address (BG-15) shall contain a Deliver to country code (BT-80).",
    "Hver leveringsadresse (BG-15) må inneholde landkode (BT-80).",
    _at(".//cac:Delivery/cac:DeliveryLocation/cac:Address"),
    _exists("cac:Country/cbc:IdentificationCode"),
)
_check(
    "BR-61",
    "If the Payment means type code (BT-81) means SEPA credit transfer, Local credit transfer or "
    "Non-SEPA international credit transfer, the Payment account identifier (BT-84) shall be "
    "present.",
    "Ved betaling med kontooverføring (betalingsmåte 30 eller 58, BT-81) må kontonummer (BT-84) "
    "oppgis.",
    _PAYMENT_MEANS,
    _account_for_credit_transfer,
)
_check(
    "BR-62",
    "The Seller electronic address (BT-34) shall have a Scheme identifier.",
    "Selgers elektroniske adresse (BT-34) må ha en skjemaidentifikator (schemeID).",
    _at("cac:AccountingSupplierParty/cac:Party/cbc:EndpointID"),
    _exists("@schemeID"),
)
_check(
    "BR-63",
    "The Buyer electronic address (BT-49) shall have a Scheme identifier.",
    "Kjøpers elektroniske adresse (BT-49) må ha en skjemaidentifikator (schemeID).",
    _at("cac:AccountingCustomerParty/cac:Party/cbc:EndpointID"),
    _exists("@schemeID"),
)
_check(
    "BR-66",
    "An Invoice shall contain maximum one Payment Card account (BG-18).",
    "Fakturaen kan inneholde høyst ett betalingskort (BG-18).",
    _document,
    _at_most_one("cac:PaymentMeans/cac:CardAccount"),
)
_check(
    "BR-67",
    "An Invoice shall contain maximum one Payment Mandate (BG-19).",
    "Fakturaen kan inneholde høyst én avtale om direkte debitering (BG-19).",
    _document,
    _at_most_one("cac:PaymentMeans/cac:PaymentMandate"),
)

# --------------------------------------------------------------------------------------------
# BR-CO-03, BR-CO-09, BR-CO-18, BR-CO-25, BR-CO-26: conditions
# --------------------------------------------------------------------------------------------

_VAT_PREFIX_CODES = """
    1A AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ
    BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO
    DZ EC EE EG EH EL ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT
    GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR
    KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT
    MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT
    PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD
    TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS XI YE
    YT ZA ZM ZW
    """
"""ISO 3166-1 alpha-2 codes plus EL (Greece), XI (Northern Ireland) and 1A (Kosovo)."""
_VAT_PREFIX_TEXT = " " + " ".join(_VAT_PREFIX_CODES.split()) + " "


def _country_prefix(doc: Doc, scheme: Element) -> bool:
    """The official test is 'the first two characters occur in the space-separated code list',
    so an empty or one-character identifier passes; we keep that so we never reject more."""
    found = doc.xpath("cbc:CompanyID", scheme)
    prefix = _string(found[0])[:2] if found else ""
    return prefix in _VAT_PREFIX_TEXT


def _due_date_or_terms(doc: Doc, payable: Element) -> bool:
    if _number(_string(payable)) <= 0:
        return True
    return doc.exists(".//cbc:DueDate | .//cac:PaymentTerms/cbc:Note", doc.root)


def _seller_identified(doc: Doc, seller: Element) -> bool:
    return doc.exists(
        f"cac:Party/cac:PartyTaxScheme{_VAT}/cbc:CompanyID"
        " | cac:Party/cac:PartyIdentification/cbc:ID"
        " | cac:Party/cac:PartyLegalEntity/cbc:CompanyID",
        seller,
    )


_check(
    "BR-CO-03",
    "Value added tax point date (BT-7) and Value added tax point date code (BT-8) are mutually "
    "exclusive.",
    "Dato for mva-plikt (BT-7) og kode for dato for mva-plikt (BT-8) kan ikke begge oppgis.",
    _document,
    lambda doc, node: (
        not (
            doc.exists("cbc:TaxPointDate", node)
            and doc.exists("cac:InvoicePeriod/cbc:DescriptionCode", node)
        )
    ),
)
_check(
    "BR-CO-09",
    "The Seller VAT identifier (BT-31), the Seller tax representative VAT identifier (BT-63) and "
    "the Buyer VAT identifier (BT-48) shall have a prefix in accordance with ISO code ISO 3166-1 "
    "alpha-2 by which the country of issue may be identified. Nevertheless, Greece may use the "
    "prefix 'EL'.",
    "Mva-nummer for selger (BT-31), skatterepresentant (BT-63) og kjøper (BT-48) må begynne med "
    "landkoden etter ISO 3166-1 alpha-2 (for eksempel NO for Norge; Hellas kan bruke EL).",
    _at(f".//cac:PartyTaxScheme{_VAT}"),
    _country_prefix,
)
_check(
    "BR-CO-18",
    "An Invoice shall at least have one VAT breakdown group (BG-23).",
    "Fakturaen må ha minst én linje i mva-spesifikasjonen (BG-23).",
    _document,
    _exists("cac:TaxTotal/cac:TaxSubtotal"),
)


def _invoice_payable(doc: Doc) -> list[Element]:
    """BR-CO-25 is bound to the Invoice only; the release does not apply it to credit notes."""
    return [] if doc.is_credit_note else doc.nodes("cac:LegalMonetaryTotal/cbc:PayableAmount")


_check(
    "BR-CO-25",
    "In case the Amount due for payment (BT-115) is positive, either the Payment due date (BT-9) "
    "or the Payment terms (BT-20) shall be present.",
    "Når beløp til betaling (BT-115) er positivt, må forfallsdato (BT-9) eller "
    "betalingsbetingelser (BT-20) oppgis.",
    _invoice_payable,
    _due_date_or_terms,
)
_check(
    "BR-CO-26",
    "In order for the buyer to automatically identify a supplier, the Seller identifier (BT-29), "
    "the Seller legal registration identifier (BT-30) and/or the Seller VAT identifier (BT-31) "
    "shall be present.",
    "For at kjøper skal kunne identifisere leverandøren automatisk, må selgers identifikator "
    "(BT-29), organisasjonsnummer (BT-30) og/eller mva-nummer (BT-31) oppgis.",
    _at("cac:AccountingSupplierParty"),
    _seller_identified,
)

# --------------------------------------------------------------------------------------------
# BR-CO-10 … BR-CO-17: arithmetic
# --------------------------------------------------------------------------------------------


def _document_amounts(doc: Doc, totals: Element, charge: bool) -> list[Decimal]:
    root = totals.getparent()
    found = doc.nodes("cac:AllowanceCharge", root) if root is not None else []
    return [
        amount
        for ac in found
        if _indicator(doc, ac) is charge
        for amount in _values(doc, "cbc:Amount", ac)
    ]


def _line_net_sum(doc: Doc, totals: Element) -> bool:
    stated = _value(doc, "cbc:LineExtensionAmount", totals)
    lines = _values(
        doc,
        "//cac:InvoiceLine/cbc:LineExtensionAmount | //cac:CreditNoteLine/cbc:LineExtensionAmount",
        totals,
    )
    return stated is not None and stated == _round2(sum(lines, Decimal(0)))


def _document_sum(charge: bool) -> Test:
    element = "cbc:ChargeTotalAmount" if charge else "cbc:AllowanceTotalAmount"

    def test(doc: Doc, totals: Element) -> bool:
        amounts = _document_amounts(doc, totals, charge)
        has_items = _has_document_items(doc, totals, charge)
        stated = _value(doc, element, totals)
        if stated is None:
            return not has_items
        return stated == _round2(sum(amounts, Decimal(0)))

    return test


def _has_document_items(doc: Doc, totals: Element, charge: bool) -> bool:
    root = totals.getparent()
    found = doc.nodes("cac:AllowanceCharge", root) if root is not None else []
    return any(_indicator(doc, ac) is charge for ac in found)


def _total_without_vat(doc: Doc, totals: Element) -> bool:
    net = _value(doc, "cbc:LineExtensionAmount", totals)
    without_vat = _value(doc, "cbc:TaxExclusiveAmount", totals)
    charges = _value(doc, "cbc:ChargeTotalAmount", totals)
    allowances = _value(doc, "cbc:AllowanceTotalAmount", totals)
    if net is None or without_vat is None:
        return False
    if charges is None and allowances is None:
        return without_vat == net
    expected = net + (charges or Decimal(0)) - (allowances or Decimal(0))
    return without_vat == _round2(expected)


def _vat_total_sum(doc: Doc, tax_total: Element) -> bool:
    if not doc.exists("cac:TaxSubtotal", tax_total):
        return True
    stated = _value(doc, "cbc:TaxAmount", tax_total)
    parts = _values(doc, "cac:TaxSubtotal/cbc:TaxAmount", tax_total)
    return stated is not None and stated == _round2(sum(parts, Decimal(0)))


def _total_with_vat(doc: Doc, root: Element) -> bool:
    for currency in doc.xpath("cbc:DocumentCurrencyCode", root):
        code = _string(currency)
        vat = [
            _number(_string(n))
            for n in doc.nodes("cac:TaxTotal/cbc:TaxAmount", root)
            if n.get("currencyID") == code
        ]
        with_vat = _value(doc, "cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount", root)
        without_vat = _value(doc, "cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount", root)
        if len(vat) != 1 or with_vat is None or without_vat is None:
            return False
        if with_vat != _round2(without_vat + vat[0]):
            return False
    return True


def _amount_due(doc: Doc, totals: Element) -> bool:
    payable = _value(doc, "cbc:PayableAmount", totals)
    with_vat = _value(doc, "cbc:TaxInclusiveAmount", totals)
    paid = _value(doc, "cbc:PrepaidAmount", totals)
    rounding = _value(doc, "cbc:PayableRoundingAmount", totals)
    if payable is None or with_vat is None:
        return False
    due = with_vat if paid is None else _round2(with_vat - paid)
    if rounding is None:
        return payable == due
    return _round2(payable - rounding) == due


def _vat_category_amount(doc: Doc, subtotal: Element) -> bool:
    """Tax = taxable * rate / 100 rounded to 2 decimals, within ±1 (exclusive) compared in
    absolute values; with a rate that rounds to 0, or no rate, the tax must round to 0."""
    rate = _value(doc, f"cac:TaxCategory{_VAT}/cbc:Percent", subtotal)
    tax = _value(doc, "cbc:TaxAmount", subtotal)
    if tax is None:
        return False
    if rate is None or _round(rate) == 0:
        return _round(tax) == 0
    taxable = _value(doc, "cbc:TaxableAmount", subtotal)
    if taxable is None:
        return False
    expected = _round2(abs(taxable) * (rate / _HUNDRED))
    return abs(tax) - 1 < expected < abs(tax) + 1


_check(
    "BR-CO-10",
    "Sum of Invoice line net amount (BT-106) = Σ Invoice line net amount (BT-131).",
    "Summen av linjebeløp (BT-106) må være lik summen av nettobeløpene på fakturalinjene (BT-131).",
    _TOTALS,
    _line_net_sum,
)
_check(
    "BR-CO-11",
    "Sum of allowances on document level (BT-107) = Σ Document level allowance amount (BT-92).",
    "Sum rabatter på dokumentnivå (BT-107) må være lik summen av rabattbeløpene (BT-92).",
    _TOTALS,
    _document_sum(charge=False),
)
_check(
    "BR-CO-12",
    "Sum of charges on document level (BT-108) = Σ Document level charge amount (BT-99).",
    "Sum gebyrer på dokumentnivå (BT-108) må være lik summen av gebyrbeløpene (BT-99).",
    _TOTALS,
    _document_sum(charge=True),
)
_check(
    "BR-CO-13",
    "Invoice total amount without VAT (BT-109) = Σ Invoice line net amount (BT-131) - Sum of "
    "allowances on document level (BT-107) + Sum of charges on document level (BT-108).",
    "Totalbeløp uten mva. (BT-109) må være lik summen av linjebeløp (BT-106) minus rabatter "
    "(BT-107) pluss gebyrer (BT-108) på dokumentnivå.",
    _TOTALS,
    _total_without_vat,
)
_check(
    "BR-CO-14",
    "Invoice total VAT amount (BT-110) = Σ VAT category tax amount (BT-117).",
    "Total mva. (BT-110) må være lik summen av mva-beløpene i mva-spesifikasjonen (BT-117).",
    _at("cac:TaxTotal"),
    _vat_total_sum,
)
_check(
    "BR-CO-15",
    "Invoice total amount with VAT (BT-112) = Invoice total amount without VAT (BT-109) + "
    "Invoice total VAT amount (BT-110).",
    "Totalbeløp med mva. (BT-112) må være lik totalbeløp uten mva. (BT-109) pluss total mva. "
    "(BT-110) i fakturavalutaen.",
    _document,
    _total_with_vat,
)
_check(
    "BR-CO-16",
    "Amount due for payment (BT-115) = Invoice total amount with VAT (BT-112) - Paid amount "
    "(BT-113) + Rounding amount (BT-114).",
    "Beløp til betaling (BT-115) må være lik totalbeløp med mva. (BT-112) minus forskuddsbetalt "
    "beløp (BT-113) pluss avrundingsbeløp (BT-114).",
    _TOTALS,
    _amount_due,
)
_check(
    "BR-CO-17",
    "VAT category tax amount (BT-117) = VAT category taxable amount (BT-116) x (VAT category "
    "rate (BT-119) / 100), rounded to two decimals.",
    "Mva-beløpet (BT-117) må være lik beregningsgrunnlaget (BT-116) ganget med mva-satsen "
    "(BT-119) delt på 100, avrundet til to desimaler.",
    _VAT_BREAKDOWNS,
    _vat_category_amount,
)

# --------------------------------------------------------------------------------------------
# BR-DEC-*: at most two decimals on amounts
# --------------------------------------------------------------------------------------------


def _vat_total_decimals(currency_path: str) -> Test:
    """BT-110 / BT-111: the document-level VAT total stated in the document (or VAT accounting)
    currency."""

    def test(doc: Doc, root: Element) -> bool:
        codes = {_string(c).strip() for c in doc.xpath(currency_path, root)}
        amounts = doc.nodes("cac:TaxTotal/cbc:TaxAmount", root)
        return all(
            len(_string(n).strip().partition(".")[2]) <= 2
            for n in amounts
            if n.get("currencyID") in codes
        )

    return test


# (id, English name of the amount, Norwegian name, element, contexts)
_DECIMAL_RULES: tuple[tuple[str, str, str, str, Contexts], ...] = (
    (
        "BR-DEC-01",
        "Document level allowance amount (BT-92)",
        "rabattbeløpet på dokumentnivå (BT-92)",
        "cbc:Amount",
        _DOCUMENT_ALLOWANCES,
    ),
    (
        "BR-DEC-02",
        "Document level allowance base amount (BT-93)",
        "grunnlaget for rabatten på dokumentnivå (BT-93)",
        "cbc:BaseAmount",
        _DOCUMENT_ALLOWANCES,
    ),
    (
        "BR-DEC-05",
        "Document level charge amount (BT-99)",
        "gebyrbeløpet på dokumentnivå (BT-99)",
        "cbc:Amount",
        _DOCUMENT_CHARGES,
    ),
    (
        "BR-DEC-06",
        "Document level charge base amount (BT-100)",
        "grunnlaget for gebyret på dokumentnivå (BT-100)",
        "cbc:BaseAmount",
        _DOCUMENT_CHARGES,
    ),
    (
        "BR-DEC-09",
        "Sum of Invoice line net amount (BT-106)",
        "summen av linjebeløp (BT-106)",
        "cbc:LineExtensionAmount",
        _TOTALS,
    ),
    (
        "BR-DEC-10",
        "Sum of allowances on document level (BT-107)",
        "summen av rabatter på dokumentnivå (BT-107)",
        "cbc:AllowanceTotalAmount",
        _TOTALS,
    ),
    (
        "BR-DEC-11",
        "Sum of charges on document level (BT-108)",
        "summen av gebyrer på dokumentnivå (BT-108)",
        "cbc:ChargeTotalAmount",
        _TOTALS,
    ),
    (
        "BR-DEC-12",
        "Invoice total amount without VAT (BT-109)",
        "totalbeløp uten mva. (BT-109)",
        "cbc:TaxExclusiveAmount",
        _TOTALS,
    ),
    (
        "BR-DEC-14",
        "Invoice total amount with VAT (BT-112)",
        "totalbeløp med mva. (BT-112)",
        "cbc:TaxInclusiveAmount",
        _TOTALS,
    ),
    (
        "BR-DEC-16",
        "Paid amount (BT-113)",
        "forskuddsbetalt beløp (BT-113)",
        "cbc:PrepaidAmount",
        _TOTALS,
    ),
    (
        "BR-DEC-17",
        "Rounding amount (BT-114)",
        "avrundingsbeløp (BT-114)",
        "cbc:PayableRoundingAmount",
        _TOTALS,
    ),
    (
        "BR-DEC-18",
        "Amount due for payment (BT-115)",
        "beløp til betaling (BT-115)",
        "cbc:PayableAmount",
        _TOTALS,
    ),
    (
        "BR-DEC-19",
        "VAT category taxable amount (BT-116)",
        "beregningsgrunnlaget for mva. (BT-116)",
        "cbc:TaxableAmount",
        _VAT_BREAKDOWNS,
    ),
    (
        "BR-DEC-20",
        "VAT category tax amount (BT-117)",
        "mva-beløpet per kategori (BT-117)",
        "cbc:TaxAmount",
        _VAT_BREAKDOWNS,
    ),
    (
        "BR-DEC-23",
        "Invoice line net amount (BT-131)",
        "nettobeløpet på fakturalinjen (BT-131)",
        "cbc:LineExtensionAmount",
        _EACH_LINE,
    ),
    (
        "BR-DEC-24",
        "Invoice line allowance amount (BT-136)",
        "rabattbeløpet på fakturalinjen (BT-136)",
        "cbc:Amount",
        _LINE_ALLOWANCES,
    ),
    (
        "BR-DEC-25",
        "Invoice line allowance base amount (BT-137)",
        "grunnlaget for rabatten på fakturalinjen (BT-137)",
        "cbc:BaseAmount",
        _LINE_ALLOWANCES,
    ),
    (
        "BR-DEC-27",
        "Invoice line charge amount (BT-141)",
        "gebyrbeløpet på fakturalinjen (BT-141)",
        "cbc:Amount",
        _LINE_CHARGES,
    ),
    (
        "BR-DEC-28",
        "Invoice line charge base amount (BT-142)",
        "grunnlaget for gebyret på fakturalinjen (BT-142)",
        "cbc:BaseAmount",
        _LINE_CHARGES,
    ),
)

for _id, _en, _nb, _element, _contexts in _DECIMAL_RULES:
    _check(
        _id,
        f"The allowed maximum number of decimals for the {_en} is 2.",
        f"Høyst to desimaler er tillatt i {_nb}.",
        _contexts,
        _two_decimals(_element),
    )

_check(
    "BR-DEC-13",
    "The allowed maximum number of decimals for the Invoice total VAT amount (BT-110) is 2.",
    "Høyst to desimaler er tillatt i total mva. (BT-110).",
    _document,
    _vat_total_decimals("cbc:DocumentCurrencyCode"),
)
_check(
    "BR-DEC-15",
    "The allowed maximum number of decimals for the Invoice total VAT amount in accounting "
    "currency (BT-111) is 2.",
    "Høyst to desimaler er tillatt i total mva. i regnskapsvalutaen (BT-111).",
    _document,
    _vat_total_decimals("cbc:TaxCurrencyCode"),
)
