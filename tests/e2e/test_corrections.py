"""A desk correction through the running services and the broker: the API refuses a value that
cannot be the term's, records a good one, and the invoice's audit trail shows who changed what."""

from __future__ import annotations

import httpx
import pytest

from tests.e2e.system import PORTAL, token, unique_demo, upload
from tests.infra import TestEnv, wait_for

pytestmark = pytest.mark.e2e


def history(invoice_id: str, headers: dict[str, str]) -> dict:
    response = httpx.get(f"{PORTAL}/api/v1/invoices/{invoice_id}/history", headers=headers)
    return response.json() if response.status_code == 200 else {"events": []}


def corrected_in(invoice_id: str, headers: dict[str, str]) -> list[dict]:
    return [e for e in history(invoice_id, headers)["events"] if e["topic"] == "invoice-corrected"]


def test_a_correction_reaches_the_audit_trail(system: TestEnv):
    anne = token(system, "anne", "accountant")
    invoice_id = upload(system, unique_demo(9301))
    url = f"{PORTAL}/api/v1/invoices/{invoice_id}/corrections"

    bad = httpx.post(url, headers=anne, json={"field": "due_date", "value": "31.02.2027"})
    assert bad.status_code == 422, bad.text
    assert "not a date" in bad.json()["detail"] and "ikke en dato" in bad.json()["reason_nb"]

    fixed = httpx.post(url, headers=anne, json={"field": "BT-9", "value": "15.04.2027"}, timeout=60)
    assert fixed.status_code == 200, fixed.text
    assert fixed.json()["value"] == "2027-04-15" and fixed.json()["changed"] is True
    previous = fixed.json()["previous"]

    (entry,) = wait_for(
        lambda: corrected_in(invoice_id, anne), timeout=60, what="invoice-corrected in the trail"
    )
    assert entry["source"] == "/services/intake"
    payload = entry["payload"]
    assert (payload["field"], payload["value"], payload["previous"], payload["corrected_by"]) == (
        "BT-9",
        "2027-04-15",
        previous,
        "anne",
    )
    assert payload["invoice"]["due_date"] == "2027-04-15"
    assert payload["invoice"]["provenance"]["BT-9"] == {"source": "manual", "confidence": 1.0}
    assert history(invoice_id, anne)["chain_valid"] is True
    row = wait_for(
        lambda: (
            (found := httpx.get(f"{PORTAL}/api/v1/invoices/{invoice_id}", headers=anne).json()).get(
                "corrections"
            )
            and found
        ),
        timeout=30,
        what="the correction in the status projection",
    )
    assert row["due_date"] == "2027-04-15" and row["capture_confidence"]["BT-9"] == 1.0

    same = httpx.post(url, headers=anne, json={"field": "BT-9", "value": "2027-04-15"}, timeout=60)
    assert same.status_code == 200 and same.json()["changed"] is False
    assert len(corrected_in(invoice_id, anne)) == 1  # nothing recorded, nothing published
