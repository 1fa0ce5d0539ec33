"""Paying, end to end through the running services and the real broker: invoices uploaded,
approved and posted become a payment proposal (holidays, a credit note netted, an early-payment
discount, every pre-release check), a second person releases it, the bank worker delivers
pain.001.001.03 and .09 files valid against the official XSDs, and the bank's answers come back
(a pain.002 rejection through the API, a camt.054 settlement through the command line, an
unmatched record through the inbox folder), replays changing nothing.

The tenant's validation policy switches off its own duplicate and fraud flags, so that documents
the payment checks must stop reach payment at all: the payment service is the last line.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from fakturaportal.demo import SUPPLIERS, DemoSupplier, demo_invoice, kid_for
from fakturaportal.settings import REPO_ROOT
from services.payment.bank import FileCheck
from services.payment.calendar import is_banking_day, previous_banking_day
from tests.e2e.system import PORTAL, token
from tests.e2e.system import upload as upload_as
from tests.infra import TestEnv, read_topic, wait_for
from tests.unit.bankfile_samples import (
    block_status,
    camt054,
    camt_entry,
    camt_tx,
    pain002,
    tx_status,
)

pytestmark = pytest.mark.e2e

TENANT = "payment-e2e"
NORD, STROM = SUPPLIERS[0], SUPPLIERS[1]
TODAY = date.today()
SETTINGS: dict[str, Any] = {
    "debtor_accounts": [
        {
            "id": "drift",
            "name": "Demo Bedrift AS",
            "orgnr": "910747711",
            "account": "15030100007",
            "bic": "DNBANOKK",
        },
        {
            "id": "prosjekt",
            "name": "Demo Bedrift AS",
            "orgnr": "910747711",
            "account": "15030100015",
            "bic": "DNBANOKK",
            "pain_version": "09",
        },
    ],
    "default_account": "drift",
    "cutoff": "13:00:00",
    "cost_of_capital": "8",
    "horizon_days": 14,
}
OWN_FLAGS_OFF = {
    r: "off" for r in ("FP-FRAUD-01", "FP-FRAUD-02", "FP-FRAUD-03", "FP-DUP-01", "FP-DUP-02")
}


def auth(env: TestEnv, user: str, *roles: str) -> dict[str, str]:
    return token(env, user, *roles, tenant=TENANT)


def holiday_ahead() -> date:
    """The next weekday at least ten days ahead on which Norwegian banks are closed."""
    day = TODAY + timedelta(days=10)
    while is_banking_day(day) or day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def gross(net: str) -> Decimal:
    return (Decimal(net) * Decimal("1.25")).quantize(Decimal("0.01"))


def invoice(number: int, net: str, supplier: DemoSupplier = NORD, **options: Any) -> bytes:
    return demo_invoice(number, supplier, lines=(("Tjeneste", Decimal(net)),), **options)


def status_of(env: TestEnv, invoice_id: str) -> dict[str, Any]:
    response = httpx.get(
        f"{PORTAL}/api/v1/invoices/{invoice_id}",
        headers=auth(env, "anne", "accountant"),
        timeout=10,
    )
    return response.json() if response.status_code == 200 else {}


def wait_status(env: TestEnv, invoice_id: str, wanted: str, timeout: float = 120) -> dict:
    return wait_for(
        lambda: (s := status_of(env, invoice_id)).get("status") == wanted and s,
        timeout=timeout,
        what=f"{invoice_id} {wanted}",
    )


def post(env: TestEnv, path: str, headers: dict[str, str], **kwargs: Any) -> httpx.Response:
    return httpx.post(f"{PORTAL}{path}", headers=headers, timeout=60, **kwargs)


def set_up_tenant(env: TestEnv) -> None:
    finn = auth(env, "finn", "finance-admin")
    policy = httpx.get(f"{PORTAL}/api/v1/validation/policy", headers=finn, timeout=10).json()
    policy["rules"] = policy.get("rules", {}) | OWN_FLAGS_OFF
    changed = httpx.put(f"{PORTAL}/api/v1/validation/policy", headers=finn, json=policy, timeout=30)
    assert changed.status_code == 200, changed.text
    bad = httpx.put(
        f"{PORTAL}/api/v1/payment/settings",
        headers=finn,
        json=SETTINGS | {"default_account": "nowhere"},
        timeout=30,
    )
    assert bad.status_code == 422 and "nowhere" in bad.json()["detail"]
    saved = httpx.put(f"{PORTAL}/api/v1/payment/settings", headers=finn, json=SETTINGS, timeout=30)
    assert saved.status_code == 200, saved.text
    history = httpx.get(f"{PORTAL}/api/v1/payment/settings/history", headers=finn).json()
    assert [c["changed_by"] for c in history["changes"]] == ["finn"]


def bring_to_payment(env: TestEnv, documents: dict[str, bytes]) -> dict[str, str]:
    """Upload each document as anne, approve it as kari, wait until it is posted."""
    ids = {
        name: upload_as(env, data, tenant=TENANT, name=f"{name}.xml")
        for name, data in documents.items()
    }
    kari = auth(env, "kari", "attestant")
    for name, invoice_id in ids.items():
        wait_status(env, invoice_id, "awaiting-approval")
        approved = post(env, f"/api/v1/invoices/{invoice_id}/approve", kari)
        assert approved.status_code == 200, f"{name}: {approved.text}"
    for invoice_id in ids.values():
        wait_status(env, invoice_id, "posted")
    wait_for(
        lambda: all(
            httpx.get(
                f"{PORTAL}/api/v1/payment/items/{i}", headers=auth(env, "anne", "accountant")
            ).status_code
            == 200
            for i in ids.values()
        ),
        timeout=60,
        what="every document in the payment book",
    )
    return ids


def wait_sent(env: TestEnv, run_id: str) -> dict[str, Any]:
    per = auth(env, "per", "payment-approver")
    return wait_for(
        lambda: (
            (
                r := httpx.get(
                    f"{PORTAL}/api/v1/payment-runs/{run_id}", headers=per, timeout=10
                ).json()
            ).get("status")
            == "sent"
            and r
        ),
        timeout=60,
        what=f"run {run_id} delivered",
    )


def records_for(env: TestEnv, topic: str, invoice_id: str) -> list[dict[str, Any]]:
    return [
        json.loads(r.value())
        for r in read_topic(env.settings, topic, timeout=20)
        if r.key() == invoice_id.encode()
    ]


def cli(env: TestEnv, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fakturaportal.cli", "payments", *args, "--tenant", TENANT],
        env=env.env,
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO_ROOT,
        check=False,
    )


def held_codes(run: dict[str, Any]) -> dict[str, set[str]]:
    return {h["invoice_id"]: {f["code"] for f in h["findings"]} for h in run["held"]}


def test_a_payment_run_from_proposal_to_settlement(system: TestEnv, tmp_path: Path):
    set_up_tenant(system)
    holiday = holiday_ahead()
    c_kid = kid_for(70_003)
    ids = bring_to_payment(
        system,
        {
            "holiday": invoice(70_001, "1000.00", due=holiday),
            "credit": invoice(70_002, "160.00", due=holiday, credit_note_for="DEMO-70001"),
            "discount": invoice(
                70_003,
                "8000.00",
                STROM,
                due=TODAY + timedelta(days=30),
                payment_terms="2 % rabatt ved betaling innen 10 dager, netto 30 dager",
            ),
            "bad-kid": invoice(70_004, "104.00", kid="000000058"),
            "bad-account": invoice(70_005, "105.00", account="86011117948"),
            "bad-iban": invoice(70_006, "106.00", STROM, kid="", account="DE89370400440532013001"),
            "bad-bic": invoice(
                70_007, "107.00", STROM, kid="", account="DE89370400440532013000", bic="NOTABIC"
            ),
            "prepaid": invoice(70_008, "108.00", prepaid=Decimal("35.00")),
            "duplicate": invoice(70_009, "109.00", STROM, kid=c_kid),
        },
    )
    anne = auth(system, "anne", "accountant", "payment-approver")
    per = auth(system, "per", "payment-approver")

    # The proposal: by due date, holidays moved back, credit netted, discount taken, checks.
    horizon = max(holiday, TODAY + timedelta(days=20)).isoformat()
    proposed = post(system, "/api/v1/payment-runs", anne, json={"horizon": horizon})
    assert proposed.status_code == 201, proposed.text
    run = proposed.json()
    payments = {p["invoice_id"]: p for p in run["items"]}
    assert set(payments) == {ids["holiday"], ids["discount"]}, run
    netted = payments[ids["holiday"]]
    assert netted["execution_date"] == previous_banking_day(holiday).isoformat()
    assert netted["credits"] == [{"credit_note_id": ids["credit"], "amount": str(gross("160.00"))}]
    assert Decimal(netted["amount"]) == gross("1000.00") - gross("160.00")
    early = payments[ids["discount"]]
    assert early["decision"]["pay_early"] is True and Decimal(early["discount"]) == gross(
        "8000.00"
    ) * Decimal("0.02")
    assert date.fromisoformat(early["execution_date"]) <= TODAY + timedelta(days=10)
    assert Decimal(run["gains"]["NOK"]) > 0
    assert held_codes(run) == {
        ids["bad-kid"]: {"FP-PAY-01", "FP-PAY-08"},
        ids["bad-account"]: {"FP-PAY-02", "FP-PAY-08"},
        ids["bad-iban"]: {"FP-PAY-03", "FP-PAY-08"},
        ids["bad-bic"]: {"FP-PAY-04", "FP-PAY-08"},
        ids["prepaid"]: {"FP-PAY-06", "FP-PAY-08"},
        ids["duplicate"]: {"FP-PAY-07", "FP-PAY-08"},
    }
    for payment in payments.values():
        assert {f["code"] for f in payment["findings"]} == {"FP-PAY-08"}  # first payment: warns
    assert records_for(system, "payment-proposed", ids["holiday"])

    # Four eyes: the proposer may not release, another payment approver does.
    run_url = f"/api/v1/payment-runs/{run['run_id']}"
    refused = post(system, f"{run_url}/approve", anne)
    assert refused.status_code == 403 and "four eyes" in refused.json()["detail"]
    released = post(system, f"{run_url}/approve", per)
    assert released.status_code == 200, released.text
    sent = wait_sent(system, run["run_id"])
    (file_03,) = sent["files"]
    content = (system.data_dir / "outbox" / TENANT / file_03["file_name"]).read_bytes()
    FileCheck()(content)  # the official pain.001.001.03 XSD
    assert file_03["version"] == "03" and b"pain.001.001.03" in content
    assert f"<EndToEndId>{netted['payment_id']}</EndToEndId>".encode() in content
    wait_status(system, ids["holiday"], "payment-sent")
    (published,) = records_for(system, "payment-sent", ids["holiday"])
    assert published["payment_id"] == netted["payment_id"]
    assert published["file_name"] == file_03["file_name"] and published["payment_information_id"]

    # A run from the account whose bank takes pain.001.001.09.
    later = bring_to_payment(system, {"project": invoice(70_010, "110.00", STROM, kid="")})
    project = post(
        system,
        "/api/v1/payment-runs",
        anne,
        json={"debtor_account": "prosjekt", "horizon": horizon},
    )
    assert project.status_code == 201, project.text
    assert [p["invoice_id"] for p in project.json()["items"]] == [later["project"]]
    assert (
        post(system, f"/api/v1/payment-runs/{project.json()['run_id']}/approve", per).status_code
        == 200
    )
    (file_09,) = wait_sent(system, project.json()["run_id"])["files"]
    content_09 = (system.data_dir / "outbox" / TENANT / file_09["file_name"]).read_bytes()
    FileCheck()(content_09)  # the official pain.001.001.09 XSD
    assert file_09["version"] == "09" and b"<BICFI>DNBANOKK</BICFI>" in content_09

    # The CLI rebuilds the released file byte for byte, or as .09; it refuses an unreleased run.
    exported = tmp_path / "again.xml"
    done = cli(system, "export", run["run_id"], "--out", str(exported))
    assert done.returncode == 0, done.stderr
    assert exported.read_bytes() == content
    as_09 = cli(
        system, "export", run["run_id"], "--version", "09", "--out", str(tmp_path / "09.xml")
    )
    assert as_09.returncode == 0 and b"pain.001.001.09" in (tmp_path / "09.xml").read_bytes()

    # pain.002: the bank refuses the early payment -> payment-failed, back in planning.
    rejection = pain002(
        block_status(
            sent_payment(sent, ids["discount"])["payment_information_id"],
            None,
            None,
            tx_status(early["payment_id"], "RJCT", "AC04", amount=early["amount"], kid=c_kid),
        ),
        message_id="STS-E2E-1",
        original=sent["message_id"],
    )
    xml = anne | {"Content-Type": "application/xml", "X-File-Name": "pain002-e2e.xml"}
    answer = post(system, "/api/v1/bank-files", xml, content=rejection)
    assert answer.status_code == 200, answer.text
    assert answer.json()["file_name"] == "pain002-e2e.xml"
    assert (answer.json()["failed"], answer.json()["settled"]) == (1, 0)
    wait_status(system, ids["discount"], "payment-failed")
    (failed,) = records_for(system, "payment-failed", ids["discount"])
    assert failed["reason_code"] == "AC04" and "avsluttet" in failed["reason"]
    back = httpx.get(f"{PORTAL}/api/v1/payment/items/{ids['discount']}", headers=anne).json()
    assert back["status"] == "open" and "AC04" in back["last_failure"]
    replayed = post(system, "/api/v1/bank-files", anne, content=rejection).json()
    assert (
        replayed["failed"],
        replayed["settled"],
        replayed["unmatched"],
        replayed["unchanged"],
    ) == (0, 0, 0, 1)
    bad_file = post(
        system, "/api/v1/bank-files", anne, content=b"<Document>not a bank file</Document>"
    )
    assert bad_file.status_code == 422

    # camt.054 through the command line: the netted invoice is settled -> paid; a replay is a no-op.
    camt = tmp_path / "camt054.xml"
    camt.write_bytes(
        camt054(
            "02",
            camt_entry(
                "02",
                camt_tx(
                    "02",
                    end_to_end_id=netted["payment_id"],
                    kid=kid_for(70_001),
                    amount=netted["amount"],
                ),
                amount=netted["amount"],
            ),
            message_id="DBT-E2E-1",
        )
    )
    first = cli(system, "import", str(camt))
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["settled"] == 1
    again = cli(system, "import", str(camt))
    assert json.loads(again.stdout) | {"file_name": None} == {
        "file_name": None,
        "settled": 0,
        "failed": 0,
        "unmatched": 0,
        "unchanged": 1,
    }
    wait_status(system, ids["holiday"], "paid")
    assert len(records_for(system, "payment-settled", ids["holiday"])) == 1

    # A record no payment fits, dropped in the bank inbox: flagged for a person, never dropped.
    inbox = system.data_dir / "bank-inbox" / TENANT
    inbox.mkdir(parents=True, exist_ok=True)
    (inbox / "camt-unknown.xml").write_bytes(
        camt054(
            "08",
            camt_entry(
                "08",
                camt_tx("08", end_to_end_id=None, kid="000000950", amount="99.00"),
                amount="99.00",
            ),
            message_id="DBT-E2E-2",
        )
    )
    wait_for(
        lambda: list((inbox / "done").glob("*camt-unknown.xml")), timeout=60, what="inbox file done"
    )
    unmatched = httpx.get(f"{PORTAL}/api/v1/bank-files/unmatched", headers=anne).json()["records"]
    (flagged,) = [r for r in unmatched if r["record"]["kid"] == "000000950"]
    resolved = post(
        system,
        f"/api/v1/bank-files/unmatched/{flagged['key']}/resolve",
        per,
        json={"note": "Bankgebyr, ført manuelt"},
    )
    assert resolved.status_code == 200 and resolved.json()["resolved_by"] == "per"

    # The settled payment taught the supplier's account: another account is held as possible fraud.
    diverted = bring_to_payment(
        system, {"diverted": invoice(70_011, "111.00", account=STROM.account)}
    )
    stopped = post(system, "/api/v1/payment-runs", anne, json={"horizon": horizon})
    codes = held_codes(stopped.json().get("details", stopped.json()))
    assert codes[diverted["diverted"]] == {"FP-PAY-05"}
    if stopped.status_code == 201:  # the refused payment, planned again: cancelled to show it
        cancel = post(system, f"/api/v1/payment-runs/{stopped.json()['run_id']}/cancel", anne)
        assert cancel.status_code == 200, cancel.text
    confirm = httpx.put(
        f"{PORTAL}/api/v1/payment/suppliers/{NORD.orgnr}/accounts",
        headers=per,
        json={"account": STROM.account, "note": "Ringt Kontorrekvisita Nord, ny konto bekreftet"},
        timeout=30,
    )
    assert confirm.status_code == 200, confirm.text
    paid_now = post(system, "/api/v1/payment-runs", anne, json={"horizon": horizon})
    assert paid_now.status_code == 201, paid_now.text
    assert diverted["diverted"] in {p["invoice_id"] for p in paid_now.json()["items"]}
    assert ids["discount"] in {p["invoice_id"] for p in paid_now.json()["items"]}  # planned again
    cancelled = post(system, f"/api/v1/payment-runs/{paid_now.json()['run_id']}/cancel", anne)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    unreleased = cli(system, "export", paid_now.json()["run_id"])
    assert unreleased.returncode == 2 and "not released" in unreleased.stderr


def sent_payment(run: dict[str, Any], invoice_id: str) -> dict[str, Any]:
    return next(p for p in run["items"] if p["invoice_id"] == invoice_id)
