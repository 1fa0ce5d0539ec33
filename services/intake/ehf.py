"""EHF / Peppol BIS 3.0 (UBL 2.1) to the canonical invoice: header fields, parties, totals, lines.

Pure: takes a parsed element, returns a `CanonicalInvoice`. Every captured business term is marked
with source `ehf` and confidence 1.0: the supplier stated it in structured form.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, cast

from lxml import etree

from shared.schemas.invoice import (
    CanonicalInvoice,
    CaptureSource,
    DocumentKind,
    InvoiceLine,
    Party,
    Provenance,
    Totals,
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
            )
        )
    return lines


def capture(root: etree._Element) -> CanonicalInvoice:
    kind = document_kind(root)
    currency = _text(root, "cbc:DocumentCurrencyCode")
    tax_path = (
        f"cac:TaxTotal/cbc:TaxAmount[@currencyID='{currency}']"
        if currency and currency.isalpha()
        else "cac:TaxTotal/cbc:TaxAmount"
    )
    type_code = _text(root, "cbc:InvoiceTypeCode") or _text(root, "cbc:CreditNoteTypeCode")
    invoice = CanonicalInvoice(
        kind=kind,
        customization_id=_text(root, "cbc:CustomizationID"),
        profile_id=_text(root, "cbc:ProfileID"),
        number=_text(root, "cbc:ID"),
        issue_date=_date(root, "cbc:IssueDate"),
        type_code=type_code,
        currency=currency,
        due_date=_date(root, "cbc:DueDate") or _date(root, "cac:PaymentMeans/cbc:PaymentDueDate"),
        buyer_reference=_text(root, "cbc:BuyerReference"),
        order_reference=_text(root, "cac:OrderReference/cbc:ID"),
        preceding_invoice=_text(root, "cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID"),
        seller=_party(root, "AccountingSupplierParty"),
        buyer=_party(root, "AccountingCustomerParty"),
        payment_means_code=_text(root, "cac:PaymentMeans/cbc:PaymentMeansCode"),
        payment_id=_text(root, "cac:PaymentMeans/cbc:PaymentID"),
        payment_account=_text(root, "cac:PaymentMeans/cac:PayeeFinancialAccount/cbc:ID"),
        payment_bic=_text(
            root, "cac:PaymentMeans/cac:PayeeFinancialAccount/cac:FinancialInstitutionBranch/cbc:ID"
        ),
        payment_terms=_text(root, "cac:PaymentTerms/cbc:Note"),
        totals=Totals(
            line_extension=_decimal(root, "cac:LegalMonetaryTotal/cbc:LineExtensionAmount"),
            tax_exclusive=_decimal(root, "cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount"),
            tax=_decimal(root, tax_path),
            tax_inclusive=_decimal(root, "cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount"),
            prepaid=_decimal(root, "cac:LegalMonetaryTotal/cbc:PrepaidAmount"),
            payable=_decimal(root, "cac:LegalMonetaryTotal/cbc:PayableAmount"),
        ),
        lines=_lines(root, kind),
    )
    return invoice.model_copy(update={"provenance": _provenance(invoice)})


_TERMS = {
    "BT-1": "number",
    "BT-2": "issue_date",
    "BT-3": "type_code",
    "BT-5": "currency",
    "BT-9": "due_date",
    "BT-10": "buyer_reference",
    "BT-13": "order_reference",
    "BT-83": "payment_id",
    "BT-84": "payment_account",
}


def _provenance(invoice: CanonicalInvoice) -> dict[str, Provenance]:
    sure = Provenance(source=CaptureSource.EHF, confidence=1.0)
    found = {term: sure for term, attr in _TERMS.items() if getattr(invoice, attr) is not None}
    if invoice.seller.name:
        found["BT-27"] = sure
    if invoice.seller.legal_id:
        found["BT-30"] = sure
    if invoice.seller.vat_id:
        found["BT-31"] = sure
    if invoice.totals.payable is not None:
        found["BT-115"] = sure
    return found
