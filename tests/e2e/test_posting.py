"""Coding through the running services and the real broker: the tenant's rules win, a VAT code
that does not fit the account is a finding, corrections come back on `invoice-recoded`."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from confluent_kafka import Producer

from fakturaportal.demo import SUPPLIERS, DemoLine, demo_invoice
from fakturaportal.messaging import encode, event_id
from services.posting.learning import store
from shared.schemas.events import CodingLine, InvoiceRecoded
from tests.e2e.system import PORTAL, token
from tests.e2e.system import upload as upload_as
from tests.infra import TestEnv, wait_for

pytestmark = pytest.mark.e2e

TENANT = "posting-e2e"
D = Decimal


def auth(env: TestEnv, user: str, *roles: str) -> dict[str, str]:
    return token(env, user, *roles, tenant=TENANT)


def upload(env: TestEnv, number: int, lines: tuple[DemoLine, ...]) -> str:
    return upload_as(env, demo_invoice(number, SUPPLIERS[1], lines=lines), tenant=TENANT)


def coding_of(env: TestEnv, invoice_id: str, until: Any = None) -> dict[str, Any]:
    return coding_in(env, TENANT, invoice_id, until)


def coding_in(env: TestEnv, tenant: str, invoice_id: str, until: Any = None) -> dict[str, Any]:
    headers = token(env, "anne", "accountant", tenant=tenant)

    def found() -> dict[str, Any] | None:
        response = httpx.get(
            f"{PORTAL}/api/v1/invoices/{invoice_id}/coding", headers=headers, timeout=10
        )
        body: dict[str, Any] = response.json()
        if response.status_code != 200 or (until is not None and not until(body)):
            return None
        return body

    result: dict[str, Any] = wait_for(found, timeout=60, what=f"coding of {invoice_id}")
    return result


def test_rules_and_vat_findings_and_corrections(system: TestEnv):
    fiona = auth(system, "fiona", "finance-admin")
    anne = auth(system, "anne", "accountant")
    dims = {"departments": [{"code": "DRIFT", "name": "Drift", "owner": "ola"}], "projects": []}
    response = httpx.put(f"{PORTAL}/api/v1/coding/dimensions", headers=fiona, json=dims)
    assert response.status_code == 200, response.text
    rules = [
        {
            "name": "Strøm til lys og varme",
            "when": {"text_contains": "strøm"},
            "then": {"account": "6340", "department": "DRIFT"},
        },
        {"name": "Kundemiddag", "when": {"text_contains": "middag"}, "then": {"account": "7350"}},
    ]
    response = httpx.put(f"{PORTAL}/api/v1/coding/rules", headers=anne, json=rules)
    assert response.status_code == 200, response.text
    unknown = [{"name": "x", "when": {"text_contains": "xy"}, "then": {"account": "1234"}}]
    refused = httpx.put(f"{PORTAL}/api/v1/coding/rules", headers=anne, json=unknown)
    assert refused.status_code == 422 and "1234" in refused.json()["detail"]
    assert httpx.put(f"{PORTAL}/api/v1/coding/chart", headers=anne, json=[]).status_code == 403
    history = httpx.get(f"{PORTAL}/api/v1/coding/setup/history", headers=fiona).json()
    assert [(c["section"], c["changed_by"]) for c in history["changes"]] == [
        ("dimensions", "fiona"),
        ("rules", "anne"),
    ]

    power = upload(system, 9101, (DemoLine("Strøm november", D(1), D("1800.40")),))
    coded = coding_of(system, power)
    line = coded["lines"][0]
    assert (line["account"], line["vat_code"], line["department"]) == ("6340", "1", "DRIFT")
    assert (coded["method"], coded["touchless"], coded["findings"]) == ("rule", True, [])
    assert line["explanation"] == "Regel «Strøm til lys og varme»"

    dinner = upload(system, 9102, (DemoLine("Middag med kunder", D(1), D("2400.10")),))
    coded = coding_of(system, dinner)
    assert coded["lines"][0]["account"] == "7350"
    assert [f["rule_id"] for f in coded["findings"]] == ["FP-VAT-01"]
    assert coded["touchless"] is False

    # A person recodes the dinner (from approval, on the broker): posting keeps the correction.
    correction = InvoiceRecoded(
        invoice_id=dinner,
        tenant_id=TENANT,
        recoded_by="kari",
        lines=[
            CodingLine(
                account="7790",
                vat_code="1",
                net_amount=D("2400.10"),
                vat_amount=D("600.03"),
                invoice_line="1",
            )
        ],
    )
    record = encode(
        correction,
        source="/services/approval",
        ce_id=event_id("e2e-recode", dinner),
        time=datetime.now(UTC),
        correlation_id=dinner,
        topic_prefix=system.settings.topic_prefix,
    )
    producer = Producer({"bootstrap.servers": system.settings.kafka_bootstrap})
    producer.produce(record.topic, key=record.key, value=record.value, headers=record.headers)
    assert producer.flush(30) == 0
    recoded = coding_of(system, dinner, until=lambda body: body.get("recoded_by") == "kari")
    assert recoded["lines"][0]["account"] == "7790"


def recode(env: TestEnv, invoice_id: str, line: CodingLine, user: str = "kari") -> None:
    """A correction as approval publishes it on `invoice-recoded`."""
    correction = InvoiceRecoded(
        invoice_id=invoice_id, tenant_id=TENANT_LEARN, recoded_by=user, lines=[line]
    )
    record = encode(
        correction,
        source="/services/approval",
        ce_id=event_id("e2e-recode", invoice_id),
        time=datetime.now(UTC),
        correlation_id=invoice_id,
        topic_prefix=env.settings.topic_prefix,
    )
    producer = Producer({"bootstrap.servers": env.settings.kafka_bootstrap})
    producer.produce(record.topic, key=record.key, value=record.value, headers=record.headers)
    assert producer.flush(30) == 0


TENANT_LEARN = "learn-e2e"


def test_cold_start_then_the_model_learns_from_corrections(system: TestEnv):
    """A new supplier starts on the default account; people correct it to 6705 (invoice-recoded)
    on three invoices and approve them; the trainer learns in the background, and the fourth
    invoice is coded 6705 by the model, with the earlier vouchers it resembles."""
    anne = token(system, "anne", "accountant", tenant=TENANT_LEARN)
    kari = token(system, "kari", "attestant", tenant=TENANT_LEARN)
    for number, month in ((9501, "august"), (9502, "september"), (9503, "oktober")):
        data = demo_invoice(
            number, SUPPLIERS[1], lines=(DemoLine(f"Regnskapsbistand {month}", D(1), D(number)),)
        )
        invoice_id = upload_as(system, data, tenant=TENANT_LEARN)
        first = coding_in(system, TENANT_LEARN, invoice_id)
        if number == 9501:  # the tenant knows nothing (the bureau's other tenants coded 7790)
            assert first["lines"][0]["account"] == "7790", first
        net = D(number)
        recode(
            system,
            invoice_id,
            CodingLine(
                account="6705", vat_code="1", net_amount=net, vat_amount=net / 4, invoice_line="1"
            ),
        )
        coding_in(system, TENANT_LEARN, invoice_id, until=lambda b: b.get("recoded_by") == "kari")
        wait_for(
            lambda i=invoice_id: (
                httpx.get(f"{PORTAL}/api/v1/invoices/{i}", headers=anne, timeout=10)
                .json()
                .get("status")
                == "awaiting-approval"
            ),
            timeout=60,
            what="approval request",
        )
        approved = httpx.post(f"{PORTAL}/api/v1/invoices/{invoice_id}/approve", headers=kari)
        assert approved.status_code == 200, approved.text
        coding_in(system, TENANT_LEARN, invoice_id, until=lambda b: b.get("voucher_number"))

    root = system.data_dir / "models"

    def learned_this_tenant() -> bool:
        """The version in use has seen the three corrected lines of this tenant."""
        version = store.current_version(root) if root.exists() else None
        if version is None:
            return False
        manifest = json.loads((version / "manifest.json").read_text())
        return int(manifest.get("tenants", {}).get(TENANT_LEARN, 0)) >= 3

    wait_for(learned_this_tenant, timeout=90, what="a model trained on this tenant's corrections")
    time.sleep(6)  # the consumer looks for a new model version every few seconds
    data = demo_invoice(
        9504, SUPPLIERS[1], lines=(DemoLine("Regnskapsbistand november", D(1), D(9504)),)
    )
    learned = coding_in(system, TENANT_LEARN, upload_as(system, data, tenant=TENANT_LEARN))
    line = learned["lines"][0]
    assert (line["account"], learned["method"]) == ("6705", "model"), learned
    assert "Ligner" in line["explanation"] and "regnskapsbistand" in line["explanation"].lower()
