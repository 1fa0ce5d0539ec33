"""Payloads of every lifecycle event (DESIGN §1), one pydantic model per topic.

A new version only adds optional fields; a breaking change becomes a new `v2` type. Consumers ignore
fields they do not know, so adding is safe. Money is Decimal and travels as a JSON string.
"""

from __future__ import annotations

from abc import abstractmethod
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from shared.schemas.invoice import CanonicalInvoice
from shared.schemas.topics import Topic


class Payload(BaseModel):
    """Common to every payload: the tenant, and the subject that is the record key."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    if TYPE_CHECKING:  # a field of each subclass, declared after its subject to keep the order
        tenant_id: str

    @property
    @abstractmethod
    def subject_id(self) -> UUID:
        """Kafka key and `ce_subject`: all events of one subject stay ordered."""


class EventPayload(Payload):
    """An event of one invoice's journey: the invoice is the subject."""

    invoice_id: UUID
    tenant_id: str

    @property
    def subject_id(self) -> UUID:
        return self.invoice_id


class OrderPayload(Payload):
    """An event of one purchase order: the order is the subject."""

    order_id: UUID = Field(description="uuid5 of tenant and order number: one id per order.")
    order_number: str = Field(
        min_length=1, max_length=100, description="As on the invoice (BT-13)."
    )
    tenant_id: str

    @property
    def subject_id(self) -> UUID:
        return self.order_id


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


class DeviationKind(StrEnum):
    PRICE = "price"
    QUANTITY = "quantity"
    RECEIPT = "receipt"
    LINE = "line"
    TOTAL = "total"
    SUPPLIER = "supplier"
    CURRENCY = "currency"


class Deviation(BaseModel):
    """One difference between invoice and order, and whether the tenant's tolerance covers it."""

    model_config = ConfigDict(frozen=True)

    kind: DeviationKind
    invoice_line: str | None = Field(default=None, description="BT-126 of the invoice line.")
    order_line: str | None = None
    expected: Decimal | None = None
    actual: Decimal | None = None
    amount: Decimal = Field(description="Value of the difference in the invoice currency.")
    percent: Decimal | None = Field(default=None, description="Relative to the expected value.")
    within_tolerance: bool
    message_nb: str
    message_en: str


class MatchedLine(BaseModel):
    """An invoice line set against its order line, with the order's state before this invoice."""

    model_config = ConfigDict(frozen=True)

    invoice_line: str
    order_line: str
    quantity: Decimal
    unit_price: Decimal | None
    order_unit_price: Decimal
    ordered: Decimal
    received: Decimal
    invoiced_before: Decimal


class OrderMatch(BaseModel):
    """How an invoice matched a purchase order (2-way) and its goods receipts (3-way)."""

    model_config = ConfigDict(frozen=True)

    order_id: UUID
    order_number: str
    owner: str = Field(description="Who ordered: deviations beyond tolerance go to them.")
    matched_by: Literal["order-reference", "supplier"]
    mode: Literal["two-way", "three-way"]
    lines: list[MatchedLine] = Field(default_factory=list)
    deviations: list[Deviation] = Field(default_factory=list)
    within_tolerance: bool


class InvoiceValidated(EventPayload):
    invoice: CanonicalInvoice
    registered_by: str
    findings: list[Finding] = Field(default_factory=list, description="Warnings that travel on.")
    credits_invoice_id: UUID | None = Field(
        default=None, description="For a credit note: the invoice it credits, when found."
    )
    purchase_order: OrderMatch | None = Field(
        default=None, description="The order matched within tolerance, with its deviations."
    )
    released_by: str | None = Field(
        default=None,
        description="Set when the invoice had been flagged and a person released it: who.",
    )
    release_note: str | None = Field(
        default=None, description="Why the flagged invoice was released, in the person's words."
    )


class InvoiceRejected(EventPayload):
    findings: list[Finding]
    rejected_by: str | None = Field(
        default=None,
        description="Set when a person rejected a flagged invoice; null when a rule rejected it.",
    )
    reason: str | None = Field(
        default=None, description="The person's reason, shown to the supplier."
    )


