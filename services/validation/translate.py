"""Validation's domain events -> public contracts."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.domain import DomainEventProtocol

from fakturaportal.relay import Publication
from services.validation.domain import ValidationCase
from services.validation.duplicates import DUPLICATE_RULES
from services.validation.suppliers import FRAUD_RULES
from shared.schemas.events import (
    Finding,
    InvoiceFlagged,
    InvoiceRejected,
    InvoiceValidated,
    Severity,
)
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
        duplicates = [f for f in findings if f.rule_id in DUPLICATE_RULES | FRAUD_RULES]
        if duplicates:
            return [
                Publication(
                    InvoiceFlagged(
                        invoice_id=event.invoice_id,
                        tenant_id=event.tenant_id,
                        reason=duplicates[0].message_nb,
                        findings=findings,
                    )
                )
            ]
        credits = getattr(event, "credits", None)
        return [
            Publication(
                InvoiceValidated(
                    invoice_id=event.invoice_id,
                    tenant_id=event.tenant_id,
                    invoice=CanonicalInvoice.model_validate(event.invoice),
                    registered_by=event.registered_by,
                    findings=findings,
                    credits_invoice_id=UUID(credits) if credits else None,
                )
            )
        ]
    return []
