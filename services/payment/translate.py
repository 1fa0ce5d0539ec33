"""Payment's domain events -> public contracts (`payment-sent` is a published API).

A run is one domain event; it becomes one public event per invoice, keyed by the invoice id and
continuing that invoice's trace and correlation.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol

from fakturaportal.relay import Publication
from services.payment.domain import PaymentRun
from shared.schemas.events import PaymentProposed, PaymentSent


def translate(event: DomainEventProtocol[UUID]) -> list[Publication]:
    if isinstance(event, PaymentRun.Proposed):  # type: ignore[attr-defined]  # made by @event
        return [
            _publication(
                p,
                PaymentProposed(
                    invoice_id=UUID(p["invoice_id"]),
                    tenant_id=event.tenant_id,
                    payment_id=p["payment_id"],
                    run_id=event.originator_id,
                    amount=Decimal(p["amount"]),
                    currency=p["currency"],
                    execution_date=date.fromisoformat(p["execution_date"]),
                    proposed_by=event.proposed_by,
                ),
            )
            for p in event.payments
        ]
    if isinstance(event, PaymentRun.Released):  # type: ignore[attr-defined]
        return [
            _publication(
                p,
                PaymentSent(
                    invoice_id=UUID(p["invoice_id"]),
                    tenant_id=event.meta["tenant_id"],
                    payment_id=p["payment_id"],
                    run_id=event.originator_id,
                    amount=Decimal(p["amount"]),
                    currency=p["currency"],
                    execution_date=date.fromisoformat(p["execution_date"]),
                    creditor_name=p["creditor_name"],
                    creditor_account=p["creditor_account"],
                    kid=p["kid"],
                    message_id=event.message_id,
                    file_name=event.file_name,
                    released_by=event.released_by,
                    sent_at=datetime.fromisoformat(event.released_at),
                ),
            )
            for p in event.payments
        ]
    return []


def _publication(payment: dict[str, str], payload: PaymentProposed | PaymentSent) -> Publication:
    return Publication(
        payload,
        traceparent=payment.get("traceparent"),
        correlation_id=payment.get("correlation_id"),
    )
