"""EN16931 code list rules (BR-CL-*): codes must come from the lists the standard names.

The UBL binding of EN16931 (validation release 1.3.x) has these 22 code list rules; BR-CL-02,
-08, -09 and -12 do not exist for UBL. Each rule looks at every element of its kind anywhere in
the document (as a Schematron rule context does) and reports one location per element whose
code is not in the list.

How a value is read follows the official tests: the code is the whitespace-normalised string
value (XPath ``normalize-space``), compared case-sensitively with the list — except the VATEX
codes of BR-CL-22, which are upper-cased first, and the MIME codes of BR-CL-24, which are
compared exactly as written. An attribute that is missing reads as the empty string, so an
amount without ``currencyID`` breaks BR-CL-03; the scheme rules (BR-CL-07, -10, -11, -13, -21,
-23, -25, -26) only look at elements that carry the attribute. Lists that are the same as
Peppol's are imported from :mod:`services.validation.rules.codelists`; the others are in
:mod:`services.validation.rules.cen_codelist_data`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from lxml import etree

from services.validation.rules import cen_codelist_data as cen
from services.validation.rules.codelists import (
    ISO3166_COUNTRIES,
    MIME_CODES,
    UNCL2005_PERIOD_CODES,
    UNCL5189_ALLOWANCE_REASONS,
)
from services.validation.rules.engine import NS, Doc, per_document, rule, string_value

Element = etree._Element

#: XML whitespace, the characters ``normalize-space`` collapses (not Python's wider notion).
_XML_SPACE = re.compile(r"[ \t\r\n]+")

#: Every element that carries an amount (and so a currencyID), as BR-CL-03 lists them.
AMOUNT_ELEMENTS = (
    "Amount",
    "BaseAmount",
    "PriceAmount",
    "TaxAmount",
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
_AMOUNTS = " | ".join(f"//cbc:{name}" for name in AMOUNT_ELEMENTS)
_AMOUNT_TAGS = tuple(f"{{{NS['cbc']}}}{name}" for name in AMOUNT_ELEMENTS)


@per_document
def amount_elements(doc: Doc) -> list[Element]:
    """The elements of `AMOUNT_ELEMENTS` at or below the root, in document order: one walk
    (lxml's tag filter) for the rules that read every amount's currencyID (BR-CL-03,
    PEPPOL-EN16931-CL007 and -R051)."""
    return list(doc.root.iter(*_AMOUNT_TAGS))


def normalize_space(value: str | None) -> str:
    """XPath ``normalize-space``: trim XML whitespace and collapse each run to one space."""
    if not value:
        return ""
    if " " in value or "\n" in value or "\t" in value or "\r" in value:
        return _XML_SPACE.sub(" ", value).strip(" ")
    return value  # no XML whitespace (most codes): nothing to do


def _content(node: Element) -> str:
    """The element's string value (all descendant text, comments excluded), normalised."""
    return normalize_space(string_value(node))


def _attribute(name: str) -> Callable[[Element], str]:
    def read(node: Element) -> str:
        return normalize_space(node.get(name))

    return read


def _not_in(
    doc: Doc,
    path: str,
    codes: frozenset[str],
    read: Callable[[Element], str] = _content,
) -> Iterator[str]:
    """The location of every element on ``path`` whose code (as ``read``) is not in ``codes``."""
    for node in doc.nodes(path):
        if read(node) not in codes:
            yield doc.location(node)


def _charge_indicator(doc: Doc, allowance_charge: Element) -> set[bool]:
    """The values ``cbc:ChargeIndicator`` takes as xs:boolean (XPath 2.0 ``= true()``).

    A value that is not a boolean matches neither ``true()`` nor ``false()``.
    """
    values = set()
    for node in doc.nodes("cbc:ChargeIndicator", allowance_charge):
        raw = _content(node)
        if raw in ("true", "1"):
            values.add(True)
        elif raw in ("false", "0"):
            values.add(False)
    return values


def _reason_codes(doc: Doc, charge: bool, codes: frozenset[str]) -> Iterator[str]:
    for allowance_charge in doc.nodes("//cac:AllowanceCharge"):
        if charge not in _charge_indicator(doc, allowance_charge):
            continue
        for node in doc.nodes("cbc:AllowanceChargeReasonCode", allowance_charge):
            if _content(node) not in codes:
                yield doc.location(node)


# --------------------------------------------------------------------------------------------
# Document type and currencies


@rule(
    "BR-CL-01",
    "The document type code MUST be coded by the invoice and credit note related code lists "
    "of UNTDID 1001.",
    "Dokumenttypekoden må være kodet etter kodelistene for faktura og kreditnota i UNTDID 1001.",
)
def document_type_code(doc: Doc) -> Iterator[str]:
    yield from _not_in(doc, "//cbc:InvoiceTypeCode", cen.UNTDID1001_INVOICE_TYPES)
    yield from _not_in(doc, "//cbc:CreditNoteTypeCode", cen.UNTDID1001_CREDIT_NOTE_TYPES)


@rule(
    "BR-CL-03",
    "currencyID MUST be coded using ISO code list 4217 alpha-3.",
    "Valutakoden i currencyID må være kodet etter ISO 4217 alfa-3.",
)
def amount_currency(doc: Doc) -> Iterator[str]:
    if doc.root is not doc.top:  # `//` searches the whole tree, not only below the root
        yield from _not_in(doc, _AMOUNTS, cen.ISO4217_CURRENCIES, _attribute("currencyID"))
        return
    codes = cen.ISO4217_CURRENCIES
    for node in amount_elements(doc):
        if normalize_space(node.get("currencyID")) not in codes:
            yield doc.location(node)


@rule(
    "BR-CL-04",
    "Invoice currency code MUST be coded using ISO code list 4217 alpha-3.",
    "Fakturaens valutakode må være kodet etter ISO 4217 alfa-3.",
)
def document_currency(doc: Doc) -> Iterator[str]:
    yield from _not_in(doc, "//cbc:DocumentCurrencyCode", cen.ISO4217_CURRENCIES)


@rule(
    "BR-CL-05",
    "Tax currency code MUST be coded using ISO code list 4217 alpha-3.",
    "Valutakoden for regnskapsføring av merverdiavgift må være kodet etter ISO 4217 alfa-3.",
)
def tax_currency(doc: Doc) -> Iterator[str]:
    yield from _not_in(doc, "//cbc:TaxCurrencyCode", cen.ISO4217_CURRENCIES)


# --------------------------------------------------------------------------------------------
# Dates and references


@rule(
    "BR-CL-06",
    "Value added tax point date code MUST be coded using a restriction of UNTDID 2005.",
    "Koden for tidspunktet for avgiftsplikt må være kodet etter et utvalg av UNTDID 2005.",
)
def tax_point_date_code(doc: Doc) -> Iterator[str]:
    yield from _not_in(doc, "//cac:InvoicePeriod/cbc:DescriptionCode", UNCL2005_PERIOD_CODES)


@rule(
    "BR-CL-07",
    "Object identifier identification scheme identifier MUST be coded using a restriction of "
    "UNTDID 1153.",
    "Identifikatorskjemaet for objektidentifikatoren må være kodet etter et utvalg av UNTDID 1153.",
)
def object_identifier_scheme(doc: Doc) -> Iterator[str]:
    scheme = _attribute("schemeID")
    for node in _invoiced_object_ids(doc):
        if scheme(node) not in cen.UNTDID1153_OBJECT_SCHEMES:
            yield doc.location(node)


_REFERENCE_PATHS = ("//cac:AdditionalDocumentReference", "//cac:DocumentReference")
_DOCUMENT_TYPE_CODE = f"{{{NS['cbc']}}}DocumentTypeCode"
_ID = f"{{{NS['cbc']}}}ID"


def _invoiced_object_ids(doc: Doc) -> list[Element]:
    """`//cac:AdditionalDocumentReference[cbc:DocumentTypeCode = '130']/cbc:ID[@schemeID] |
    //cac:DocumentReference[…same…]`: the invoiced object identifiers (BT-18) with a scheme,
    in document order. From the tag index: libxml2 would walk the whole tree twice."""
    found = [
        identifier
        for path in _REFERENCE_PATHS
        for reference in doc.nodes(path)
        if any(string_value(code) == "130" for code in doc.children(reference, _DOCUMENT_TYPE_CODE))
        for identifier in doc.children(reference, _ID)
        if identifier.get("schemeID") is not None
    ]
    if len(found) > 1:  # two sources, or references inside references: back in document order
        found.sort(key=doc.positions.__getitem__)
    return found


# --------------------------------------------------------------------------------------------
# Party, item and location identifier schemes


@rule(
    "BR-CL-10",
    "Any identifier identification scheme identifier MUST be coded using one of the ISO 6523 "
    "ICD list.",
    "Identifikatorskjemaet for en identifikator må være en kode fra ISO 6523 ICD-listen.",
)
def party_identifier_scheme(doc: Doc) -> Iterator[str]:
    scheme = _attribute("schemeID")
    for node in doc.nodes("//cac:PartyIdentification/cbc:ID[@schemeID]"):
        code = scheme(node)
        if code in cen.ISO6523_ICD:
            continue
        # A SEPA creditor identifier is allowed for the seller and the payee.
        if code == cen.SEPA_SCHEME and doc.exists(
            "ancestor::cac:AccountingSupplierParty | ancestor::cac:PayeeParty", node
        ):
            continue
        yield doc.location(node)


@rule(
    "BR-CL-11",
    "Any registration identifier identification scheme identifier MUST be coded using one of "
    "the ISO 6523 ICD list.",
    "Identifikatorskjemaet for et registreringsnummer må være en kode fra ISO 6523 ICD-listen.",
)
def legal_registration_scheme(doc: Doc) -> Iterator[str]:
    path = "//cac:PartyLegalEntity/cbc:CompanyID[@schemeID]"
    yield from _not_in(doc, path, cen.ISO6523_ICD, _attribute("schemeID"))


@rule(
    "BR-CL-13",
    "Item classification identifier identification scheme identifier MUST be coded using one "
    "of the UNTDID 7143 list.",
    "Identifikatorskjemaet for varens klassifiseringskode må være en kode fra UNTDID 7143.",
)
def item_classification_scheme(doc: Doc) -> Iterator[str]:
    path = "//cac:CommodityClassification/cbc:ItemClassificationCode[@listID]"
    yield from _not_in(doc, path, cen.UNTDID7143_ITEM_CLASSIFICATIONS, _attribute("listID"))


@rule(
    "BR-CL-21",
    "Item standard identifier scheme identifier MUST belong to the ISO 6523 ICD code list.",
    "Identifikatorskjemaet for varens standardidentifikator må tilhøre ISO 6523 ICD-listen.",
)
def item_standard_identifier_scheme(doc: Doc) -> Iterator[str]:
    path = "//cac:StandardItemIdentification/cbc:ID[@schemeID]"
    yield from _not_in(doc, path, cen.ISO6523_ICD, _attribute("schemeID"))


@rule(
    "BR-CL-25",
    "Endpoint identifier scheme identifier MUST belong to the CEF EAS code list.",
    "Identifikatorskjemaet for den elektroniske adressen må tilhøre CEF EAS-kodelisten.",
)
def endpoint_scheme(doc: Doc) -> Iterator[str]:
    yield from _not_in(doc, "//cbc:EndpointID[@schemeID]", cen.EAS_SCHEMES, _attribute("schemeID"))


@rule(
    "BR-CL-26",
    "Delivery location identifier scheme identifier MUST belong to the ISO 6523 ICD code list.",
    "Identifikatorskjemaet for leveringsstedets identifikator må tilhøre ISO 6523 ICD-listen.",
)
def delivery_location_scheme(doc: Doc) -> Iterator[str]:
    path = "//cac:DeliveryLocation/cbc:ID[@schemeID]"
    yield from _not_in(doc, path, cen.ISO6523_ICD, _attribute("schemeID"))


# --------------------------------------------------------------------------------------------
# Countries


@rule(
    "BR-CL-14",
    "Country codes in an invoice MUST be coded using ISO code list 3166-1.",
    "Landkoder i en faktura må være kodet etter ISO 3166-1.",
)
def country_code(doc: Doc) -> Iterator[str]:
    yield from _not_in(doc, "//cac:Country/cbc:IdentificationCode", ISO3166_COUNTRIES)


@rule(
    "BR-CL-15",
    "Country codes in an invoice MUST be coded using ISO code list 3166-1 (item country of "
    "origin).",
    "Landkoden for varens opprinnelsesland må være kodet etter ISO 3166-1.",
)
def origin_country_code(doc: Doc) -> Iterator[str]:
    yield from _not_in(doc, "//cac:OriginCountry/cbc:IdentificationCode", ISO3166_COUNTRIES)


# --------------------------------------------------------------------------------------------
# Payment, VAT, allowances and charges


@rule(
    "BR-CL-16",
    "Payment means in an invoice MUST be coded using UNCL4461 code list.",
    "Betalingsmåten i en faktura må være kodet etter kodelisten UNCL 4461.",
)
def payment_means_code(doc: Doc) -> Iterator[str]:
    path = "//cac:PaymentMeans/cbc:PaymentMeansCode"
    yield from _not_in(doc, path, cen.UNTDID4461_PAYMENT_MEANS)


@rule(
    "BR-CL-17",
    "Invoice tax categories MUST be coded using UNCL5305 code list.",
    "Avgiftskategorier i en faktura må være kodet etter kodelisten UNCL 5305.",
)
def tax_category_code(doc: Doc) -> Iterator[str]:
    # VAT breakdown and document level allowance/charge categories (cac:TaxCategory).
    yield from _not_in(doc, "//cac:TaxCategory/cbc:ID", cen.UNTDID5305_VAT_CATEGORIES)


@rule(
    "BR-CL-18",
    "Invoice tax categories MUST be coded using UNCL5305 code list (invoiced item VAT category).",
    "Avgiftskategorien for den fakturerte varen må være kodet etter kodelisten UNCL 5305.",
)
def item_tax_category_code(doc: Doc) -> Iterator[str]:
    path = "//cac:ClassifiedTaxCategory/cbc:ID"
    yield from _not_in(doc, path, cen.UNTDID5305_VAT_CATEGORIES)


@rule(
    "BR-CL-19",
    "Coded allowance reasons MUST belong to the UNCL 5189 code list.",
    "Kodede årsaker til rabatt må tilhøre kodelisten UNCL 5189.",
)
def allowance_reason_code(doc: Doc) -> Iterator[str]:
    yield from _reason_codes(doc, False, UNCL5189_ALLOWANCE_REASONS)


@rule(
    "BR-CL-20",
    "Coded charge reasons MUST belong to the UNCL 7161 code list.",
    "Kodede årsaker til tillegg (gebyr) må tilhøre kodelisten UNCL 7161.",
)
def charge_reason_code(doc: Doc) -> Iterator[str]:
    yield from _reason_codes(doc, True, cen.UNTDID7161_CHARGE_REASONS)


@rule(
    "BR-CL-22",
    "Tax exemption reason code identifier scheme identifier MUST belong to the CEF VATEX code "
    "list.",
    "Koden for årsak til fritak fra merverdiavgift må tilhøre CEF VATEX-kodelisten.",
)
def exemption_reason_code(doc: Doc) -> Iterator[str]:
    for node in doc.nodes("//cbc:TaxExemptionReasonCode"):
        if _content(node).upper() not in cen.VATEX_CODES:
            yield doc.location(node)


# --------------------------------------------------------------------------------------------
# Units and attachments


@rule(
    "BR-CL-23",
    "Unit code MUST be coded according to the UN/ECE Recommendation 20 with Rec 21 extension.",
    "Enhetskoden må være kodet etter UN/ECE Recommendation 20 med utvidelsen fra "
    "Recommendation 21.",
)
def unit_code(doc: Doc) -> Iterator[str]:
    path = (
        "//cbc:InvoicedQuantity[@unitCode] | //cbc:BaseQuantity[@unitCode]"
        " | //cbc:CreditedQuantity[@unitCode]"
    )
    yield from _not_in(doc, path, cen.UNIT_CODES, _attribute("unitCode"))


@rule(
    "BR-CL-24",
    "For Mime code in attribute use MIMEMediaType.",
    "MIME-koden (mimeCode) for et vedlegg må være en av de tillatte MIME-medietypene.",
)
def attachment_mime_code(doc: Doc) -> Iterator[str]:
    # Compared exactly as written: the official rule does not normalise the attribute.
    for node in doc.nodes("//cbc:EmbeddedDocumentBinaryObject[@mimeCode]"):
        if node.get("mimeCode") not in MIME_CODES:
            yield doc.location(node)
