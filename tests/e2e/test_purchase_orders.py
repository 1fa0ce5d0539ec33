"""Purchase orders, goods receipts and tolerances through the running services and the real
broker: orders by CSV, JSON and an ERP publishing on the topic; partial deliveries, several
invoices per order, a deviation routed to the order's owner, a match by supplier alone, and a
tenant changing its tolerances through the API."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from confluent_kafka import Producer

from fakturaportal.demo import SUPPLIERS, DemoLine, demo_invoice, kid_for
from fakturaportal.messaging import encode, event_id
from services.validation.orders import order_id
from shared.schemas.events import OrderLine, PurchaseOrderRegistered
from tests.e2e.system import PORT_BASE, PORTAL, token
from tests.e2e.system import upload as upload_as
from tests.infra import TestEnv, wait_for

pytestmark = pytest.mark.e2e

TENANT = "po-e2e"
D = Decimal
SETTLED = ("awaiting-approval", "flagged", "rejected")


def headers(env: TestEnv, user: str, *roles: str) -> dict[str, str]:
    return token(env, user, *roles, tenant=TENANT)


def upload(env: TestEnv, number: int, lines: tuple[DemoLine, ...], order: str | None) -> str:
    data = demo_invoice(number, SUPPLIERS[0], lines=lines, order=order)
    return upload_as(env, data, tenant=TENANT)


def settled(env: TestEnv, invoice_id: str) -> dict[str, Any]:
    auth = headers(env, "anne", "accountant")

    def row() -> dict[str, Any] | None:
        found = httpx.get(f"{PORTAL}/api/v1/invoices/{invoice_id}", headers=auth, timeout=10)
        body: dict[str, Any] = found.json()
        return body if found.status_code == 200 and body.get("status") in SETTLED else None

    result: dict[str, Any] = wait_for(row, timeout=60, what=f"invoice {invoice_id} to settle")
    return result


def order_of(env: TestEnv, number: str) -> dict[str, Any]:
    response = httpx.get(
        f"{PORTAL}/api/v1/purchase-orders/{number}",
        headers=headers(env, "anne", "accountant"),
        timeout=10,
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


ORDER_CSV = """order_number;supplier_orgnr;owner;currency;order_date;line_id;description;quantity;unit_price
PO-100;974760673;ola;NOK;2026-11-01;1;Kopipapir A4;10;100,50
PO-100;974760673;ola;NOK;2026-11-01;2;Toner svart;2;1250,00
"""


def test_partial_deliveries_several_invoices_and_a_deviation_for_the_owner(system: TestEnv):
    anne = headers(system, "anne", "accountant")
    created = httpx.post(
        f"{PORTAL}/api/v1/purchase-orders",
        headers=anne | {"Content-Type": "text/csv"},
        content=ORDER_CSV.encode(),
        timeout=30,
    )
    assert created.status_code == 201, created.text
    assert created.json()["orders"][0]["status"] == "registered"
    again = httpx.post(
        f"{PORTAL}/api/v1/purchase-orders",
        headers=anne | {"Content-Type": "text/csv"},
        content=ORDER_CSV.encode(),
        timeout=30,
    )
    assert (again.status_code, again.json()["orders"][0]["status"]) == (200, "unchanged")
    kari = headers(system, "kari", "attestant")
    receipt = {
        "receipt_number": "GR-100-1",
        "order_number": "PO-100",
        "received_on": "2026-11-10",
        "lines": [{"line_id": "1", "quantity": "6"}, {"line_id": "2", "quantity": "2"}],
    }
    received = httpx.post(f"{PORTAL}/api/v1/goods-receipts", headers=kari, json=receipt)
    assert received.status_code == 201, received.text

    # 1. what was received, at the ordered price: through, with the match in the event
    first = upload(
        system,
        8101,
        (DemoLine("Kopipapir A4", D("6"), D("100.50"), "1"), DemoLine("Toner", D(2), D(1250), "2")),
        "PO-100",
    )
    row = settled(system, first)
    assert row["status"] == "awaiting-approval", row
    match = row["purchase_order"]
    assert (match["order_number"], match["mode"], match["within_tolerance"]) == (
        "PO-100",
        "three-way",
        True,
    )
    assert match["deviations"] == []

    # 2. four more copies invoiced before they arrived: flagged to the order's owner
    early = upload(system, 8102, (DemoLine("Kopipapir A4", D("4"), D("100.50"), "1"),), "PO-100")
    row = settled(system, early)
    assert row["status"] == "flagged", row
    assert row["assignee"] == "ola"
    assert "FP-PO-12" in {f["rule_id"] for f in row["findings"]}
    assert "PO-100" in row["flag_reason"]
    receipt_gap = next(d for d in row["purchase_order"]["deviations"] if d["kind"] == "receipt")
    assert (D(receipt_gap["expected"]), D(receipt_gap["actual"])) == (D(6), D(10))

    # 3. they arrive; the next invoice of them, 0.50 dearer each, is within tolerance
    receipt = receipt | {"receipt_number": "GR-100-2", "lines": [{"line_id": "1", "quantity": "4"}]}
    assert httpx.post(f"{PORTAL}/api/v1/goods-receipts", headers=kari, json=receipt).is_success
    later = upload(system, 8103, (DemoLine("Kopipapir A4", D("4"), D("101.00"), "1"),), "PO-100")
    row = settled(system, later)
    assert row["status"] == "awaiting-approval", row
    price = row["purchase_order"]["deviations"][0]
    assert (price["kind"], D(price["amount"]), price["within_tolerance"]) == ("price", D(2), True)

    order = order_of(system, "PO-100")
    assert [
        (line["line_id"], D(line["invoiced"]), D(line["received"])) for line in order["lines"]
    ] == [
        ("1", D(10), D(10)),
        ("2", D(2), D(2)),
    ]
    assert order["invoices"] == [first, later]  # the flagged one waits for its owner


def test_an_invoice_without_order_reference_matches_the_suppliers_open_order(system: TestEnv):
    anne = headers(system, "anne", "accountant")
    order = {
        "order_number": "PO-200",
        "supplier_orgnr": "974 760 673",
        "owner": "ola",
        "receipt_required": False,
        "lines": [
            {"line_id": "1", "description": "Konsulenttimer", "quantity": "10", "unit_price": "990"}
        ],
    }
    response = httpx.post(f"{PORTAL}/api/v1/purchase-orders", headers=anne, json=order)
    assert response.status_code == 201, response.text
    invoice = upload(system, 8201, (DemoLine("Konsulenttimer", D(10), D(990)),), None)
    row = settled(system, invoice)
    assert row["status"] == "awaiting-approval", row
    match = row["purchase_order"]
    assert (match["order_number"], match["matched_by"], match["mode"]) == (
        "PO-200",
        "supplier",
        "two-way",
    )


def test_an_erp_publishing_on_the_topic_registers_an_order(system: TestEnv):
    payload = PurchaseOrderRegistered(
        order_id=order_id(TENANT, "ERP-300"),
        order_number="ERP-300",
        tenant_id=TENANT,
        supplier_legal_id=SUPPLIERS[0].orgnr,
        owner="kari",
        lines=[OrderLine(line_id="1", quantity=D(3), unit_price=D(75))],
        registered_by="erp",
    )
    record = encode(
        payload,
        source="/erp/visma",
        ce_id=event_id("erp", "ERP-300"),
        time=datetime.now(UTC),
        correlation_id=str(payload.order_id),
        topic_prefix=system.settings.topic_prefix,
    )
    producer = Producer({"bootstrap.servers": system.settings.kafka_bootstrap})
    producer.produce(record.topic, key=record.key, value=record.value, headers=record.headers)
    assert producer.flush(30) == 0
    anne = headers(system, "anne", "accountant")

    def registered() -> dict[str, Any] | None:
        found = httpx.get(f"{PORTAL}/api/v1/purchase-orders/ERP-300", headers=anne, timeout=10)
        return found.json() if found.status_code == 200 else None

    order = wait_for(registered, timeout=60, what="the ERP's order")
    assert (order["owner"], order["registered_by"]) == ("kari", "erp")


def test_tolerances_and_rules_change_through_the_api_as_events(system: TestEnv):
    fiona = headers(system, "fiona", "finance-admin")
    anne = headers(system, "anne", "accountant")
    refused = httpx.put(
        f"{PORTAL}/api/v1/validation/policy", headers=fiona, json={"rules": {"BR-CO-15": "off"}}
    )
    assert refused.status_code == 422 and "BR-CO-15" in refused.json()["detail"]
    assert httpx.put(f"{PORTAL}/api/v1/validation/policy", headers=anne, json={}).status_code == 403
    loose = {
        "tolerances": {
            "line": {"amount": "5000", "percent": "25"},
            "invoice": {"amount": "5000", "percent": "25"},
        },
        "duplicate_window_days": 3,
    }
    changed = httpx.put(f"{PORTAL}/api/v1/validation/policy", headers=fiona, json=loose)
    assert changed.status_code == 200, changed.text
    current = httpx.get(f"{PORTAL}/api/v1/validation/policy", headers=anne).json()
    assert current["tolerances"]["line"]["percent"] == "25"
    history = httpx.get(f"{PORTAL}/api/v1/validation/policy/history", headers=fiona).json()
    assert [(c["changed_by"], c["policy"]["duplicate_window_days"]) for c in history["changes"]][
        -1
    ] == ("fiona", 3)

    order = {
        "order_number": "PO-400",
        "supplier_orgnr": "974760673",
        "receipt_required": False,
        "lines": [{"line_id": "1", "quantity": "5", "unit_price": "400"}],
    }
    assert httpx.post(f"{PORTAL}/api/v1/purchase-orders", headers=anne, json=order).is_success
    dearer = upload(system, 8401, (DemoLine("Stol", D(5), D(480), "1"),), "PO-400")  # +20 %
    row = settled(system, dearer)
    assert row["status"] == "awaiting-approval", row
    assert row["purchase_order"]["deviations"][0]["within_tolerance"] is True
    assert row["purchase_order"]["owner"] == "anne"  # the sender, when no owner is named


def test_suppliers_registered_by_api_and_bad_input_refused(system: TestEnv):
    anne = headers(system, "anne", "accountant")
    supplier = {
        "legal_id": "987654325",
        "name": "Ny Leverandør AS",
        "email": "post@ny.example",
        "account": "1206 05 43214",
        "kid_example": kid_for(8101),
    }
    response = httpx.post(f"{PORTAL}/api/v1/suppliers", headers=anne, json=supplier)
    assert response.status_code == 201, response.text
    assert response.json()["accounts"] == ["12060543214"]
    assert response.json()["kid_patterns"] == ["9/MOD10"]
    taken = httpx.post(
        f"{PORTAL}/api/v1/suppliers",
        headers=anne,
        json=supplier | {"legal_id": "987654333", "name": "Kopi AS"},
    )
    assert taken.status_code == 409 and "987654325" in taken.json()["detail"]
    bad_account = httpx.post(
        f"{PORTAL}/api/v1/suppliers", headers=anne, json=supplier | {"account": "12345678901"}
    )
    assert bad_account.status_code == 422
    bad_csv = httpx.post(
        f"{PORTAL}/api/v1/purchase-orders",
        headers=anne | {"Content-Type": "text/csv"},
        content=b"order_number;owner\nPO-1;anne\n",
    )
    assert bad_csv.status_code == 422 and "supplier_orgnr" in bad_csv.json()["detail"]
    unknown = httpx.post(
        f"{PORTAL}/api/v1/goods-receipts",
        headers=anne,
        json={
            "receipt_number": "GR-X",
            "order_number": "PO-NONE",
            "received_on": "2026-11-10",
            "lines": [{"line_id": "1", "quantity": "1"}],
        },
    )
    assert unknown.status_code == 422 and "PO-NONE" in unknown.json()["detail"]
    supplier_only = headers(system, "lev", "supplier")
    assert (
        httpx.post(f"{PORTAL}/api/v1/purchase-orders", headers=supplier_only, json={}).status_code
        == 403
    )


def test_the_demo_loads_an_order_its_receipt_and_an_invoice_that_matches(system: TestEnv):
    command = [sys.executable, "-m", "fakturaportal.cli", "demo", "--tenant", "demo-po"]
    run = subprocess.run(
        [*command, "--port-base", str(PORT_BASE)],
        env=system.env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert "purchase order PO-DEMO-1" in run.stdout
    first = run.stdout.split("invoice ")[1].split(" ")[0]
    auth = token(system, "anne", "accountant", tenant="demo-po")

    def matched() -> dict[str, Any] | None:
        row: dict[str, Any] = httpx.get(
            f"{PORTAL}/api/v1/invoices/{first}", headers=auth, timeout=10
        ).json()
        return row if row.get("status") in SETTLED else None

    row = wait_for(matched, timeout=60, what="the demo invoice")
    assert row["status"] == "awaiting-approval", row
    assert row["purchase_order"]["order_number"] == "PO-DEMO-1"
    assert row["purchase_order"]["within_tolerance"] is True
