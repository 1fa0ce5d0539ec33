"""Payloads of every lifecycle event (DESIGN §1), one pydantic model per topic.

A new version only adds optional fields; a breaking change becomes a new `v2` type. Consumers ignore
fields they do not know, so adding is safe. Money is Decimal and travels as a JSON string.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from shared.schemas.invoice import CanonicalInvoice
from shared.schemas.topics import Topic


class EventPayload(BaseModel):
    """Common to every payload: which invoice, which tenant."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    invoice_id: UUID
    tenant_id: str


class Channel(StrEnum):
    UPLOAD = "upload"
    PEPPOL = "peppol"
    EMAIL = "email"
    FOLDER = "folder"


class DocumentRef(BaseModel):
    """An archived original: content-addressed, immutable."""

    model_config = ConfigDict(frozen=True)

    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    media_type: str
    size: int = Field(ge=0)
    filename: str | None = None


class Severity(StrEnum):
    FATAL = "fatal"
    WARNING = "warning"


class Finding(BaseModel):
    """One rule outcome, with the official rule id and words for people."""

    model_config = ConfigDict(frozen=True)

    rule_id: str
    flag: Severity
    message_nb: str
    message_en: str
    location: str | None = Field(default=None, description="XPath of the element at fault.")


class InvoiceReceived(EventPayload):
    channel: Channel
    document: DocumentRef
    registered_by: str = Field(description="User (or channel identity) that registered it.")
    received_at: datetime
    origin: dict[str, str] = Field(
        default_factory=dict,
        description="Where it came from: e-mail sender, subject and Message-ID, folder path …",
    )


class InvoiceOcrRequested(EventPayload):
    document: DocumentRef
    languages: list[str] = Field(default_factory=lambda: ["nor", "eng"])


class OcrWord(BaseModel):
    model_config = ConfigDict(frozen=True)

    text: str
    page: int
    left: int
    top: int
    width: int
    height: int
    confidence: float


class InvoiceOcrCompleted(EventPayload):
    document: DocumentRef
    words: list[OcrWord] = Field(default_factory=list)


class InvoiceCaptured(EventPayload):
    invoice: CanonicalInvoice
    document: DocumentRef
    registered_by: str


class InvoiceValidated(EventPayload):
    invoice: CanonicalInvoice
    registered_by: str
    findings: list[Finding] = Field(default_factory=list, description="Warnings that travel on.")
    credits_invoice_id: UUID | None = Field(
        default=None, description="For a credit note: the invoice it credits, when found."
    )


class InvoiceRejected(EventPayload):
    findings: list[Finding]


class InvoiceFlagged(EventPayload):
    reason: str
    findings: list[Finding] = Field(default_factory=list)


class InvoiceSummary(BaseModel):
    """What a subscriber needs to act on an invoice without calling back."""

    model_config = ConfigDict(frozen=True)

    number: str | None
    kind: str
    issue_date: date | None
    due_date: date | None
    currency: str | None
    payable_amount: Decimal | None
    tax_amount: Decimal | None
    seller_name: str | None
    seller_legal_id: str | None
    seller_vat_id: str | None
    payment_id: str | None = Field(description="KID, when the supplier gave one.")
    payment_account: str | None
    buyer_reference: str | None = Field(default=None, description="'Deres ref' (BT-10).")


class CodingLine(BaseModel):
    """One posting line: account, VAT code and dimensions for a share of the invoice."""

    model_config = ConfigDict(frozen=True)

    account: str = Field(pattern=r"^\d{4,6}$")
    vat_code: str = Field(description="SAF-T standard tax code, e.g. 1 for 25 % input VAT.")
    net_amount: Decimal
    vat_amount: Decimal = Decimal("0")
    department: str | None = None
    project: str | None = None
    description: str | None = None


class InvoiceCoded(EventPayload):
    invoice: InvoiceSummary
    registered_by: str
    lines: list[CodingLine]
    confidence: float = Field(ge=0.0, le=1.0)
    method: Literal["history", "default", "rule", "model", "manual"]
    explanation: str


class InvoiceApprovalRequested(EventPayload):
    step: str = Field(description="attestation, budget-approval …")
    assignee: str
    due_at: datetime | None = None


class Approval(BaseModel):
    model_config = ConfigDict(frozen=True)

    step: str
    approved_by: str
    on_behalf_of: str | None = None
    approved_at: datetime


class InvoiceApproved(EventPayload):
    """Public contract: the invoice is attested and approved for posting and payment."""

    invoice: InvoiceSummary
    coding: list[CodingLine]
    approvals: list[Approval]
    approved_at: datetime


class InvoiceDisputed(EventPayload):
    disputed_by: str
    reason: str


class InvoiceRecoded(EventPayload):
    recoded_by: str
    lines: list[CodingLine]


class VoucherLine(BaseModel):
    model_config = ConfigDict(frozen=True)

    account: str
    debit: Decimal = Decimal("0")
    credit: Decimal = Decimal("0")
    vat_code: str | None = None
    supplier_id: str | None = None
    department: str | None = None
    project: str | None = None


class InvoicePosted(EventPayload):
    voucher_number: str
    voucher_date: date
    lines: list[VoucherLine]
    invoice: InvoiceSummary


class PaymentProposed(EventPayload):
    payment_id: str
    run_id: UUID
    amount: Decimal
    currency: str
    execution_date: date
    proposed_by: str


class PaymentSent(EventPayload):
    """Public contract: the payment instruction left for the bank."""

    payment_id: str = Field(description="EndToEndId in the payment file.")
    run_id: UUID
    amount: Decimal
    currency: str
    execution_date: date
    creditor_name: str | None
    creditor_account: str
    kid: str | None = Field(description="Structured creditor reference (SCOR), when given.")
    message_id: str = Field(description="GrpHdr/MsgId of the pain.001 file.")
    file_name: str
    released_by: str
    sent_at: datetime


class PaymentSettled(EventPayload):
    payment_id: str
    booking_date: date
    amount: Decimal


class PaymentFailed(EventPayload):
    payment_id: str
    reason_code: str | None
    reason: str


EVENT_MODELS: dict[Topic, type[EventPayload]] = {
    Topic.INVOICE_RECEIVED: InvoiceReceived,
    Topic.INVOICE_OCR_REQUESTED: InvoiceOcrRequested,
    Topic.INVOICE_OCR_COMPLETED: InvoiceOcrCompleted,
    Topic.INVOICE_CAPTURED: InvoiceCaptured,
    Topic.INVOICE_VALIDATED: InvoiceValidated,
    Topic.INVOICE_REJECTED: InvoiceRejected,
    Topic.INVOICE_FLAGGED: InvoiceFlagged,
    Topic.INVOICE_CODED: InvoiceCoded,
    Topic.INVOICE_APPROVAL_REQUESTED: InvoiceApprovalRequested,
    Topic.INVOICE_APPROVED: InvoiceApproved,
    Topic.INVOICE_DISPUTED: InvoiceDisputed,
    Topic.INVOICE_RECODED: InvoiceRecoded,
    Topic.INVOICE_POSTED: InvoicePosted,
    Topic.PAYMENT_PROPOSED: PaymentProposed,
    Topic.PAYMENT_SENT: PaymentSent,
    Topic.PAYMENT_SETTLED: PaymentSettled,
    Topic.PAYMENT_FAILED: PaymentFailed,
}


def topic_of(payload: EventPayload) -> Topic:
    for topic, model in EVENT_MODELS.items():
        if type(payload) is model:
            return topic
    raise KeyError(type(payload).__name__)
