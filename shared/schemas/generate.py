"""Generate the checked-in event contracts from the payload models (DESIGN §2).

    python -m shared.schemas.generate           # (re)write shared/schemas/generated/
    python -m shared.schemas.generate --check   # exit 1 listing drifted/missing/extra files

Output: one JSON Schema (draft 2020-12) per event type, `envelope.schema.json` for the CloudEvents
context, and `asyncapi.yaml` (AsyncAPI 3.0.0). Rendering is pure and deterministic, so the
contract tests can compare it with the files in the repository.

The JSON Schema files keep pydantic's `$defs`. The AsyncAPI document hoists them into
`components/schemas` (refs rewritten to `#/components/schemas/X`), and since AsyncAPI schemas
follow JSON Schema draft 07, where keywords beside a `$ref` are ignored, such a `$ref` is wrapped
in `allOf` so its description and `x-bt` survive.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tomllib
from collections.abc import Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml

from shared.schemas.envelope import (
    _TRACEPARENT,
    CONTENT_TYPE,
    SPEC_VERSION,
    TYPE_PREFIX,
    Envelope,
    event_type,
)
from shared.schemas.events import EVENT_MODELS, Payload
from shared.schemas.examples import EXAMPLES
from shared.schemas.topics import ORDER_TOPICS, PUBLIC_TOPICS, Topic, dead_letter_topic

JsonDict = dict[str, Any]
Models = Mapping[Topic, type[Payload]]

GENERATED_DIR = Path(__file__).parent / "generated"
PYPROJECT = Path(__file__).parents[2] / "pyproject.toml"
PACKAGE = "fakturaportal"

VERSION = 1
SCHEMA_BASE = "https://fakturaportal.no/schemas/"
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
ENVELOPE_FILE = "envelope.schema.json"
ASYNCAPI_FILE = "asyncapi.yaml"
ASYNCAPI_VERSION = "3.0.0"
KAFKA_BINDING_VERSION = "0.5.0"
COMPONENT_SCHEMAS = "#/components/schemas/"
HEADERS_SCHEMA = "CloudEventsHeaders"

#: Kafka header, Envelope attribute, always sent, extra schema keywords.
HEADERS: tuple[tuple[str, str, bool, JsonDict], ...] = (
    ("ce_specversion", "specversion", True, {"const": SPEC_VERSION}),
    ("ce_id", "id", True, {}),
    ("ce_source", "source", True, {}),
    ("ce_type", "type", True, {"pattern": f"^{re.escape(TYPE_PREFIX)}[a-z0-9-]+\\.v[0-9]+$"}),
    ("ce_subject", "subject", True, {"format": "uuid"}),
    ("ce_time", "time", True, {"format": "date-time"}),
    ("content-type", "datacontenttype", True, {}),
    ("ce_tenantid", "tenantid", True, {}),
    ("ce_correlationid", "correlationid", True, {}),
    ("ce_causationid", "causationid", False, {}),
    ("traceparent", "traceparent", False, {"pattern": _TRACEPARENT.pattern}),
)

ATTRIBUTE_NOTES = {
    "specversion": "CloudEvents specification version.",
    "time": "When it happened: RFC 3339, UTC.",
    "tenantid": "The tenant (company, or an accounting bureau's client) the invoice belongs to.",
    "datacontenttype": "Media type of the record value.",
}

#: What each event says, and which service publishes it (DESIGN §1).
SUMMARIES: dict[Topic, tuple[str, str]] = {
    Topic.INVOICE_RECEIVED: (
        "intake",
        "An invoice document arrived (EHF/Peppol, e-mail, upload or watched folder) and was "
        "archived.",
    ),
    Topic.INVOICE_OCR_REQUESTED: ("intake", "A scanned PDF or photo needs text recognition."),
    Topic.INVOICE_OCR_COMPLETED: ("intake", "The OCR worker read the words of a scanned document."),
    Topic.INVOICE_CAPTURED: (
        "intake",
        "The document was read into the canonical EN16931 invoice, with per-field source and "
        "confidence.",
    ),
    Topic.INVOICE_CORRECTED: (
        "intake",
        "A person corrected a captured field on the AP desk; validation checks the invoice again "
        "if it had been stopped.",
    ),
    Topic.INVOICE_VALIDATED: (
        "validation",
        "The invoice passed the EN16931, Peppol and Norwegian rules; warnings travel on.",
    ),
    Topic.INVOICE_REJECTED: ("validation", "The invoice failed a fatal rule."),
    Topic.INVOICE_FLAGGED: ("validation", "The invoice needs a person to look at it."),
    Topic.INVOICE_CODED: (
        "posting",
        "Posting suggested the coding: account, VAT code and dimensions.",
    ),
    Topic.INVOICE_APPROVAL_REQUESTED: (
        "approval",
        "An approval step (attestation, budget approval) waits for a person.",
    ),
    Topic.INVOICE_APPROVED: (
        "approval",
        "The invoice is attested and approved for posting and payment.",
    ),
    Topic.INVOICE_DISPUTED: ("approval", "An approver disputed the invoice."),
    Topic.INVOICE_RECODED: ("approval", "An approver corrected the suggested coding."),
    Topic.INVOICE_COMMENTED: (
        "approval",
        "A comment or question on an invoice in approval, internal or visible to the supplier.",
    ),
    Topic.INVOICE_POSTED: ("posting", "The voucher was exported to the ERP."),
    Topic.INVOICE_POSTING_FAILED: (
        "posting",
        "The voucher could not be built, or the ERP refused it after retries: a person must act.",
    ),
    Topic.PAYMENT_PROPOSED: ("payment", "The invoice was put in a payment proposal."),
    Topic.PAYMENT_SENT: ("payment", "The payment instruction (pain.001) left for the bank."),
    Topic.PAYMENT_SETTLED: ("payment", "The bank booked the payment."),
    Topic.PAYMENT_FAILED: ("payment", "The bank rejected or returned the payment."),
    Topic.PURCHASE_ORDER_REGISTERED: (
        "validation",
        "A purchase order was registered (API, CSV or an ERP publishing here); invoices are "
        "matched against it.",
    ),
    Topic.GOODS_RECEIVED: (
        "validation",
        "Goods or services were received against an order (varemottak): the three-way match.",
    ),
}

INFO_DESCRIPTION = """\
The events of fakturaportal, accounts-payable automation for Norwegian companies and accounting
bureaus. There is one Kafka topic per event type; a channel's address is its topic name.

