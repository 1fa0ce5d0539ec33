"""Every generated JSON Schema is valid, and the examples validate against the checked-in files."""

from __future__ import annotations

import json
from typing import Any

import pytest
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError

from shared.schemas.envelope import Envelope, event_type
from shared.schemas.events import EVENT_MODELS
from shared.schemas.examples import EXAMPLES
from shared.schemas.generate import (
    ENVELOPE_FILE,
    GENERATED_DIR,
    JSON_SCHEMA_DIALECT,
    SCHEMA_BASE,
    schema_file,
)
from shared.schemas.topics import PUBLIC_TOPICS, Topic

SCHEMA_FILES = sorted(GENERATED_DIR.glob("*.schema.json"))


def _load(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((GENERATED_DIR / name).read_text(encoding="utf-8"))
    return document


def _validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(_load(name), format_checker=FormatChecker())


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=lambda p: p.name)
def test_schema_is_valid_draft_2020_12(path: Any) -> None:
    schema = json.loads(path.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == JSON_SCHEMA_DIALECT
    assert schema["$id"] == SCHEMA_BASE + path.name


@pytest.mark.parametrize("topic", list(Topic), ids=str)
def test_schema_records_its_cloudevents_type(topic: Topic) -> None:
    schema = _load(schema_file(topic))
    assert schema["title"] == EVENT_MODELS[topic].__name__
    assert schema["x-cloudevents-type"] == event_type(topic) == f"no.fakturaportal.{topic}.v1"
    assert schema["x-kafka-topic"] == topic.value
    assert schema["x-public-contract"] is (topic in PUBLIC_TOPICS)
    assert schema["description"]


@pytest.mark.parametrize("topic", sorted(EXAMPLES), ids=str)
def test_example_payload_validates_against_checked_in_schema(topic: Topic) -> None:
    _, payload = EXAMPLES[topic]
    data = payload.model_dump(mode="json")
    _validator(schema_file(topic)).validate(data)
    assert EVENT_MODELS[topic].model_validate(data) == payload


@pytest.mark.parametrize("topic", sorted(EXAMPLES), ids=str)
def test_example_envelope_validates_against_envelope_schema(topic: Topic) -> None:
    envelope, _ = EXAMPLES[topic]
    _validator(ENVELOPE_FILE).validate(envelope.model_dump(mode="json"))


def test_money_travels_as_a_string_not_a_float() -> None:
    _, payload = EXAMPLES[Topic.PAYMENT_SENT]
    data = payload.model_dump(mode="json") | {"amount": 17500.0}
    with pytest.raises(ValidationError):
        _validator(schema_file(Topic.PAYMENT_SENT)).validate(data)


def test_a_payload_missing_a_required_field_is_invalid() -> None:
    _, payload = EXAMPLES[Topic.INVOICE_APPROVED]
    data = payload.model_dump(mode="json")
    del data["invoice_id"]
    with pytest.raises(ValidationError):
        _validator(schema_file(Topic.INVOICE_APPROVED)).validate(data)


def test_envelope_schema_maps_every_attribute_to_its_kafka_header() -> None:
    envelope, _ = EXAMPLES[Topic.INVOICE_APPROVED]
    mapping = _load(ENVELOPE_FILE)["x-kafka-headers"]
    assert set(mapping) == set(Envelope.model_fields)
    assert set(mapping.values()) == {key for key, _ in envelope.to_headers()}
