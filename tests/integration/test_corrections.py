"""A desk correction on the real PostgreSQL and broker: intake records it (or refuses it and
records nothing), its relay publishes `invoice-corrected`, and the audit consumer records it in
the hash-chained trail and makes the corrected term certain in the status projection."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any
from uuid import UUID, uuid4

import pytest
from confluent_kafka.admin import AdminClient

from fakturaportal.demo import demo_invoice
from fakturaportal.kafka import create_topics
from services.audit.app import AuditApp
from services.audit.domain import verify_chain
from services.audit.projection import read_status
from services.intake.app import IntakeApp
from services.intake.correction import CorrectionInvalid
from services.intake.ehf import capture
from shared.schemas.events import Channel, DocumentRef, InvoiceCorrected
from shared.schemas.invoice import CaptureSource, Provenance
from shared.schemas.topics import all_topic_names
from shared.xmlsafe import parse_untrusted
from tests.infra import TestEnv, read_topic, throwaway_database, wait_for

pytestmark = pytest.mark.integration
UNSURE = Provenance(source=CaptureSource.PDF_TEXT, confidence=0.4)


@pytest.fixture(name="own_env")
def own_env_fixture(test_env: TestEnv) -> Iterator[TestEnv]:
    """A database and topics of this test's own: its relay publishes every intake event of the
    database, which would reach the other integration tests' consumers on the shared topics."""
    with throwaway_database(test_env.settings, "fp_corrections") as db:
        prefix = f"c{int(time.time())}{uuid4().hex[:6]}."
        settings = test_env.settings.model_copy(update={"pg_db": db, "topic_prefix": prefix})
        create_topics(settings)
        env = test_env.env | {"FP_PG_DB": db, "FP_TOPIC_PREFIX": prefix}
        try:
            yield TestEnv(settings, env, test_env.data_dir)
        finally:
            admin = AdminClient({"bootstrap.servers": settings.kafka_bootstrap})
            admin.delete_topics([settings.topic(n) for n in all_topic_names()])


def registered(app: IntakeApp) -> UUID:
    """A captured invoice whose number the capture was unsure of."""
    data = demo_invoice(int(uuid4().int % 10**6))
    invoice = capture(parse_untrusted(data))
    invoice = invoice.model_copy(update={"provenance": invoice.provenance | {"BT-1": UNSURE}})
    registration = app.register_captured(
        tenant_id="demo",
        channel=Channel.UPLOAD,
        document=DocumentRef(sha256=uuid4().hex * 2, media_type="application/xml", size=1),
        invoice=invoice,
        registered_by="anne",
    )
    return UUID(registration.invoice_id)


def stored(app: IntakeApp, invoice_id: UUID) -> list[Any]:
    return list(app.repository.event_store.get(invoice_id))


def test_a_correction_is_recorded_published_and_in_the_audit_trail(own_env: TestEnv) -> None:
    test_env = own_env
    app = IntakeApp(test_env.settings)
    invoice_id = registered(app)
    before = len(stored(app, invoice_id))
    with pytest.raises(CorrectionInvalid):
        app.correct("demo", invoice_id, "BT-2", "31.02.2026", "anne")
    assert len(stored(app, invoice_id)) == before  # refused before anything is recorded

    corrected = app.correct("demo", invoice_id, "BT-1", "INV-2026-77", "anne")
    assert corrected.changed and corrected.value == "INV-2026-77"
    again = app.correct("demo", invoice_id, "BT-1", "INV-2026-77", "anne")
    assert not again.changed
    assert len(stored(app, invoice_id)) == before + 1  # the repeat recorded nothing

    relay = test_env.run_role("intake", "relay")
    audit = test_env.run_role("audit", "consumer")
    try:
        records = wait_for(
            lambda: [
                r
                for r in read_topic(test_env.settings, "invoice-corrected", expect=1, timeout=10)
                if r.key() == str(invoice_id).encode()
            ],
            timeout=60,
            what="invoice-corrected on the broker",
        )
        row = wait_for(
            lambda: (
                (found := read_status(test_env.settings, "demo", str(invoice_id)))
                and found.get("corrections")
                and found
            ),
            timeout=60,
            what="the correction in the status projection",
        )
    finally:
        for process in (relay, audit):
            process.terminate()
            process.wait(30)
    (record,) = records  # published once: the unchanged repeat was not
    payload = InvoiceCorrected.model_validate_json(record.value())
    assert (payload.field, payload.value, payload.corrected_by) == ("BT-1", "INV-2026-77", "anne")
    assert payload.previous not in (None, "INV-2026-77")
    assert payload.invoice.number == "INV-2026-77"
    assert payload.invoice.provenance["BT-1"].source is CaptureSource.MANUAL
    assert dict(record.headers())["ce_type"] == b"no.fakturaportal.invoice-corrected.v1"

    assert row["invoice_number"] == "INV-2026-77"
    assert row["capture_confidence"]["BT-1"] == 1.0 and row["corrections"] == {
        "BT-1": "INV-2026-77"
    }
    trail = AuditApp(test_env.settings).trail(invoice_id)
    assert trail is not None and verify_chain(trail.entries) == []
    (entry,) = [e for e in trail.entries if e.topic == "invoice-corrected"]
    assert entry.payload["previous"] == payload.previous
