"""Payment's domain events -> public contracts (`payment-sent` is a published API).

A run or a bank file is one domain event; it becomes one public event per invoice, keyed by the
invoice id and continuing that invoice's trace and correlation.

- `PaymentRun.Proposed` -> `payment-proposed` per payment.
- `PaymentRun.Delivered` -> `payment-sent` per payment (the file left for the bank). Runs
  released before delivery was recorded apart announced it on `Released`, as they still do.
- `PaymentRun.Released` -> `payment-settled` (amount 0) for an invoice a credit note settles.
- `PaymentLedger.BankFileImported` -> `payment-settled` / `payment-failed` per outcome.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from eventsourcing.domain import DomainEventProtocol

from fakturaportal.relay import Publication
from services.payment.domain import PaymentRun
from services.payment.ledger import PaymentLedger
from shared.schemas.events import (
    EventPayload,
    PaymentFailed,
    PaymentProposed,
    PaymentSent,
    PaymentSettled,
)

Data = dict[str, Any]
PAIN = {"03": "pain.001.001.03", "09": "pain.001.001.09"}


def translate(event: DomainEventProtocol[UUID]) -> list[Publication]:
    data: Any = event
    if isinstance(event, PaymentRun.Proposed):  # type: ignore[attr-defined]  # made by @event
        return [_publication(p, _proposed(data, p)) for p in data.payments]
    if isinstance(event, PaymentRun.Released):  # type: ignore[attr-defined]
        if not getattr(data, "files", None):
            sent_at = datetime.fromisoformat(data.released_at)
            return [
                _publication(p, _sent(data, p, data.released_by, sent_at)) for p in data.payments
            ]
        return [_publication(p, _by_credit(data, p)) for p in getattr(data, "settled", None) or []]
    if isinstance(event, PaymentRun.Delivered):  # type: ignore[attr-defined]
        sent_at = datetime.fromisoformat(data.delivered_at)
        return [_publication(p, _sent(data, p, data.released_by, sent_at)) for p in data.payments]
    if isinstance(event, PaymentLedger.BankFileImported):  # type: ignore[attr-defined]
        tenant_id = data.meta["tenant_id"]
        return [
            _publication(o, _answer(tenant_id, o, data.timestamp.date()))
            for o in data.outcomes
            if o["kind"] in ("settled", "failed") and o.get("invoice_id")
        ]
    return []


def _proposed(event: Any, p: Data) -> PaymentProposed:
    return PaymentProposed(
        invoice_id=UUID(p["invoice_id"]),
        tenant_id=event.tenant_id,
        payment_id=p["payment_id"],
        run_id=event.originator_id,
        amount=Decimal(p["amount"]),
        currency=p["currency"],
        execution_date=date.fromisoformat(p["execution_date"]),
        proposed_by=event.proposed_by,
    )


def _sent(event: Any, p: Data, released_by: str, sent_at: datetime) -> PaymentSent:
    return PaymentSent(
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
        message_id=p.get("message_id") or event.message_id,
        file_name=p.get("file_name") or event.file_name,
        released_by=released_by,
        sent_at=sent_at,
        payment_information_id=p.get("payment_information_id"),
        pain_version=PAIN.get(str(p.get("pain_version"))),
    )


def _by_credit(event: Any, p: Data) -> PaymentSettled:
    return PaymentSettled(
        invoice_id=UUID(p["invoice_id"]),
        tenant_id=event.meta["tenant_id"],
        payment_id=p["payment_id"],
        booking_date=datetime.fromisoformat(event.released_at).date(),
        amount=Decimal("0.00"),
    )


def _answer(tenant_id: str, outcome: Data, imported_on: date) -> PaymentSettled | PaymentFailed:
    record = outcome["record"]
    if outcome["kind"] == "settled":
        booked = record.get("booking_date")
        return PaymentSettled(
            invoice_id=UUID(outcome["invoice_id"]),
            tenant_id=tenant_id,
            payment_id=outcome["payment_id"],
            booking_date=date.fromisoformat(booked) if booked else imported_on,
            amount=Decimal(record.get("amount") or outcome["amount"]),
            bank_reference=record.get("bank_reference"),
        )
    return PaymentFailed(
        invoice_id=UUID(outcome["invoice_id"]),
        tenant_id=tenant_id,
        payment_id=outcome["payment_id"],
        reason_code=outcome.get("reason_code"),
        reason=outcome["reason"],
    )


def _publication(data: Data, payload: EventPayload) -> Publication:
    return Publication(
        payload,
        traceparent=data.get("traceparent"),
        correlation_id=data.get("correlation_id"),
    )
