"""Intake's domain events -> public contracts."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import DomainEventProtocol

from fakturaportal.relay import Publication
from services.intake.domain import IntakeCase
from shared.schemas.events import (
    Channel,
    DocumentRef,
    Finding,
    InvoiceCaptured,
    InvoiceCorrected,
    InvoiceOcrCompleted,
    InvoiceOcrRequested,
    InvoiceReceived,
    InvoiceRejected,
    OcrWord,
    Severity,
)
from shared.schemas.invoice import CanonicalInvoice

REFUSAL_TEXT_NB = "Dokumentet kunne ikke leses som en faktura"


def translate(event: DomainEventProtocol[UUID]) -> list[Publication]:
    if not isinstance(event, IntakeCase.Event):
        return []  # what people taught the extractor (SupplierProfile) stays inside intake
    tenant_id = event.meta["tenant_id"]  # type: ignore[attr-defined]
    invoice_id = event.originator_id
    if isinstance(event, IntakeCase.Registered):
        return [
            Publication(
                InvoiceReceived(
                    invoice_id=invoice_id,
                    tenant_id=tenant_id,
                    channel=Channel(event.channel),
                    document=DocumentRef.model_validate(event.document),
                    registered_by=event.registered_by,
                    received_at=event.timestamp,
                    origin=getattr(event, "origin", None) or {},
                )
            )
        ]
    if isinstance(event, IntakeCase.OcrRequested):
        return [
            Publication(
                InvoiceOcrRequested(
                    invoice_id=invoice_id,
                    tenant_id=tenant_id,
                    document=DocumentRef.model_validate(event.document),
                )
            )
        ]
    if isinstance(event, IntakeCase.OcrCompleted):
        return [
            Publication(
                InvoiceOcrCompleted(
                    invoice_id=invoice_id,
                    tenant_id=tenant_id,
                    document=DocumentRef.model_validate(event.document),
                    words=[OcrWord.model_validate(w) for w in event.words],
                )
            )
        ]
    if isinstance(event, IntakeCase.Captured):
        return [
            Publication(
                InvoiceCaptured(
                    invoice_id=invoice_id,
                    tenant_id=tenant_id,
                    invoice=CanonicalInvoice.model_validate(event.invoice),
                    document=DocumentRef.model_validate(event.document),
                    registered_by=event.registered_by,
                )
            )
        ]
    if isinstance(event, IntakeCase.Corrected):
        return _corrected(event, invoice_id, tenant_id)
    if isinstance(event, IntakeCase.Refused):
        finding = Finding(
            rule_id=event.code,
            flag=Severity.FATAL,
            message_nb=f"{REFUSAL_TEXT_NB}: {event.reason}",
            message_en=f"The document could not be read as an invoice: {event.reason}",
        )
        return [
            Publication(
                InvoiceRejected(invoice_id=invoice_id, tenant_id=tenant_id, findings=[finding])
            )
        ]
    return []


def _corrected(
    event: DomainEventProtocol[UUID], invoice_id: UUID, tenant_id: str
) -> list[Publication]:
    """A desk correction with the invoice as it now reads; corrections stored before the event
    carried the invoice were never published and cannot be (the invoice is not in them)."""
    invoice = getattr(event, "invoice", None)
    if invoice is None:
        return []
    return [
        Publication(
            InvoiceCorrected(
                invoice_id=invoice_id,
                tenant_id=tenant_id,
                field=event.field,  # type: ignore[attr-defined]
                value=event.value,  # type: ignore[attr-defined]
                previous=getattr(event, "previous", None),
                corrected_by=event.corrected_by,  # type: ignore[attr-defined]
                invoice=CanonicalInvoice.model_validate(invoice),
            )
        )
    ]
