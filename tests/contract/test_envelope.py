"""CloudEvents in Kafka binary mode: headers out, the same envelope back in, bad input refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from shared.schemas.envelope import Envelope, EnvelopeError, event_type, topic_of_type
from shared.schemas.examples import EXAMPLES, INVOICE_APPROVED_ENVELOPE
from shared.schemas.generate import HEADERS
from shared.schemas.topics import Topic

REQUIRED = ("ce_specversion", "ce_id", "ce_source", "ce_type", "ce_subject", "ce_time")

MINIMAL = Envelope(
    id="1b7f5c0e-2a9d-5e43-8c61-0d3f9a2b4e57",
    source="/services/intake",
    type=event_type(Topic.INVOICE_RECEIVED),
    subject="6f1c2b9e-4a57-4d1e-9c3a-2b8f0e7d4a11",
    time=datetime(2025, 3, 3, 7, 1, 9, tzinfo=UTC),
    tenantid="fjordvik-bygg",
    correlationid="0b9d6a52-3f1e-4c8a-9e27-5d4c1a7b8e90",
)


def _without(name: str) -> list[tuple[str, bytes]]:
    return [(k, v) for k, v in INVOICE_APPROVED_ENVELOPE.to_headers() if k != name]


def _with(name: str, value: str) -> list[tuple[str, bytes]]:
    return [
        (k, value.encode() if k == name else v) for k, v in INVOICE_APPROVED_ENVELOPE.to_headers()
    ]


@pytest.mark.parametrize(
    "envelope",
    [*(env for env, _ in EXAMPLES.values()), MINIMAL],
    ids=["invoice-approved", "payment-sent", "minimal"],
)
def test_round_trip(envelope: Envelope) -> None:
    assert Envelope.from_headers(envelope.to_headers()) == envelope


def test_string_header_values_are_accepted() -> None:
    headers = [(k, v.decode()) for k, v in INVOICE_APPROVED_ENVELOPE.to_headers()]
    assert Envelope.from_headers(headers) == INVOICE_APPROVED_ENVELOPE


def test_time_is_kept_in_utc() -> None:
    oslo = timezone(timedelta(hours=1))
    envelope = MINIMAL.model_copy(update={"time": datetime(2025, 3, 3, 8, 1, 9, tzinfo=oslo)})
    back = Envelope.from_headers(Envelope.model_validate(envelope.model_dump()).to_headers())
    assert back.time == MINIMAL.time
    assert back.time.utcoffset() == timedelta(0)
    assert dict(back.to_headers())["ce_time"] == b"2025-03-03T07:01:09+00:00"


def test_headers_sent_are_the_ones_the_contract_documents() -> None:
    always = {header for header, _, required, _ in HEADERS if required}
    every = {header for header, *_ in HEADERS}
    assert {key for key, _ in MINIMAL.to_headers()} == always
    assert {key for key, _ in INVOICE_APPROVED_ENVELOPE.to_headers()} == every


@pytest.mark.parametrize("header", [*REQUIRED, "ce_tenantid"])
def test_missing_header_is_refused(header: str) -> None:
    with pytest.raises(EnvelopeError, match=header):
        Envelope.from_headers(_without(header))


def test_header_with_null_value_counts_as_missing() -> None:
    headers: list[tuple[str, bytes | None]] = [*_without("ce_id"), ("ce_id", None)]
    with pytest.raises(EnvelopeError, match="ce_id"):
        Envelope.from_headers(headers)


@pytest.mark.parametrize("headers", [None, []], ids=["none", "empty"])
def test_no_headers_at_all_is_refused(headers: list[tuple[str, bytes]] | None) -> None:
    with pytest.raises(EnvelopeError, match="missing CloudEvents headers"):
        Envelope.from_headers(headers)


@pytest.mark.parametrize(
    "traceparent",
    [
        "not-a-trace",
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
        "00-4bf92f3577b34da6a3ce929d0e0e473-00f067aa0ba902b7-01",
    ],
)
def test_bad_traceparent_is_refused(traceparent: str) -> None:
    with pytest.raises(EnvelopeError, match="traceparent"):
        Envelope.from_headers(_with("traceparent", traceparent))


@pytest.mark.parametrize(
    ("header", "value"),
    [
        ("ce_specversion", "0.3"),
        ("ce_time", "yesterday"),
        ("ce_time", "2025-03-05T12:40:11"),
    ],
    ids=["old-specversion", "unparsable-time", "time-without-zone"],
)
def test_bad_header_value_is_refused(header: str, value: str) -> None:
    with pytest.raises(EnvelopeError):
        Envelope.from_headers(_with(header, value))


@pytest.mark.parametrize("topic", list(Topic), ids=str)
def test_topic_of_type_knows_every_topic(topic: Topic) -> None:
    assert topic_of_type(event_type(topic)) is topic
    assert MINIMAL.model_copy(update={"type": event_type(topic)}).topic is topic


@pytest.mark.parametrize(
    "ce_type",
    [
        "",
        "com.example.invoice-approved.v1",
        "no.fakturaportal.invoice-eaten.v1",
        "no.fakturaportal.invoice-approved",
        "no.fakturaportal..v1",
        "no.fakturaportal.invoice-approved.dlq.v1",
    ],
)
def test_topic_of_type_rejects_unknown_types(ce_type: str) -> None:
    with pytest.raises(EnvelopeError):
        topic_of_type(ce_type)


def test_envelope_of_unknown_type_has_no_topic() -> None:
    envelope = MINIMAL.model_copy(update={"type": "com.example.thing.v1"})
    with pytest.raises(EnvelopeError):
        _ = envelope.topic
