"""E-mail to people through the running system: an invoice's receipt and its rejection each mail
the supplier's contacts once, a new approval step mails the people it waits for, and neither a
message published twice nor a restart of the notifier mails anything again."""

from __future__ import annotations

import os
from email import policy
from email.parser import BytesParser
from email.utils import parseaddr
from pathlib import Path
from typing import Any

import httpx
import pytest
from confluent_kafka import Producer
from pydantic import SecretStr

from fakturaportal.demo import SUPPLIERS
from fakturaportal.messaging import tracking_name
from fakturaportal.processes import ProcessSpec, Supervisor
from services.portal.notify.app import NotifierApp
from services.portal.notify.mailing import TOPICS
from tests.e2e.system import (
    PORT_BASE,
    PORTAL,
    SERVICE_ROLE,
    put_organisation,
    token,
    unique_demo,
)
from tests.e2e.test_validation import broken_totals
from tests.infra import TestEnv, read_topic, wait_for

pytestmark = pytest.mark.e2e

TENANT = "notify-e2e"
SUPPLIER = SUPPLIERS[0]
SIRI = "siri@kontorrekvisita.example"
SAM = SUPPLIER.email
"""A contact whose address is also the one on the supplier's invoices: validation tells them."""
ORGANISATION: dict[str, Any] = {
    "users": [
        {"id": "anne", "roles": ["accountant"]},
        {"id": "kari", "name": "Kari Nordmann", "roles": ["attestant"], "email": "kari@n.example"},
        {"id": "mona", "roles": ["attestant"], "email": "mona@n.example", "language": "en"},
        {"id": "ola", "roles": ["budget-holder"], "email": "ola@n.example"},
        {"id": "finn", "roles": ["finance-admin"]},
        {"id": "siri", "roles": ["supplier-contact"], "email": SIRI, "language": "en",
         "supplier_orgnrs": [SUPPLIER.orgnr]},
        {"id": "sam", "roles": ["supplier-contact"], "email": SAM,
         "supplier_orgnrs": [SUPPLIER.orgnr]},
    ],
    "groups": [{"id": "ap-desk", "members": ["kari", "mona"]}],
    "authority": [{"role": "budget-holder", "max_amount": "1000000", "user": "ola"}],
    "routing": {"buyer_references": {"kari": "ap-desk"}, "ap_inbox": "ap-desk"},
}  # fmt: skip
NOTIFIER = ProcessSpec("portal", "notifier")


@pytest.fixture(scope="module")
def org(system: TestEnv) -> TestEnv:
    put_organisation(system, TENANT, ORGANISATION)
    return system


def mails(env: TestEnv, invoice_id: str, folder: str = "notify") -> dict[tuple[str, str], Path]:
    """The notices of one invoice in a mail folder: (kind, address) -> file."""
    found: dict[tuple[str, str], Path] = {}
    outbox = env.data_dir / "mail-outbox" / folder
    for path in sorted(outbox.glob("*.eml")) if outbox.exists() else []:
        message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        if message["X-Fakturaportal-Invoice"] != invoice_id:
            continue
        key = (str(message["X-Fakturaportal-Notice"]), parseaddr(str(message["To"]))[1])
        assert key not in found, f"{key} mailed twice"
        found[key] = path
    return found


def wait_for_mails(env: TestEnv, invoice_id: str, *expected: tuple[str, str]) -> dict[Any, Path]:
    def there() -> dict[Any, Path] | None:
        found = mails(env, invoice_id)
        return found if set(expected) <= set(found) else None

    found: dict[Any, Path] = wait_for(there, timeout=90, interval=0.5, what=str(expected))
    return found


def upload(env: TestEnv, data: bytes) -> str:
    response = httpx.post(
        f"{PORTAL}/api/v1/invoices",
        headers=token(env, "anne", "accountant", tenant=TENANT),
        files={"file": ("invoice.xml", data, "application/xml")},
        timeout=30,
    )
    assert response.status_code == 201, response.text
    return str(response.json()["invoice_id"])


def stamps(found: dict[Any, Path]) -> dict[Any, int]:
    """Each mail file's inode: the folder outbox replaces a file that is sent again."""
    return {key: path.stat().st_ino for key, path in found.items()}


EVERY_MAIL = (
    ("received", SIRI),
    ("received", SAM),
    ("task", "kari@n.example"),
    ("task", "mona@n.example"),
)
"""What one invoice of this organisation mails: both supplier contacts, the shared inbox's two."""


