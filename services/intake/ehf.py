"""EHF / Peppol BIS 3.0 (UBL 2.1) to the canonical invoice: every business term the rules use.

Pure: takes a parsed element, returns a `CanonicalInvoice`. Every captured business term is marked
with source `ehf` and confidence 1.0: the supplier stated it in structured form.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from lxml import etree

from shared.schemas.invoice import (
    AllowanceCharge,
    CanonicalInvoice,
    CaptureSource,
    DocumentKind,
    InvoiceLine,
    Party,
    Provenance,
    SupportingDocument,
    Totals,
    VatBreakdown,
)

INVOICE_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CREDIT_NOTE_NS = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
NS = {
    "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2",
    "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
}
ROOTS = {
    f"{{{INVOICE_NS}}}Invoice": DocumentKind.INVOICE,
    f"{{{CREDIT_NOTE_NS}}}CreditNote": DocumentKind.CREDIT_NOTE,
}


class NotUblInvoice(ValueError):
    pass


def document_kind(root: etree._Element) -> DocumentKind:
    kind = ROOTS.get(root.tag)
    if kind is None:
        raise NotUblInvoice(
            f"root element {root.tag!r} is not a UBL 2.1 Invoice or CreditNote (EHF Billing 3.0)"
        )
    return kind


def _nodes(node: etree._Element, path: str) -> list[etree._Element]:
    return [
        n for n in cast(list[Any], node.xpath(path, namespaces=NS)) if isinstance(n, etree._Element)
    ]


def _text(node: etree._Element, path: str) -> str | None:
    found = cast(list[Any], node.xpath(path, namespaces=NS))
    if not found:
        return None
    first = found[0]
    value: str | None = str(first) if isinstance(first, str) else first.text
    return value.strip() if value and value.strip() else None


def _decimal(node: etree._Element, path: str) -> Decimal | None:
    value = _text(node, path)
    if value is None:
        return None
    try:
        return Decimal(value)
    except InvalidOperation:
        return None


def _date(node: etree._Element, path: str) -> date | None:
    value = _text(node, path)
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _party(node: etree._Element, role: str) -> Party:
    base = f"cac:{role}/cac:Party"
    return Party(
        name=_text(node, f"{base}/cac:PartyLegalEntity/cbc:RegistrationName")
        or _text(node, f"{base}/cac:PartyName/cbc:Name"),
        vat_id=_text(node, f"{base}/cac:PartyTaxScheme[cac:TaxScheme/cbc:ID='VAT']/cbc:CompanyID"),
        legal_id=_text(node, f"{base}/cac:PartyLegalEntity/cbc:CompanyID"),
        endpoint_id=_text(node, f"{base}/cbc:EndpointID"),
        endpoint_scheme=_text(node, f"{base}/cbc:EndpointID/@schemeID"),
        country=_text(node, f"{base}/cac:PostalAddress/cac:Country/cbc:IdentificationCode"),
        email=_text(node, f"{base}/cac:Contact/cbc:ElectronicMail"),
    )


def _lines(root: etree._Element, kind: DocumentKind) -> list[InvoiceLine]:
    line_tag, qty_tag = (
        ("InvoiceLine", "InvoicedQuantity")
        if kind is DocumentKind.INVOICE
        else ("CreditNoteLine", "CreditedQuantity")
    )
    lines: list[InvoiceLine] = []
    for node in _nodes(root, f"cac:{line_tag}"):
        lines.append(
            InvoiceLine(
                line_id=_text(node, "cbc:ID") or str(len(lines) + 1),
                description=_text(node, "cac:Item/cbc:Name"),
                quantity=_decimal(node, f"cbc:{qty_tag}"),
                unit_code=_text(node, f"cbc:{qty_tag}/@unitCode"),
                net_amount=_decimal(node, "cbc:LineExtensionAmount"),
                unit_price=_decimal(node, "cac:Price/cbc:PriceAmount"),
                vat_category=_text(node, "cac:Item/cac:ClassifiedTaxCategory/cbc:ID"),
                vat_rate=_decimal(node, "cac:Item/cac:ClassifiedTaxCategory/cbc:Percent"),
                order_line_ref=_text(node, "cac:OrderLineReference/cbc:LineID"),
                item_classification=_text(
                    node, "cac:Item/cac:CommodityClassification/cbc:ItemClassificationCode"
                ),
                seller_item_id=_text(node, "cac:Item/cac:SellersItemIdentification/cbc:ID"),
                note=_text(node, "cbc:Note"),
            )
        )
    return lines


def _vat_breakdown(root: etree._Element, currency: str | None) -> list[VatBreakdown]:
    total = _document_tax_total(root, currency)
    if total is None:
        return []
    return [
        VatBreakdown(
            category=_text(sub, "cac:TaxCategory/cbc:ID"),
            rate=_decimal(sub, "cac:TaxCategory/cbc:Percent"),
            taxable=_decimal(sub, "cbc:TaxableAmount"),
            vat=_decimal(sub, "cbc:TaxAmount"),
            exemption_reason=_text(sub, "cac:TaxCategory/cbc:TaxExemptionReason"),
            exemption_code=_text(sub, "cac:TaxCategory/cbc:TaxExemptionReasonCode"),
        )
        for sub in _nodes(total, "cac:TaxSubtotal")
    ]


def _document_tax_total(root: etree._Element, currency: str | None) -> etree._Element | None:
    """The TaxTotal in the document currency (a second one may state VAT in the tax currency)."""
    totals = _nodes(root, "cac:TaxTotal")
    for total in totals:
        if _text(total, "cbc:TaxAmount/@currencyID") in (currency, None):
            return total
    return totals[0] if totals else None


def _tax_in_tax_currency(
    root: etree._Element, currency: str | None, tax_currency: str | None
) -> Decimal | None:
    """BT-111: the VAT total stated in the VAT accounting currency (NOK for a Norwegian buyer
    invoiced in another currency), when the document gives one."""
    if tax_currency is None or tax_currency == currency:
        return None
    for total in _nodes(root, "cac:TaxTotal"):
        if _text(total, "cbc:TaxAmount/@currencyID") == tax_currency:
            return _decimal(total, "cbc:TaxAmount")
    return None


def _allowances_charges(root: etree._Element) -> list[AllowanceCharge]:
    return [
        AllowanceCharge(
            charge=(_text(node, "cbc:ChargeIndicator") or "").lower() == "true",
            amount=_decimal(node, "cbc:Amount"),
            base_amount=_decimal(node, "cbc:BaseAmount"),
            percent=_decimal(node, "cbc:MultiplierFactorNumeric"),
            vat_category=_text(node, "cac:TaxCategory/cbc:ID"),
            vat_rate=_decimal(node, "cac:TaxCategory/cbc:Percent"),
            reason=_text(node, "cbc:AllowanceChargeReason"),
            reason_code=_text(node, "cbc:AllowanceChargeReasonCode"),
        )
        for node in _nodes(root, "cac:AllowanceCharge")
    ]


@dataclass(frozen=True)
class EmbeddedDocument:
    """A base64 attachment of the invoice, decoded, to be archived as a document of the invoice."""

    index: int
    media_type: str | None
    filename: str | None
    data: bytes


MAX_EMBEDDED_BYTES = 20 * 1024 * 1024


def decode_binary_object(index: int, blob: etree._Element) -> EmbeddedDocument | None:
    """A base64 attachment (BT-125, UBL or CII), decoded; None when empty, too big or not base64."""
    text = "".join(str(part) for part in blob.itertext()).strip()
    if not text or len(text) > MAX_EMBEDDED_BYTES * 4 // 3 + 4:
        return None
    try:
        data = base64.b64decode(text, validate=False)
    except (binascii.Error, ValueError):
        return None
    return EmbeddedDocument(index, blob.get("mimeCode"), blob.get("filename"), data)


def embedded_documents(root: etree._Element) -> list[EmbeddedDocument]:
    """Decode `AdditionalDocumentReference/Attachment/EmbeddedDocumentBinaryObject` (BT-125)."""
    found = []
    for index, ref in enumerate(_nodes(root, "cac:AdditionalDocumentReference")):
        for blob in _nodes(ref, "cac:Attachment/cbc:EmbeddedDocumentBinaryObject"):
            document = decode_binary_object(index, blob)
            if document is not None:
                found.append(document)
    return found


def _supporting_documents(root: etree._Element) -> list[SupportingDocument]:
    documents = []
    for ref in _nodes(root, "cac:AdditionalDocumentReference"):
        blob = _nodes(ref, "cac:Attachment/cbc:EmbeddedDocumentBinaryObject")
        documents.append(
            SupportingDocument(
                id=_text(ref, "cbc:ID"),
                description=_text(ref, "cbc:DocumentDescription"),
                uri=_text(ref, "cac:Attachment/cac:ExternalReference/cbc:URI"),
                media_type=blob[0].get("mimeCode") if blob else None,
                filename=blob[0].get("filename") if blob else None,
            )
        )
    return documents


def capture(root: etree._Element, source: CaptureSource = CaptureSource.EHF) -> CanonicalInvoice:
    kind = document_kind(root)
    currency = _text(root, "cbc:DocumentCurrencyCode")
    tax_currency = _text(root, "cbc:TaxCurrencyCode")
    tax_total = _document_tax_total(root, currency)
    type_code = _text(root, "cbc:InvoiceTypeCode") or _text(root, "cbc:CreditNoteTypeCode")
    money = "cac:LegalMonetaryTotal/cbc:"
    means = "cac:PaymentMeans/"
    invoice = CanonicalInvoice(
        kind=kind,
        customization_id=_text(root, "cbc:CustomizationID"),
        profile_id=_text(root, "cbc:ProfileID"),
        number=_text(root, "cbc:ID"),
        issue_date=_date(root, "cbc:IssueDate"),
        type_code=type_code,
        currency=currency,
        tax_currency=tax_currency,
        due_date=_date(root, "cbc:DueDate") or _date(root, f"{means}cbc:PaymentDueDate"),
        buyer_reference=_text(root, "cbc:BuyerReference"),
        order_reference=_text(root, "cac:OrderReference/cbc:ID"),
        preceding_invoice=_text(root, "cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID"),
        preceding_invoice_date=_date(
            root, "cac:BillingReference/cac:InvoiceDocumentReference/cbc:IssueDate"
        ),
        contract_reference=_text(root, "cac:ContractDocumentReference/cbc:ID"),
        buyer_accounting_reference=_text(root, "cbc:AccountingCost"),
        note=_text(root, "cbc:Note"),
        seller=_party(root, "AccountingSupplierParty"),
        buyer=_party(root, "AccountingCustomerParty"),
        payment_means_code=_text(root, f"{means}cbc:PaymentMeansCode"),
        payment_id=_text(root, f"{means}cbc:PaymentID"),
        payment_account=_text(root, f"{means}cac:PayeeFinancialAccount/cbc:ID"),
        payment_account_name=_text(root, f"{means}cac:PayeeFinancialAccount/cbc:Name"),
        payment_bic=_text(
            root, f"{means}cac:PayeeFinancialAccount/cac:FinancialInstitutionBranch/cbc:ID"
        ),
        payment_terms=_text(root, "cac:PaymentTerms/cbc:Note"),
        totals=Totals(
            line_extension=_decimal(root, f"{money}LineExtensionAmount"),
            allowances=_decimal(root, f"{money}AllowanceTotalAmount"),
            charges=_decimal(root, f"{money}ChargeTotalAmount"),
            tax_exclusive=_decimal(root, f"{money}TaxExclusiveAmount"),
            tax=_decimal(tax_total, "cbc:TaxAmount") if tax_total is not None else None,
            tax_in_tax_currency=_tax_in_tax_currency(root, currency, tax_currency),
            tax_inclusive=_decimal(root, f"{money}TaxInclusiveAmount"),
            prepaid=_decimal(root, f"{money}PrepaidAmount"),
            rounding=_decimal(root, f"{money}PayableRoundingAmount"),
            payable=_decimal(root, f"{money}PayableAmount"),
        ),
        vat_breakdown=_vat_breakdown(root, currency),
        allowances_charges=_allowances_charges(root),
        supporting_documents=_supporting_documents(root),
        lines=_lines(root, kind),
    )
    return invoice.model_copy(update={"provenance": structured_provenance(invoice, source)})


#: Business terms and how to read them off the canonical invoice (for provenance and --json).
TERMS: dict[str, Callable[[CanonicalInvoice], object]] = {
    "BT-1": lambda i: i.number,
    "BT-2": lambda i: i.issue_date,
    "BT-3": lambda i: i.type_code,
    "BT-5": lambda i: i.currency,
    "BT-6": lambda i: i.tax_currency,
    "BT-9": lambda i: i.due_date,
    "BT-10": lambda i: i.buyer_reference,
    "BT-13": lambda i: i.order_reference,
    "BT-25": lambda i: i.preceding_invoice,
    "BT-27": lambda i: i.seller.name,
    "BT-30": lambda i: i.seller.legal_id,
    "BT-31": lambda i: i.seller.vat_id,
    "BT-44": lambda i: i.buyer.name,
    "BT-47": lambda i: i.buyer.legal_id,
    "BT-83": lambda i: i.payment_id,
    "BT-84": lambda i: i.payment_account,
    "BT-86": lambda i: i.payment_bic,
    "BT-106": lambda i: i.totals.line_extension,
    "BT-109": lambda i: i.totals.tax_exclusive,
    "BT-110": lambda i: i.totals.tax,
    "BT-111": lambda i: i.totals.tax_in_tax_currency,
    "BT-112": lambda i: i.totals.tax_inclusive,
    "BT-115": lambda i: i.totals.payable,
}


def structured_provenance(
    invoice: CanonicalInvoice, source: CaptureSource
) -> dict[str, Provenance]:
    """Every term a structured document states is as sure as it gets: the sender wrote it so."""
    sure = Provenance(source=source, confidence=1.0)
    return {term: sure for term, read in TERMS.items() if read(invoice) is not None}
