"""Kafka topic names: one topic per event type, named in one place (DESIGN §2)."""

from __future__ import annotations

from enum import StrEnum


class Topic(StrEnum):
    INVOICE_RECEIVED = "invoice-received"
    INVOICE_OCR_REQUESTED = "invoice-ocr-requested"
    INVOICE_OCR_COMPLETED = "invoice-ocr-completed"
    INVOICE_CAPTURED = "invoice-captured"
    INVOICE_CORRECTED = "invoice-corrected"
    INVOICE_VALIDATED = "invoice-validated"
    INVOICE_REJECTED = "invoice-rejected"
    INVOICE_FLAGGED = "invoice-flagged"
    INVOICE_CODED = "invoice-coded"
    INVOICE_APPROVAL_REQUESTED = "invoice-approval-requested"
    INVOICE_APPROVED = "invoice-approved"
    INVOICE_DISPUTED = "invoice-disputed"
    INVOICE_RECODED = "invoice-recoded"
    INVOICE_COMMENTED = "invoice-commented"
    INVOICE_POSTED = "invoice-posted"
    INVOICE_POSTING_FAILED = "invoice-posting-failed"
    PAYMENT_PROPOSED = "payment-proposed"
    PAYMENT_SENT = "payment-sent"
    PAYMENT_SETTLED = "payment-settled"
    PAYMENT_FAILED = "payment-failed"
    PURCHASE_ORDER_REGISTERED = "purchase-order-registered"
    GOODS_RECEIVED = "goods-received"


#: Topics whose subject is a purchase order; every other topic's subject is an invoice.
ORDER_TOPICS: frozenset[Topic] = frozenset({Topic.PURCHASE_ORDER_REGISTERED, Topic.GOODS_RECEIVED})
INVOICE_TOPICS: frozenset[Topic] = frozenset(Topic) - ORDER_TOPICS

#: Contracts other systems subscribe to: documented, versioned, never broken.
PUBLIC_TOPICS: frozenset[Topic] = frozenset({Topic.INVOICE_APPROVED, Topic.PAYMENT_SENT})

DLQ_SUFFIX = ".dlq"


def dead_letter_topic(topic: str) -> str:
    return f"{topic}{DLQ_SUFFIX}"


def all_topic_names() -> list[str]:
    """Every topic the system needs, dead-letter topics included."""
    names = [t.value for t in Topic]
    return names + [dead_letter_topic(n) for n in names]
