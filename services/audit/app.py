"""The audit application: records every lifecycle event of every invoice in its trail."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, cast
from uuid import UUID

from eventsourcing.application import ProcessingEvent

from fakturaportal.eventstore import ServiceApplication
from fakturaportal.messaging import InboundMessage
from fakturaportal.settings import CommonSettings
from services.audit.domain import AuditTrail, Entry, Observation
from shared.schemas.events import EventPayload
from shared.schemas.topics import INVOICE_TOPICS

Clock = Callable[[], datetime]


def observation_of(message: InboundMessage) -> Observation:
    envelope = message.envelope
    return Observation(
        ce_id=envelope.id,
        ce_type=envelope.type,
        topic=message.topic.value,
        source=envelope.source,
        subject=envelope.subject,
        time=envelope.time.isoformat(),
        tenant_id=envelope.tenantid,
        correlation_id=envelope.correlationid,
        causation_id=envelope.causationid,
        traceparent=envelope.traceparent,
        payload=published_payload(message),
    )


class AuditApp(ServiceApplication):
    name = "audit"

    def __init__(self, settings: CommonSettings | None = None, clock: Clock | None = None) -> None:
        super().__init__(settings)
        self.clock: Clock = clock or (lambda: datetime.now(UTC))

    def on_event(self, message: InboundMessage, processing: ProcessingEvent[UUID]) -> None:
        invoice_id = cast(EventPayload, message.payload).invoice_id
        trail = self.trail(invoice_id) or AuditTrail(
            invoice_id=invoice_id, tenant_id=message.envelope.tenantid
        )
        trail.record(observation_of(message), self.clock())
        processing.collect_events(trail)

    def trail(self, invoice_id: UUID) -> AuditTrail | None:
        return cast(AuditTrail | None, self.get_or_none(invoice_id))

    def trail_for(self, tenant_id: str, invoice_id: UUID) -> AuditTrail | None:
        trail = self.trail(invoice_id)
        return trail if trail is not None and trail.tenant_id == tenant_id else None

    def history(self, invoice_id: UUID) -> list[Entry]:
        trail = self.trail(invoice_id)
        return list(trail.entries) if trail else []

    handlers = dict.fromkeys(INVOICE_TOPICS, on_event)


def published_payload(message: InboundMessage) -> dict[str, Any]:
    """What was published, to the letter: a newer producer's extra fields are kept and hashed."""
    if message.raw:
        value = json.loads(message.raw)
        if isinstance(value, dict):
            return value
    return message.payload.model_dump(mode="json")
