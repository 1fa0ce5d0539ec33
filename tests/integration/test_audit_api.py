"""`GET /api/v1/invoices/{id}/history` on a real PostgreSQL: order, access, tamper evidence."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from fakturaportal.auth import Principal, authenticate
from fakturaportal.db import connect
from fakturaportal.settings import CommonSettings
from services.audit.api import build_router
from services.audit.app import AuditApp
from tests.integration.test_audit_projection import (  # noqa: F401 - module fixtures
    Feeder,
    app_fixture,
    feeder_fixture,
    settings_fixture,
)
from tests.unit.test_audit_projection import happy_path, messages

pytestmark = pytest.mark.integration


class As:
    """Stands in for the bearer token check: the request is made as this principal."""

    def __init__(self) -> None:
        self.principal = Principal("acme", "anne", frozenset({"accountant"}))

    def __call__(self) -> Principal:
        return self.principal


@pytest.fixture
def who() -> As:
    return As()


@pytest.fixture
def client(app: AuditApp, who: As) -> Iterator[TestClient]:
    http = FastAPI()
    http.include_router(build_router(app))
    http.dependency_overrides[authenticate] = who
    with TestClient(http) as c:
        yield c


def test_history_lists_every_event_in_order_with_a_valid_chain(
    client: TestClient,
    feeder: Feeder,
) -> None:
    invoice_id = uuid.uuid4()
    msgs = messages(happy_path(invoice_id, "acme"))
    feeder.feed(msgs)
    feeder.feed(msgs[3:5])  # redelivery changes nothing
    body = client.get(f"/api/v1/invoices/{invoice_id}/history").json()
    assert body["chain_valid"] is True
    assert body["chain_problems"] == []
    events = body["events"]
    assert [e["seq"] for e in events] == list(range(1, 11))
    assert [e["ce_id"] for e in events] == [m.envelope.id for m in msgs]
    second = events[1]
    assert second["topic"] == "invoice-captured"
    assert second["type"] == "no.fakturaportal.invoice-captured.v1"
    assert second["source"] == "/services/intake"
    assert second["causation_id"] == msgs[0].envelope.id
    assert second["trace_id"] == invoice_id.hex
    assert second["prev_hash"] == events[0]["hash"]
    assert second["payload"]["invoice"]["number"] == "10042"


@pytest.mark.parametrize("roles", [{"auditor"}, {"attestant"}, {"finance-admin"}])
def test_internal_roles_may_read(
    client: TestClient,
    feeder: Feeder,
    who: As,
    roles: set[str],
) -> None:
    invoice_id = uuid.uuid4()
    feeder.feed(messages(happy_path(invoice_id, "acme")[:2]))
    who.principal = Principal("acme", "revisor", frozenset(roles))
    assert client.get(f"/api/v1/invoices/{invoice_id}/history").status_code == 200


def test_suppliers_may_not(client: TestClient, feeder: Feeder, who: As) -> None:
    invoice_id = uuid.uuid4()
    feeder.feed(messages(happy_path(invoice_id, "acme")[:2]))
    who.principal = Principal("acme", "leverandor", frozenset({"supplier"}))
    assert client.get(f"/api/v1/invoices/{invoice_id}/history").status_code == 403


def test_another_tenants_invoice_is_not_found(
    client: TestClient,
    feeder: Feeder,
    who: As,
) -> None:
    invoice_id = uuid.uuid4()
    feeder.feed(messages(happy_path(invoice_id, "globex")[:2]))
    assert client.get(f"/api/v1/invoices/{invoice_id}/history").status_code == 404
    assert client.get(f"/api/v1/invoices/{uuid.uuid4()}/history").status_code == 404
    who.principal = Principal("globex", "gina", frozenset({"auditor"}))
    assert client.get(f"/api/v1/invoices/{invoice_id}/history").status_code == 200


def test_no_token_no_history(app: AuditApp) -> None:
    http = FastAPI()
    http.include_router(build_router(app))
    with TestClient(http) as c:
        assert c.get(f"/api/v1/invoices/{uuid.uuid4()}/history").status_code == 401


def test_a_stored_event_altered_behind_the_guard_shows_as_a_broken_chain(
    client: TestClient,
    feeder: Feeder,
    settings: CommonSettings,
) -> None:
    """The table owner can still switch the append-only trigger off; the chain shows it."""
    invoice_id = uuid.uuid4()
    feeder.feed(messages(happy_path(invoice_id, "acme")[:4]))
    with connect(settings) as conn:
        conn.execute("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only")
        changed = conn.execute(
            "UPDATE audit_events SET state = convert_to(replace(convert_from(state, 'UTF8'), "
            "'1250.00', '9250.00'), 'UTF8') WHERE originator_id = %s AND originator_version = 3",
            (invoice_id,),
        ).rowcount
        conn.execute("ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only")
    assert changed == 1
    body = client.get(f"/api/v1/invoices/{invoice_id}/history").json()
    assert body["chain_valid"] is False
    assert body["chain_problems"] == [
        f"entry 2 ({body['events'][1]['ce_id']}): hash does not match the content (altered)"
    ]
