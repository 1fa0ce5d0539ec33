"""Validation's domain events -> public contracts."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol

from fakturaportal.relay import Publication
from services.validation.domain import ValidationCase
from services.validation.duplicates import DUPLICATE_RULES
from services.validation.matching import ORDER_RULES
from services.validation.orders import PurchaseOrder
from services.validation.suppliers import FRAUD_RULES
from shared.schemas.events import (
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

FLAGGING_RULES = DUPLICATE_RULES | FRAUD_RULES | ORDER_RULES
"""Findings that stop an invoice for a person: the order's owner, or the AP desk."""


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
        stored_match = event.purchase_order
        match = OrderMatch.model_validate(stored_match) if stored_match else None
        flagging = [f for f in findings if f.rule_id in FLAGGING_RULES]
        if flagging:
            on_order = match is not None and any(f.rule_id in ORDER_RULES for f in flagging)
            return [
                Publication(
                    InvoiceFlagged(
                        invoice_id=event.invoice_id,
                        tenant_id=event.tenant_id,
                        reason=flagging[0].message_nb,
                        findings=findings,
                        purchase_order=match,
                        assignee=match.owner if on_order and match else None,
                    )
                )
            ]
        credits = event.credits
        return [
            Publication(
                InvoiceValidated(
                    invoice_id=event.invoice_id,
                    tenant_id=event.tenant_id,
                    invoice=CanonicalInvoice.model_validate(event.invoice),
                    registered_by=event.registered_by,
                    findings=findings,
                    credits_invoice_id=UUID(credits) if credits else None,
                    purchase_order=match,
                )
            )
        ]
    return _order_events(event)


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
