"""Coding through the running services and the real broker: the tenant's rules win, a VAT code
that does not fit the account is a finding, corrections come back on `invoice-recoded`."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from confluent_kafka import Producer

from fakturaportal.demo import SUPPLIERS, DemoLine, demo_invoice
from fakturaportal.messaging import encode, event_id
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
    headers = auth(env, "anne", "accountant")

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
