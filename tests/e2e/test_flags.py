"""Flagged invoices through the running services: the AP desk releases a suspected duplicate and
it goes on to coding and approval; a person's rejection reaches the supplier with the reason."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import httpx
import pytest

from fakturaportal.demo import demo_invoice
from services.portal.web.stages import rejection_reasons
from tests.e2e.system import PORTAL, token, unique_demo, upload
from tests.infra import TestEnv, wait_for

pytestmark = pytest.mark.e2e


def status_in(env: TestEnv, invoice_id: str, *statuses: str) -> dict:
    anne = token(env, "anne", "accountant")
    return wait_for(
        lambda: (
            (r := httpx.get(f"{PORTAL}/api/v1/invoices/{invoice_id}", headers=anne).json()).get(
                "status"
            )
            in statuses
            and r
        ),
        timeout=60,
        what=f"invoice {invoice_id} to be {' or '.join(statuses)}",
    )


def flagged_duplicate(env: TestEnv, number: int) -> str:
    """The supplier sends invoice `number` again a few days later, with other bytes."""
    first = upload(env, unique_demo(number))
    status_in(env, first, "awaiting-approval")
    again = demo_invoice(
        number, lines=(("Vare", Decimal(number) + Decimal("0.75")),),
        issued=date.today() - timedelta(days=3),
    )  # fmt: skip
    invoice_id = upload(env, again, name="again.xml")
    row = status_in(env, invoice_id, "flagged")
    assert any(f["rule_id"] == "FP-DUP-01" for f in row["findings"])
    return invoice_id


def test_an_accountant_releases_a_duplicate_flag_and_it_goes_on_to_approval(system: TestEnv):
    invoice_id = flagged_duplicate(system, 7401)
    url = f"{PORTAL}/api/v1/invoices/{invoice_id}/flag"
    anne, ola = token(system, "anne", "accountant"), token(system, "ola", "accountant")
    shown = httpx.get(url, headers=ola, timeout=30).json()
    assert shown["flagged"] and shown["rules"] == ["FP-DUP-01"]

    mine = httpx.post(f"{url}/release", headers=anne, json={"note": "ok"}, timeout=30)
    assert mine.status_code == 403 and mine.json()["code"] == "registered"
    released = httpx.post(
        f"{url}/release", headers=ola, json={"note": "A second delivery, agreed."}, timeout=30
    )
    assert released.status_code == 200, released.text
    row = status_in(system, invoice_id, "awaiting-approval")
    assert row["released_by"] == "ola" and row["release_note"] == "A second delivery, agreed."
    assert row["coding_confidence"] is not None, "posting coded it: invoice-coded was published"
    again = httpx.post(f"{url}/release", headers=ola, json={"note": "again"}, timeout=30)
    assert again.json() == released.json(), "a repeat answers the recorded decision"


def test_a_persons_rejection_reaches_the_supplier_with_the_reason(system: TestEnv):
    invoice_id = flagged_duplicate(system, 7402)
    ola = token(system, "ola", "accountant")
    reason = "Fakturaen er sendt to ganger; vi betaler den første."
    rejected = httpx.post(
        f"{PORTAL}/api/v1/invoices/{invoice_id}/flag/reject",
        headers=ola,
        json={"reason": reason},
        timeout=30,
    )
    assert rejected.status_code == 200, rejected.text
    row = status_in(system, invoice_id, "rejected")
    assert (row["rejected_by"], row["rejection_reason"]) == ("ola", reason)
    assert rejection_reasons(row, "en") == [{"rule": "", "text": reason}]
    outbox = system.data_dir / "mail-outbox" / "validation"
    notice = wait_for(
        lambda: next(
            (p.read_text() for p in outbox.glob("*.eml") if "DEMO-7402" in p.read_text()), None
        ),
        timeout=30,
        what="the notice to the supplier",
    )
    assert "sendt to ganger" in notice and "faktura@leverandor.example" in notice
