"""The canonical invoice: the EN16931 semantic model, whatever channel the invoice came by.

Every field carries its business-term id in the JSON Schema (`x-bt`), and `provenance` records per
business term where the value came from and how sure the capture was, so later steps (and people)
know which values to trust.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


def bt(term: str, description: str, **kwargs: Any) -> Any:
    """A field annotated with its EN16931 business-term id."""
    return Field(description=description, json_schema_extra={"x-bt": term}, **kwargs)


class DocumentKind(StrEnum):
    INVOICE = "invoice"  # UBL Invoice, type code 380 and friends
    CREDIT_NOTE = "credit-note"  # UBL CreditNote, type code 381


class CaptureSource(StrEnum):
    EHF = "ehf"
    PDF_TEXT = "pdf-text"
    PDF_EMBEDDED = "pdf-embedded"
    OCR = "ocr"
    MANUAL = "manual"


class Provenance(BaseModel):
    model_config = ConfigDict(frozen=True)

    source: CaptureSource
    confidence: float = Field(ge=0.0, le=1.0)


class Party(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str | None = bt("BT-27/BT-44", "Registered name of the party.", default=None)
    vat_id: str | None = bt("BT-31/BT-48", "VAT identifier, e.g. NO999999999MVA.", default=None)
    legal_id: str | None = bt("BT-30/BT-47", "Legal registration id (orgnr).", default=None)
    endpoint_id: str | None = bt("BT-34/BT-49", "Electronic address.", default=None)
    endpoint_scheme: str | None = bt("BT-34-1/BT-49-1", "Scheme, 0192 for orgnr.", default=None)
    country: str | None = bt("BT-40/BT-55", "ISO 3166-1 alpha-2 country code.", default=None)
    email: str | None = bt("BT-43/BT-58", "Contact e-mail address.", default=None)


class Totals(BaseModel):
    model_config = ConfigDict(frozen=True)

    line_extension: Decimal | None = bt("BT-106", "Sum of invoice line net amounts.", default=None)
    allowances: Decimal | None = bt("BT-107", "Sum of document-level allowances.", default=None)
    charges: Decimal | None = bt("BT-108", "Sum of document-level charges.", default=None)
    tax_exclusive: Decimal | None = bt("BT-109", "Invoice total without VAT.", default=None)
    tax: Decimal | None = bt("BT-110", "Invoice total VAT amount.", default=None)
    tax_in_tax_currency: Decimal | None = bt(
        "BT-111", "Invoice total VAT amount in the VAT accounting currency.", default=None
    )
    tax_inclusive: Decimal | None = bt("BT-112", "Invoice total with VAT.", default=None)
    prepaid: Decimal | None = bt("BT-113", "Paid amount.", default=None)
    rounding: Decimal | None = bt("BT-114", "Rounding amount.", default=None)
    payable: Decimal | None = bt("BT-115", "Amount due for payment.", default=None)


class VatBreakdown(BaseModel):
    """One VAT category and rate of the document (BG-23)."""

    model_config = ConfigDict(frozen=True)

    category: str | None = bt("BT-118", "VAT category code (S, Z, E, AE, K, G, O …).", default=None)
    rate: Decimal | None = bt("BT-119", "VAT category rate.", default=None)
    taxable: Decimal | None = bt("BT-116", "VAT category taxable amount.", default=None)
    vat: Decimal | None = bt("BT-117", "VAT category tax amount.", default=None)
    exemption_reason: str | None = bt("BT-120", "VAT exemption reason text.", default=None)
    exemption_code: str | None = bt("BT-121", "VAT exemption reason code.", default=None)


class AllowanceCharge(BaseModel):
    """A document-level allowance (BG-20) or charge (BG-21)."""

    model_config = ConfigDict(frozen=True)

    charge: bool = Field(description="True for a charge (BG-21), false for an allowance (BG-20).")
    amount: Decimal | None = bt("BT-92/BT-99", "Amount.", default=None)
    base_amount: Decimal | None = bt("BT-93/BT-100", "Base amount.", default=None)
    percent: Decimal | None = bt("BT-94/BT-101", "Percentage.", default=None)
    vat_category: str | None = bt("BT-95/BT-102", "VAT category code.", default=None)
    vat_rate: Decimal | None = bt("BT-96/BT-103", "VAT rate.", default=None)
    reason: str | None = bt("BT-97/BT-104", "Reason.", default=None)
    reason_code: str | None = bt("BT-98/BT-105", "Reason code.", default=None)


class SupportingDocument(BaseModel):
    """An additional supporting document (BG-24); embedded files are archived by hash."""

    model_config = ConfigDict(frozen=True)

    id: str | None = bt("BT-122", "Supporting document reference.", default=None)
    description: str | None = bt("BT-123", "Supporting document description.", default=None)
    uri: str | None = bt("BT-124", "External document location.", default=None)
    media_type: str | None = bt("BT-125-1", "Attached document MIME code.", default=None)
    filename: str | None = bt("BT-125-2", "Attached document filename.", default=None)
    sha256: str | None = Field(default=None, description="Archive key of the embedded document.")
    size: int | None = Field(default=None, description="Bytes of the embedded document.")


class InvoiceLine(BaseModel):
    model_config = ConfigDict(frozen=True)

    line_id: str = bt("BT-126", "Invoice line identifier.")
    description: str | None = bt("BT-153", "Item name.", default=None)
    quantity: Decimal | None = bt("BT-129", "Invoiced quantity.", default=None)
    unit_code: str | None = bt("BT-130", "Unit of measure.", default=None)
    net_amount: Decimal | None = bt("BT-131", "Invoice line net amount.", default=None)
    unit_price: Decimal | None = bt("BT-146", "Item net price.", default=None)
    vat_category: str | None = bt("BT-151", "Invoiced item VAT category code.", default=None)
    vat_rate: Decimal | None = bt("BT-152", "Invoiced item VAT rate.", default=None)
    order_line_ref: str | None = bt("BT-132", "Referenced purchase order line.", default=None)
    item_classification: str | None = bt("BT-158", "Item classification identifier.", default=None)
    seller_item_id: str | None = bt("BT-155", "Item seller's identifier.", default=None)
    note: str | None = bt("BT-127", "Invoice line note.", default=None)


class CanonicalInvoice(BaseModel):
    """An invoice or credit note as EN16931 business terms."""

    model_config = ConfigDict(frozen=True)

    kind: DocumentKind = DocumentKind.INVOICE
    customization_id: str | None = bt("BT-24", "Specification identifier.", default=None)
    profile_id: str | None = bt("BT-23", "Business process type.", default=None)
    number: str | None = bt("BT-1", "Invoice number.", default=None)
    issue_date: date | None = bt("BT-2", "Invoice issue date.", default=None)
    type_code: str | None = bt("BT-3", "Invoice type code (380, 381 …).", default=None)
    currency: str | None = bt("BT-5", "Invoice currency code.", default=None)
    tax_currency: str | None = bt("BT-6", "VAT accounting currency code.", default=None)
    due_date: date | None = bt("BT-9", "Payment due date.", default=None)
    buyer_reference: str | None = bt("BT-10", "Buyer reference ('Deres ref').", default=None)
    order_reference: str | None = bt("BT-13", "Purchase order reference.", default=None)
    preceding_invoice: str | None = bt("BT-25", "Preceding invoice reference.", default=None)
    preceding_invoice_date: date | None = bt("BT-26", "Preceding invoice issue date.", default=None)
    contract_reference: str | None = bt("BT-12", "Contract reference.", default=None)
    buyer_accounting_reference: str | None = bt(
        "BT-19", "Buyer accounting reference.", default=None
    )
    note: str | None = bt("BT-22", "Invoice note.", default=None)
    seller: Party = bt("BG-4", "Seller.", default_factory=Party)
    buyer: Party = bt("BG-7", "Buyer.", default_factory=Party)
    payment_means_code: str | None = bt("BT-81", "Payment means type code.", default=None)
    payment_id: str | None = bt("BT-83", "Remittance information: KID.", default=None)
    payment_account: str | None = bt("BT-84", "Payee account: BBAN or IBAN.", default=None)
    payment_account_name: str | None = bt("BT-85", "Payment account name.", default=None)
    payment_bic: str | None = bt("BT-86", "Payment service provider (BIC).", default=None)
    payment_terms: str | None = bt("BT-20", "Payment terms.", default=None)
    totals: Totals = bt("BG-22", "Document totals.", default_factory=Totals)
    vat_breakdown: list[VatBreakdown] = bt("BG-23", "VAT breakdown.", default_factory=list)
    allowances_charges: list[AllowanceCharge] = bt(
        "BG-20/BG-21", "Document-level allowances and charges.", default_factory=list
    )
    supporting_documents: list[SupportingDocument] = bt(
        "BG-24", "Additional supporting documents.", default_factory=list
    )
    lines: list[InvoiceLine] = bt("BG-25", "Invoice lines.", default_factory=list)
    provenance: dict[str, Provenance] = Field(
        default_factory=dict,
        description="Per business-term id: where the value came from and how sure we are.",
    )