class InvoiceFlagged(EventPayload):
    reason: str
    findings: list[Finding] = Field(default_factory=list)
    purchase_order: OrderMatch | None = Field(
        default=None, description="The order match whose deviations exceed the tolerance."
    )
    assignee: str | None = Field(
        default=None,
        description="Who must look at it: the order's owner for order deviations, else "
        "the AP desk (null).",
    )


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
    payment_bic: str | None = Field(
        default=None, description="The payee's bank (BIC, BT-86), e.g. for a foreign IBAN."
    )
    buyer_reference: str | None = Field(default=None, description="'Deres ref' (BT-10).")
    payment_terms: str | None = Field(
        default=None, description="Payment terms as written (BT-20), e.g. an early discount."
    )
    nok_rate: Decimal | None = Field(
        default=None,
        description="NOK per unit of `currency`: 1 for NOK; for another currency the invoice's "
        "own rate (its VAT in NOK, BT-111, over its VAT, BT-110); null when it gives none.",
    )


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
    invoice_line: str | None = Field(default=None, description="BT-126 of the line coded.")
    confidence: float | None = Field(default=None, ge=0.0, le=1.0)
    explanation: str | None = Field(
        default=None, description="Why this account: the rule, the model's reasons, history."
    )


class InvoiceCoded(EventPayload):
    invoice: InvoiceSummary
    registered_by: str
    lines: list[CodingLine]
    confidence: float = Field(ge=0.0, le=1.0)
    method: Literal["history", "default", "rule", "model", "manual"]
    explanation: str
    touchless: bool = Field(
        default=False, description="Sure enough to need no manual coding (tenant threshold)."
    )
    findings: list[Finding] = Field(
        default_factory=list, description="E.g. FP-VAT-01: VAT code does not fit the account."
    )
    purchase_order: OrderMatch | None = Field(
        default=None,
        description="The purchase order the invoice matched (from `invoice-validated`): its owner "
        "attests the invoice unless the buyer reference names someone.",
    )


class InvoiceApprovalRequested(EventPayload):
    step: str = Field(
        description="The step's id: `attestation:<cost centre>`, `budget:<cost centre>` (`*` "
        "when the lines name none), `second-level`; `routing` when nobody may take the invoice "
        "yet (assignee `ap-inbox`)."
    )
    assignee: str = Field(description="A user, or a group (shared inbox) for attestation.")
    due_at: datetime | None = Field(
        default=None, description="When a reminder goes out if nobody has acted."
    )


class Approval(BaseModel):
    """One step's decision: who approved, and for whom when they stood in as substitute."""

    model_config = ConfigDict(frozen=True)

    step: str = Field(
        description="`attestation:<cost centre>`, `budget:<cost centre>` or `second-level`."
    )
    approved_by: str
    on_behalf_of: str | None = Field(
        default=None, description="The absent person a substitute approved for."
    )
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


class InvoiceCorrected(EventPayload):
    """A person corrected a captured field (the AP desk); the invoice as it now reads."""

    field: str = Field(description="The business term corrected, e.g. BT-1.")
    value: str = Field(description="The value as the person entered it.")
    previous: str | None = Field(default=None, description="The value as captured before.")
    corrected_by: str
    invoice: CanonicalInvoice = Field(description="The canonical invoice with the correction.")


class InvoiceRecoded(EventPayload):
    recoded_by: str
    lines: list[CodingLine]


class InvoiceCommented(EventPayload):
    """A comment or question on an invoice in approval, for the audit trail and the supplier."""

    comment_id: str = Field(description="Numbered per invoice from 1.")
    author: str
    by_supplier: bool = False
    text: str
    visibility: Literal["internal", "supplier"] = Field(
        description="internal: the buyer's people only; supplier: the supplier sees it too."
    )
    reply_to: str | None = Field(default=None, description="The comment this one answers.")
    question_to: str | None = Field(
        default=None, description="A question to this user, or to `supplier`."
    )
    commented_at: datetime


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


