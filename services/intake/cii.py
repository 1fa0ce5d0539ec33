"""Factur-X / ZUGFeRD (UN/CEFACT CII D16B) to the canonical invoice, by the EN16931 CII binding.

Pure: takes a parsed `rsm:CrossIndustryInvoice` element, returns a `CanonicalInvoice`. Like EHF,
every captured business term is marked with the capture source and confidence 1.0: the supplier
stated it in structured form. Nothing here raises on odd content: a missing, empty or malformed
value (an amount that is not an xs:decimal, a date that is not format 102) becomes None.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from lxml import etree

from services.intake.ehf import EmbeddedDocument, decode_binary_object, structured_provenance
from shared.schemas.invoice import (
    AllowanceCharge,
    CanonicalInvoice,
    CaptureSource,
    DocumentKind,
    InvoiceLine,
    Party,
    SupportingDocument,
    Totals,
    VatBreakdown,
)

RSM_NS = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
NS = {
    "rsm": RSM_NS,
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "udt": "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100",
    "qdt": "urn:un:unece:uncefact:data:standard:QualifiedDataType:100",
}
ROOT = f"{{{RSM_NS}}}CrossIndustryInvoice"

#: UNTDID 1001 document types that are credit notes (EN16931 / Factur-X code list).
CREDIT_NOTE_TYPE_CODES = frozenset(
    {"81", "83", "261", "262", "296", "308", "381", "396", "420", "458", "532"}
)

#: BG-24 supporting documents are AdditionalReferencedDocument with type 916 (50 is BT-17, 130
#: is BT-18).
SUPPORTING_DOCUMENT_TYPE = "916"

_TRANSACTION = "rsm:SupplyChainTradeTransaction"
_AGREEMENT = f"{_TRANSACTION}/ram:ApplicableHeaderTradeAgreement"
_SETTLEMENT = f"{_TRANSACTION}/ram:ApplicableHeaderTradeSettlement"
_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")  # the xs:decimal lexical space
_MAX_DECIMAL_CHARS = 64
_DATE_102 = re.compile(r"\d{8}")


class NotCiiInvoice(ValueError):
    pass


def is_cii(root: etree._Element) -> bool:
    """A UN/CEFACT Cross Industry Invoice D16B root (Factur-X, ZUGFeRD 2.x, XRechnung CII)."""
    return isinstance(root.tag, str) and root.tag == ROOT


def _nodes(node: etree._Element, path: str) -> list[etree._Element]:
    return [
        n for n in cast(list[Any], node.xpath(path, namespaces=NS)) if isinstance(n, etree._Element)
    ]


def _text(node: etree._Element | None, path: str) -> str | None:
    if node is None:
        return None
    found = cast(list[Any], node.xpath(path, namespaces=NS))
    if not found:
        return None
    first = found[0]
    value: str | None = str(first) if isinstance(first, str) else getattr(first, "text", None)
    if not isinstance(value, str):
        return None
    value = value.strip()
    return value or None


def _decimal(node: etree._Element | None, path: str) -> Decimal | None:
    """An xs:decimal (no exponent, no NaN/Infinity), or None."""
    value = _text(node, path)
    if value is None or len(value) > _MAX_DECIMAL_CHARS or not _DECIMAL.fullmatch(value):
        return None
    try:
        return Decimal(value)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid decimals
        return None


def _date(node: etree._Element | None, path: str) -> date | None:
    """A `udt:`/`qdt:DateTimeString` in format 102 (CCYYMMDD); no format attribute means 102."""
    if node is None:
        return None
    found = _nodes(node, path)
    if not found or found[0].get("format", "102").strip() != "102":
        return None
    value = _text(found[0], ".")
    if value is None or not _DATE_102.fullmatch(value):
        return None
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        return None


def _first(node: etree._Element, path: str) -> etree._Element | None:
    found = _nodes(node, path)
    return found[0] if found else None


def _indicator(node: etree._Element, path: str) -> bool:
    return (_text(node, path) or "").lower() in ("true", "1")


def document_kind(root: etree._Element) -> DocumentKind:
    if not is_cii(root):
        raise NotCiiInvoice(
            f"root element {root.tag!r} is not a UN/CEFACT CrossIndustryInvoice (Factur-X)"
        )
    type_code = _text(root, "rsm:ExchangedDocument/ram:TypeCode")
    if type_code in CREDIT_NOTE_TYPE_CODES:
        return DocumentKind.CREDIT_NOTE
    return DocumentKind.INVOICE


def _party(agreement: etree._Element | None, role: str) -> Party:
    party = _first(agreement, f"ram:{role}") if agreement is not None else None
    if party is None:
        return Party()
    return Party(
        name=_text(party, "ram:Name"),
        vat_id=_text(party, "ram:SpecifiedTaxRegistration/ram:ID[@schemeID='VA']"),
        legal_id=_text(party, "ram:SpecifiedLegalOrganization/ram:ID"),
        endpoint_id=_text(party, "ram:URIUniversalCommunication/ram:URIID"),
        endpoint_scheme=_text(party, "ram:URIUniversalCommunication/ram:URIID/@schemeID"),
        country=_text(party, "ram:PostalTradeAddress/ram:CountryID"),
    )


def _payment_means(settlement: etree._Element | None) -> etree._Element | None:
    """The first means with a payee account (credit transfer), else the first means."""
    if settlement is None:
        return None
    means = _nodes(settlement, "ram:SpecifiedTradeSettlementPaymentMeans")
    for candidate in means:
        if _nodes(candidate, "ram:PayeePartyCreditorFinancialAccount"):
            return candidate
    return means[0] if means else None


def _tax_total(summation: etree._Element | None, currency: str | None) -> Decimal | None:
    """BT-110: the TaxTotalAmount in the invoice currency (a second one may be BT-111)."""
    if summation is None:
        return None
    totals = _nodes(summation, "ram:TaxTotalAmount")
    for total in totals:
        if total.get("currencyID") in (currency, None):
            return _decimal(total, ".")
    return _decimal(totals[0], ".") if totals else None


def _tax_in_tax_currency(
    summation: etree._Element | None, currency: str | None, tax_currency: str | None
) -> Decimal | None:
    """BT-111: the TaxTotalAmount in the VAT accounting currency, when that differs."""
    if summation is None or tax_currency is None or tax_currency == currency:
        return None
    for total in _nodes(summation, "ram:TaxTotalAmount"):
        if total.get("currencyID") == tax_currency:
            return _decimal(total, ".")
    return None


def _vat_breakdown(settlement: etree._Element | None) -> list[VatBreakdown]:
    if settlement is None:
        return []
    return [
        VatBreakdown(
            category=_text(tax, "ram:CategoryCode"),
            rate=_decimal(tax, "ram:RateApplicablePercent"),
            taxable=_decimal(tax, "ram:BasisAmount"),
            vat=_decimal(tax, "ram:CalculatedAmount"),
            exemption_reason=_text(tax, "ram:ExemptionReason"),
            exemption_code=_text(tax, "ram:ExemptionReasonCode"),
        )
        for tax in _nodes(settlement, "ram:ApplicableTradeTax")
    ]


def _allowances_charges(settlement: etree._Element | None) -> list[AllowanceCharge]:
    if settlement is None:
        return []
    return [
        AllowanceCharge(
            charge=_indicator(node, "ram:ChargeIndicator/udt:Indicator"),
            amount=_decimal(node, "ram:ActualAmount"),
            base_amount=_decimal(node, "ram:BasisAmount"),
            percent=_decimal(node, "ram:CalculationPercent"),
            vat_category=_text(node, "ram:CategoryTradeTax/ram:CategoryCode"),
            vat_rate=_decimal(node, "ram:CategoryTradeTax/ram:RateApplicablePercent"),
            reason=_text(node, "ram:Reason"),
            reason_code=_text(node, "ram:ReasonCode"),
        )
        for node in _nodes(settlement, "ram:SpecifiedTradeAllowanceCharge")
    ]


def _supporting_references(root: etree._Element) -> list[etree._Element]:
    return [
        ref
        for ref in _nodes(root, f"{_AGREEMENT}/ram:AdditionalReferencedDocument")
        if _text(ref, "ram:TypeCode") == SUPPORTING_DOCUMENT_TYPE
    ]


def _supporting_documents(root: etree._Element) -> list[SupportingDocument]:
    documents = []
    for ref in _supporting_references(root):
        blob = _first(ref, "ram:AttachmentBinaryObject")
        documents.append(
            SupportingDocument(
                id=_text(ref, "ram:IssuerAssignedID"),
                description=_text(ref, "ram:Name"),
                uri=_text(ref, "ram:URIID"),
                media_type=blob.get("mimeCode") if blob is not None else None,
                filename=blob.get("filename") if blob is not None else None,
            )
        )
    return documents


def embedded_documents(root: etree._Element) -> list[EmbeddedDocument]:
    """Decode BG-24 `AdditionalReferencedDocument/AttachmentBinaryObject` (BT-125), as for EHF."""
    found = []
    for index, ref in enumerate(_supporting_references(root)):
        for blob in _nodes(ref, "ram:AttachmentBinaryObject"):
            document = decode_binary_object(index, blob)
            if document is not None:
                found.append(document)
    return found


def _lines(root: etree._Element) -> list[InvoiceLine]:
    lines: list[InvoiceLine] = []
    for node in _nodes(root, f"{_TRANSACTION}/ram:IncludedSupplyChainTradeLineItem"):
        doc = "ram:AssociatedDocumentLineDocument/"
        product = "ram:SpecifiedTradeProduct/"
        agreement = "ram:SpecifiedLineTradeAgreement/"
        quantity = "ram:SpecifiedLineTradeDelivery/ram:BilledQuantity"
        settlement = "ram:SpecifiedLineTradeSettlement/"
        lines.append(
            InvoiceLine(
                line_id=_text(node, f"{doc}ram:LineID") or str(len(lines) + 1),
                description=_text(node, f"{product}ram:Name"),
                quantity=_decimal(node, quantity),
                unit_code=_text(node, f"{quantity}/@unitCode"),
                net_amount=_decimal(
                    node,
                    f"{settlement}ram:SpecifiedTradeSettlementLineMonetarySummation"
                    "/ram:LineTotalAmount",
                ),
                unit_price=_decimal(
                    node, f"{agreement}ram:NetPriceProductTradePrice/ram:ChargeAmount"
                ),
                vat_category=_text(node, f"{settlement}ram:ApplicableTradeTax/ram:CategoryCode"),
                vat_rate=_decimal(
                    node, f"{settlement}ram:ApplicableTradeTax/ram:RateApplicablePercent"
                ),
                order_line_ref=_text(
                    node, f"{agreement}ram:BuyerOrderReferencedDocument/ram:LineID"
                ),
                item_classification=_text(
                    node, f"{product}ram:DesignatedProductClassification/ram:ClassCode"
                ),
                seller_item_id=_text(node, f"{product}ram:SellerAssignedID"),
                note=_text(node, f"{doc}ram:IncludedNote/ram:Content"),
            )
        )
    return lines


def capture_cii(
    root: etree._Element, source: CaptureSource = CaptureSource.PDF_EMBEDDED
) -> CanonicalInvoice:
    """Map the EN16931 business terms of a CII invoice or credit note; raises `NotCiiInvoice`."""
    kind = document_kind(root)
    document = _first(root, "rsm:ExchangedDocument")
    context = _first(root, "rsm:ExchangedDocumentContext")
    agreement = _first(root, _AGREEMENT)
    settlement = _first(root, _SETTLEMENT)
    summation = (
        _first(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
        if settlement is not None
        else None
    )
    means = _payment_means(settlement)
    account = "ram:PayeePartyCreditorFinancialAccount/"
    currency = _text(settlement, "ram:InvoiceCurrencyCode")
    tax_currency = _text(settlement, "ram:TaxCurrencyCode")
    preceding = "ram:InvoiceReferencedDocument/"
    invoice = CanonicalInvoice(
        kind=kind,
        customization_id=_text(context, "ram:GuidelineSpecifiedDocumentContextParameter/ram:ID"),
        profile_id=_text(context, "ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID"),
        number=_text(document, "ram:ID"),
        issue_date=_date(document, "ram:IssueDateTime/udt:DateTimeString"),
        type_code=_text(document, "ram:TypeCode"),
        currency=currency,
        tax_currency=tax_currency,
        due_date=_date(
            settlement, "ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime/udt:DateTimeString"
        ),
        buyer_reference=_text(agreement, "ram:BuyerReference"),
        order_reference=_text(agreement, "ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID"),
        preceding_invoice=_text(settlement, f"{preceding}ram:IssuerAssignedID"),
        preceding_invoice_date=_date(
            settlement, f"{preceding}ram:FormattedIssueDateTime/qdt:DateTimeString"
        ),
        contract_reference=_text(agreement, "ram:ContractReferencedDocument/ram:IssuerAssignedID"),
        buyer_accounting_reference=_text(
            settlement, "ram:ReceivableSpecifiedTradeAccountingAccount/ram:ID"
        ),
        note=_text(document, "ram:IncludedNote/ram:Content"),
        seller=_party(agreement, "SellerTradeParty"),
        buyer=_party(agreement, "BuyerTradeParty"),
        payment_means_code=_text(means, "ram:TypeCode"),
        payment_id=_text(settlement, "ram:PaymentReference"),
        payment_account=_text(means, f"{account}ram:IBANID")
        or _text(means, f"{account}ram:ProprietaryID"),
        payment_account_name=_text(means, f"{account}ram:AccountName"),
        payment_bic=_text(means, "ram:PayeeSpecifiedCreditorFinancialInstitution/ram:BICID"),
        payment_terms=_text(settlement, "ram:SpecifiedTradePaymentTerms/ram:Description"),
        totals=Totals(
            line_extension=_decimal(summation, "ram:LineTotalAmount"),
            allowances=_decimal(summation, "ram:AllowanceTotalAmount"),
            charges=_decimal(summation, "ram:ChargeTotalAmount"),
            tax_exclusive=_decimal(summation, "ram:TaxBasisTotalAmount"),
            tax=_tax_total(summation, currency),
            tax_in_tax_currency=_tax_in_tax_currency(summation, currency, tax_currency),
            tax_inclusive=_decimal(summation, "ram:GrandTotalAmount"),
            prepaid=_decimal(summation, "ram:TotalPrepaidAmount"),
            rounding=_decimal(summation, "ram:RoundingAmount"),
            payable=_decimal(summation, "ram:DuePayableAmount"),
        ),
        vat_breakdown=_vat_breakdown(settlement),
        allowances_charges=_allowances_charges(settlement),
        supporting_documents=_supporting_documents(root),
        lines=_lines(root),
    )
    return invoice.model_copy(update={"provenance": structured_provenance(invoice, source)})
