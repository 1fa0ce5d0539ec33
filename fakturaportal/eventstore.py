"""The base of every service application: an `eventsourcing` application on PostgreSQL that
records the events a Kafka message causes together with that message's tracking row."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, cast
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, ProcessingEvent
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import Tracking
from eventsourcing.projection import EventSourcedProjection

from fakturaportal.db import connect, guard_append_only
from fakturaportal.messaging import InboundMessage
from fakturaportal.settings import CommonSettings, common_settings
from fakturaportal.telemetry import current_traceparent
from shared.schemas.topics import Topic

Meta = dict[str, str]
"""Who caused an event and in which trace: stored with every domain event."""

Handler = Callable[[Any, InboundMessage, ProcessingEvent[UUID]], None]


def new_meta(tenant_id: str, correlation_id: str, causation_id: str | None = None) -> Meta:
    meta = {"tenant_id": tenant_id, "correlation_id": correlation_id}
    if causation_id:
        meta["causation_id"] = causation_id
    traceparent = current_traceparent()
    if traceparent:
        meta["traceparent"] = traceparent
    return meta


def meta_from(message: InboundMessage) -> Meta:
    """Meta for events caused by an inbound message: same tenant and journey, caused by it."""
    return new_meta(message.envelope.tenantid, message.envelope.correlationid, message.envelope.id)


class ServiceApplication(EventSourcedProjection[UUID]):
    """An event-sourced service whose inbound messages come from Kafka topics.

    Subclasses map topics to handler methods in `handlers`; each handler collects new aggregate
    events on the processing event, which commits them with the tracking row in one transaction.
    """

    handlers: ClassVar[dict[Topic, Handler]] = {}

    def __init__(self, settings: CommonSettings | None = None) -> None:
        self.settings = settings or common_settings()
        # Processes of one service start together; creating tables concurrently makes PostgreSQL
        # fail with "tuple concurrently updated", so schema setup is serialised across processes.
        if not self.settings.pg_manage_schema:
            super().__init__(env=self.settings.postgres_env())
            return
        with connect(self.settings, autocommit=True) as lock:
            lock.execute("SELECT pg_advisory_lock(7210)")
            try:
                super().__init__(env=self.settings.postgres_env())
                guard_append_only(self.settings, f"{self.name.lower()}_events")
            finally:
                lock.execute("SELECT pg_advisory_unlock(7210)")

    @classmethod
    def subscribed_topics(cls) -> list[Topic]:
        return list(cls.handlers)

    def policy(self, domain_event: Any, processing_event: ProcessingEvent[UUID]) -> None:
        message: InboundMessage = domain_event
        handler = self.handlers.get(message.topic)
        if handler is not None:
            handler(self, message, processing_event)

    def handle(self, message: InboundMessage, tracking: Tracking) -> None:
        """Process one Kafka message: its new events and its tracking row, one transaction."""
        self.process_event(cast(Any, message), tracking)

    def record(self, processing: ProcessingEvent[UUID]) -> None:
        """New events and a follower's position (an exporter's), in one transaction."""
        self._record(processing)

    def record_position_only(self, tracking: Tracking) -> None:
        """Move past a message that produced no events (dead-lettered, or nothing to do)."""
        self._record(ProcessingEvent[UUID](tracking=tracking))

    def position(self, name: str) -> int | None:
        return self.recorder.max_tracking_id(name)

    def changes(self, aggregate_id: UUID, event_name: str, *fields: str) -> list[dict[str, Any]]:
        """Every `event_name` event of an aggregate: version, time and the named fields, for
        the change history the APIs show (who changed a setting, when, to what)."""
        found = []
        for stored in self.repository.event_store.get(aggregate_id):
            if type(stored).__name__ != event_name:
                continue
            data: Any = stored
            found.append(
                {"version": stored.originator_version, "changed_at": data.timestamp.isoformat()}
                | {name: getattr(data, name) for name in fields}
            )
        return found

    def get_or_none(self, aggregate_id: UUID) -> Aggregate | None:
        try:
            return self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None
