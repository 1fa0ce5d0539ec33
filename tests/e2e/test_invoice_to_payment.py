"""End to end through the running services: upload an EHF invoice, approve it, pay it.

Every service runs as its own OS processes against the real broker and database; the test talks
only to the portal (the one HTTP entry) and, like an external system, to the public topics.
"""

from __future__ import annotations

import json
import subprocess
import sys

import httpx
import jsonschema
import psycopg
import pytest
from pydantic import SecretStr

from fakturaportal.demo import demo_invoice
from fakturaportal.settings import REPO_ROOT
from services.intake.app import IntakeApp
from tests.e2e.system import MAX_UPLOAD, PORTAL, SERVICE_ROLE, token, unique_demo
from tests.infra import TestEnv, read_topic, wait_for

pytestmark = pytest.mark.e2e
SCHEMAS = REPO_ROOT / "shared" / "schemas" / "generated"


def sample_invoice() -> tuple[str, bytes]:
    """A generated demo invoice the payment checks let through.

    The official Norwegian EHF example (`../shared/data/ehf/ehf-examples/ehf-3-faktura-1.xml`)
    goes from upload to posted as well, but it is not payable as it stands: its KID fails both
    check digits (FP-PAY-01) and its payable amount is less than its gross (a prepaid amount,
    FP-PAY-06), so a payment proposal rightly holds it with those findings."""
    return "demo.xml", unique_demo(4242)


def status_of(env: TestEnv, invoice_id: str, headers: dict[str, str]) -> dict:
    response = httpx.get(f"{PORTAL}/api/v1/invoices/{invoice_id}", headers=headers, timeout=10)
    return response.json() if response.status_code == 200 else {}


def wait_status(env: TestEnv, invoice_id: str, headers: dict[str, str], wanted: str) -> dict:
    return wait_for(
        lambda: (s := status_of(env, invoice_id, headers)).get("status") == wanted and s,
        timeout=90,
        what=f"status {wanted}",
    )


def test_bad_uploads_get_a_reason_and_change_nothing(system: TestEnv):
    anne = token(system, "anne", "accountant")
    intake = IntakeApp(system.settings)
    before = intake.recorder.max_notification_id()
    cases = [
        ({"file": ("x.xml", b"PK\x03\x04 a zip file", "application/xml")}, 415, "unsupported"),
        (
            {"file": ("x.xml", b'<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>', "application/xml")},
            422,
            "DOCTYPE",
        ),
        ({"other": ("x.xml", demo_invoice(1), "application/xml")}, 422, "file"),
        (
            {"file": ("big.xml", b"<a>" + b"x" * MAX_UPLOAD + b"</a>", "application/xml")},
            413,
            "larger",
        ),
        ({"file": ("order.xml", b"<Order xmlns='urn:x'/>", "application/xml")}, 422, "not a UBL"),
    ]
    for files, code, reason in cases:
        response = httpx.post(f"{PORTAL}/api/v1/invoices", headers=anne, files=files, timeout=30)
        assert response.status_code == code, response.text
        assert reason in response.text
    response = httpx.post(
        f"{PORTAL}/api/v1/invoices", files={"file": ("a.xml", demo_invoice(1))}, timeout=30
    )
    assert response.status_code == 401
    assert intake.recorder.max_notification_id() == before


def test_invoice_flows_from_upload_to_payment_sent(system: TestEnv):
    anne = token(system, "anne", "accountant")
    kari = token(system, "kari", "attestant")
    per = token(system, "per", "payment-approver")
    outsider = token(system, "eve", "accountant", "attestant", tenant="other")

    name, data = sample_invoice()
    uploaded = httpx.post(
        f"{PORTAL}/api/v1/invoices",
        headers=anne,
        files={"file": (name, data, "application/xml")},
        timeout=30,
    )
    assert uploaded.status_code == 201, uploaded.text
    invoice_id = uploaded.json()["invoice_id"]
    again = httpx.post(
        f"{PORTAL}/api/v1/invoices", headers=anne, files={"file": (name, data)}, timeout=30
    )
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert again.json()["invoice_id"] == invoice_id

    waiting = wait_status(system, invoice_id, anne, "awaiting-approval")
    assert waiting["assignee"] == "kari"

    # Tenants never see each other's invoices; nobody approves what they registered.
    assert httpx.get(f"{PORTAL}/api/v1/invoices/{invoice_id}", headers=outsider).status_code == 404
    assert (
        httpx.post(f"{PORTAL}/api/v1/invoices/{invoice_id}/approve", headers=outsider).status_code
        == 404
    )
    refused = httpx.post(
        f"{PORTAL}/api/v1/invoices/{invoice_id}/approve",
        headers=token(system, "anne", "accountant", "attestant"),
    )
    assert refused.status_code == 403 and "registered" in refused.text
    approved = httpx.post(
        f"{PORTAL}/api/v1/invoices/{invoice_id}/approve", headers=kari, timeout=30
    )
    assert approved.status_code == 200, approved.text

    posted = wait_status(system, invoice_id, anne, "posted")
    assert posted.get("voucher_number")

    run = httpx.post(f"{PORTAL}/api/v1/payment-runs", headers=anne, json={}, timeout=30)
    assert run.status_code == 201, run.text
    run_id = run.json()["run_id"]
    assert invoice_id in json.dumps(run.json())
    four_eyes = httpx.post(
        f"{PORTAL}/api/v1/payment-runs/{run_id}/approve",
        headers=token(system, "anne", "accountant", "payment-approver"),
        timeout=30,
    )
    assert four_eyes.status_code == 403
    released = httpx.post(f"{PORTAL}/api/v1/payment-runs/{run_id}/approve", headers=per, timeout=60)
    assert released.status_code == 200, released.text

    wait_status(system, invoice_id, anne, "payment-sent")
    assert list((system.data_dir / "outbox").rglob("*.xml")), "no pain.001 file in the bank outbox"

    check_external_subscriber_sees_public_contracts(system, invoice_id)
    check_history_has_one_trace(system, invoice_id, anne)
    check_replay_rebuilds_identical_rows(system)