## Envelope: CloudEvents 1.0, Kafka binary mode
The record value is the JSON payload (`content-type: application/json`). The CloudEvents context
travels as record headers: `ce_specversion`, `ce_id`, `ce_source` (`/services/<name>`), `ce_type`
(`no.fakturaportal.<topic>.v<N>`), `ce_subject` (the invoice id; the order id on the order
topics), `ce_time` (UTC), the extensions
`ce_tenantid`, `ce_correlationid` (one per invoice journey) and `ce_causationid` (the `ce_id` of
the event that caused this one), and the W3C `traceparent`. Header values are UTF-8 strings.
Dispatch on `ce_type`; deduplicate on `ce_id`, which stays the same when a record is redelivered.

## Key and ordering
The record key is the invoice id (payment events too), so all events of one invoice stay in
order within a partition. On `purchase-order-registered` and `goods-received` it is the order id
(uuid5 of tenant and order number), so an order's receipts follow the order.

## Public contracts
`invoice-approved` and `payment-sent` are the public contracts that other systems subscribe to:
documented, versioned and never broken. Every other topic is internal to fakturaportal and may
change with it.

## Versioning
A new version of a schema only adds optional fields; consumers ignore fields they do not know.
A breaking change is a new event type, `no.fakturaportal.<topic>.v2`, published beside v1 until
subscribers have moved. Money is a decimal string, never a float; dates are ISO 8601 dates;
times are UTC with zone.

