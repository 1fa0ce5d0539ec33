"""Validation through the running services: a broken EHF invoice is rejected with the official
rule ids, and the supplier gets a notice that says why and how to resend."""

from __future__ import annotations

import httpx
import pytest

from fakturaportal.demo import demo_invoice
from tests.e2e.system import PORTAL, token
from tests.infra import TestEnv, wait_for

pytestmark = pytest.mark.e2e


def broken_totals(number: int) -> bytes:
    """Total with VAT no longer equals total without VAT plus VAT (BR-CO-15)."""
    data = demo_invoice(number)
    return data.replace(
        b'<cbc:TaxInclusiveAmount currencyID="NOK">1250.00<',
        b'<cbc:TaxInclusiveAmount currencyID="NOK">1350.00<',
        1,
    )


def test_a_broken_invoice_is_rejected_with_rule_ids_and_the_supplier_is_told(system: TestEnv):
    anne = token(system, "anne", "accountant")
    response = httpx.post(
        f"{PORTAL}/api/v1/invoices",
        headers=anne,
        timeout=30,
        files={"file": ("feil.xml", broken_totals(7001), "application/xml")},
    )
    assert response.status_code == 201, response.text
    invoice_id = response.json()["invoice_id"]
    row = wait_for(
        lambda: (
            (r := httpx.get(f"{PORTAL}/api/v1/invoices/{invoice_id}", headers=anne).json()).get(
                "status"
            )
            == "rejected"
            and r
        ),
        timeout=60,
        what="the rejection",
    )
    rules = {f["rule_id"] for f in row["findings"]}
    assert "BR-CO-15" in rules
    assert all(f["message_nb"] and f["message_en"] and f["location"] for f in row["findings"])
    outbox = system.data_dir / "mail-outbox" / "validation"
    notice = wait_for(
        lambda: next(
            (p.read_text() for p in outbox.glob("*.eml") if "DEMO-7001" in p.read_text()), None
        ),
        timeout=30,
        what="the notice to the supplier",
    )
    assert "faktura@leverandor.example" in notice and "BR-CO-15" in notice


def test_a_valid_demo_invoice_passes_the_official_rules(system: TestEnv):
    anne = token(system, "anne", "accountant")
    response = httpx.post(
        f"{PORTAL}/api/v1/invoices",
        headers=anne,
        timeout=30,
        files={"file": ("ok.xml", demo_invoice(7002), "application/xml")},
    )
    invoice_id = response.json()["invoice_id"]
    row = wait_for(
        lambda: (
            (r := httpx.get(f"{PORTAL}/api/v1/invoices/{invoice_id}", headers=anne).json()).get(
                "status"
            )
            in ("awaiting-approval", "rejected")
            and r
        ),
        timeout=60,
        what="validation of the demo invoice",
    )
    assert row["status"] == "awaiting-approval", row.get("findings")
