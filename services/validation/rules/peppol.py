"""Peppol BIS Billing 3.0 base rules (release 3.0.19): PEPPOL-EN16931-* and PEPPOL-COMMON-*.

Our own reading of the published rule texts. Each check follows the official rule's context
(which elements it looks at) and test, including its quirks where the official unit tests
depend on them: presence tests mean "the element exists", code comparisons are exact unless the
rule normalises whitespace, and a value the official rule cannot even parse (a date or an amount
that is not a number) is left to the rules about formats.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from decimal import ROUND_FLOOR, Decimal, InvalidOperation

from lxml import etree

from services.validation.rules import codelists
from services.validation.rules.cen_codelists import AMOUNT_ELEMENTS, amount_elements
from services.validation.rules.engine import NS, Doc, Layer, per_document, rule, string_value
from shared.checkdigits import valid_orgnr
from shared.schemas.events import Severity

PEPPOL = Layer.PEPPOL
WARNING = Severity.WARNING
BILLING_CUSTOMIZATION = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
_PROFILE = re.compile(r"urn:fdc:peppol.eu:2017:poacc:billing:([0-9]{2}):1.0")
_AMOUNT_NAMES = (
    "Amount",
    "BaseAmount",
    "PriceAmount",
    "TaxableAmount",
    "LineExtensionAmount",
    "TaxExclusiveAmount",
    "TaxInclusiveAmount",
    "AllowanceTotalAmount",
    "ChargeTotalAmount",
    "PrepaidAmount",
    "PayableRoundingAmount",
    "PayableAmount",
)
_TAX_AMOUNT = f"{{{NS['cbc']}}}TaxAmount"
# With TaxAmount, the amounts of BR-CL-03: `amount_elements` walks the document for them once.
assert {*_AMOUNT_NAMES, "TaxAmount"} == set(AMOUNT_ELEMENTS)
_DATE_NAMES = ("IssueDate", "DueDate", "TaxPointDate", "StartDate", "EndDate", "ActualDeliveryDate")
_ASCII_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_ASCII_DIGITS = "0123456789"


# ---------------------------------------------------------------------------------------------
# Small helpers shared by the rules
# ---------------------------------------------------------------------------------------------


def norm(value: str | None) -> str:
    """XPath normalize-space()."""
    return " ".join((value or "").split())


def raw_text(node: etree._Element) -> str:
    """The element's own first text node, untouched (what `text()` means in the rules)."""
    return node.text or ""


_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
"""The readers' patterns, compiled once: they run for every amount, quantity and date."""