class InvoicePostingFailed(EventPayload):
    """The voucher could not be built or the ERP did not take it: a person must act."""

    voucher_number: str | None = Field(description="Null when no voucher could be built.")
    reason: str
    connector: str | None = None
    attempts: int = Field(default=0, ge=0)
    permanent: bool = Field(description="Refused outright (no use retrying unchanged).")


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
    payment_information_id: str | None = Field(
        default=None, description="PmtInf/PmtInfId of the payment's block in the file."
    )
    pain_version: str | None = Field(
        default=None, description="The file's ISO 20022 message: pain.001.001.03 or .09."
    )


class PaymentSettled(EventPayload):
    payment_id: str
    booking_date: date
    amount: Decimal
    bank_reference: str | None = Field(
        default=None, description="The bank's reference of the booking (camt.054 AcctSvcrRef)."
    )


class PaymentFailed(EventPayload):
    payment_id: str
    reason_code: str | None
    reason: str


class OrderLine(BaseModel):
    model_config = ConfigDict(frozen=True)

    line_id: str = Field(min_length=1, max_length=50, description="Referenced by BT-132.")
    description: str | None = Field(default=None, max_length=500)
    seller_item_id: str | None = Field(default=None, max_length=100, description="Cf. BT-155.")
    quantity: Decimal = Field(gt=0)
    unit_price: Decimal = Field(ge=0, description="Net price per unit, invoice currency.")
    unit_code: str | None = Field(default=None, max_length=10)


class PurchaseOrderRegistered(OrderPayload):
    supplier_legal_id: str = Field(pattern=r"^\d{9}$", description="The supplier's orgnr.")
    supplier_name: str | None = None
    owner: str = Field(min_length=1, max_length=200, description="Who ordered: user id.")
    currency: str = Field(default="NOK", pattern=r"^[A-Z]{3}$")
    order_date: date | None = None
    receipt_required: bool = Field(
        default=True, description="Three-way match: invoice only what was received."
    )
    lines: list[OrderLine] = Field(min_length=1, max_length=10_000)
    registered_by: str


class ReceivedLine(BaseModel):
    model_config = ConfigDict(frozen=True)

    line_id: str = Field(min_length=1, max_length=50)
    quantity: Decimal = Field(gt=0)


class GoodsReceived(OrderPayload):
    receipt_number: str = Field(min_length=1, max_length=100)
    received_on: date
    received_by: str
    lines: list[ReceivedLine] = Field(min_length=1, max_length=10_000)


EVENT_MODELS: dict[Topic, type[Payload]] = {
    Topic.INVOICE_RECEIVED: InvoiceReceived,
    Topic.INVOICE_OCR_REQUESTED: InvoiceOcrRequested,
    Topic.INVOICE_OCR_COMPLETED: InvoiceOcrCompleted,
    Topic.INVOICE_CAPTURED: InvoiceCaptured,
    Topic.INVOICE_CORRECTED: InvoiceCorrected,
    Topic.INVOICE_VALIDATED: InvoiceValidated,
    Topic.INVOICE_REJECTED: InvoiceRejected,
    Topic.INVOICE_FLAGGED: InvoiceFlagged,
    Topic.INVOICE_CODED: InvoiceCoded,
    Topic.INVOICE_APPROVAL_REQUESTED: InvoiceApprovalRequested,
    Topic.INVOICE_APPROVED: InvoiceApproved,
    Topic.INVOICE_DISPUTED: InvoiceDisputed,
    Topic.INVOICE_RECODED: InvoiceRecoded,
    Topic.INVOICE_COMMENTED: InvoiceCommented,
    Topic.INVOICE_POSTED: InvoicePosted,
    Topic.INVOICE_POSTING_FAILED: InvoicePostingFailed,
    Topic.PAYMENT_PROPOSED: PaymentProposed,
    Topic.PAYMENT_SENT: PaymentSent,
    Topic.PAYMENT_SETTLED: PaymentSettled,
    Topic.PAYMENT_FAILED: PaymentFailed,
    Topic.PURCHASE_ORDER_REGISTERED: PurchaseOrderRegistered,
    Topic.GOODS_RECEIVED: GoodsReceived,
}


def topic_of(payload: Payload) -> Topic:
    for topic, model in EVENT_MODELS.items():
        if type(payload) is model:
            return topic
    raise KeyError(type(payload).__name__)
