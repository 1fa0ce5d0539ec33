"""Validation through the running services: a broken EHF invoice is rejected with the official
rule ids, and the supplier gets a notice that says why and how to resend."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from fakturaportal.demo import demo_invoice
from tests.e2e.system import PORTAL, token, unique_demo
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
        files={"file": ("ok.xml", unique_demo(7002), "application/xml")},
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


def upload(headers: dict[str, str], name: str, data: bytes) -> str:
    response = httpx.post(
        f"{PORTAL}/api/v1/invoices",
        headers=headers,
        timeout=30,
        files={"file": (name, data, "application/xml")},
    )
    assert response.status_code == 201, response.text
    return str(response.json()["invoice_id"])


def settled_status(invoice_id: str, headers: dict[str, str]) -> dict:
    return wait_for(
        lambda: (
            (r := httpx.get(f"{PORTAL}/api/v1/invoices/{invoice_id}", headers=headers).json()).get(
                "status"
            )
            in ("awaiting-approval", "flagged", "rejected")
            and r
        ),
        timeout=60,
        what="validation",
    )


def test_the_same_number_again_is_flagged_naming_the_earlier_invoice(system: TestEnv):
    from datetime import date, timedelta

    anne = token(system, "anne", "accountant")
    first = upload(anne, "a.xml", unique_demo(7101))
    assert settled_status(first, anne)["status"] == "awaiting-approval"
    # The supplier sends invoice DEMO-7101 again, re-issued a few days later: other bytes.
    again_bytes = demo_invoice(
        7101, lines=(("Vare", Decimal("7101.50")),), issued=date.today() - timedelta(days=3)
    )
    again = upload(anne, "b.xml", again_bytes)
    row = settled_status(again, anne)
    assert row["status"] == "flagged"
    assert first in row["flag_reason"] or any(
        first in (f.get("location") or "") for f in row["findings"] or []
    )


def test_same_supplier_and_amount_within_a_week_is_a_probable_duplicate(system: TestEnv):
    anne = token(system, "anne", "accountant")
    first = upload(anne, "a.xml", demo_invoice(7201, lines=(("Vare", Decimal("4321.00")),)))
    assert settled_status(first, anne)["status"] == "awaiting-approval"
    other = upload(anne, "b.xml", demo_invoice(7202, lines=(("Vare", Decimal("4321.00")),)))
    row = settled_status(other, anne)
    assert row["status"] == "flagged"
    assert "Sannsynlig duplikat" in row["flag_reason"]


def test_a_new_bank_account_for_a_known_supplier_is_flagged_as_possible_fraud(system: TestEnv):
    from fakturaportal.demo import SUPPLIERS, DemoSupplier

    anne = token(system, "anne", "accountant")
    known = SUPPLIERS[1]
    first = upload(anne, "a.xml", demo_invoice(7301, known, lines=(("Strøm", Decimal("7301.00")),)))
    assert settled_status(first, anne)["status"] == "awaiting-approval"
    diverted = DemoSupplier(known.name, known.orgnr, "97100500128", known.email)
    other = upload(
        anne, "b.xml", demo_invoice(7302, diverted, lines=(("Strøm", Decimal("7302.00")),))
    )
    row = settled_status(other, anne)
    assert row["status"] == "flagged"
    assert "97100500128" in row["flag_reason"]