def to_decimal(value: str | None) -> Decimal | None:
    """xs:decimal(): a plain decimal number (no exponent, no NaN); None when not castable."""
    text = (value or "").strip()
    if not _DECIMAL.fullmatch(text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern above rules this out
        return None


def to_number(value: str | None) -> float | None:
    """XPath number(): None for NaN."""
    text = (value or "").strip()
    if not _NUMBER.fullmatch(text):
        return None
    return float(text)


def to_date(value: str | None) -> date | None:
    """xs:date() of a plain YYYY-MM-DD value; None when not castable."""
    text = (value or "").strip()
    if not _DATE.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def descendants(doc: Doc, *local_names: str, prefix: str = "cbc") -> Iterator[etree._Element]:
    """Every element with one of these names anywhere in the document, in document order."""
    tags = _CLARK_NAMES.get((prefix, local_names))
    if tags is None:
        tags = _CLARK_NAMES[prefix, local_names] = tuple(
            f"{{{_ns(prefix)}}}{name}" for name in local_names
        )
    return doc.root.iter(*tags)


_CLARK_NAMES: dict[tuple[str, tuple[str, ...]], tuple[str, ...]] = {}
"""The Clark names `descendants` filters by, built once per set of names (not per call)."""


def _ns(prefix: str) -> str:
    return NS[prefix]


def profile(doc: Doc) -> str:
    """The two-digit business process ('01'), or 'Unknown'.

    As the official rule: the pattern is searched for (not anchored) and its dots match any
    character; the process is then the seventh ':'-separated part.
    """
    profile_id = doc.first("cbc:ProfileID")
    if profile_id is None:
        return "Unknown"
    value = norm(string_value(profile_id))
    if _PROFILE.search(value) is None:
        return "Unknown"
    parts = value.split(":")
    return parts[6] if len(parts) > 6 else ""


def postal_country(doc: Doc, party: str) -> str:
    """Upper-cased postal address country of the AccountingSupplierParty/CustomerParty."""
    code = doc.text(f"cac:{party}/cac:Party/cac:PostalAddress/cac:Country/cbc:IdentificationCode")
    return (code or "").upper()


def german_trade(doc: Doc) -> bool:
    """Both seller and buyer have a German postal address (the German exceptions)."""
    return (
        postal_country(doc, "AccountingSupplierParty") == "DE"
        and postal_country(doc, "AccountingCustomerParty") == "DE"
    )


def document_allowance_charges(doc: Doc) -> list[etree._Element]:
    """Allowances/charges on document and line level (not the price-level ones)."""
    return doc.nodes(f"cac:AllowanceCharge | {doc.line_tag}/cac:AllowanceCharge")


def slack(expected: Decimal, value: Decimal, tolerance: Decimal) -> bool:
    return expected - tolerance <= value <= expected + tolerance


def round_half_up_2(value: Decimal) -> Decimal:
    """XPath round(x * 100) div 100: halves go up (towards positive infinity)."""
    return (value * 100 + Decimal("0.5")).to_integral_value(rounding=ROUND_FLOOR) / 100


# ---------------------------------------------------------------------------------------------
# Document level
# ---------------------------------------------------------------------------------------------


@rule(
    "PEPPOL-EN16931-R001",
    "Business process MUST be provided.",
    "Forretningsprosess (ProfileID) må oppgis.",
    layer=PEPPOL,
)
def r001(doc: Doc) -> Iterator[str]:
    if not doc.exists("cbc:ProfileID"):
        yield doc.location()


@rule(
    "PEPPOL-EN16931-R002",
    "No more than one note is allowed on document level, unless both the buyer and seller are "
    "German organizations.",
    "Det er ikke tillatt med mer enn én merknad (Note) på dokumentnivå, med mindre både kjøper "
    "og selger er tyske virksomheter.",
    layer=PEPPOL,
)
def r002(doc: Doc) -> Iterator[str]:
    if len(doc.nodes("cbc:Note")) > 1 and not german_trade(doc):
        yield doc.location()


@rule(
    "PEPPOL-EN16931-R003",
    "A buyer reference or purchase order reference MUST be provided.",
    "Kjøperens referanse (BuyerReference) eller innkjøpsordrereferanse må oppgis.",
    layer=PEPPOL,
)
def r003(doc: Doc) -> Iterator[str]:
    if not doc.exists("cbc:BuyerReference | cac:OrderReference/cbc:ID"):
        yield doc.location()


@rule(
    "PEPPOL-EN16931-R004",
    f"Specification identifier MUST have the value '{BILLING_CUSTOMIZATION}'.",
    f"Spesifikasjonsidentifikator (CustomizationID) må ha verdien '{BILLING_CUSTOMIZATION}'.",
    layer=PEPPOL,
)
def r004(doc: Doc) -> Iterator[str]:
    node = doc.first("cbc:CustomizationID")
    value = norm(raw_text(node)) if node is not None else ""
    if not value.startswith(BILLING_CUSTOMIZATION):
        yield doc.location(node)


@rule(
    "PEPPOL-EN16931-R005",
    "VAT accounting currency code MUST be different from invoice currency code when provided.",
    "Valutakoden for mva-regnskapet må være forskjellig fra fakturaens valutakode når den er "
    "oppgitt.",
    layer=PEPPOL,
)
def r005(doc: Doc) -> Iterator[str]:
    for node in descendants(doc, "TaxCurrencyCode"):
        parent = node.getparent()
        currency = doc.first("cbc:DocumentCurrencyCode", parent)
        document_currency = norm(raw_text(currency)) if currency is not None else ""
        if norm(raw_text(node)) == document_currency:
            yield doc.location(node)


@rule(
    "PEPPOL-EN16931-R007",
    "Business process MUST be in the format 'urn:fdc:peppol.eu:2017:poacc:billing:NN:1.0' where "
    "NN indicates the process number.",
    "Forretningsprosess (ProfileID) må ha formatet 'urn:fdc:peppol.eu:2017:poacc:billing:NN:1.0', "
    "der NN er prosessnummeret.",
    layer=PEPPOL,
)
def r007(doc: Doc) -> Iterator[str]:
    if profile(doc) == "Unknown":
        yield doc.location(doc.first("cbc:ProfileID"))


@rule(
    "PEPPOL-EN16931-R008",
    "Document MUST not contain empty elements.",
    "Dokumentet kan ikke inneholde tomme elementer.",
    layer=PEPPOL,
)
def r008(doc: Doc) -> Iterator[str]:
    blank_leaves = doc.blank_leaves
    if blank_leaves is not None:  # the common case, from the shared walk
        for node in blank_leaves:
            yield doc.location(node)
        return
    for node in doc.root.iter(etree.Element):
        if len(node) == 0:
            empty = not (node.text or "").strip()  # no children: the string value is the text
        else:
            has_child = next(node.iterchildren(etree.Element), None) is not None
            empty = not has_child and not norm(string_value(node))
        if empty:
            yield doc.location(node)


@rule(
    "PEPPOL-EN16931-R053",
    "Only one tax total with tax subtotals MUST be provided.",
    "Det skal være nøyaktig én TaxTotal med mva-spesifikasjon (TaxSubtotal).",
    layer=PEPPOL,
)
def r053(doc: Doc) -> Iterator[str]:
    if len(doc.nodes("cac:TaxTotal[cac:TaxSubtotal]")) != 1:
        yield doc.location()


@rule(
    "PEPPOL-EN16931-R054",
    "Only one tax total without tax subtotals MUST be provided when tax currency code is provided.",
    "Når valutakode for mva-regnskapet er oppgitt, skal det være nøyaktig én TaxTotal uten "
    "mva-spesifikasjon (og ellers ingen).",
    layer=PEPPOL,
)
def r054(doc: Doc) -> Iterator[str]:
    expected = 1 if doc.exists("cbc:TaxCurrencyCode") else 0
    if len(doc.nodes("cac:TaxTotal[not(cac:TaxSubtotal)]")) != expected:
        yield doc.location()


@rule(
    "PEPPOL-EN16931-R055",
    "Invoice total VAT amount and Invoice total VAT amount in accounting currency MUST have the "
    "same operational sign.",
    "Fakturaens totale mva-beløp og totalt mva-beløp i regnskapsvalutaen må ha samme fortegn.",
    layer=PEPPOL,
)
def r055(doc: Doc) -> Iterator[str]:
    tax_currency = doc.first("cbc:TaxCurrencyCode")
    if tax_currency is None:
        return
    document_currency = doc.first("cbc:DocumentCurrencyCode")

    def amounts(code_node: etree._Element | None) -> list[float]:
        code = norm(string_value(code_node)) if code_node is not None else None
        values = []
        for amount in doc.nodes("cac:TaxTotal/cbc:TaxAmount"):
            number = to_number(string_value(amount))
            if amount.get("currencyID") == code and number is not None:
                values.append(number)
        return values

    in_tax, in_document = amounts(tax_currency), amounts(document_currency)
    both_negative = any(v <= 0 for v in in_tax) and any(v <= 0 for v in in_document)
    both_positive = any(v >= 0 for v in in_tax) and any(v >= 0 for v in in_document)
    if not (both_negative or both_positive):
        yield doc.location()


@rule(
    "PEPPOL-EN16931-R080",
    "Only one project reference is allowed on document level.",
    "Det er bare tillatt med én prosjektreferanse på dokumentnivå.",
    layer=PEPPOL,
)
def r080(doc: Doc) -> Iterator[str]:
    if not doc.is_credit_note:
        return  # the official rule looks at credit notes; invoices use cac:ProjectReference
    references = doc.nodes("cac:AdditionalDocumentReference[cbc:DocumentTypeCode = '50']")
    if len(references) > 1:
        yield doc.location()


# ---------------------------------------------------------------------------------------------
# Parties
# ---------------------------------------------------------------------------------------------


@rule(
    "PEPPOL-EN16931-R010",
    "Buyer electronic address MUST be provided.",
    "Kjøperens elektroniske adresse (EndpointID) må oppgis.",
    layer=PEPPOL,
)
def r010(doc: Doc) -> Iterator[str]:
    for party in doc.nodes(".//cac:AccountingCustomerParty/cac:Party"):
        if not doc.exists("cbc:EndpointID", party):
            yield doc.location(party)


@rule(
    "PEPPOL-EN16931-R020",
    "Seller electronic address MUST be provided.",
    "Selgerens elektroniske adresse (EndpointID) må oppgis.",
    layer=PEPPOL,
)
def r020(doc: Doc) -> Iterator[str]:
    for party in doc.nodes(".//cac:AccountingSupplierParty/cac:Party"):
        if not doc.exists("cbc:EndpointID", party):
            yield doc.location(party)


# ---------------------------------------------------------------------------------------------
# Allowances and charges
# ---------------------------------------------------------------------------------------------


@rule(
    "PEPPOL-EN16931-R040",
    "Allowance/charge amount must equal base amount * percentage/100 if base amount and "
    "percentage exists.",
    "Beløpet for rabatt/gebyr må være lik grunnlagsbeløp × prosentsats / 100 når både grunnlag "
    "og prosentsats er oppgitt.",
    layer=PEPPOL,
)
def r040(doc: Doc) -> Iterator[str]:
    for charge in document_allowance_charges(doc):
        if not doc.exists("cbc:MultiplierFactorNumeric", charge) or not doc.exists(
            "cbc:BaseAmount", charge
        ):
            continue
        base = to_decimal(doc.text("cbc:BaseAmount", charge))
        factor = to_decimal(doc.text("cbc:MultiplierFactorNumeric", charge))
        amount_text = doc.text("cbc:Amount", charge)
        amount = to_decimal(amount_text) if amount_text is not None else Decimal(0)
        if base is None or factor is None or amount is None:
            continue  # not numbers: the official rule cannot evaluate them either
        if not slack(amount, base * factor / 100, Decimal("0.02")):
            yield doc.location(charge)


@rule(
    "PEPPOL-EN16931-R041",
    "Allowance/charge base amount MUST be provided when allowance/charge percentage is provided.",
    "Grunnlagsbeløp for rabatt/gebyr må oppgis når prosentsats er oppgitt.",
    layer=PEPPOL,
)
def r041(doc: Doc) -> Iterator[str]:
    for charge in document_allowance_charges(doc):
        if doc.exists("cbc:MultiplierFactorNumeric", charge) and not doc.exists(
            "cbc:BaseAmount", charge
        ):
            yield doc.location(charge)


@rule(
    "PEPPOL-EN16931-R042",
    "Allowance/charge percentage MUST be provided when allowance/charge base amount is provided.",
    "Prosentsats for rabatt/gebyr må oppgis når grunnlagsbeløp er oppgitt.",
    layer=PEPPOL,
)
def r042(doc: Doc) -> Iterator[str]:
    for charge in document_allowance_charges(doc):
        if doc.exists("cbc:BaseAmount", charge) and not doc.exists(
            "cbc:MultiplierFactorNumeric", charge
        ):
            yield doc.location(charge)


@rule(
    "PEPPOL-EN16931-R043",
    "Allowance/charge ChargeIndicator value MUST equal 'true' or 'false'.",
    "ChargeIndicator for rabatt/gebyr må ha verdien 'true' eller 'false'.",
    layer=PEPPOL,
)
def r043(doc: Doc) -> Iterator[str]:
    for charge in document_allowance_charges(doc):
        indicator = doc.first("cbc:ChargeIndicator", charge)
        if indicator is None or norm(raw_text(indicator)) not in ("true", "false"):
            yield doc.location(charge)


@rule(
    "PEPPOL-EN16931-R044",
    "Charge on price level is NOT allowed. Only value 'false' allowed.",
    "Gebyr på prisnivå er ikke tillatt. Bare verdien 'false' (rabatt) er tillatt.",
    layer=PEPPOL,
)
def r044(doc: Doc) -> Iterator[str]:
    for charge in doc.nodes(".//cac:Price/cac:AllowanceCharge"):
        if norm(doc.text("cbc:ChargeIndicator", charge)) != "false":
            yield doc.location(charge)


@rule(
    "PEPPOL-EN16931-R046",
    "Item net price MUST equal (Gross price - Allowance amount) when gross price is provided.",
    "Nettopris for varen må være lik bruttopris minus rabattbeløp når bruttopris er oppgitt.",
    layer=PEPPOL,
)
def r046(doc: Doc) -> Iterator[str]:
    for charge in doc.nodes(".//cac:Price/cac:AllowanceCharge"):
        if not doc.exists("cbc:BaseAmount", charge):
            continue
        price = to_decimal(doc.text("../cbc:PriceAmount", charge))
        gross = to_decimal(doc.text("cbc:BaseAmount", charge))
        allowance = to_decimal(doc.text("cbc:Amount", charge))
        if price is None or gross is None or allowance is None or price != gross - allowance:
            yield doc.location(charge)


# ---------------------------------------------------------------------------------------------
# Amounts and currencies, payment
# ---------------------------------------------------------------------------------------------


def _amounts_in_document_currency(doc: Doc) -> Iterator[etree._Element]:
    """Amounts that must be in the document currency: all but the VAT total in accounting
    currency (BT-111, the TaxTotal without subtotals)."""
    tax_amount = _TAX_AMOUNT
    for node in amount_elements(doc):
        if node.tag != tax_amount:
            yield node
        else:
            parent = node.getparent()
            if parent is None:
                continue
            parent_name = etree.QName(parent).localname
            if parent_name == "TaxSubtotal" or (
                parent_name == "TaxTotal" and doc.exists("cac:TaxSubtotal", parent)
            ):
                yield node


@rule(
    "PEPPOL-EN16931-R051",
    "All currencyID attributes must have the same value as the invoice currency code (BT-5), "
    "except for the invoice total VAT amount in accounting currency (BT-111).",
    "Alle currencyID-attributter må ha samme verdi som fakturaens valutakode (BT-5), unntatt "
    "totalt mva-beløp i regnskapsvaluta (BT-111).",
    layer=PEPPOL,
)
def r051(doc: Doc) -> Iterator[str]:
    currency_node = doc.first("cbc:DocumentCurrencyCode")
    currency = string_value(currency_node) if currency_node is not None else None
    for node in _amounts_in_document_currency(doc):
        if currency is None or node.get("currencyID") != currency:
            yield doc.location(node)


@rule(
    "PEPPOL-EN16931-R061",
    "Mandate reference MUST be provided for direct debit.",
    "Mandatreferanse må oppgis ved direkte debitering (betalingsmåte 49 eller 59).",
    layer=PEPPOL,
)
def r061(doc: Doc) -> Iterator[str]:
    for means in doc.nodes(".//cac:PaymentMeans"):
        code = norm(doc.text("cbc:PaymentMeansCode", means))
        if code in codelists.UNCL4461_DIRECT_DEBIT and not doc.exists(
            "cac:PaymentMandate/cbc:ID", means
        ):
            yield doc.location(means)


# ---------------------------------------------------------------------------------------------
# Lines
# ---------------------------------------------------------------------------------------------


def _line_period_dates(doc: Doc, which: str) -> Iterator[tuple[etree._Element, date, date]]:
    document_value = doc.text(f"cac:InvoicePeriod/cbc:{which}")
    if document_value is None:
        return
    document_date = to_date(document_value)
    for node in doc.nodes(f"{doc.line_tag}/cac:InvoicePeriod/cbc:{which}"):
        line_date = to_date(raw_text(node))
        if line_date is not None and document_date is not None:
            yield node, line_date, document_date


@rule(
    "PEPPOL-EN16931-R110",
    "Start date of line period MUST be within invoice period.",
    "Startdatoen for linjens periode må ligge innenfor fakturaperioden.",
    layer=PEPPOL,
)
def r110(doc: Doc) -> Iterator[str]:
    for node, line_date, document_date in _line_period_dates(doc, "StartDate"):
        if line_date < document_date:
            yield doc.location(node)


@rule(
    "PEPPOL-EN16931-R111",
    "End date of line period MUST be within invoice period.",
    "Sluttdatoen for linjens periode må ligge innenfor fakturaperioden.",
    layer=PEPPOL,
)
def r111(doc: Doc) -> Iterator[str]:
    for node, line_date, document_date in _line_period_dates(doc, "EndDate"):
        if line_date > document_date:
            yield doc.location(node)


def _line_charges(doc: Doc, line: etree._Element) -> tuple[Decimal, Decimal]:
    """The line's charges and allowances (ChargeIndicator 'true' and 'false'), each summed in
    document order and rounded, from one look at its AllowanceCharge children."""
    found = doc.nodes("cac:AllowanceCharge", line)
    if not found:
        return _ROUNDED_ZERO, _ROUNDED_ZERO
    totals = {"true": Decimal(0), "false": Decimal(0)}
    for charge in found:
        indicator = norm(doc.text("cbc:ChargeIndicator", charge))
        if indicator in totals:
            for amount in doc.nodes("cbc:Amount", charge):
                totals[indicator] += to_decimal(string_value(amount)) or Decimal(0)
    return round_half_up_2(totals["true"]), round_half_up_2(totals["false"])


_ROUNDED_ZERO = round_half_up_2(Decimal(0))
_ZERO, _ONE, _R120_SLACK = Decimal(0), Decimal(1), Decimal("0.02")


@rule(
    "PEPPOL-EN16931-R120",
    "Invoice line net amount MUST equal (Invoiced quantity * (Item net price/item price base "
    "quantity) + Sum of invoice line charge amount - sum of invoice line allowance amount.",
    "Linjens nettobeløp må være lik fakturert antall × (nettopris / prisgrunnlag for antall) "
    "+ sum gebyrer på linjen − sum rabatter på linjen.",
    layer=PEPPOL,
)
def r120(doc: Doc) -> Iterator[str]:
    for line in doc.lines:
        text = doc.text("cbc:LineExtensionAmount", line)
        line_amount = to_decimal(text) if text is not None else _ZERO
        text = doc.text(doc.quantity_tag, line)
        quantity = to_decimal(text) if text is not None else _ONE
        text = doc.text("cac:Price/cbc:PriceAmount", line)
        price = to_decimal(text) if text is not None else _ZERO
        text = doc.text("cac:Price/cbc:BaseQuantity", line)
        base = to_decimal(text) if text is not None else _ONE
        if line_amount is None or quantity is None or price is None or base is None:
            continue  # not numbers: left to the format rules
        if base == 0:
            base = _ONE
        charges, allowances = _line_charges(doc, line)
        expected = quantity * (price / base) + charges - allowances
        if not slack(line_amount, expected, _R120_SLACK):
            yield doc.location(line)


@rule(
    "PEPPOL-EN16931-R121",
    "Base quantity MUST be a positive number above zero.",
    "Prisgrunnlag for antall (BaseQuantity) må være et positivt tall større enn null.",
    layer=PEPPOL,
)
def r121(doc: Doc) -> Iterator[str]:
    for line in doc.lines:
        base_text = doc.text("cac:Price/cbc:BaseQuantity", line)
        if base_text is None:
            continue
        base = to_decimal(base_text)
        if base is None or base <= 0:
            yield doc.location(line)


@rule(
    "PEPPOL-EN16931-R100",
    "Only one invoiced object is allowed pr line.",
    "Det er bare tillatt med ett fakturert objekt per linje.",
    layer=PEPPOL,
)
def r100(doc: Doc) -> Iterator[str]:
    for line in doc.lines:
        if len(doc.nodes("cac:DocumentReference", line)) > 1:
            yield doc.location(line)


@rule(
    "PEPPOL-EN16931-R101",
    "Element Document reference can only be used for Invoice line object.",
    "Dokumentreferanse på linjenivå kan bare brukes for fakturert objekt (dokumenttype 130).",
    layer=PEPPOL,
)
def r101(doc: Doc) -> Iterator[str]:
    for line in doc.lines:
        if doc.exists("cac:DocumentReference", line) and not doc.exists(
            "cac:DocumentReference[cbc:DocumentTypeCode = '130']", line
        ):
            yield doc.location(line)


@rule(
    "PEPPOL-EN16931-R130",
    "Unit code of price base quantity MUST be same as invoiced quantity.",
    "Enhetskoden for prisgrunnlaget må være den samme som for fakturert antall.",
    layer=PEPPOL,
)
def r130(doc: Doc) -> Iterator[str]:
    for base in doc.nodes(".//cac:Price/cbc:BaseQuantity[@unitCode]"):
        price = base.getparent()
        line = price.getparent() if price is not None else None
        if line is None:
            continue
        has_quantity = doc.exists("cbc:InvoicedQuantity | cbc:CreditedQuantity", line)
        if not has_quantity:
            continue
        tag = "cbc:InvoicedQuantity" if not doc.is_credit_note else "cbc:CreditedQuantity"
        units = [q.get("unitCode") for q in doc.nodes(tag, line) if q.get("unitCode") is not None]
        if base.get("unitCode") not in units:
            yield doc.location(base)


# ---------------------------------------------------------------------------------------------
# Code lists and formats
# ---------------------------------------------------------------------------------------------


@rule(
    "PEPPOL-EN16931-CL001",
    "Mime code must be according to subset of IANA code list.",
    "MIME-typen for vedlegget må være en av de tillatte (PDF, PNG, JPEG, CSV, XLSX eller ODS).",
    layer=PEPPOL,
)
def cl001(doc: Doc) -> Iterator[str]:
    for node in descendants(doc, "EmbeddedDocumentBinaryObject"):
        mime = node.get("mimeCode")
        if mime is not None and mime not in codelists.MIME_CODES:
            yield doc.location(node)


def _reason_codes(doc: Doc, indicator: str) -> Iterator[etree._Element]:
    for charge in doc.nodes(".//cac:AllowanceCharge"):
        indicators = [string_value(n) for n in doc.nodes("cbc:ChargeIndicator", charge)]
        if indicator in indicators:
            yield from doc.nodes("cbc:AllowanceChargeReasonCode", charge)


@rule(
    "PEPPOL-EN16931-CL002",
    "Reason code MUST be according to subset of UNCL 5189 D.16B.",
    "Årsakskoden for rabatten må være fra den tillatte delen av kodelisten UNCL 5189.",
    layer=PEPPOL,
)
def cl002(doc: Doc) -> Iterator[str]:
    for node in _reason_codes(doc, "false"):
        if norm(raw_text(node)) not in codelists.UNCL5189_ALLOWANCE_REASONS:
            yield doc.location(node)


@rule(
    "PEPPOL-EN16931-CL003",
    "Reason code MUST be according to UNCL 7161 D.16B.",
    "Årsakskoden for gebyret må være fra kodelisten UNCL 7161.",
    layer=PEPPOL,
)
def cl003(doc: Doc) -> Iterator[str]:
    for node in _reason_codes(doc, "true"):
        if norm(raw_text(node)) not in codelists.UNCL7161_CHARGE_REASONS:
            yield doc.location(node)


@rule(
    "PEPPOL-EN16931-CL006",
    "Invoice period description code must be according to UNCL 2005 D.16B.",
    "Beskrivelseskoden for fakturaperioden må være fra kodelisten UNCL 2005 (3, 35 eller 432).",
    layer=PEPPOL,
)
def cl006(doc: Doc) -> Iterator[str]:
    for node in doc.nodes(".//cac:InvoicePeriod/cbc:DescriptionCode"):
        if norm(raw_text(node)) not in codelists.UNCL2005_PERIOD_CODES:
            yield doc.location(node)


@rule(
    "PEPPOL-EN16931-CL007",
    "Currency code must be according to ISO 4217:2005.",
    "Valutakoden må være en gyldig kode etter ISO 4217.",
    layer=PEPPOL,
)
def cl007(doc: Doc) -> Iterator[str]:
    for node in amount_elements(doc):  # descendants(doc, *_AMOUNT_NAMES, "TaxAmount")
        if node.get("currencyID") not in codelists.ISO4217_CURRENCIES:
            yield doc.location(node)


@rule(
    "PEPPOL-EN16931-CL008",
    'Electronic address identifier scheme must be from the codelist "Electronic Address '
    'Identifier Scheme".',
    "Identifikatorskjemaet (schemeID) for den elektroniske adressen må være fra kodelisten "
    "Electronic Address Scheme (EAS).",
    layer=PEPPOL,
)
def cl008(doc: Doc) -> Iterator[str]:
    for node in descendants(doc, "EndpointID"):
        scheme = node.get("schemeID")
        if scheme is not None and scheme not in codelists.EAS_SCHEMES:
            yield doc.location(node)


@rule(
    "PEPPOL-EN16931-F001",
    "A date MUST be formatted YYYY-MM-DD.",
    "En dato må ha formatet ÅÅÅÅ-MM-DD.",
    layer=PEPPOL,
)
def f001(doc: Doc) -> Iterator[str]:
    for node in descendants(doc, *_DATE_NAMES):
        text = raw_text(node)
        if len(text) != 10 or to_date(text) is None:
            yield doc.location(node)


@rule(
    "PEPPOL-EN16931-P0100",
    "Invoice type code MUST be set according to the profile.",
    "Fakturatypekoden må være tillatt for forretningsprosessen (profilen).",
    layer=PEPPOL,
)
def p0100(doc: Doc) -> Iterator[str]:
    if profile(doc) != "01":
        return
    for node in descendants(doc, "InvoiceTypeCode"):
        if norm(raw_text(node)) not in codelists.UNCL1001_INVOICE_TYPES:
            yield doc.location(node)


@rule(
    "PEPPOL-EN16931-P0101",
    "Credit note type code MUST be set according to the profile.",
    "Kreditnotatypekoden må være tillatt for forretningsprosessen (profilen).",
    layer=PEPPOL,
)
def p0101(doc: Doc) -> Iterator[str]:
    if profile(doc) != "01":
        return
    for node in descendants(doc, "CreditNoteTypeCode"):
        if norm(raw_text(node)) not in codelists.UNCL1001_CREDIT_NOTE_TYPES:
            yield doc.location(node)


@rule(
    "PEPPOL-EN16931-P0112",
    "Invoice type code 326 or 384 are only allowed when both buyer and seller are German "
    "organizations.",
    "Fakturatypekode 326 (delfaktura) og 384 (korrigert faktura) er bare tillatt når både kjøper "
    "og selger er tyske virksomheter.",
    layer=PEPPOL,
)
def p0112(doc: Doc) -> Iterator[str]:
    for node in descendants(doc, "InvoiceTypeCode"):
        code = norm(string_value(node))
        if code in codelists.GERMAN_ONLY_INVOICE_TYPES and not german_trade(doc):
            yield doc.location(node)


def _vatex_rule(reason: str, category: str) -> None:
    number = {
        "VATEX-EU-G": "P0104",
        "VATEX-EU-O": "P0105",
        "VATEX-EU-IC": "P0106",
        "VATEX-EU-AE": "P0107",
        "VATEX-EU-D": "P0108",
        "VATEX-EU-F": "P0109",
        "VATEX-EU-I": "P0110",
        "VATEX-EU-J": "P0111",
    }[reason]

    def check(doc: Doc) -> Iterator[str]:
        for category_node in doc.nodes(".//cac:TaxCategory"):
            reasons = [
                string_value(n).upper()
                for n in doc.nodes("cbc:TaxExemptionReasonCode", category_node)
            ]
            if reason in reasons and norm(doc.text("cbc:ID", category_node)) != category:
                yield doc.location(category_node)

    rule(
        f"PEPPOL-EN16931-{number}",
        f"Tax Category {category} MUST be used when exemption reason code is {reason}.",
        f"Mva-kategori {category} må brukes når fritaksårsakskoden er {reason}.",
        layer=PEPPOL,
    )(check)


for _reason, _category in codelists.VATEX_CATEGORY.items():
    _vatex_rule(_reason, _category)


# ---------------------------------------------------------------------------------------------
# Identifier schemes (ICD / EAS) with check digits: PEPPOL-COMMON-R040 … R050
# ---------------------------------------------------------------------------------------------


_ENDPOINT_ID = f"{{{NS['cbc']}}}EndpointID"
_COMPANY_ID = f"{{{NS['cbc']}}}CompanyID"
_ID = f"{{{NS['cbc']}}}ID"
_PARTY_IDENTIFICATION = f"{{{NS['cac']}}}PartyIdentification"


@per_document
def _identifiers_by_scheme(doc: Doc) -> dict[str, list[etree._Element]]:
    """.//cbc:EndpointID | .//cac:PartyIdentification/cbc:ID | .//cbc:CompanyID, grouped by
    their schemeID, each group in document order (one pass for all the scheme rules)."""
    found: dict[str, list[etree._Element]] = {}
    for node in doc.root.iterdescendants(_ENDPOINT_ID, _COMPANY_ID, _ID):
        scheme = node.get("schemeID")
        if scheme is None:
            continue
        if node.tag == _ID:
            parent = node.getparent()
            if parent is None or parent.tag != _PARTY_IDENTIFICATION:
                continue
        found.setdefault(scheme, []).append(node)
    return found


def identifiers(doc: Doc, scheme: str, endpoint_only: bool = False) -> Iterator[etree._Element]:
    """EndpointID, PartyIdentification/ID and CompanyID elements with this schemeID."""
    for node in _identifiers_by_scheme(doc).get(scheme, []):
        if not endpoint_only or node.tag == _ENDPOINT_ID:
            yield node


def valid_gln(value: str) -> bool:
    """GS1 check digit: weights 3,1,3,1… from the right of the body."""
    if not re.fullmatch(r"[0-9]+", value):
        return False
    body, check = value[:-1], int(value[-1])
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == check


def valid_belgian_enterprise(value: str) -> bool:
    """KBO/BCE number: ten digits, the last two are 97 - (first eight mod 97)."""
    if not re.fullmatch(r"[0-9]{10}", value):
        return False
    return 97 - int(value[:8]) % 97 == int(value[8:])


def valid_danish_cvr(value: str) -> bool:
    """As the rule reads: eight digits, optionally prefixed 'DK' (no check digit)."""

    def digits(part: str) -> bool:
        return all(c in _ASCII_DIGITS for c in part)

    if len(value) == 10:
        return value.startswith("DK") and digits(value[2:])
    return len(value) == 8 and digits(value)


def valid_ipa_code(value: str) -> bool:
    return len(value) == 6 and all(c in _ASCII_LETTERS + _ASCII_DIGITS for c in value)


def _castable_integer(value: str) -> bool:
    return re.fullmatch(r"\s*[+-]?[0-9]+\s*", value) is not None


def valid_codice_fiscale(value: str) -> bool:
    """Italian tax code: 16 characters in the person pattern, or 11 digits (a company)."""
    if len(value) == 11:
        return _castable_integer(value)
    if len(value) != 16:
        return False

    def letters(part: str) -> bool:
        return all(c in _ASCII_LETTERS for c in part)

    return (
        letters(value[0:6])
        and _castable_integer(value[6:8])
        and letters(value[8])
        and _castable_integer(value[9:11])
        and _castable_integer(value[14])
        and letters(value[15])
    )


def valid_partita_iva(value: str) -> bool:
    """Italian VAT number: when prefixed IT, eleven digits with a Luhn-style check digit."""
    if value[:2] not in ("IT", "it"):
        return True
    digits = value[2:]
    if re.fullmatch(r"[0-9]{11}", digits) is None:
        return False
    total = 0
    for i, d in enumerate(digits):
        total += int("0246813579"[int(d)]) if i % 2 == 1 else int(d)
    return total % 10 == 0


def valid_swedish_orgnr(value: str) -> bool:
    """Ten digits; the tenth is the Luhn check digit of the first nine."""
    if len(value) != 10 or not re.fullmatch(r"[0-9]+", value):
        return False
    total = 0
    for position, d in enumerate(reversed(value[:9]), start=1):
        n = int(d)
        total += (n * 2) % 10 + (n * 2) // 10 if position % 2 == 1 else n
    return (10 - total % 10) % 10 == int(value[9])


def valid_abn(value: str) -> bool:
    """Australian Business Number: 11 digits, weighted sum (first digit minus one) mod 89 = 0."""
    if not re.fullmatch(r"[0-9]{11}", value):
        return False
    weights = (10, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19)
    digits = [int(d) for d in value]
    digits[0] -= 1
    return sum(w * d for w, d in zip(weights, digits, strict=True)) % 89 == 0


def valid_norwegian_orgnr(value: str) -> bool:
    return re.fullmatch(r"[0-9]{9}", value) is not None and int(value) > 0 and valid_orgnr(value)


@rule(
    "PEPPOL-COMMON-R040",
    "GLN must have a valid format according to GS1 rules.",
    "GLN-nummeret må ha gyldig format og kontrollsiffer etter GS1-reglene.",
    layer=PEPPOL,
)
def common_r040(doc: Doc) -> Iterator[str]:
    for node in identifiers(doc, "0088"):
        if not valid_gln(norm(string_value(node))):
            yield doc.location(node)


@rule(
    "PEPPOL-COMMON-R041",
    "Norwegian organization number MUST be stated in the correct format.",
    "Norsk organisasjonsnummer må oppgis i riktig format: ni sifre med gyldig kontrollsiffer "
    "(MOD11).",
    layer=PEPPOL,
)
def common_r041(doc: Doc) -> Iterator[str]:
    for node in identifiers(doc, "0192"):
        if not valid_norwegian_orgnr(norm(string_value(node))):
            yield doc.location(node)


@rule(
    "PEPPOL-COMMON-R042",
    "Danish organization number (CVR) MUST be stated in the correct format.",
    "Dansk organisasjonsnummer (CVR) må oppgis i riktig format: åtte sifre, eventuelt med DK "
    "foran.",
    layer=PEPPOL,
)
def common_r042(doc: Doc) -> Iterator[str]:
    for node in identifiers(doc, "0184"):
        if not valid_danish_cvr(string_value(node)):
            yield doc.location(node)


@rule(
    "PEPPOL-COMMON-R043",
    "Belgian enterprise number MUST be stated in the correct format.",
    "Belgisk foretaksnummer må oppgis i riktig format: ti sifre med gyldig kontrollsiffer (MOD97).",
    layer=PEPPOL,
)
def common_r043(doc: Doc) -> Iterator[str]:
    for node in identifiers(doc, "0208"):
        if not valid_belgian_enterprise(norm(string_value(node))):
            yield doc.location(node)


@rule(
    "PEPPOL-COMMON-R044",
    "IPA Code (Codice Univoco Unità Organizzativa) must be stated in the correct format.",
    "Italiensk IPA-kode (Codice Univoco Unità Organizzativa) bør oppgis i riktig format: seks "
    "bokstaver eller sifre.",
    layer=PEPPOL,
    flag=WARNING,
)
def common_r044(doc: Doc) -> Iterator[str]:
    for node in identifiers(doc, "0201"):
        if not valid_ipa_code(norm(string_value(node))):
            yield doc.location(node)


@rule(
    "PEPPOL-COMMON-R045",
    "Tax Code (Codice Fiscale) must be stated in the correct format.",
    "Italiensk skattekode (Codice Fiscale) bør oppgis i riktig format.",
    layer=PEPPOL,
    flag=WARNING,
)
def common_r045(doc: Doc) -> Iterator[str]:
    for node in identifiers(doc, "0210"):
        if not valid_codice_fiscale(norm(string_value(node))):
            yield doc.location(node)


@rule(
    "PEPPOL-COMMON-R046",
    "Tax Code (Codice Fiscale) must be stated in the correct format.",
    "Italiensk skattekode (Codice Fiscale) som elektronisk adresse bør oppgis i riktig format.",
    layer=PEPPOL,
    flag=WARNING,
)
def common_r046(doc: Doc) -> Iterator[str]:
    for node in identifiers(doc, "9907", endpoint_only=True):
        if not valid_codice_fiscale(norm(string_value(node))):
            yield doc.location(node)


@rule(
    "PEPPOL-COMMON-R047",
    "Italian VAT Code (Partita Iva) must be stated in the correct format.",
    "Italiensk mva-nummer (Partita IVA) bør oppgis i riktig format med gyldig kontrollsiffer.",
    layer=PEPPOL,
    flag=WARNING,
)
def common_r047(doc: Doc) -> Iterator[str]:
    for node in identifiers(doc, "0211"):
        if not valid_partita_iva(norm(string_value(node))):
            yield doc.location(node)


@rule(
    "PEPPOL-COMMON-R049",
    "Swedish organization number MUST be stated in the correct format.",
    "Svensk organisasjonsnummer må oppgis i riktig format: ti sifre med gyldig kontrollsiffer "
    "(Luhn).",
    layer=PEPPOL,
)
def common_r049(doc: Doc) -> Iterator[str]:
    for node in identifiers(doc, "0007"):
        if not valid_swedish_orgnr(norm(string_value(node))):
            yield doc.location(node)


@rule(
    "PEPPOL-COMMON-R050",
    "Australian Business Number (ABN) MUST be stated in the correct format.",
    "Australsk foretaksnummer (ABN) må oppgis i riktig format: elleve sifre med gyldig "
    "kontrollsum.",
    layer=PEPPOL,
)
def common_r050(doc: Doc) -> Iterator[str]:
    for node in identifiers(doc, "0151"):
        if not valid_abn(norm(string_value(node))):
            yield doc.location(node)
