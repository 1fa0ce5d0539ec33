"""Validation's domain events -> public contracts."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import DomainEventProtocol

from fakturaportal.relay import Publication
from services.validation.domain import ValidationCase
from shared.schemas.events import Finding, InvoiceRejected, InvoiceValidated, Severity
from shared.schemas.invoice import CanonicalInvoice


def translate(event: DomainEventProtocol[UUID]) -> list[Publication]:
    if isinstance(event, ValidationCase.Checked):
        findings = [Finding.model_validate(f) for f in event.findings]
        if any(f.flag is Severity.FATAL for f in findings):
            return [
                Publication(
                    InvoiceRejected(
                        invoice_id=event.invoice_id, tenant_id=event.tenant_id, findings=findings
                    )
                )
            ]
        return [
            Publication(
                InvoiceValidated(
                    invoice_id=event.invoice_id,
                    tenant_id=event.tenant_id,
                    invoice=CanonicalInvoice.model_validate(event.invoice),
                    registered_by=event.registered_by,
                    findings=findings,
                )
            )
        ]
    return []
