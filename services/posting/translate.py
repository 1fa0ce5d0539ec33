"""Posting's domain events -> public contracts."""

from __future__ import annotations

from collections.abc import Callable
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol

from fakturaportal.relay import Publication
from services.posting.domain import PostingCase
from services.posting.voucher import Voucher, invoice_posted
from shared.schemas.events import (
    CodingLine,
    Finding,
    InvoiceCoded,
    InvoicePostingFailed,
    InvoiceSummary,
    OrderMatch,
)

CaseLookup = Callable[[UUID, int], PostingCase]
"""The case as it was at a version: publications need its voucher and summary."""


def translate(event: DomainEventProtocol[UUID], case_of: CaseLookup) -> list[Publication]:
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
                    purchase_order=(
                        OrderMatch.model_validate(event.purchase_order)
                        if event.purchase_order
                        else None
                    ),
                )
            )
        ]
    if isinstance(event, PostingCase.Exported):
        case = case_of(event.originator_id, event.originator_version)
        voucher = Voucher.model_validate(case.voucher)
        return [Publication(invoice_posted(voucher, InvoiceSummary.model_validate(case.summary)))]
    if isinstance(event, PostingCase.ExportFailed):
        case = case_of(event.originator_id, event.originator_version)
        return [
            Publication(
                InvoicePostingFailed(
                    invoice_id=event.originator_id,
                    tenant_id=case.tenant_id,
                    voucher_number=case.voucher_number,
                    reason=event.reason,
                    connector=event.connector,
                    attempts=event.attempts,
                    permanent=event.permanent,
                )
            )
        ]
    if isinstance(event, PostingCase.VoucherRefused):
        return [
            Publication(
                InvoicePostingFailed(
                    invoice_id=event.originator_id,
                    tenant_id=event.meta["tenant_id"],
                    voucher_number=None,
                    reason=event.reason,
                    permanent=True,
                )
            )
        ]
    return []
