"""The AsyncAPI 3.0 document: complete, self-contained, and with the public contracts' examples."""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft7Validator, FormatChecker
from referencing import Registry
from referencing.jsonschema import DRAFT7

from shared.schemas.envelope import event_type
from shared.schemas.events import EVENT_MODELS
from shared.schemas.examples import EXAMPLES
from shared.schemas.generate import ASYNCAPI_FILE, GENERATED_DIR, HEADERS
from shared.schemas.topics import PUBLIC_TOPICS, Topic

PYPROJECT = Path(__file__).parents[2] / "pyproject.toml"
DOC_URI = "urn:fakturaportal:asyncapi"


@pytest.fixture(scope="module")
def doc() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(
        (GENERATED_DIR / ASYNCAPI_FILE).read_text(encoding="utf-8")
    )
    return loaded


def _walk(node: Any, path: str = "#") -> Iterator[tuple[str, str, Any]]:
    """(location, key, value) for every mapping entry in the document."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield path, key, value
            yield from _walk(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, f"{path}/{index}")


def _resolve(doc: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), f"{ref} leaves the document"
    node: Any = doc
    for part in ref[2:].split("/"):
        key = part.replace("~1", "/").replace("~0", "~")
        assert isinstance(node, dict), f"{ref} does not resolve"
        assert key in node, f"{ref} does not resolve"
        node = node[key]
    return node


def _channel(doc: dict[str, Any], topic: Topic) -> dict[str, Any]:
    (channel,) = [c for c in doc["channels"].values() if c["address"] == topic.value]
    return dict(channel)


def _message_ref(doc: dict[str, Any], topic: Topic) -> str:
    (ref,) = _channel(doc, topic)["messages"].values()
    return str(ref["$ref"])


def _message(doc: dict[str, Any], topic: Topic) -> dict[str, Any]:
    message: dict[str, Any] = _resolve(doc, _message_ref(doc, topic))
    return message


def _validator(doc: dict[str, Any], pointer: str) -> Draft7Validator:
    """Validate against the schema at `pointer`, its refs resolved inside the document."""
    registry: Registry[Any] = Registry().with_resource(DOC_URI, DRAFT7.create_resource(doc))
    schema = {"$ref": DOC_URI + pointer}
    return Draft7Validator(schema, registry=registry, format_checker=FormatChecker())


def test_is_asyncapi_3_with_the_package_version(doc: dict[str, Any]) -> None:
    with PYPROJECT.open("rb") as file:
        version = tomllib.load(file)["project"]["version"]
    assert doc["asyncapi"] == "3.0.0"
    assert doc["info"]["version"] == version
    assert doc["servers"]["local"] == doc["servers"]["local"] | {
        "host": "localhost:9092",
        "protocol": "kafka",
    }


def test_info_explains_the_envelope_key_public_contracts_versioning_and_dlq(
    doc: dict[str, Any],
) -> None:
    text = doc["info"]["description"]
    for phrase in ("binary mode", "ce_type", "key is the invoice id", ".v2", "<topic>.dlq"):
        assert phrase in text
    for topic in PUBLIC_TOPICS:
        assert f"`{topic}`" in text


def test_one_channel_per_topic(doc: dict[str, Any]) -> None:
    addresses = [channel["address"] for channel in doc["channels"].values()]
    assert sorted(addresses) == sorted(topic.value for topic in Topic)


@pytest.mark.parametrize("topic", list(Topic), ids=str)
def test_channel_message_carries_the_model_headers_key_and_type(
    doc: dict[str, Any], topic: Topic
) -> None:
    message = _message(doc, topic)
    assert message["payload"] == {"$ref": f"#/components/schemas/{EVENT_MODELS[topic].__name__}"}
    assert message["x-cloudevents-type"] == event_type(topic)
    assert message["bindings"]["kafka"]["key"]["type"] == "string"
    headers = _validator(doc, _message_ref(doc, topic) + "/headers")
    example_headers = {key: value.decode() for key, value in _any_envelope(topic).to_headers()}
    headers.validate(example_headers)
    assert not headers.is_valid(example_headers | {"ce_type": "no.fakturaportal.other.v1"})


def _any_envelope(topic: Topic) -> Any:
    envelope, _ = EXAMPLES[Topic.INVOICE_APPROVED]
    return envelope.model_copy(update={"type": event_type(topic)})


def test_headers_schema_lists_every_ce_header_as_a_string(doc: dict[str, Any]) -> None:
    schema = doc["components"]["schemas"]["CloudEventsHeaders"]
    assert list(schema["properties"]) == [header for header, *_ in HEADERS]
    assert all(prop["type"] == "string" for prop in schema["properties"].values())
    for header in ("ce_specversion", "ce_id", "ce_source", "ce_type", "ce_subject", "ce_time"):
        assert header in schema["required"]
    assert "ce_tenantid" in schema["required"]


@pytest.mark.parametrize("topic", list(Topic), ids=str)
def test_every_topic_has_a_receive_operation(doc: dict[str, Any], topic: Topic) -> None:
    channel_ref = f"#/channels/{_key_of(doc, topic)}"
    (operation,) = [op for op in doc["operations"].values() if op["channel"]["$ref"] == channel_ref]
    assert operation["action"] == "receive"
    (message_ref,) = operation["messages"]
    assert message_ref["$ref"].startswith(channel_ref + "/messages/")
    public = "Public contract" in operation["description"]
    assert public is (topic in PUBLIC_TOPICS)


def _key_of(doc: dict[str, Any], topic: Topic) -> str:
    (key,) = [k for k, c in doc["channels"].items() if c["address"] == topic.value]
    return str(key)


def test_every_ref_resolves_inside_the_document(doc: dict[str, Any]) -> None:
    refs = [(where, value) for where, key, value in _walk(doc) if key == "$ref"]
    assert len(refs) > 3 * len(Topic)
    for where, ref in refs:
        assert isinstance(ref, str), where
        _resolve(doc, ref)


def test_no_pydantic_defs_are_left_behind(doc: dict[str, Any]) -> None:
    assert not [where for where, key, _ in _walk(doc) if key == "$defs"]
    assert not [v for _, key, v in _walk(doc) if key == "$ref" and "$defs" in v]


def test_refs_have_no_siblings_that_draft_07_would_ignore(doc: dict[str, Any]) -> None:
    for where, key, value in _walk(doc):
        if isinstance(value, dict) and "$ref" in value:
            assert set(value) == {"$ref"}, f"{where}/{key}"


@pytest.mark.parametrize("topic", sorted(PUBLIC_TOPICS), ids=str)
def test_public_topic_has_a_complete_example(doc: dict[str, Any], topic: Topic) -> None:
    message = _message(doc, topic)
    (example,) = message["examples"]
    envelope, payload = EXAMPLES[topic]
    assert example["headers"] == {key: value.decode() for key, value in envelope.to_headers()}
    assert example["payload"] == payload.model_dump(mode="json")
    _validator(doc, _message_ref(doc, topic) + "/headers").validate(example["headers"])
    payload_schema = _validator(doc, _message_ref(doc, topic) + "/payload")
    payload_schema.validate(example["payload"])
    assert not payload_schema.is_valid(example["payload"] | {"invoice_id": 42})


def test_hoisted_schemas_are_followed_when_validating(doc: dict[str, Any]) -> None:
    (example,) = _message(doc, Topic.INVOICE_APPROVED)["examples"]
    payload = example["payload"]
    bad_line = payload["coding"][0] | {"account": "12", "net_amount": 10000.0}
    validator = _validator(doc, _message_ref(doc, Topic.INVOICE_APPROVED) + "/payload")
    errors = list(validator.iter_errors(payload | {"coding": [bad_line]}))
    assert {error.validator for error in errors} >= {"pattern", "type"}
