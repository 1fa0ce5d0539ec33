"""Approval's domain events -> public contracts (`invoice-approved` is a published API).

- `Requested`, `StepsStarted`, `Forwarded`, `RoutedUpwards`: `invoice-approval-requested` for each
  step that now waits for someone (with its due time).
- `Approved` -> `invoice-approved`, every step decision in `approvals` (with `on_behalf_of`).
- `Disputed` -> `invoice-disputed`; `Recoded` -> `invoice-recoded` (posting keeps the lines).
- `Commented` -> `invoice-commented`.
- An invoice nobody may approve (`Unrouted.Parked`) -> `invoice-approval-requested` for the
  AP inbox, step `routing`, so it shows as waiting rather than vanishing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol

from fakturaportal.relay import Publication
from services.approval.case import ApprovalCase
from services.approval.flow import Step
from services.approval.unrouted import AP_INBOX, Unrouted
from shared.schemas.events import (
    Approval,
    CodingLine,
    InvoiceApprovalRequested,
    InvoiceApproved,
    InvoiceCommented,
    InvoiceDisputed,
    InvoiceRecoded,
)

STEP_EVENTS = (
    ApprovalCase.Requested,
    ApprovalCase.StepsStarted,
    ApprovalCase.Forwarded,
    ApprovalCase.RoutedUpwards,
    ApprovalCase.Recoded,
)


def translate(event: DomainEventProtocol[UUID], case_of: CaseLookup) -> list[Publication]:
    if isinstance(event, Unrouted.Parked):
        return [
            Publication(
                InvoiceApprovalRequested(
                    invoice_id=event.invoice_id,
                    tenant_id=event.tenant_id,
                    step="routing",
                    assignee=AP_INBOX,
                )
            )
        ]
    if isinstance(event, ApprovalCase.Approved):
        at = datetime.fromisoformat(event.at)
        case = case_of(event.originator_id, event.originator_version)
        return [
            Publication(
                InvoiceApproved(
                    invoice_id=event.originator_id,
                    tenant_id=case.tenant_id,
                    invoice=case.invoice,
                    coding=case.coding,
                    approvals=[
                        Approval(
                            step=a["step"],
                            approved_by=a["approved_by"],
                            on_behalf_of=a.get("on_behalf_of"),
                            approved_at=datetime.fromisoformat(a["approved_at"] or event.at),
                        )
                        for a in event.approvals
                    ],
                    approved_at=at,
                )
            )
        ]
    published: list[Publication] = []
    tenant = event_tenant(event)
    if isinstance(event, ApprovalCase.Disputed):
        published.append(
            Publication(
                InvoiceDisputed(
                    invoice_id=event.originator_id,
                    tenant_id=tenant,
                    disputed_by=event.disputed_by,
                    reason=event.reason,
                )
            )
        )
    if isinstance(event, ApprovalCase.Recoded):
        published.append(
            Publication(
                InvoiceRecoded(
                    invoice_id=event.originator_id,
                    tenant_id=tenant,
                    recoded_by=event.recoded_by,
                    lines=[CodingLine.model_validate(line) for line in event.lines],
                )
            )
        )
    if isinstance(event, ApprovalCase.Commented):
        published.append(
            Publication(
                InvoiceCommented(
                    invoice_id=event.originator_id,
                    tenant_id=tenant,
                    comment_id=event.comment_id,
                    author=event.author,
                    by_supplier=event.by_supplier,
                    text=event.text,
                    visibility="supplier" if event.visibility == "supplier" else "internal",
                    reply_to=event.reply_to,
                    question_to=event.question_to,
                    commented_at=datetime.fromisoformat(event.at),
                )
            )
        )
    if isinstance(event, STEP_EVENTS):
        case = case_of(event.originator_id, event.originator_version)
        published += [_requested(case, step) for step in _waiting(event, case)]
    return published


def event_tenant(event: DomainEventProtocol[UUID]) -> str:
    meta: dict[str, str] = getattr(event, "meta", {}) or {}
    return meta.get("tenant_id", "")


def _waiting(event: DomainEventProtocol[UUID], case: ApprovalCase) -> list[Step]:
    """The steps this event set waiting for someone (new, started, or given to another)."""
    active = case.active_steps()
    if isinstance(event, ApprovalCase.StepsStarted):
        return [s for s in active if s.id in event.step_ids]
    if isinstance(event, ApprovalCase.Forwarded | ApprovalCase.RoutedUpwards):
        return [s for s in active if s.id == event.step_id]
    return active  # a new case, or steps planned anew by a recode


def _requested(case: ApprovalCase, step: Step) -> Publication:
    return Publication(
        InvoiceApprovalRequested(
            invoice_id=case.id,
            tenant_id=case.tenant_id,
            step=step.id,
            assignee=step.assignee,
            due_at=step.due_at,
        )
    )


class CaseLookup:
    """The case as it was at a version: published events need the case's summary and steps."""

    def __init__(self, get: Callable[..., object]) -> None:
        self._get = get

    def __call__(self, invoice_id: UUID, version: int) -> ApprovalCase:
        case = self._get(invoice_id, version=version)
        assert isinstance(case, ApprovalCase)
        return case
