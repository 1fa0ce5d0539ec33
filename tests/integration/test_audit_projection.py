"""The audit service on a real PostgreSQL: trail, status projection, replay, append-only.

Needs only PostgreSQL (no Kafka): messages go straight into `app.process_event`, as the consumer
loop hands them over. Each run uses a database of its own, dropped afterwards.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import psycopg
import pytest
from eventsourcing.persistence import Tracking

from fakturaportal.db import connect
from fakturaportal.messaging import InboundMessage
from fakturaportal.settings import CommonSettings
from services.audit.app import AuditApp
from services.audit.domain import verify_chain
from services.audit.projection import (
    PROJECTOR_LOCK,
    Projector,
    list_statuses,
    list_statuses_since,
    list_supplier_statuses,
    read_status,
    replay_projections,
)
from tests.infra import throwaway_database
from tests.unit.test_audit_projection import T0, happy_path, messages, rejected_path

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module", name="settings")
def settings_fixture() -> Iterator[CommonSettings]:
    base = CommonSettings()
    with throwaway_database(base, "fp_audit_test") as db:
        yield base.model_copy(update={"pg_db": db})


@pytest.fixture(scope="module", name="app")
def app_fixture(settings: CommonSettings) -> Iterator[AuditApp]:
    audit = AuditApp(settings)
    yield audit
    audit.close()


class Feeder:
    """Hands messages to the app with increasing offsets per topic-partition."""

    def __init__(self, app: AuditApp) -> None:
        self.app = app
        self.offsets: dict[str, int] = {}

    def feed(self, msgs: list[InboundMessage]) -> None:
        for message in msgs:
            name = message.tracking_name
            offset = self.offsets.get(name, -1) + 1
            self.offsets[name] = offset
            self.app.process_event(message, Tracking(name, offset))


@pytest.fixture(scope="module", name="feeder")
def feeder_fixture(app: AuditApp) -> Feeder:
    return Feeder(app)


def snapshot(settings: CommonSettings) -> list[tuple[Any, ...]]:
    with connect(settings) as conn:
        return conn.execute(
            "SELECT tenant_id, invoice_id, status, data, updated_at, position "
            "FROM invoice_status ORDER BY tenant_id, invoice_id"
        ).fetchall()


def test_trail_projection_and_replay(
    settings: CommonSettings, app: AuditApp, feeder: Feeder
) -> None:
    paid, rejected, other_tenant, halfway = (uuid.uuid4() for _ in range(4))
    feeder.feed(messages(happy_path(paid, "acme")))
    feeder.feed(messages(rejected_path(rejected, "acme"), start=T0 + timedelta(hours=1)))
    feeder.feed(messages(happy_path(other_tenant, "globex")[:5], start=T0 + timedelta(hours=2)))
    halfway_msgs = messages(happy_path(halfway, "acme")[:4], start=T0 + timedelta(hours=3))
    feeder.feed(halfway_msgs)
    feeder.feed(halfway_msgs[:2])  # redelivered / republished: same ce_ids, new offsets

    trail = app.trail(paid)
    assert trail is not None
    assert len(trail.entries) == 10
    assert verify_chain(trail.entries) == []
    assert len(app.history(halfway)) == 4

    projector = Projector(app, batch_size=7)  # several batches
    try:
        projected = projector.catch_up()
        assert projected == projector.position() > 0
        assert projector.catch_up() == 0
    finally:
        projector.close()

    assert read_status(settings, "acme", str(paid))["status"] == "paid"  # type: ignore[index]
    assert read_status(settings, "acme", str(rejected))["status"] == "rejected"  # type: ignore[index]
    assert read_status(settings, "acme", str(halfway))["status"] == "coded"  # type: ignore[index]
    assert read_status(settings, "acme", str(other_tenant)) is None
    assert read_status(settings, "globex", str(other_tenant))["assignee"] == "bjorn"  # type: ignore[index]
    assert read_status(settings, "acme", "not-a-uuid") is None
    assert [r["invoice_id"] for r in list_statuses(settings, "acme")] == [
        str(halfway),
        str(rejected),
        str(paid),
    ]

    before = snapshot(settings)
    assert len(before) == 4
    seen: list[int] = []
    counts = replay_projections(settings, progress=seen.append)
    assert counts["invoice_status"]["rows"] == 4
    assert counts["invoice_status"]["events"] == projected
    assert seen
    assert seen[-1] == projected
    assert snapshot(settings) == before


def test_projector_resumes_after_new_events(
    settings: CommonSettings, app: AuditApp, feeder: Feeder
) -> None:
    projector = Projector(app)
    try:
        projector.catch_up()
        invoice_id = uuid.uuid4()
        msgs = messages(happy_path(invoice_id, "acme"), start=T0 + timedelta(days=2))
        feeder.feed(msgs[:5])
        assert projector.catch_up() == 6  # opened + five entries
        assert read_status(settings, "acme", str(invoice_id))["status"] == "awaiting-approval"  # type: ignore[index]
    finally:
        projector.close()


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_events SET topic = topic", "DELETE FROM audit_events", "TRUNCATE audit_events"],
)
def test_stored_audit_events_are_append_only(
    settings: CommonSettings, feeder: Feeder, statement: str
) -> None:
    feeder.feed(messages(happy_path(uuid.uuid4(), "acme")[:1]))
    with connect(settings) as conn, pytest.raises(psycopg.errors.InsufficientPrivilege):
        conn.execute(statement)


def test_one_projector_at_a_time(settings: CommonSettings, app: AuditApp, feeder: Feeder) -> None:
    """Another replica's projector (or a replay) holds the lock: catch_up leaves the rows alone."""
    projector = Projector(app)
    try:
        projector.catch_up()
        invoice_id = uuid.uuid4()
        feeder.feed(messages(happy_path(invoice_id, "acme")[:1], start=T0 + timedelta(days=3)))
        with connect(settings) as other:
            other.execute("SELECT pg_advisory_xact_lock(%s)", (PROJECTOR_LOCK,))
            assert projector.catch_up() == 0
        assert read_status(settings, "acme", str(invoice_id)) is None
        assert projector.catch_up() == 2
        assert read_status(settings, "acme", str(invoice_id)) is not None
    finally:
        projector.close()


