from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import uuid4

import pytest

from fakturaportal.messaging import UndecodableMessage, decode, encode, event_id
from shared.schemas.events import InvoiceRejected
from shared.schemas.topics import Topic


@dataclass
class Record:
    _topic: str
    _value: bytes | None
    _headers: list
    _key: bytes = b""

    def topic(self):
        return self._topic

    def partition(self):
        return 1

    def offset(self):
        return 42

    def key(self):
        return self._key

    def value(self):
        return self._value

    def headers(self):
        return self._headers


def rejected():
    return InvoiceRejected(invoice_id=uuid4(), tenant_id="demo", findings=[])


def test_encode_decode_round_trip_in_binary_mode():
    payload = rejected()
    out = encode(
        payload,
        source="/services/validation",
        ce_id="e1",
        time=datetime.now(UTC),
        correlation_id="c1",
        causation_id="x",
        topic_prefix="t.",
    )
    assert out.topic == "t.invoice-rejected" and out.key == str(payload.invoice_id).encode()
    headers = dict(out.headers)
    assert headers["ce_type"] == b"no.fakturaportal.invoice-rejected.v1"
    message = decode(Record(out.topic, out.value, out.headers), topic_prefix="t.")
    assert message.payload == payload and message.topic is Topic.INVOICE_REJECTED
    assert (message.partition, message.offset) == (1, 42)


def test_event_ids_are_repeatable():
    assert event_id("a", 1) == event_id("a", 1) != event_id("a", 2)


@pytest.mark.parametrize(
    "mutate, reason",
    [
        (lambda o: Record(o.topic, b"not json", o.headers), "payload"),
        (lambda o: Record(o.topic, o.value, []), "missing CloudEvents headers"),
        (lambda o: Record(o.topic, None, o.headers), "empty"),
        (lambda o: Record("invoice-approved", o.value, o.headers), "does not belong"),
    ],
)
def test_poison_records_are_undecodable_with_a_reason(mutate, reason):
    out = encode(rejected(), source="/s", ce_id="e", time=datetime.now(UTC), correlation_id="c")
    with pytest.raises(UndecodableMessage, match=reason):
        decode(mutate(out))


def test_decoded_message_keeps_the_value_exactly_as_published():
    out = encode(rejected(), source="/s", ce_id="e", time=datetime.now(UTC), correlation_id="c")
    newer = out.value[:-1] + b',"added_in_v1_1":"kept"}'
    message = decode(Record(out.topic, newer, out.headers))
    assert message.raw == newer
    assert not hasattr(message.payload, "added_in_v1_1")


def test_audit_records_what_was_published_including_unknown_fields():
    from services.audit.app import published_payload

    out = encode(rejected(), source="/s", ce_id="e", time=datetime.now(UTC), correlation_id="c")
    newer = out.value[:-1] + b',"added_in_v1_1":"kept"}'
    assert (
        published_payload(decode(Record(out.topic, newer, out.headers)))["added_in_v1_1"] == "kept"
    )
