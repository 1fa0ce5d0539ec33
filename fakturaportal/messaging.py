"""Envelope codec: domain publications to Kafka records and Kafka records to typed messages."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol
from uuid import NAMESPACE_URL, UUID, uuid5

from pydantic import ValidationError

from shared.schemas.envelope import (
    Envelope,
    EnvelopeError,
    HeaderValue,
    RawHeaders,
    event_type,
    header_pairs,
)
from shared.schemas.events import EVENT_MODELS, Payload
from shared.schemas.topics import Topic

EVENT_ID_NAMESPACE = uuid5(NAMESPACE_URL, "https://fakturaportal.no/events")
MAX_RECORD_BYTES = 1_000_000


class KafkaRecord(Protocol):
    """The part of confluent_kafka.Message the codec reads."""

    def topic(self) -> str | None: ...
    def partition(self) -> int | None: ...
    def offset(self) -> int | None: ...
    def key(self) -> str | bytes | None: ...
    def value(self) -> str | bytes | None: ...
    def headers(self) -> RawHeaders: ...


class UndecodableMessage(ValueError):
    """A record that can never be processed: it belongs on the dead-letter topic."""


@dataclass(frozen=True)
class InboundMessage:
    envelope: Envelope
    payload: Payload
    topic: Topic
    partition: int = 0
    offset: int = 0
    raw: bytes = b""
    """The value exactly as published, fields unknown to this version included."""

    @property
    def tracking_name(self) -> str:
        return tracking_name(self.topic, self.partition)


@dataclass(frozen=True)
class OutboundRecord:
    topic: str
    key: bytes
    value: bytes
    headers: list[tuple[str, HeaderValue]] = field(default_factory=list)


def tracking_name(topic: str, partition: int) -> str:
    """The tracking row key of one topic-partition."""
    return f"{topic}:{partition}"


def event_id(*parts: object) -> str:
    """Repeatable event id: a republished event keeps its ce_id, so consumers can dedupe."""
    return str(uuid5(EVENT_ID_NAMESPACE, "/".join(str(p) for p in parts)))


def encode(
    payload: Payload,
    *,
    source: str,
    ce_id: str,
    time: datetime,
    correlation_id: str,
    causation_id: str | None = None,
    traceparent: str | None = None,
    topic_prefix: str = "",
) -> OutboundRecord:
    topic = _topic_of(payload)
    envelope = Envelope(
        id=ce_id,
        source=source,
        type=event_type(topic),
        subject=str(payload.subject_id),
        time=time,
        tenantid=payload.tenant_id,
        correlationid=correlation_id,
        causationid=causation_id,
        traceparent=traceparent,
    )
    return OutboundRecord(
        topic=f"{topic_prefix}{topic.value}",
        key=str(payload.subject_id).encode(),
        value=payload.model_dump_json().encode(),
        headers=[*envelope.to_headers()],
    )


def decode(record: KafkaRecord, topic_prefix: str = "") -> InboundMessage:
    """Parse and check a record; raises UndecodableMessage with the reason when it is poison."""
    raw = record.value()
    if raw is None:
        raise UndecodableMessage("empty record value")
    if len(raw) > MAX_RECORD_BYTES:
        raise UndecodableMessage(f"record of {len(raw)} bytes exceeds {MAX_RECORD_BYTES}")
    try:
        envelope = Envelope.from_headers(record.headers())
        topic = envelope.topic
        if record.topic() not in (None, f"{topic_prefix}{topic.value}"):
            raise UndecodableMessage(f"type {envelope.type} does not belong on {record.topic()}")
        payload = EVENT_MODELS[topic].model_validate_json(raw)
    except EnvelopeError as exc:
        raise UndecodableMessage(str(exc)) from exc
    except ValidationError as exc:
        raise UndecodableMessage(f"payload does not match {envelope.type}: {exc}") from exc
    if str(payload.subject_id) != envelope.subject or payload.tenant_id != envelope.tenantid:
        raise UndecodableMessage("ce_subject/ce_tenantid disagree with the payload")
    return InboundMessage(
        envelope=envelope,
        payload=payload,
        topic=topic,
        partition=record.partition() or 0,
        offset=record.offset() or 0,
        raw=raw if isinstance(raw, bytes) else raw.encode(),
    )


def dead_letter_headers(record: KafkaRecord, error: BaseException) -> list[tuple[str, HeaderValue]]:
    """Original headers plus where the record came from and why it failed."""
    headers: list[tuple[str, HeaderValue]] = list(header_pairs(record.headers()))
    detail = {
        "topic": record.topic(),
        "partition": record.partition(),
        "offset": record.offset(),
        "error": f"{type(error).__name__}: {error}"[:4000],
    }
    headers.append(("fp_dlq_error", json.dumps(detail).encode()))
    return headers


def _topic_of(payload: Payload) -> Topic:
    for topic, model in EVENT_MODELS.items():
        if type(payload) is model:
            return topic
    raise TypeError(f"{type(payload).__name__} is not an event payload")


def as_uuid(value: str | UUID) -> UUID:
    return value if isinstance(value, UUID) else UUID(value)


JsonDict = dict[str, Any]