def test_receipt_and_a_new_step_mail_the_supplier_and_the_approvers_once(org: TestEnv):
    invoice_id = upload(org, unique_demo(9101, SUPPLIER))
    found = wait_for_mails(org, invoice_id, *EVERY_MAIL)
    assert set(found) == set(EVERY_MAIL)
    siri = BytesParser(policy=policy.default).parsebytes(found["received", SIRI].read_bytes())
    assert siri["Subject"].startswith("Received: Invoice DEMO-9101")  # her language: English
    assert siri.get_body(("html",)) is not None
    kari = BytesParser(policy=policy.default).parsebytes(
        found["task", "kari@n.example"].read_bytes()
    )
    body = kari.get_body(("plain",))
    assert body is not None and "venter på din attestasjon" in body.get_content()
    assert f"http://localhost:{PORT_BASE}/invoices/{invoice_id}" in body.get_content()


def test_a_rejection_mails_each_contact_once_with_the_reasons(org: TestEnv):
    invoice_id = upload(org, broken_totals(9102))
    found = wait_for_mails(org, invoice_id, ("rejected", SIRI), ("received", SIRI))
    # sam's address is the one on the invoice: validation's notice told them, the notifier not.
    told = wait_for(
        lambda: [p for p in (org.data_dir / "mail-outbox" / "validation").glob("*.eml")
                 if "DEMO-9102" in p.read_text()],
        timeout=30, what="validation's notice",
    )  # fmt: skip
    assert len(told) == 1 and SAM in told[0].read_text()
    assert ("rejected", SAM) not in mails(org, invoice_id)
    assert not [k for k in found if k[0] == "task"]
    siri = BytesParser(policy=policy.default).parsebytes(found["rejected", SIRI].read_bytes())
    body = siri.get_body(("plain",))
    assert body is not None and "BR-CO-15" in body.get_content()
    assert "Correct the errors and send the invoice again" in body.get_content()


def test_a_message_published_twice_or_a_restart_mails_nothing_again(org: TestEnv):
    invoice_id = upload(org, unique_demo(9103, SUPPLIER))
    # every mail of the invoice first (the shared inbox's two tasks may go out apart)
    before = stamps(wait_for_mails(org, invoice_id, *EVERY_MAIL))

    # A relay's retry: the same invoice-captured message again, at a new offset.
    (record,) = [
        r for r in read_topic(org.settings, "invoice-captured") if r.key() == invoice_id.encode()
    ]
    producer = Producer({"bootstrap.servers": org.settings.kafka_bootstrap})
    delivered: list[Any] = []
    producer.produce(
        record.topic(), key=record.key(), value=record.value(), headers=record.headers(),
        on_delivery=lambda err, msg: delivered.append(msg),
    )  # fmt: skip
    producer.flush(30)
    (again,) = delivered
    notifier = NotifierApp(org.settings)
    try:
        name = tracking_name(again.topic(), again.partition())
        wait_for(lambda: (notifier.position(name) or -1) >= again.offset(), timeout=60,
                 what="the notifier to read the repeated message")  # fmt: skip
        wait_for(lambda: mailed_all(notifier), timeout=30, what="the mailer to catch up")
    finally:
        notifier.close()
    assert stamps(mails(org, invoice_id)) == before

    # A restart: it resumes where it was; what it had mailed stays mailed.
    supervisor = Supervisor(org.data_dir / "run", org.data_dir / "logs", PORT_BASE)
    assert supervisor.stop(NOTIFIER)
    later = upload(org, unique_demo(9104, SUPPLIER))  # while it is down
    service = org.settings.model_copy(
        update={
            "pg_service_user": SERVICE_ROLE["FP_PG_SERVICE_USER"],
            "pg_service_password": SecretStr(SERVICE_ROLE["FP_PG_SERVICE_PASSWORD"]),
        }
    )
    extra = {k: v for k, v in org.env.items() if k.startswith(("FP_", "PYTHON"))}
    supervisor.start(NOTIFIER, extra | {"FP_LOG_LEVEL": os.environ.get("FP_LOG_LEVEL", "INFO")},
                     service.service_env())  # fmt: skip
    wait_for_mails(org, later, ("received", SIRI), ("task", "kari@n.example"))
    assert stamps(mails(org, invoice_id)) == before


def mailed_all(notifier: NotifierApp) -> bool:
    """The mailer's position is at the last notice recorded."""
    noticed = notifier.recorder.select_notifications(start=0, limit=100_000, topics=TOPICS)
    return (notifier.position("mail:notify") or 0) >= (noticed[-1].id if noticed else 0)
