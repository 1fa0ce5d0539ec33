"""Voucher export through the running services: an ERP webhook that fails for a while gets the
voucher once, with retries; one that refuses makes a visible failure, and a person's retry after
the fix posts it. The ERP here is a real HTTP server on this machine, not a mock."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from fakturaportal.demo import SUPPLIERS, DemoLine, demo_invoice
from tests.e2e.system import PORTAL, token, upload
from tests.infra import TestEnv, wait_for

pytestmark = pytest.mark.e2e

TENANT = "export-e2e"


@dataclass
class Erp:
    """Answers each delivery with the next planned status (then `then`), keeps what it booked."""

    plan: list[int] = field(default_factory=list)
    then: int = 201
    keys: list[str] = field(default_factory=list)
    booked: dict[str, dict[str, Any]] = field(default_factory=dict)


@pytest.fixture
def erp() -> Iterator[tuple[Erp, str]]:
    state = Erp()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            key = self.headers["Idempotency-Key"]
            state.keys.append(key)
            status = state.plan.pop(0) if state.plan else state.then
            if status < 300:
                if key in state.booked:
                    status = 409
                else:
                    state.booked[key] = json.loads(body)
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(json.dumps({"status": status}).encode())

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state, f"http://127.0.0.1:{server.server_address[1]}/vouchers"
    server.shutdown()


def approve_and_wait(env: TestEnv, number: int, statuses: tuple[str, ...]) -> dict[str, Any]:
    data = demo_invoice(
        number, SUPPLIERS[0], lines=(DemoLine("Rekvisita", Decimal(1), Decimal(number)),)
    )
    invoice_id = upload(env, data, tenant=TENANT)
    anne = token(env, "anne", "accountant", tenant=TENANT)
    kari = token(env, "kari", "attestant", tenant=TENANT)

    def status() -> str | None:
        row = httpx.get(f"{PORTAL}/api/v1/invoices/{invoice_id}", headers=anne, timeout=10).json()
        return str(row.get("status"))

    wait_for(lambda: status() == "awaiting-approval", timeout=60, what="approval request")
    approved = httpx.post(f"{PORTAL}/api/v1/invoices/{invoice_id}/approve", headers=kari)
    assert approved.status_code == 200, approved.text

    def settled() -> dict[str, Any] | None:
        row: dict[str, Any] = httpx.get(
            f"{PORTAL}/api/v1/invoices/{invoice_id}", headers=anne, timeout=10
        ).json()
        return row if row.get("status") in statuses else None

    result: dict[str, Any] = wait_for(settled, timeout=90, what=f"status in {statuses}")
    return result


def test_webhook_retries_then_delivers_once_and_a_refusal_is_visible_until_retried(
    system: TestEnv, erp: tuple[Erp, str]
):
    state, url = erp
    admin = token(system, "fiona", "finance-admin", tenant=TENANT)
    response = httpx.put(
        f"{PORTAL}/api/v1/coding/export", headers=admin, json={"connector": "webhook", "url": url}
    )
    assert response.status_code == 200, response.text

    state.plan = [503, 503]
    row = approve_and_wait(system, 9301, ("posted", "scheduled", "posting-failed"))
    assert row["status"] in ("posted", "scheduled"), row
    voucher = row["voucher_number"]
    key = f"{TENANT}:{voucher}"
    assert state.keys.count(key) == 3  # two 503s, then booked
    assert list(state.booked) == [key]
    booked = state.booked[key]
    debit = sum(Decimal(line["debit"]) for line in booked["lines"])
    credit = sum(Decimal(line["credit"]) for line in booked["lines"])
    assert debit == credit == Decimal("11626.25")

    state.plan, state.then = [422], 422
    row = approve_and_wait(system, 9302, ("posting-failed",))
    assert "422" in row["posting_failure"]
    invoice_id = row["invoice_id"]
    assert len(state.booked) == 1

    state.then = 201
    anne = token(system, "anne", "accountant", tenant=TENANT)
    again = httpx.post(f"{PORTAL}/api/v1/invoices/{invoice_id}/export", headers=anne)
    assert again.status_code == 200, again.text

    def posted() -> dict[str, Any] | None:
        found: dict[str, Any] = httpx.get(
            f"{PORTAL}/api/v1/invoices/{invoice_id}", headers=anne, timeout=10
        ).json()
        return found if found.get("status") in ("posted", "scheduled") else None

    wait_for(posted, timeout=60, what="the retried export")
    assert len(state.booked) == 2
    twice = httpx.post(f"{PORTAL}/api/v1/invoices/{invoice_id}/export", headers=anne)
    assert twice.status_code == 409
