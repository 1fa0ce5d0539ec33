"""CloudEvents 1.0 envelope in Kafka binary mode (DESIGN §2).

The payload travels as the record value; the context attributes travel as `ce_*` headers, plus the
extensions `tenantid`, `correlationid`, `causationid` and the W3C `traceparent`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator

from shared.schemas.topics import Topic

SPEC_VERSION = "1.0"
#: Versions this code can read; a breaking change adds "v2" here with its own models.
SUPPORTED_VERSIONS = frozenset({"v1"})
TYPE_PREFIX = "no.fakturaportal."
CONTENT_TYPE = "application/json"
_TRACEPARENT = re.compile(r"^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$")

HeaderValue = bytes | str | None
#: Kafka headers as confluent-kafka hands them over: a list of pairs, or a dict.
RawHeaders = dict[str, HeaderValue] | Sequence[tuple[str, HeaderValue]] | None


def header_pairs(headers: RawHeaders) -> list[tuple[str, str]]:
    """Decoded (name, value) pairs, whichever shape the client used; empty values dropped."""
    items = headers.items() if isinstance(headers, dict) else (headers or ())
    return [(k, v.decode() if isinstance(v, bytes) else v) for k, v in items if v is not None]


class EnvelopeError(ValueError):
    """A Kafka record that is not a well-formed fakturaportal CloudEvent."""


def event_type(topic: Topic | str, version: int = 1) -> str:
    return f"{TYPE_PREFIX}{Topic(topic).value}.v{version}"


def topic_of_type(ce_type: str) -> Topic:
    if not ce_type.startswith(TYPE_PREFIX):
        raise EnvelopeError(f"unknown event type {ce_type!r}")
    name, _, version = ce_type[len(TYPE_PREFIX) :].rpartition(".")
    if version not in SUPPORTED_VERSIONS:
        raise EnvelopeError(f"unsupported event type version: {ce_type!r}")
    try:
        return Topic(name)
    except ValueError as exc:
        raise EnvelopeError(f"unknown event type {ce_type!r}") from exc


class Envelope(BaseModel):
    """The CloudEvents context of one event."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(description="Unique per event; repeated on redelivery, so usable for dedup.")
    source: str = Field(description="`/services/<name>` of the emitting service.")
    type: str = Field(description="`no.fakturaportal.<topic>.v<N>`.")
    subject: str = Field(
        description="The invoice id (the order id on order topics); also the Kafka key."
    )
    time: datetime
    tenantid: str
    correlationid: str = Field(description="Ties every event of one invoice's journey together.")
    causationid: str | None = Field(default=None, description="ce_id of the event that caused it.")
    traceparent: str | None = Field(default=None, description="W3C trace context.")
    specversion: str = SPEC_VERSION
    datacontenttype: str = CONTENT_TYPE

    @field_validator("time")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("time must carry a zone")
        return value.astimezone(UTC)

    @field_validator("traceparent")
    @classmethod
    def _traceparent(cls, value: str | None) -> str | None:
        if value is not None and not _TRACEPARENT.match(value):
            raise ValueError("traceparent is not W3C trace context")
        return value

    @property
    def topic(self) -> Topic:
        return topic_of_type(self.type)

    def to_headers(self) -> list[tuple[str, bytes]]:
        pairs: list[tuple[str, str | None]] = [
            ("ce_specversion", self.specversion),
            ("ce_id", self.id),
            ("ce_source", self.source),
            ("ce_type", self.type),
            ("ce_subject", self.subject),
            ("ce_time", self.time.isoformat()),
            ("content-type", self.datacontenttype),
            ("ce_tenantid", self.tenantid),
            ("ce_correlationid", self.correlationid),
            ("ce_causationid", self.causationid),
            ("traceparent", self.traceparent),
        ]
        return [(k, v.encode()) for k, v in pairs if v is not None]

    @classmethod
    def from_headers(cls, headers: RawHeaders) -> Envelope:
        found = dict(header_pairs(headers))
        missing = [
            h
            for h in ("ce_specversion", "ce_id", "ce_source", "ce_type", "ce_subject", "ce_time")
            if h not in found
        ]
        if "ce_tenantid" not in found:
            missing.append("ce_tenantid")
        if missing:
            raise EnvelopeError(f"missing CloudEvents headers: {', '.join(missing)}")
        if found["ce_specversion"] != SPEC_VERSION:
            raise EnvelopeError(f"unsupported specversion {found['ce_specversion']!r}")
        try:
            return cls(
                id=found["ce_id"],
                source=found["ce_source"],
                type=found["ce_type"],
                subject=found["ce_subject"],
                time=datetime.fromisoformat(found["ce_time"]),
                tenantid=found["ce_tenantid"],
                correlationid=found.get("ce_correlationid", found["ce_subject"]),
                causationid=found.get("ce_causationid"),
                traceparent=found.get("traceparent"),
                datacontenttype=found.get("content-type", CONTENT_TYPE),
            )
        except ValueError as exc:
            raise EnvelopeError(f"invalid CloudEvents headers: {exc}") from exc


def subject_uuid(envelope: Envelope) -> UUID:
    try:
        return UUID(envelope.subject)
    except ValueError as exc:
        raise EnvelopeError(f"ce_subject is not a uuid: {envelope.subject!r}") from exc