## Dead letters
A record that cannot be processed goes to `<topic>.dlq` (e.g. `invoice-approved.dlq`) with its
original headers plus one naming the error, and the partition keeps flowing.
"""

PUBLIC_OPERATION = """\
Public contract, versioned and never broken: subscribe with a consumer group of your own.
New versions only add optional fields, so ignore fields you do not know.
Dispatch on `ce_type` = `{ce_type}` and deduplicate on `ce_id`.
The events of one invoice arrive in order: the record key is the invoice id.
Records you cannot process belong on `{dlq}`.
"""

INTERNAL_OPERATION = """\
Internal to fakturaportal: the schema may change together with the services. Other systems
subscribe to the public contracts `invoice-approved` and `payment-sent` instead.
"""


# --- JSON Schema files ---------------------------------------------------------------------------


def schema_file(topic: Topic) -> str:
    return f"{topic.value}.v{VERSION}.schema.json"


def summary(topic: Topic) -> str:
    return SUMMARIES.get(topic, ("", f"A `{topic.value}` event."))[1]


def payload_schema(topic: Topic, model: type[Payload]) -> JsonDict:
    body = model.model_json_schema(mode="serialization")
    head: JsonDict = {
        "$schema": JSON_SCHEMA_DIALECT,
        "$id": SCHEMA_BASE + schema_file(topic),
        "title": body.pop("title"),
        "description": body.pop("description", summary(topic)),
        "x-cloudevents-type": event_type(topic, VERSION),
        "x-kafka-topic": topic.value,
        "x-public-contract": topic in PUBLIC_TOPICS,
    }
    return head | body


def envelope_schema() -> JsonDict:
    body = Envelope.model_json_schema(mode="serialization")
    body.pop("title")
    head: JsonDict = {
        "$schema": JSON_SCHEMA_DIALECT,
        "$id": SCHEMA_BASE + ENVELOPE_FILE,
        "title": "CloudEvents envelope",
        "description": f"{body.pop('description')} CloudEvents 1.0 in Kafka binary mode: each "
        "attribute travels as the record header named in `x-kafka-headers`; the record value is "
        "the JSON payload and the record key the subject (invoice or order id).",
        "x-kafka-headers": {attribute: header for header, attribute, _, _ in HEADERS},
    }
    return head | body


# --- AsyncAPI ------------------------------------------------------------------------------------


def headers_schema() -> JsonDict:
    properties: JsonDict = {}
    for header, attribute, _, extra in HEADERS:
        note = Envelope.model_fields[attribute].description or ATTRIBUTE_NOTES[attribute]
        properties[header] = {
            "type": "string",
            "description": f"CloudEvents `{attribute}`. {note}",
            **extra,
        }
    return {
        "type": "object",
        "description": "CloudEvents 1.0 context as Kafka record headers (binary mode).",
        "required": [header for header, _, always, _ in HEADERS if always],
        "properties": properties,
    }


def _draft07(node: Any) -> Any:
    """Rewrite `#/$defs/X` to components/schemas and wrap a `$ref` that has siblings in allOf."""
    if isinstance(node, list):
        return [_draft07(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _draft07(value) for key, value in node.items()}
    ref = out.pop("$ref", None)
    if ref is None:
        return out
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        ref = COMPONENT_SCHEMAS + ref.removeprefix("#/$defs/")
    return {"allOf": [{"$ref": ref}], **out} if out else {"$ref": ref}


def _add_schema(schemas: dict[str, JsonDict], name: str, schema: JsonDict) -> None:
    if schemas.setdefault(name, schema) != schema:
        raise ValueError(f"two different schemas are named {name!r}")


def hoist(model: type[Payload], schemas: dict[str, JsonDict]) -> str:
    """Put the model's schema and its `$defs` in components/schemas; return the model's name."""
    body = model.model_json_schema(mode="serialization")
    for name, definition in body.pop("$defs", {}).items():
        _add_schema(schemas, name, _draft07(definition))
    _add_schema(schemas, model.__name__, _draft07(body))
    return model.__name__


def title(topic: Topic) -> str:
    return topic.value.replace("-", " ").capitalize().replace(" ocr ", " OCR ")


def tag(topic: Topic) -> list[JsonDict]:
    return [{"name": "public" if topic in PUBLIC_TOPICS else "internal"}]


def example(topic: Topic) -> list[JsonDict]:
    envelope, payload = EXAMPLES[topic]
    return [
        {
            "name": f"{topic.value}-example",
            "summary": summary(topic),
            "headers": {key: value.decode() for key, value in envelope.to_headers()},
            "payload": payload.model_dump(mode="json"),
        }
    ]


def message(topic: Topic, name: str) -> JsonDict:
    ce_type = event_type(topic, VERSION)
    body: JsonDict = {
        "name": name,
        "title": f"{title(topic)} (v{VERSION})",
        "summary": summary(topic),
        "contentType": CONTENT_TYPE,
        "tags": tag(topic),
        "correlationId": {
            "description": "One id for every event of an invoice's journey.",
            "location": "$message.header#/ce_correlationid",
        },
        "headers": {
            "type": "object",
            "allOf": [
                {"$ref": COMPONENT_SCHEMAS + HEADERS_SCHEMA},
                {"type": "object", "properties": {"ce_type": {"type": "string", "const": ce_type}}},
            ],
        },
        "payload": {"$ref": COMPONENT_SCHEMAS + name},
        "bindings": {
            "kafka": {
                "key": {
                    "type": "string",
                    "format": "uuid",
                    "description": "The order id." if topic in ORDER_TOPICS else "The invoice id.",
                },
                "bindingVersion": KAFKA_BINDING_VERSION,
            }
        },
        "x-cloudevents-type": ce_type,
    }
    if topic in EXAMPLES:
        body["examples"] = example(topic)
    return body


def channel(topic: Topic, name: str) -> JsonDict:
    producer = SUMMARIES.get(topic, ("", ""))[0]
    published = f" Published by `services/{producer}`." if producer else ""
    return {
        "address": topic.value,
        "title": title(topic),
        "description": summary(topic) + published,
        "messages": {name: {"$ref": f"#/components/messages/{name}"}},
        "bindings": {"kafka": {"topic": topic.value, "bindingVersion": KAFKA_BINDING_VERSION}},
        "x-dead-letter-address": dead_letter_topic(topic.value),
    }


def operation(topic: Topic, name: str) -> JsonDict:
    public = topic in PUBLIC_TOPICS
    description = (
        PUBLIC_OPERATION.format(ce_type=event_type(topic, VERSION), dlq=dead_letter_topic(topic))
        if public
        else INTERNAL_OPERATION
    )
    return {
        "action": "receive",
        "channel": {"$ref": f"#/channels/{topic.value}"},
        "title": f"Receive {title(topic).lower()}",
        "summary": summary(topic),
        "description": description,
        "tags": tag(topic),
        "messages": [{"$ref": f"#/channels/{topic.value}/messages/{name}"}],
    }


def package_version() -> str:
    if PYPROJECT.is_file():
        with PYPROJECT.open("rb") as file:
            return str(tomllib.load(file)["project"]["version"])
    return metadata.version(PACKAGE)


def asyncapi(models: Models = EVENT_MODELS) -> JsonDict:
    schemas: dict[str, JsonDict] = {HEADERS_SCHEMA: headers_schema()}
    names = {topic: hoist(model, schemas) for topic, model in models.items()}
    return {
        "asyncapi": ASYNCAPI_VERSION,
        "info": {
            "title": "Fakturaportal events",
            "version": package_version(),
            "description": INFO_DESCRIPTION,
            "license": {
                "name": "Apache-2.0",
                "url": "https://www.apache.org/licenses/LICENSE-2.0",
            },
            "tags": [
                {"name": "public", "description": "Published API: versioned, never broken."},
                {"name": "internal", "description": "Between fakturaportal's own services."},
            ],
        },
        "defaultContentType": CONTENT_TYPE,
        "servers": {
            "local": {
                "host": "localhost:9092",
                "protocol": "kafka",
                "description": "Single-node KRaft broker of the local development stack.",
            }
        },
        "channels": {topic.value: channel(topic, name) for topic, name in names.items()},
        "operations": {f"receive{name}": operation(topic, name) for topic, name in names.items()},
        "components": {
            "schemas": dict(sorted(schemas.items())),
            "messages": {name: message(topic, name) for topic, name in names.items()},
        },
    }


# --- Rendering, writing, checking ----------------------------------------------------------------


class _Dumper(yaml.SafeDumper):
    """Block style, literal blocks for multi-line text, never anchors/aliases."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def _represent_str(dumper: yaml.SafeDumper, data: str) -> yaml.ScalarNode:
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


