"""Approval's domain events -> public contracts (`invoice-approved` is a published API)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol

from fakturaportal.relay import Publication
from services.approval.domain import ApprovalCase
from shared.schemas.events import (
    Approval,
    CodingLine,
    InvoiceApprovalRequested,
    InvoiceApproved,
    InvoiceSummary,
)


def translate(event: DomainEventProtocol[UUID], case_of: CaseLookup) -> list[Publication]:
    if isinstance(event, ApprovalCase.Requested):
        return [
            Publication(
                InvoiceApprovalRequested(
                    invoice_id=event.invoice_id,
                    tenant_id=event.tenant_id,
                    step=event.step,
                    assignee=event.assignee,
                )
            )
        ]
    if isinstance(event, ApprovalCase.Approved):
        case = case_of(event.originator_id, event.originator_version)
        at = datetime.fromisoformat(event.approved_at)
        return [
            Publication(
                InvoiceApproved(
                    invoice_id=event.originator_id,
                    tenant_id=case.tenant_id,
                    invoice=InvoiceSummary.model_validate(case.summary),
                    coding=[CodingLine.model_validate(line) for line in case.coding],
                    approvals=[
                        Approval(step=case.step, approved_by=event.approved_by, approved_at=at)
                    ],
                    approved_at=at,
                )
            )
        ]
    return []


class CaseLookup:
    """The case as it was at a version: the approved event needs the case's summary and coding."""

    def __init__(self, get: object) -> None:
        self._get = get

    def __call__(self, invoice_id: UUID, version: int) -> ApprovalCase:
        case = self._get(invoice_id, version=version)  # type: ignore[operator]
        assert isinstance(case, ApprovalCase)
        return case
