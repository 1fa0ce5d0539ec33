"""Every intake channel through the running services and the real broker: e-mail (real SMTP),
the watched folder, a text PDF upload and a photo that the OCR worker reads with Tesseract."""

from __future__ import annotations

import smtplib
import time
from email.message import EmailMessage

import httpx
import pytest

from fakturaportal.demo import SUPPLIERS
from tests.e2e.system import PORTAL, SMTP, token, unique_demo
from tests.infra import TestEnv, wait_for
from tests.samples import scan_png, text_pdf

pytestmark = pytest.mark.e2e


def status(invoice_id: str, headers: dict[str, str]) -> dict:
    response = httpx.get(f"{PORTAL}/api/v1/invoices/{invoice_id}", headers=headers, timeout=10)
    return response.json() if response.status_code == 200 else {}


def find_by_number(number: str, headers: dict[str, str]) -> dict | None:
    listing = httpx.get(f"{PORTAL}/api/v1/invoices", headers=headers, timeout=10).json()
    return next((i for i in listing["invoices"] if i.get("invoice_number") == number), None)


def test_a_text_pdf_upload_is_captured_by_the_extractor(system: TestEnv):
    anne = token(system, "anne", "accountant")
    response = httpx.post(
        f"{PORTAL}/api/v1/invoices",
        headers=anne,
        timeout=60,
        files={"file": ("faktura.pdf", text_pdf(), "application/pdf")},
    )
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "captured"
    row = wait_for(
        lambda: (s := status(response.json()["invoice_id"], anne)).get("invoice_number") and s,
        timeout=60,
        what="the captured PDF in the status projection",
    )
    assert row["invoice_number"] == "770031"
    assert row["supplier_orgnr"] == "974760673"
    assert row["amount_payable"] == "1250.00"


def test_a_photo_is_read_by_the_ocr_worker(system: TestEnv):
    anne = token(system, "anne", "accountant")
    response = httpx.post(
        f"{PORTAL}/api/v1/invoices",
        headers=anne,
        timeout=60,
        files={"file": ("mobil.jpg", scan_png("880042"), "image/jpeg")},
    )
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "awaiting-ocr"
    invoice_id = response.json()["invoice_id"]
    row = wait_for(
        lambda: (s := status(invoice_id, anne)).get("invoice_number") and s,
        timeout=120,
        what="OCR to capture the photo",
    )
    assert row["invoice_number"] == "880042"
    history = httpx.get(
        f"{PORTAL}/api/v1/invoices/{invoice_id}/history", headers=anne, timeout=10
    ).json()
    topics = [e["topic"] for e in history["events"]]
    assert topics[:2] == ["invoice-received", "invoice-ocr-requested"]
    assert "invoice-ocr-completed" in topics and "invoice-captured" in topics
    completed = next(e for e in history["events"] if e["topic"] == "invoice-ocr-completed")
    assert any(w["text"] == "880042" for w in completed["payload"]["words"])


def test_mail_with_an_attachment_becomes_an_invoice(system: TestEnv):
    anne = token(system, "anne", "accountant")
    message = EmailMessage()
    message["From"] = "Faktura <faktura@strom.example>"
    message["To"] = "demo@faktura.localhost"
    message["Subject"] = "Faktura DEMO-9001"
    message["Message-ID"] = "<e2e-9001@strom.example>"
    message.set_content("Vedlagt faktura.")
    message.add_attachment(
        unique_demo(9001, SUPPLIERS[1]),
        maintype="application",
        subtype="xml",
        filename="faktura-9001.xml",
    )
    with smtplib.SMTP("127.0.0.1", SMTP, timeout=30) as smtp:
        smtp.send_message(message)
    row = wait_for(lambda: find_by_number("DEMO-9001", anne), timeout=60, what="the mailed invoice")
    assert row["channel"] == "email"
    history = httpx.get(
        f"{PORTAL}/api/v1/invoices/{row['invoice_id']}/history", headers=anne
    ).json()
    received = history["events"][0]
    assert received["topic"] == "invoice-received"
    assert received["payload"]["origin"]["message_id"] == "<e2e-9001@strom.example>"


def test_a_file_in_the_watched_folder_becomes_an_invoice(system: TestEnv):
    anne = token(system, "anne", "accountant")
    inbox = system.data_dir / "inbox" / "demo"
    inbox.mkdir(parents=True, exist_ok=True)
    (inbox / "skannet.xml.part").write_bytes(unique_demo(9002))
    (inbox / "skannet.xml.part").rename(inbox / "skannet.xml")
    time.sleep(0.1)
    row = wait_for(lambda: find_by_number("DEMO-9002", anne), timeout=60, what="the folder invoice")
    assert row["channel"] == "folder"
    assert wait_for(
        lambda: list((inbox / ".processed").glob("*-skannet.xml")),
        timeout=10,
        what="the file to move to .processed",
    )


def test_the_peppol_access_point_delivers_through_the_webhook(system: TestEnv):
    access_point = token(system, "ap-elma", "access-point") | {"Content-Type": "application/xml"}
    response = httpx.post(
        f"{PORTAL}/api/v1/peppol/inbound",
        headers=access_point,
        timeout=30,
        content=unique_demo(9003, SUPPLIERS[1]),
    )
    assert response.status_code == 201, response.text
    anne = token(system, "anne", "accountant")
    row = wait_for(
        lambda: (
            (s := status(response.json()["invoice_id"], anne)).get("status")
            in ("validated", "coded", "awaiting-approval")
            and s
        ),
        timeout=60,
        what="the webhook invoice to flow on",
    )
    assert (row["channel"], row["invoice_number"]) == ("peppol", "DEMO-9003")
