"""Intake channels on a real PostgreSQL: upload, the Peppol webhook and the watched folder."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from typing import cast
from uuid import UUID

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr

from fakturaportal.auth import issue_dev_token
from fakturaportal.demo import SUPPLIERS, demo_invoice
from fakturaportal.settings import CommonSettings, common_settings
from services.intake.api import build_router
from services.intake.app import IntakeApp
from services.intake.config import IntakeSettings
from services.intake.domain import IntakeCase
from services.intake.folder import scan_once
from tests.infra import throwaway_database

pytestmark = pytest.mark.integration
SECRET = "intake-test-secret-" + "x" * 24


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IntakeApp]:
    base = CommonSettings()
    with throwaway_database(base, "fp_intake_test") as db:
        settings = base.model_copy(
            update={
                "pg_db": db,
                "data_dir": tmp_path_factory.mktemp("intake"),
                "jwt_secret": SecretStr(SECRET),
                "jwt_jwks_url": None,
            }
        )
        saved = {k: os.environ.get(k) for k in ("FP_JWT_SECRET", "FP_JWT_JWKS_URL")}
        os.environ["FP_JWT_SECRET"] = SECRET
        os.environ.pop("FP_JWT_JWKS_URL", None)
        common_settings.cache_clear()
        intake = IntakeApp(settings)
        try:
            yield intake
        finally:
            intake.close()
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
            common_settings.cache_clear()


@pytest.fixture(scope="module")
def client(app: IntakeApp) -> TestClient:
    http = FastAPI()
    http.include_router(build_router(app, IntakeSettings(max_upload_bytes=2_000_000)))
    return TestClient(http)


def auth(user: str = "anne", *roles: str, tenant: str = "demo") -> dict[str, str]:
    settings = CommonSettings(jwt_secret=SecretStr(SECRET), jwt_jwks_url=None)
    token = issue_dev_token(
        settings, tenant=tenant, user=user, roles=list(roles or ("accountant",))
    )
    return {"Authorization": f"Bearer {token}"}


def test_upload_captures_once_and_says_which_invoice_it_already_is(client, app):
    data = demo_invoice(101)
    first = client.post("/api/v1/invoices", headers=auth(), files={"file": ("a.xml", data)})
    assert first.status_code == 201, first.text
    assert first.json()["status"] == "captured"
    again = client.post("/api/v1/invoices", headers=auth(), files={"file": ("b.xml", data)})
    assert again.status_code == 200
    assert again.json() == first.json() | {"duplicate": True, "filename": "b.xml"}
    case = cast(IntakeCase, app.get_or_none(UUID(first.json()["invoice_id"])))
    assert case.invoice is not None and case.invoice["number"] == "DEMO-101"


def test_several_files_in_one_upload(client):
    files = [("file", (f"{n}.xml", demo_invoice(n), "application/xml")) for n in (201, 202)]
    response = client.post("/api/v1/invoices", headers=auth(), files=files)
    assert response.status_code == 201
    assert [i["status"] for i in response.json()["invoices"]] == ["captured", "captured"]


def test_a_photo_waits_for_ocr(client, app):
    png = b"\x89PNG\r\n\x1a\n" + os.urandom(64)
    response = client.post("/api/v1/invoices", headers=auth(), files={"file": ("photo.jpg", png)})
    assert response.status_code == 201
    assert response.json()["status"] == "awaiting-ocr"
    events = list(app.repository.event_store.get(UUID(response.json()["invoice_id"])))
    assert [type(e).__name__ for e in events] == ["Registered", "OcrRequested"]
    assert events[0].document["media_type"] == "image/png"  # sniffed, not the .jpg name


def test_refusals_have_reasons_and_register_nothing(client, app):
    before = app.recorder.max_notification_id()
    cases = [
        (b"PK\x03\x04 a zip", 415, "unsupported document type"),
        (b'<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>', 422, "DOCTYPE"),
        (b"<a>" + b"x" * 2_000_001 + b"</a>", 413, "larger"),
        (b"", 422, "empty"),
    ]
    for data, code, reason in cases:
        response = client.post("/api/v1/invoices", headers=auth(), files={"file": ("x", data)})
        assert response.status_code == code, response.text
        assert reason in response.text
    assert app.recorder.max_notification_id() == before


def test_peppol_webhook_takes_the_raw_xml_body(client):
    headers = auth("ap-1", "access-point") | {"Content-Type": "application/xml"}
    response = client.post("/api/v1/peppol/inbound", headers=headers, content=demo_invoice(301))
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "captured"
    refused = client.post("/api/v1/peppol/inbound", headers=auth("anne"), content=demo_invoice(302))
    assert refused.status_code == 403
    pdf = client.post("/api/v1/peppol/inbound", headers=headers, content=b"\x89PNG\r\n\x1a\nxx")
    assert pdf.status_code == 415


def test_watched_folder_registers_per_tenant_and_sets_refusals_aside(app, tmp_path):
    inbox = tmp_path / "inbox"
    (inbox / "demo").mkdir(parents=True)
    (inbox / "demo" / "faktura.xml").write_bytes(demo_invoice(401, SUPPLIERS[1]))
    (inbox / "demo" / "notes.txt").write_bytes(b"not an invoice")
    (inbox / "demo" / "copying.xml.part").write_bytes(b"<half")
    outcomes = scan_once(app, inbox, 1_000_000, now=time.time() + 10)
    assert sorted(o.status for o in outcomes) == ["captured", "refused"]
    [processed] = (inbox / "demo" / ".processed").iterdir()
    assert processed.name.endswith("-faktura.xml")
    reason = (inbox / "demo" / ".refused" / "notes.txt.reason.txt").read_text()
    assert "FP-INTAKE-TYPE" in reason
    assert (inbox / "demo" / "copying.xml.part").exists()  # still being written: left alone
    # The same file dropped again is the same invoice.
    (inbox / "demo" / "again.xml").write_bytes(demo_invoice(401, SUPPLIERS[1]))
    [again] = scan_once(app, inbox, 1_000_000, now=time.time() + 10)
    assert again.status == "duplicate"


def test_mail_attachments_become_invoices_of_the_tenant(app, tmp_path):
    import smtplib
    import socket
    from email.message import EmailMessage

    from services.intake.mail_channel import start_mail_server
    from services.intake.mailconfig import MailSettings

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    controller = start_mail_server(
        app,
        IntakeSettings(),
        MailSettings(port=port, tenants=["demo"], outbox_dir=tmp_path / "out"),
    )
    try:
        message = EmailMessage()
        message["From"] = "Regnskap <faktura@leverandor.no>"
        message["To"] = "demo@faktura.localhost"
        message["Subject"] = "Faktura DEMO-501"
        message["Message-ID"] = "<abc-501@leverandor.no>"
        message.set_content("Vedlagt faktura.")
        message.add_attachment(
            demo_invoice(501), maintype="application", subtype="xml", filename="faktura.xml"
        )
        with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
            smtp.send_message(message)
            empty = EmailMessage()
            empty["From"] = "someone@leverandor.no"
            empty["To"] = "demo@faktura.localhost"
            empty["Subject"] = "Hei"
            empty.set_content("Hvor sender jeg fakturaen?")
            smtp.send_message(empty)
    finally:
        controller.stop()
    import hashlib

    from services.intake.domain import invoice_id_for

    case = cast(
        IntakeCase,
        app.get_or_none(invoice_id_for("demo", hashlib.sha256(demo_invoice(501)).hexdigest())),
    )
    assert case is not None and case.channel == "email"
    assert case.origin["message_id"] == "<abc-501@leverandor.no>"
    assert "faktura@leverandor.no" in case.registered_by
    assert case.invoice is not None and case.invoice["number"] == "DEMO-501"
    replies = list((tmp_path / "out").glob("*.eml"))
    assert len(replies) == 1 and "someone@leverandor.no" in replies[0].read_text()


def test_a_correction_teaches_the_extractor_for_that_supplier(client, app):
    from tests.unit.test_intake_extractor import _supplier_pdf

    first = client.post(
        "/api/v1/invoices", headers=auth(), files={"file": ("a.pdf", _supplier_pdf("BR-000451", 3))}
    )
    assert first.status_code == 201, first.text
    invoice_id = first.json()["invoice_id"]
    case = cast(IntakeCase, app.get_or_none(UUID(invoice_id)))
    assert case.invoice is not None and case.invoice["number"] != "BR-000451"

    bad = client.post(
        f"/api/v1/invoices/{invoice_id}/corrections",
        headers=auth(),
        json={"field": "colour", "value": "x"},
    )
    assert bad.status_code == 422
    other_tenant = client.post(
        f"/api/v1/invoices/{invoice_id}/corrections",
        headers=auth("eve", tenant="other"),
        json={"field": "invoice_number", "value": "BR-000451"},
    )
    assert other_tenant.status_code == 404
    fixed = client.post(
        f"/api/v1/invoices/{invoice_id}/corrections",
        headers=auth(),
        json={"field": "invoice_number", "value": "BR-000451"},
    )
    assert fixed.status_code == 200, fixed.text
    assert fixed.json()["field"] == "BT-1"

    second = client.post(
        "/api/v1/invoices",
        headers=auth(),
        files={"file": ("b.pdf", _supplier_pdf("BR-000467", 17))},
    )
    case = cast(IntakeCase, app.get_or_none(UUID(second.json()["invoice_id"])))
    assert case.invoice is not None and case.invoice["number"] == "BR-000467"
    # Another tenant's invoices from the same supplier learn nothing from this tenant's people.
    third = client.post(
        "/api/v1/invoices",
        headers=auth(tenant="other"),
        files={"file": ("c.pdf", _supplier_pdf("BR-000468", 18))},
    )
    case = cast(IntakeCase, app.get_or_none(UUID(third.json()["invoice_id"])))
    assert case.invoice is not None and case.invoice["number"] != "BR-000468"
