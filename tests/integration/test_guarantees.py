"""The guarantees an accounts-payable system cannot do without, on the real broker and database."""

from __future__ import annotations

import signal
from datetime import UTC, datetime
from uuid import uuid4

import psycopg
import pytest
from confluent_kafka import Producer

from fakturaportal import faults
from fakturaportal.demo import demo_invoice
from fakturaportal.eventstore import ServiceApplication
from fakturaportal.messaging import encode, event_id
from services.intake.app import IntakeApp
from services.intake.ehf import capture
from services.validation.app import ValidationApp
from services.validation.domain import ValidationCase
from shared.schemas.events import Channel, DocumentRef, InvoiceCaptured
from shared.xmlsafe import parse_untrusted
from tests.infra import TestEnv, read_topic, wait_for

pytestmark = pytest.mark.integration


def captured_payload(tenant: str = "demo") -> InvoiceCaptured:
    return InvoiceCaptured(
        invoice_id=uuid4(),
        tenant_id=tenant,
        invoice=capture(parse_untrusted(demo_invoice(5))),
        document=DocumentRef(sha256="a" * 64, media_type="application/xml", size=1),
        registered_by="anne",
    )


def produce(env: TestEnv, *records) -> None:
    producer = Producer(
        {"bootstrap.servers": env.settings.kafka_bootstrap, "enable.idempotence": True}
    )
    for topic, key, value, headers in records:
        producer.produce(topic, key=key, value=value, headers=headers)
    assert producer.flush(30) == 0


def produce_captured(env: TestEnv, payload: InvoiceCaptured) -> None:
    record = encode(
        payload,
        source="/tests",
        ce_id=event_id("test", payload.invoice_id),
        time=datetime.now(UTC),
        correlation_id=str(payload.invoice_id),
        topic_prefix=env.settings.topic_prefix,
    )
    produce(env, (record.topic, record.key, record.value, record.headers))


def events_of(app, aggregate_id) -> list:
    return list(app.repository.event_store.get(aggregate_id))


def published_for(env: TestEnv, topic: str, invoice_id, expect: int = 1) -> list:
    return [
        r
        for r in read_topic(env.settings, topic, expect=expect, timeout=20)
        if r.key() == str(invoice_id).encode()
    ]


class GuardProbeApp(ServiceApplication):
    """A service application of its own, so the probe's events reach no relay."""

    name = "guardprobe"


def test_stored_events_refuse_update_and_delete(test_env: TestEnv):
    app = GuardProbeApp(test_env.settings)
    case = ValidationCase(
        invoice_id=uuid4(), tenant_id="demo", invoice={}, registered_by="anne", findings=[], meta={}
    )
    app.save(case)
    table = f"{app.name}_events"
    with psycopg.connect(test_env.settings.conninfo(), autocommit=True) as conn:
        for statement in (
            f"UPDATE {table} SET topic = 'changed'",
            f"DELETE FROM {table}",
            f"TRUNCATE {table}",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
                conn.execute(statement)
    assert len(events_of(app, case.id)) == 1


def test_consumer_killed_after_store_commit_duplicates_nothing(test_env: TestEnv):
    payload = captured_payload()
    produce_captured(test_env, payload)
    crashed = test_env.run_role("validation", "consumer", fault=faults.CONSUMER_AFTER_STORE)
    assert crashed.wait(60) == -signal.SIGKILL
    app = ValidationApp(test_env.settings)
    assert len(events_of(app, payload.invoice_id)) == 1  # stored before the crash

    restarted = test_env.run_role("validation", "consumer")
    relay = test_env.run_role("validation", "relay")
    try:
        validated = wait_for(
            lambda: published_for(test_env, "invoice-validated", payload.invoice_id),
            timeout=60,
            what="invoice-validated downstream",
        )
        produce_captured(test_env, captured_payload())  # the partition keeps flowing after restart
        wait_for(
            lambda: sum(1 for _ in app.recorder.select_notifications(start=None, limit=100)) >= 2,
            what="the next message to be processed",
        )
    finally:
        restarted.terminate(), relay.terminate()
        restarted.wait(30), relay.wait(30)
    assert len(events_of(app, payload.invoice_id)) == 1
    assert len(validated) == 1


def test_relay_killed_before_producing_publishes_after_restart(test_env: TestEnv):
    app = IntakeApp(test_env.settings)
    data = demo_invoice(int(uuid4().int % 10**6))
    registration = app.register_captured(
        tenant_id="demo",
        channel=Channel.UPLOAD,
        document=DocumentRef(sha256=uuid4().hex * 2, media_type="application/xml", size=len(data)),
        invoice=capture(parse_untrusted(data)),
        registered_by="anne",
    )
    crashed = test_env.run_role("intake", "relay", fault=faults.RELAY_BEFORE_PRODUCE)
    assert crashed.wait(60) == -signal.SIGKILL
    assert published_for(test_env, "invoice-received", registration.invoice_id, expect=0) == []

    relay = test_env.run_role("intake", "relay")
    try:
        received = wait_for(
            lambda: published_for(test_env, "invoice-received", registration.invoice_id),
            timeout=60,
            what="invoice-received after relay restart",
        )
        captured = wait_for(
            lambda: published_for(test_env, "invoice-captured", registration.invoice_id),
            timeout=60,
            what="invoice-captured after relay restart",
        )
    finally:
        relay.terminate()
        relay.wait(30)
    assert len(received) == 1 and len(captured) == 1
    assert (
        dict(received[0].headers())["ce_id"]
        == event_id("intake", registration.invoice_id, 1, 0).encode()
    )


def test_poison_message_goes_to_dead_letter_topic_and_the_rest_flows(test_env: TestEnv):
    topic = test_env.settings.topic("invoice-captured")
    poison_key = uuid4().hex.encode()
    produce(test_env, (topic, poison_key, b"{not json", [("ce_specversion", b"1.0")]))
    good = captured_payload()
    produce_captured(test_env, good)
    consumer = test_env.run_role("validation", "consumer")
    try:
        app = ValidationApp(test_env.settings)
        wait_for(lambda: app.get_or_none(good.invoice_id), timeout=60, what="the good message")
        dead = wait_for(
            lambda: [
                r
                for r in read_topic(test_env.settings, "invoice-captured.dlq", timeout=10)
                if r.key() == poison_key
            ],
            what="the poison message on the DLQ",
        )
    finally:
        consumer.terminate()
        consumer.wait(30)
    error = dict(dead[0].headers())["fp_dlq_error"].decode()
    assert "missing CloudEvents headers" in error and '"topic"' in error
    assert dead[0].value() == b"{not json"
