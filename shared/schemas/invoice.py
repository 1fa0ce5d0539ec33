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


class Totals(BaseModel):
    model_config = ConfigDict(frozen=True)

    line_extension: Decimal | None = bt("BT-106", "Sum of invoice line net amounts.", default=None)
    tax_exclusive: Decimal | None = bt("BT-109", "Invoice total without VAT.", default=None)
    tax: Decimal | None = bt("BT-110", "Invoice total VAT amount.", default=None)
    tax_inclusive: Decimal | None = bt("BT-112", "Invoice total with VAT.", default=None)
    prepaid: Decimal | None = bt("BT-113", "Paid amount.", default=None)
    payable: Decimal | None = bt("BT-115", "Amount due for payment.", default=None)


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
    due_date: date | None = bt("BT-9", "Payment due date.", default=None)
    buyer_reference: str | None = bt("BT-10", "Buyer reference ('Deres ref').", default=None)
    order_reference: str | None = bt("BT-13", "Purchase order reference.", default=None)
    preceding_invoice: str | None = bt("BT-25", "Preceding invoice reference.", default=None)
    seller: Party = bt("BG-4", "Seller.", default_factory=Party)
    buyer: Party = bt("BG-7", "Buyer.", default_factory=Party)
    payment_means_code: str | None = bt("BT-81", "Payment means type code.", default=None)
    payment_id: str | None = bt("BT-83", "Remittance information: KID.", default=None)
    payment_account: str | None = bt("BT-84", "Payee account: BBAN or IBAN.", default=None)
    payment_bic: str | None = bt("BT-86", "Payment service provider (BIC).", default=None)
    payment_terms: str | None = bt("BT-20", "Payment terms.", default=None)
    totals: Totals = bt("BG-22", "Document totals.", default_factory=Totals)
    lines: list[InvoiceLine] = bt("BG-25", "Invoice lines.", default_factory=list)
    provenance: dict[str, Provenance] = Field(
        default_factory=dict,
        description="Per business-term id: where the value came from and how sure we are.",
    )
