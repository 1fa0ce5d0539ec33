"""The outbox relay: follows an application's notification log and publishes to Kafka.

Publishing is never a second write in a request: the events are in the store first, the relay
produces them with an idempotent producer and then records its position in the same database.
A crash between store and broker loses nothing; it resumes from its recorded position.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import cast
from uuid import UUID

from confluent_kafka import KafkaError, Message, Producer
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Tracking
from opentelemetry.trace import SpanKind

from fakturaportal import faults
from fakturaportal.eventstore import ServiceApplication
from fakturaportal.follower import LogFollower
from fakturaportal.kafka import producer_config
from fakturaportal.messaging import encode, event_id
from fakturaportal.telemetry import context_from_traceparent, current_traceparent, tracer
from shared.schemas.events import Payload

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Publication:
    """One public event a domain event maps to; `traceparent` overrides the event's own."""

    payload: Payload
    traceparent: str | None = None
    correlation_id: str | None = None


Translate = Callable[[DomainEventProtocol[UUID]], list[Publication]]


class DeliveryFailed(RuntimeError):
    pass


class Relay(LogFollower):
    def __init__(self, app: ServiceApplication, translate: Translate, source: str) -> None:
        super().__init__(app, f"relay:{app.name}")
        self.translate = translate
        self.source = source
        self.producer = Producer(producer_config(app.settings, self.name))
        self.published = 0
        self._errors: list[KafkaError] = []

    def follow(self, domain_event: DomainEventProtocol[UUID], tracking: Tracking) -> None:
        self.publish(domain_event, tracking)

    def publish(self, domain_event: DomainEventProtocol[UUID], tracking: Tracking) -> None:
        faults.crash_point(faults.RELAY_BEFORE_PRODUCE, self.app.settings.fault)
        meta: dict[str, str] = getattr(domain_event, "meta", None) or {}
        for index, publication in enumerate(self.translate(domain_event)):
            self._produce(domain_event, index, publication, meta)
        if self.producer.flush(60) != 0 or self._errors:
            errors, self._errors = self._errors, []
            raise DeliveryFailed(f"broker did not acknowledge: {errors}")
        self.app.recorder.insert_tracking(Tracking(self.name, tracking.notification_id))
        self.published += 1

    def _produce(
        self,
        domain_event: DomainEventProtocol[UUID],
        index: int,
        publication: Publication,
        meta: dict[str, str],
    ) -> None:
        stored_trace = publication.traceparent or meta.get("traceparent")
        payload = publication.payload
        topic_span = f"{type(payload).__name__} publish"
        with tracer().start_as_current_span(
            topic_span, context=context_from_traceparent(stored_trace), kind=SpanKind.PRODUCER
        ):
            record = encode(
                payload,
                source=self.source,
                ce_id=event_id(
                    self.app.name,
                    domain_event.originator_id,
                    domain_event.originator_version,
                    index,
                ),
                time=cast(datetime, getattr(domain_event, "timestamp")),  # noqa: B009
                correlation_id=publication.correlation_id
                or meta.get("correlation_id")
                or str(payload.subject_id),
                causation_id=meta.get("causation_id"),
                traceparent=current_traceparent(),
                topic_prefix=self.app.settings.topic_prefix,
            )
        self.producer.produce(
            record.topic,
            key=record.key,
            value=record.value,
            headers=record.headers,
            on_delivery=self._delivered,
        )

    def _delivered(self, error: KafkaError | None, _message: Message) -> None:
        if error is not None:
            self._errors.append(error)