def test_a_suppliers_invoices(settings: CommonSettings, app: AuditApp, feeder: Feeder) -> None:
    """By the seller's orgnr (from its MVA number here), and what the supplier's contact sent
    that is not read yet; never another tenant's."""
    read, unread = uuid.uuid4(), uuid.uuid4()
    feeder.feed(messages(happy_path(read, "initech")[:3], start=T0 + timedelta(days=4)))
    received = happy_path(unread, "initech")[0].model_copy(update={"registered_by": "siri"})
    feeder.feed(messages([received], start=T0 + timedelta(days=5)))
    projector = Projector(app)
    try:
        projector.catch_up()
    finally:
        projector.close()
    mine = list_supplier_statuses(settings, "initech", ["923456783"], registered_by="siri")
    assert [r["invoice_id"] for r in mine] == [str(unread), str(read)]
    assert [
        r["invoice_id"] for r in list_supplier_statuses(settings, "initech", ["923456783"])
    ] == [str(read)]
    assert list_supplier_statuses(settings, "initech", ["974760673"], registered_by="ola") == []
    assert list_supplier_statuses(settings, "acme-other", ["923456783"], registered_by="siri") == []


def test_the_cockpits_window(settings: CommonSettings, app: AuditApp, feeder: Feeder) -> None:
    """Changed since the window opened, or still under way however old; one tenant only."""
    old_paid, old_open, recent = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    long_ago = T0 - timedelta(days=400)
    feeder.feed(messages(happy_path(old_paid, "umbrella"), start=long_ago))
    feeder.feed(messages(happy_path(old_open, "umbrella")[:5], start=long_ago))
    feeder.feed(messages(happy_path(recent, "umbrella")[:6], start=T0 + timedelta(days=6)))
    feeder.feed(messages(happy_path(uuid.uuid4(), "other-corp")[:6], start=T0))
    projector = Projector(app)
    try:
        projector.catch_up()
    finally:
        projector.close()
    found = list_statuses_since(settings, "umbrella", T0 - timedelta(days=84))
    assert [r["invoice_id"] for r in found] == [str(recent), str(old_open)]
    assert found[0]["approved_at"] and found[0]["costs"] == {"6800": "1000.00"}
    assert len(list_statuses_since(settings, "umbrella", T0, limit=1)) == 1
    assert list_statuses_since(settings, "nobody", T0) == []
