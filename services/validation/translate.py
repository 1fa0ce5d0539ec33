"""Validation's domain events -> public contracts."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol

from fakturaportal.relay import Publication
from services.validation.domain import FLAGGING_RULES, ValidationCase
from services.validation.matching import ORDER_RULES
from services.validation.orders import PurchaseOrder
from shared.schemas.events import (
    EventPayload,
    Finding,
    GoodsReceived,
    InvoiceFlagged,
    InvoiceRejected,
    InvoiceValidated,
    OrderMatch,
    PurchaseOrderRegistered,
    Severity,
)
from shared.schemas.invoice import CanonicalInvoice


def translate(event: DomainEventProtocol[UUID]) -> list[Publication]:
    if isinstance(event, ValidationCase.Checked):
        case = {
            "tenant_id": event.tenant_id,
            "invoice": event.invoice,
            "registered_by": event.registered_by,
            "findings": event.findings,
            "credits": event.credits,
            "purchase_order": event.purchase_order,
        }
        return [Publication(_checked(event.invoice_id, case))]
    if isinstance(event, ValidationCase.Rechecked):
        return [Publication(_checked(event.originator_id, event.case))]
    if isinstance(event, ValidationCase.Released):
        return [
            Publication(
                _validated(event.originator_id, event.case).model_copy(
                    update={"released_by": event.by, "release_note": event.note}
                )
            )
        ]
    if isinstance(event, ValidationCase.Rejected):
        return [
            Publication(
                InvoiceRejected(
                    invoice_id=event.originator_id,
                    tenant_id=event.case["tenant_id"],
                    findings=_findings(event.case),
                    rejected_by=event.by,
                    reason=event.reason,
                )
            )
        ]
    return _order_events(event)


def _findings(case: dict[str, Any]) -> list[Finding]:
    return [Finding.model_validate(f) for f in case["findings"]]


def _match(case: dict[str, Any]) -> OrderMatch | None:
    stored = case["purchase_order"]
    return OrderMatch.model_validate(stored) if stored else None


def _checked(invoice_id: UUID, case: dict[str, Any]) -> EventPayload:
    """What a check concluded: rejected (fatal), flagged for a person, or validated."""
    findings = _findings(case)
    if any(f.flag is Severity.FATAL for f in findings):
        return InvoiceRejected(
            invoice_id=invoice_id, tenant_id=case["tenant_id"], findings=findings
        )
    flagging = [f for f in findings if f.rule_id in FLAGGING_RULES]
    if flagging:
        match = _match(case)
        on_order = match is not None and any(f.rule_id in ORDER_RULES for f in flagging)
        return InvoiceFlagged(
            invoice_id=invoice_id,
            tenant_id=case["tenant_id"],
            reason=flagging[0].message_nb,
            findings=findings,
            purchase_order=match,
            assignee=match.owner if on_order and match else None,
        )
    return _validated(invoice_id, case)


def _validated(invoice_id: UUID, case: dict[str, Any]) -> InvoiceValidated:
    credits = case["credits"]
    return InvoiceValidated(
        invoice_id=invoice_id,
        tenant_id=case["tenant_id"],
        invoice=CanonicalInvoice.model_validate(case["invoice"]),
        registered_by=case["registered_by"],
        findings=_findings(case),
        credits_invoice_id=UUID(credits) if credits else None,
        purchase_order=_match(case),
    )


def _order_events(event: DomainEventProtocol[UUID]) -> list[Publication]:
    """Orders and receipts go out on their topics, whichever way they came in."""
    meta: dict[str, str] = getattr(event, "meta", None) or {}
    if isinstance(event, PurchaseOrder.Registered):
        order: dict[str, Any] = event.order
        return [
            Publication(
                PurchaseOrderRegistered.model_validate(
                    order | {"order_id": event.originator_id, "tenant_id": meta["tenant_id"]}
                ),
                correlation_id=str(event.originator_id),
            )
        ]
    if isinstance(event, PurchaseOrder.GoodsReceived):
        receipt: dict[str, Any] = event.receipt
        return [
            Publication(
                GoodsReceived.model_validate(
                    receipt | {"order_id": event.originator_id, "tenant_id": meta["tenant_id"]}
                ),
                correlation_id=str(event.originator_id),
            )
        ]
    return []
