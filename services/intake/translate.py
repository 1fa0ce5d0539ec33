"""Intake's domain events -> public contracts."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import DomainEventProtocol

from fakturaportal.relay import Publication
from services.intake.domain import IntakeCase
from shared.schemas.events import Channel, DocumentRef, InvoiceCaptured, InvoiceReceived
from shared.schemas.invoice import CanonicalInvoice


def translate(event: DomainEventProtocol[UUID]) -> list[Publication]:
    tenant_id = event.meta["tenant_id"]  # type: ignore[attr-defined]
    if isinstance(event, IntakeCase.Registered):
        return [
            Publication(
                InvoiceReceived(
                    invoice_id=event.originator_id,
                    tenant_id=tenant_id,
                    channel=Channel(event.channel),
                    document=DocumentRef.model_validate(event.document),
                    registered_by=event.registered_by,
                    received_at=event.timestamp,
                )
            )
        ]
    if isinstance(event, IntakeCase.Captured):
        return [
            Publication(
                InvoiceCaptured(
                    invoice_id=event.originator_id,
                    tenant_id=tenant_id,
                    invoice=CanonicalInvoice.model_validate(event.invoice),
                    document=DocumentRef.model_validate(event.document),
                    registered_by=event.registered_by,
                )
            )
        ]
    return []
