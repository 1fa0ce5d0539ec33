"""The validation application: checks every captured invoice once."""

from __future__ import annotations

from uuid import UUID

from eventsourcing.application import ProcessingEvent

from fakturaportal.eventstore import ServiceApplication, meta_from
from fakturaportal.messaging import InboundMessage
from services.validation.domain import ValidationCase, check_invoice
from shared.schemas.events import InvoiceCaptured
from shared.schemas.topics import Topic


class ValidationApp(ServiceApplication):
    name = "validation"

    def on_captured(self, message: InboundMessage, processing: ProcessingEvent[UUID]) -> None:
        payload = message.payload
        assert isinstance(payload, InvoiceCaptured)
        if self.get_or_none(payload.invoice_id) is not None:
            return  # redelivered or republished: already checked
        findings = check_invoice(payload.invoice)
        case = ValidationCase(
            invoice_id=payload.invoice_id,
            tenant_id=payload.tenant_id,
            invoice=payload.invoice.model_dump(mode="json"),
            registered_by=payload.registered_by,
            findings=[f.model_dump(mode="json") for f in findings],
            meta=meta_from(message),
        )
        processing.collect_events(case)

    handlers = {Topic.INVOICE_CAPTURED: on_captured}
