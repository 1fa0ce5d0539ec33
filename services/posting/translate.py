"""Posting's domain events -> public contracts."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol

from fakturaportal.relay import Publication
from services.posting.domain import PostingCase
from shared.schemas.events import (
    CodingLine,
    Finding,
    InvoiceCoded,
    InvoicePosted,
    InvoiceSummary,
    VoucherLine,
)


def translate(event: DomainEventProtocol[UUID]) -> list[Publication]:
    if isinstance(event, PostingCase.Coded):
        return [
            Publication(
                InvoiceCoded(
                    invoice_id=event.invoice_id,
                    tenant_id=event.tenant_id,
                    invoice=InvoiceSummary.model_validate(event.summary),
                    registered_by=event.registered_by,
                    lines=[CodingLine.model_validate(line) for line in event.lines],
                    confidence=event.confidence,
                    method=event.method,
                    explanation=event.explanation,
                    touchless=event.touchless,
                    findings=[Finding.model_validate(f) for f in event.findings or []],
                )
            )
        ]
    if isinstance(event, PostingCase.Posted):
        return [
            Publication(
                InvoicePosted(
                    invoice_id=event.originator_id,
                    tenant_id=event.meta["tenant_id"],
                    voucher_number=event.voucher_number,
                    voucher_date=date.fromisoformat(event.voucher_date),
                    lines=[VoucherLine.model_validate(line) for line in event.lines],
                    invoice=InvoiceSummary.model_validate(event.summary),
                )
            )
        ]
    return []
