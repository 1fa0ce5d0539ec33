"""The payment application: schedules posted invoices, proposes runs, releases them to the bank."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import cast
from uuid import UUID, uuid4

from eventsourcing.application import ProcessingEvent
from eventsourcing.persistence import IntegrityError

from fakturaportal.eventstore import ServiceApplication, meta_from, new_meta
from fakturaportal.messaging import InboundMessage
from fakturaportal.settings import CommonSettings
from fakturaportal.telemetry import continue_trace, current_traceparent
from services.payment.bank import BankChannel, FileCheck, OutboxFolder
from services.payment.config import PaymentSettings
from services.payment.domain import (
    Held,
    PaymentBook,
    PaymentOrder,
    PaymentRefusedError,
    PaymentRun,
    credit_transfers,
    message_id,
    payable,
    propose_run,
)
from services.payment.pain001 import build
from shared.schemas.events import InvoicePosted
from shared.schemas.topics import Topic

log = logging.getLogger(__name__)

RETRIES = 5
"""Attempts when a concurrent write (consumer or another request) moved an aggregate on."""

Payments = list[dict[str, str | None]]


class RunNotFoundError(LookupError):
    pass


class PaymentApp(ServiceApplication):
    name = "payment"
    snapshotting_intervals = {PaymentBook: 50}

    def __init__(
        self,
        settings: CommonSettings | None = None,
        payment: PaymentSettings | None = None,
        channel: BankChannel | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__(settings)
        self.payment = payment or PaymentSettings()
        self.channel = channel or OutboxFolder(self.settings.outbox_path)
        self.check_file = FileCheck()
        self.clock = clock or (lambda: datetime.now(UTC))

    def on_posted(self, message: InboundMessage, processing: ProcessingEvent[UUID]) -> None:
        payload = cast(InvoicePosted, message.payload)
        if self.get_or_none(PaymentOrder.create_id(payload.invoice_id)) is not None:
            return  # redelivered or republished: already scheduled or held
        meta = meta_from(message)
        decision = payable(
            payload.invoice_id,
            payload.invoice,
            payload.voucher_date,
            message.envelope.correlationid,
            traceparent=meta.get("traceparent") or message.envelope.traceparent,
        )
        book = None
        if isinstance(decision, Held):
            log.info("invoice %s held: %s", payload.invoice_id, decision.reason)
        else:
            book = self.book(payload.tenant_id)
            book.schedule(decision, meta)
        order = PaymentOrder(
            invoice_id=payload.invoice_id,
            tenant_id=payload.tenant_id,
            held_reason=decision.reason if isinstance(decision, Held) else None,
            meta=meta,
        )
        processing.collect_events(order, book)

    handlers = {Topic.INVOICE_POSTED: on_posted}

    def book(self, tenant_id: str) -> PaymentBook:
        found = self.get_or_none(PaymentBook.create_id(tenant_id))
        return cast(PaymentBook, found) if found is not None else PaymentBook(tenant_id=tenant_id)

    def run_for(self, tenant_id: str, run_id: UUID) -> PaymentRun | None:
        run = self.get_or_none(run_id)
        if isinstance(run, PaymentRun) and run.tenant_id == tenant_id:
            return run
        return None

    def propose(
        self, tenant_id: str, user: str, due_until: date | None, execution_date: date | None
    ) -> PaymentRun:
        now = self.clock()
        due_until = due_until or now.date() + timedelta(days=self.payment.horizon_days)
        for _ in range(RETRIES):
            run_id = uuid4()
            book = self.book(tenant_id)
            run = propose_run(
                book,
                run_id=run_id,
                due_until=due_until,
                execution_date=execution_date,
                today=now.date(),
                proposed_by=user,
                at=now,
                meta=new_meta(tenant_id, correlation_id=str(run_id)),
            )
            try:
                self.save(run, book)
                return run
            except IntegrityError:
                continue
        raise PaymentRefusedError("the payment book kept changing; try again", status=409)

    def approve(self, tenant_id: str, run_id: UUID, user: str) -> PaymentRun:
        for _ in range(RETRIES):
            run = self.run_for(tenant_id, run_id)
            if run is None:
                raise RunNotFoundError(run_id)
            run.check_may_release(user)
            now = self.clock()
            payments = run.payments_on(now.date())
            content = build(
                message_id(run.id),
                now,
                self.payment.debtor_for(tenant_id),
                credit_transfers(payments),
            )
            self.check_file(content)
            file_name = f"{message_id(run.id)}.xml"
            self.channel.deliver(tenant_id, file_name, content)
            run.release(
                user,
                now,
                self._in_invoice_traces(payments),
                file_name,
                hashlib.sha256(content).hexdigest(),
                meta=new_meta(tenant_id, correlation_id=str(run_id)),
            )
            try:
                self.save(run)
                return run
            except IntegrityError:
                continue  # approved concurrently: the next check answers 409
        raise PaymentRefusedError("the payment run changed while approving; try again", status=409)

    @staticmethod
    def _in_invoice_traces(payments: Payments) -> Payments:
        """Each payment's release joins its invoice's trace, linked to the approving request."""
        traced = []
        for payment in payments:
            with continue_trace("release payment", payment.get("traceparent")):
                traced.append(
                    payment | {"traceparent": current_traceparent() or payment.get("traceparent")}
                )
        return traced
