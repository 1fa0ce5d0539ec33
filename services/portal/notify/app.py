"""The notifier's application: records, per invoice, what its people are to be told.

Each handler records at most a notice with the message's tracking row, in one transaction (the
consumer machinery), and no I/O: the mails go out afterwards from what was recorded
(`mailing.NoticeMailer`), so a redelivered or republished message never mails twice.
"""

from __future__ import annotations

from typing import Any, cast
from uuid import UUID

from eventsourcing.application import ProcessingEvent

from fakturaportal.eventstore import ServiceApplication
from fakturaportal.messaging import InboundMessage
from services.portal.notify.notices import InvoiceNotices, Kind, notices_id, summary_of
from shared.schemas.events import (
    InvoiceApprovalRequested,
    InvoiceCaptured,
    InvoiceReceived,
    InvoiceRejected,
    PaymentSettled,
    Severity,
)
from shared.schemas.topics import Topic


class NotifierApp(ServiceApplication):
    name = "notify"

    def notices(self, invoice_id: UUID | str) -> InvoiceNotices | None:
        found = self.get_or_none(notices_id(invoice_id))
        return found if isinstance(found, InvoiceNotices) else None

    def _of(self, message: InboundMessage) -> InvoiceNotices:
        payload = message.payload
        invoice_id = str(getattr(payload, "invoice_id"))  # noqa: B009 - every handled payload
        return self.notices(invoice_id) or InvoiceNotices(
            invoice_id=invoice_id, tenant_id=message.envelope.tenantid
        )

    def _record_notice(
        self,
        message: InboundMessage,
        processing: ProcessingEvent[UUID],
        kind: Kind,
        key: str,
        details: dict[str, Any],
        notices: InvoiceNotices | None = None,
    ) -> None:
        notices = notices or self._of(message)
        notices.notify(kind, key, message.envelope.time.isoformat(), details)
        processing.collect_events(notices)

    def on_received(self, message: InboundMessage, processing: ProcessingEvent[UUID]) -> None:
        payload = cast(InvoiceReceived, message.payload)
        notices = self._of(message)
        if notices.registered_by is None:
            notices.register(payload.registered_by)
        processing.collect_events(notices)

    def on_captured(self, message: InboundMessage, processing: ProcessingEvent[UUID]) -> None:
        """Received and readable: the supplier hears it now, with the number and amount."""
        payload = cast(InvoiceCaptured, message.payload)
        notices = self._of(message)
        if not notices.summary:
            notices.capture(summary_of(payload.invoice.model_dump(mode="json")))
        if notices.registered_by is None:
            notices.register(payload.registered_by)
        self._record_notice(message, processing, "received", "", {}, notices)

    def on_rejected(self, message: InboundMessage, processing: ProcessingEvent[UUID]) -> None:
        payload = cast(InvoiceRejected, message.payload)
        fatal = [
            {"rule": f.rule_id, "nb": f.message_nb, "en": f.message_en}
            for f in payload.findings
            if f.flag is Severity.FATAL
        ]
        if payload.rejected_by and payload.reason:  # a person's words, not the flag behind them
            fatal = [{"rule": "", "nb": payload.reason, "en": payload.reason}]
        self._record_notice(message, processing, "rejected", "", {"reasons": fatal})

    def on_settled(self, message: InboundMessage, processing: ProcessingEvent[UUID]) -> None:
        payload = cast(PaymentSettled, message.payload)
        details = {"booking_date": payload.booking_date.isoformat(), "amount": str(payload.amount)}
        self._record_notice(message, processing, "paid", payload.payment_id, details)

    def on_requested(self, message: InboundMessage, processing: ProcessingEvent[UUID]) -> None:
        """A step for someone: one notice per request (the event's id), so a step forwarded
        back to someone who had it before is a new notice, a republished request is not."""
        payload = cast(InvoiceApprovalRequested, message.payload)
        details = {
            "step": payload.step,
            "assignee": payload.assignee,
            "due_at": payload.due_at.isoformat() if payload.due_at else None,
        }
        self._record_notice(message, processing, "task", message.envelope.id, details)

    handlers = {
        Topic.INVOICE_RECEIVED: on_received,
        Topic.INVOICE_CAPTURED: on_captured,
        Topic.INVOICE_REJECTED: on_rejected,
        Topic.PAYMENT_SETTLED: on_settled,
        Topic.INVOICE_APPROVAL_REQUESTED: on_requested,
    }