_Dumper.add_representer(str, _represent_str)


def to_json(document: JsonDict) -> str:
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def to_yaml(document: JsonDict) -> str:
    return yaml.dump(
        document,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=1000,
    )


def render(models: Models = EVENT_MODELS) -> dict[str, str]:
    """Every generated file: name -> exact text."""
    files = {schema_file(topic): to_json(payload_schema(topic, m)) for topic, m in models.items()}
    files[ENVELOPE_FILE] = to_json(envelope_schema())
    files[ASYNCAPI_FILE] = to_yaml(asyncapi(models))
    return dict(sorted(files.items()))


def drift(expected: Mapping[str, str], directory: Path) -> list[tuple[str, str]]:
    """(problem, file name) for every file that is missing, drifted or extra."""
    present = {p.name for p in directory.iterdir() if p.is_file()} if directory.is_dir() else set()
    problems: list[tuple[str, str]] = []
    for name, text in expected.items():
        if name not in present:
            problems.append(("missing", name))
        elif (directory / name).read_text(encoding="utf-8") != text:
            problems.append(("drifted", name))
    problems.extend(("extra", name) for name in sorted(present - expected.keys()))
    return problems


def write(expected: Mapping[str, str], directory: Path) -> list[tuple[str, str]]:
    """Bring the directory in line; return what changed."""
    changes = drift(expected, directory)
    directory.mkdir(parents=True, exist_ok=True)
    for problem, name in changes:
        path = directory / name
        if problem == "extra":
            path.unlink()
        else:
            path.write_text(expected[name], encoding="utf-8", newline="\n")
    return changes


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m shared.schemas.generate",
        description="Generate JSON Schema and AsyncAPI from shared/schemas.",
    )
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 on drift")
    parser.add_argument("--directory", type=Path, default=GENERATED_DIR, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    directory: Path = args.directory
    expected = render()
    if args.check:
        problems = drift(expected, directory)
        if not problems:
            print(f"{directory}: {len(expected)} files up to date")
            return 0
        print(f"{directory} is out of date with the models:", file=sys.stderr)
        for problem, name in problems:
            print(f"  {problem:8} {name}", file=sys.stderr)
        print("Run `python -m shared.schemas.generate` and commit the result.", file=sys.stderr)
        return 1
    changes = write(expected, directory)
    for problem, name in changes:
        action = "removed" if problem == "extra" else "wrote"
        print(f"{action:8} {directory / name}")
    print(f"{directory}: {len(expected)} files, {len(changes)} changed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