def check_external_subscriber_sees_public_contracts(env: TestEnv, invoice_id: str) -> None:
    for topic in ("invoice-approved", "payment-sent"):
        records = [
            r for r in read_topic(env.settings, topic, timeout=20) if r.key() == invoice_id.encode()
        ]
        assert len(records) == 1, f"{topic}: {len(records)} records for the invoice"
        headers = {k: v.decode() for k, v in records[0].headers()}
        assert headers["ce_specversion"] == "1.0"
        assert headers["ce_type"] == f"no.fakturaportal.{topic}.v1"
        assert headers["ce_subject"] == invoice_id and headers["ce_tenantid"] == "demo"
        assert headers["traceparent"] and headers["ce_source"].startswith("/services/")
        schema = json.loads((SCHEMAS / f"{topic}.v1.schema.json").read_text())
        jsonschema.validate(json.loads(records[0].value()), schema)


def check_history_has_one_trace(env: TestEnv, invoice_id: str, headers: dict[str, str]) -> None:
    history = wait_for(
        lambda: (
            (
                h := httpx.get(
                    f"{PORTAL}/api/v1/invoices/{invoice_id}/history", headers=headers, timeout=10
                ).json()
            )
            and any(e["topic"] == "payment-sent" for e in h["events"])
            and h
        ),
        what="payment-sent in the history",
    )
    topics = [e["topic"] for e in history["events"]]
    for expected in (
        "invoice-received",
        "invoice-captured",
        "invoice-validated",
        "invoice-coded",
        "invoice-approval-requested",
        "invoice-approved",
        "invoice-posted",
        "payment-sent",
    ):
        assert expected in topics
    assert (
        topics.index("invoice-received")
        < topics.index("invoice-approved")
        < topics.index("payment-sent")
    )
    assert len({e["trace_id"] for e in history["events"]}) == 1, history["events"]
    assert history["chain_valid"] is True


def check_replay_rebuilds_identical_rows(env: TestEnv) -> None:
    def rows() -> list[tuple]:
        with psycopg.connect(env.settings.conninfo()) as conn:
            return conn.execute(
                "SELECT tenant_id, invoice_id, status, data::text FROM invoice_status "
                "ORDER BY invoice_id"
            ).fetchall()

    before = rows()
    assert before
    replay = subprocess.run(
        [sys.executable, "-m", "fakturaportal.cli", "replay"],
        env=env.env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO_ROOT,
        check=False,
    )
    assert replay.returncode == 0, replay.stderr
    assert rows() == before


def test_the_services_role_can_append_but_never_rewrite_history(system: TestEnv):
    """The running services connect as a role that owns nothing and may not delete."""
    role = system.settings.model_copy(
        update={
            "pg_user": SERVICE_ROLE["FP_PG_SERVICE_USER"],
            "pg_password": SecretStr(SERVICE_ROLE["FP_PG_SERVICE_PASSWORD"]),
        }
    )
    with psycopg.connect(role.conninfo(), autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM intake_events").fetchone()[0] > 0
        users = conn.execute(
            "SELECT DISTINCT usename FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        ).fetchall()
        assert (SERVICE_ROLE["FP_PG_SERVICE_USER"],) in users, users
        attempts = {
            "UPDATE intake_events SET topic = 'x'": "append-only",
            "DELETE FROM intake_events": "permission denied",
            "TRUNCATE intake_events": "permission denied",
            "ALTER TABLE intake_events DISABLE TRIGGER intake_events_append_only": "owner",
        }
        for statement, reason in attempts.items():
            with pytest.raises(psycopg.Error, match=reason):
                conn.execute(statement)
