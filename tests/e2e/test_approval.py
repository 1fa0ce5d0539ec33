"""Approval through the running services and the real broker: the tenant's organisation routes
attestation and budget approval, the duties refuse with their reasons, a substitute approves on
behalf, the scheduler reminds and escalates on a shifted clock, a dispute reaches the supplier,
a recode reaches posting."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import httpx
import pytest

from fakturaportal.demo import SUPPLIERS, DemoLine, demo_invoice
from fakturaportal.settings import REPO_ROOT
from tests.e2e.system import PORTAL, token
from tests.e2e.system import upload as upload_as
from tests.infra import TestEnv, read_topic, wait_for

pytestmark = pytest.mark.e2e

TENANT = "approval-e2e"
SUPPLIER = SUPPLIERS[0]
LINKED = SUPPLIERS[1]
"""Sven is related to this supplier: he never approves paying them."""

ORGANISATION: dict[str, Any] = {
    "users": [
        {"id": "anne", "roles": ["accountant"]},
        {"id": "vera", "roles": ["accountant", "budget-holder"]},
        {"id": "kari", "roles": ["attestant"], "email": "kari@e2e.example", "manager": "lise"},
        {"id": "mona", "roles": ["attestant"], "email": "mona@e2e.example"},
        {"id": "ola", "roles": ["attestant", "budget-holder"], "email": "ola@e2e.example"},
        {"id": "lise", "roles": ["budget-holder"], "email": "lise@e2e.example"},
        {"id": "finn", "roles": ["finance-admin"], "email": "finn@e2e.example"},
        {
            "id": "sven",
            "roles": ["attestant", "budget-holder"],
            "supplier_orgnrs": [LINKED.orgnr],
        },
        {"id": "audun", "roles": ["auditor"]},
    ],
    "authority": [
        {"role": "finance-admin", "max_amount": "10000000", "user": "finn"},
        {"role": "budget-holder", "max_amount": "10000", "user": "ola"},
        {"role": "budget-holder", "max_amount": "1000000", "user": "lise"},
        {"role": "budget-holder", "max_amount": "10000", "user": "vera"},
        {"role": "budget-holder", "max_amount": "10000", "user": "sven"},
    ],
    "routing": {"supplier_defaults": {LINKED.orgnr: "sven"}, "ap_inbox": "kari"},
    "second_level": {"threshold": "100000", "approver": "finn"},
    "sla": {
        "attestation": {"reminder_hours": 1, "escalation_hours": 1},
        "budget": {"reminder_hours": 24, "escalation_hours": 24},
        "second-level": {"reminder_hours": 24, "escalation_hours": 24},
    },
}


def auth(env: TestEnv, user: str, *roles: str, tenant: str = TENANT) -> dict[str, str]:
    return token(env, user, *roles, tenant=tenant)


@pytest.fixture(scope="module")
def org(system: TestEnv) -> TestEnv:
    finn = auth(system, "finn", "finance-admin")
    assert (
        httpx.put(
            f"{PORTAL}/api/v1/approval/organisation/users",
            headers=auth(system, "kari", "attestant"),
            json=ORGANISATION["users"],
        ).status_code
        == 403
    ), "only a finance admin changes the organisation"
    for section in ("users", "authority", "routing", "second_level", "sla"):
        response = httpx.put(
            f"{PORTAL}/api/v1/approval/organisation/{section}",
            headers=finn,
            json=ORGANISATION[section],
            timeout=30,
        )
        assert response.status_code == 200, response.text
    inconsistent = httpx.put(
        f"{PORTAL}/api/v1/approval/organisation/routing",
        headers=finn,
        json={"ap_inbox": "nobody"},
    )
    assert inconsistent.status_code == 422 and "nobody" in inconsistent.json()["detail"]
    history = httpx.get(f"{PORTAL}/api/v1/approval/organisation/history", headers=finn).json()
    sections = ["users", "authority", "routing", "second_level", "sla"]
    assert [c["section"] for c in history["changes"]] == sections
    assert {c["changed_by"] for c in history["changes"]} == {"finn"}
    return system


def upload(env: TestEnv, number: int, gross: str, supplier: Any = SUPPLIER) -> str:
    """An invoice of `gross` NOK incl. 25 % VAT, registered by anne."""
    net = (Decimal(gross) / Decimal("1.25")).quantize(Decimal("0.01"))
    data = demo_invoice(number, supplier, lines=(("Tjeneste", net),))
    return upload_as(env, data, tenant=TENANT)


def case_of(env: TestEnv, invoice_id: str, until: Any = None) -> dict[str, Any]:
    headers = auth(env, "audun", "auditor")

    def found() -> dict[str, Any] | None:
        response = httpx.get(
            f"{PORTAL}/api/v1/invoices/{invoice_id}/approval", headers=headers, timeout=10
        )
        if response.status_code != 200:
            return None
        body: dict[str, Any] = response.json()
        return body if until is None or until(body) else None

    result: dict[str, Any] = wait_for(found, timeout=90, what=f"approval case {invoice_id}")
    return result


def post(env: TestEnv, invoice_id: str, action: str, headers: dict[str, str], **body: Any):  # type: ignore[no-untyped-def]
    return httpx.post(
        f"{PORTAL}/api/v1/invoices/{invoice_id}/{action}", headers=headers, json=body, timeout=30
    )


def active(case: dict[str, Any]) -> dict[str, str]:
    return {
        s["id"]: s["assignee"] for s in case["steps"] if s["activated_at"] and not s["approved_by"]
    }


def published(env: TestEnv, topic: str, invoice_id: str) -> list[dict[str, Any]]:
    records = read_topic(env.settings, topic, timeout=20)
    return [json.loads(r.value()) for r in records if r.key() == invoice_id.encode()]


def wait_published(env: TestEnv, topic: str, invoice_id: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = wait_for(
        lambda: published(env, topic, invoice_id), timeout=60, what=f"{topic} for {invoice_id}"
    )
    return found


def mails(folder: Path, invoice_id: str) -> list[EmailMessage]:
    found = []
    for path in sorted(folder.glob("*.eml")) if folder.exists() else []:
        message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        assert isinstance(message, EmailMessage)
        if invoice_id in str(message["X-Fakturaportal-Invoice"] or message["Message-ID"]):
            found.append(message)
    return found


def test_two_levels_under_and_over_the_limit(org: TestEnv):
    kari, ola, lise = (
        auth(org, "kari", "attestant"),
        auth(org, "ola", "attestant", "budget-holder"),
        auth(org, "lise", "budget-holder"),
    )
    small = upload(org, 6101, "5000.00")
    case = case_of(org, small)
    assert case["status"] == "open"
    assert active(case) == {"attestation:*": "kari"}
    assert [(s["id"], s["assignee"]) for s in case["steps"]] == [
        ("attestation:*", "kari"),
        ("budget:*", "ola"),
    ]
    inbox = httpx.get(f"{PORTAL}/api/v1/approvals/inbox", headers=kari).json()
    mine = [i for i in inbox["items"] if i["invoice_id"] == small]
    assert mine and mine[0]["step"] == "attestation:*" and mine[0]["amount"] == "5000.00"
    assert mine[0]["due_date"] and mine[0]["step_due_at"] and mine[0]["priority"]

    early = post(org, small, "approve", ola)
    assert early.status_code == 403 and early.json()["code"] == "not-assignee"
    attested = post(org, small, "approve", kari)
    assert attested.status_code == 200, attested.text
    assert attested.json()["status"] == "open" and attested.json()["approved"] == ["attestation:*"]
    requested = wait_for(
        lambda: [
            p
            for p in published(org, "invoice-approval-requested", small)
            if p["step"] == "budget:*"
        ],
        timeout=60,
        what="the budget step requested",
    )
    assert requested[0]["assignee"] == "ola" and requested[0]["due_at"]
    approved = post(org, small, "approve", ola)
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    contract = wait_published(org, "invoice-approved", small)[0]
    assert [(a["step"], a["approved_by"], a["on_behalf_of"]) for a in contract["approvals"]] == [
        ("attestation:*", "kari", None),
        ("budget:*", "ola", None),
    ]
    assert contract["invoice"]["payable_amount"] == "5000.00" and contract["coding"]

    # Over ola's limit of 10 000: budget goes to lise; ola may not be given it.
    large = upload(org, 6102, "20000.00")
    case = case_of(org, large)
    assert [(s["id"], s["assignee"]) for s in case["steps"]][1] == ("budget:*", "lise")
    assert post(org, large, "approve", kari).status_code == 200
    to_ola = post(org, large, "forward", lise, to="ola", note="kan du ta denne?")
    assert to_ola.status_code == 403, to_ola.text
    assert to_ola.json()["code"] == "authority"
    assert "above ola's authority of NOK 10000" in to_ola.json()["detail"]
    assert "fullmakt" in to_ola.json()["reason_nb"]
    assert post(org, large, "approve", lise).json()["status"] == "approved"
    contract = wait_published(org, "invoice-approved", large)[0]
    assert [a["approved_by"] for a in contract["approvals"]] == ["kari", "lise"]


def test_each_duty_is_refused_with_its_reason(org: TestEnv):
    kari = auth(org, "kari", "attestant")
    ola = auth(org, "ola", "attestant", "budget-holder")
    invoice = upload(org, 6201, "4000.00")
    case_of(org, invoice)

    registered = post(org, invoice, "approve", auth(org, "anne", "accountant", "attestant"))
    assert registered.status_code == 403
    assert registered.json()["code"] == "registered"
    assert "anne registered this invoice" in registered.json()["detail"]
    assert "registrerte" in registered.json()["reason_nb"]

    # Attestant and budget holder are different people: ola has the budget step.
    both = post(org, invoice, "forward", kari, to="ola", note="ta attestasjonen")
    assert both.status_code == 403 and both.json()["code"] == "budget-holder"
    assert "ola approves budget on this invoice and may not also attest it" in both.text

    # Whoever changed the coding never approves budget on the invoice.
    lines = case_of(org, invoice)["coding"]
    recoded = post(
        org,
        invoice,
        "recode",
        auth(org, "vera", "accountant"),
        lines=[line | {"account": "6810"} for line in lines],
    )
    assert recoded.status_code == 200, recoded.text
    assert recoded.json()["coded_by"] == ["vera"], "an accountant's recode is coding"
    assert post(org, invoice, "approve", kari).status_code == 200
    to_kari = post(org, invoice, "forward", ola, to="kari", note="ta budsjettet")
    assert to_kari.status_code == 403 and to_kari.json()["code"] == "attestant"
    assert "kari attests this invoice and may not also approve its budget" in to_kari.text
    to_vera = post(org, invoice, "forward", ola, to="vera", note="ta budsjettet")
    assert to_vera.status_code == 403 and to_vera.json()["code"] == "coded"
    assert "vera coded this invoice" in to_vera.json()["detail"]
    assert "konterte" in to_vera.json()["reason_nb"]

    # Nobody approves paying a supplier they are linked to.
    linked = upload(org, 6202, "3000.00", supplier=LINKED)
    case = case_of(org, linked)
    assert active(case) == {"attestation:*": "kari"}
    sven = post(org, linked, "approve", auth(org, "sven", "attestant", "budget-holder"))
    assert sven.status_code == 403 and sven.json()["code"] == "supplier-linked"
    assert f"linked to the supplier {LINKED.orgnr}" in sven.json()["detail"]

    # Wrong roles and other tenants.
    auditor = post(org, invoice, "approve", auth(org, "audun", "auditor"))
    assert auditor.status_code == 403 and "requires one of the roles" in auditor.text
    supplier = post(org, invoice, "approve", auth(org, "siri", "supplier"))
    assert supplier.status_code == 403
    outsider = auth(org, "kari", "attestant", "finance-admin", tenant="approval-other")
    for action in ("approve", "reject", "hold"):
        body = {"reason": "x"} if action == "reject" else {}
        if action == "hold":
            body = {"until": "2099-01-01T00:00:00Z"}
        assert post(org, invoice, action, outsider, **body).status_code == 404
    assert (
        httpx.get(f"{PORTAL}/api/v1/invoices/{invoice}/approval", headers=outsider).status_code
        == 404
    )
    theirs = httpx.get(f"{PORTAL}/api/v1/approvals/inbox", headers=outsider).json()
    assert not any(i["invoice_id"] == invoice for i in theirs["items"])


def test_a_substitute_approves_on_behalf(org: TestEnv):
    kari = auth(org, "kari", "attestant")
    mona = auth(org, "mona", "attestant")
    invoice = upload(org, 6301, "2500.00")
    case_of(org, invoice)
    refused = httpx.put(
        f"{PORTAL}/api/v1/users/kari/substitute",
        headers=auth(org, "ola", "attestant", "budget-holder"),
        json={
            "substitute": "ola",
            "valid_from": "2020-01-01T00:00:00Z",
            "valid_to": "2099-01-01T00:00:00Z",
        },
    )
    assert refused.status_code == 403
    set_ = httpx.put(
        f"{PORTAL}/api/v1/users/kari/substitute",
        headers=kari,
        json={
            "substitute": "mona",
            "valid_from": "2020-01-01T00:00:00Z",
            "valid_to": "2099-01-01T00:00:00Z",
        },
    )
    assert set_.status_code == 200, set_.text
    try:
        inbox = httpx.get(f"{PORTAL}/api/v1/approvals/inbox", headers=mona).json()
        mine = [i for i in inbox["items"] if i["invoice_id"] == invoice]
        assert mine and mine[0]["why"] == "substitute" and mine[0]["on_behalf_of"] == "kari"
        approved = post(org, invoice, "approve", mona)
        assert approved.status_code == 200, approved.text
    finally:
        cleared = httpx.put(
            f"{PORTAL}/api/v1/users/kari/substitute", headers=kari, json={"substitute": None}
        )
        assert cleared.status_code == 200, cleared.text
    case = case_of(org, invoice)
    step = case["steps"][0]
    assert (step["approved_by"], step["on_behalf_of"]) == ("mona", "kari")
    assert post(org, invoice, "approve", auth(org, "ola", "budget-holder")).status_code == 200
    contract = wait_published(org, "invoice-approved", invoice)[0]
    assert contract["approvals"][0]["on_behalf_of"] == "kari"
    assert contract["approvals"][0]["approved_by"] == "mona"


def scheduler_round(env: TestEnv, hours_ahead: float) -> str:
    """One scheduler round for this tenant with the approval clock `hours_ahead`."""
    done = subprocess.run(
        [sys.executable, "-m", "services.approval", "scheduler", "--once"],
        env=env.env
        | {
            "FP_APPROVAL_CLOCK_OFFSET_HOURS": str(hours_ahead),
            "FP_APPROVAL_SCHEDULER_TENANT": TENANT,
        },
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO_ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_reminder_then_escalation_on_the_clock(org: TestEnv):
    invoice = upload(org, 6401, "1500.00")
    case_of(org, invoice)
    outbox = org.data_dir / "mail-outbox" / "approval"

    scheduler_round(org, 0.5)
    assert mails(outbox, invoice) == []
    scheduler_round(org, 1.5)
    sent = mails(outbox, invoice)
    assert [m["To"] for m in sent] == ["kari@e2e.example"]
    assert "Påminnelse" in str(sent[0]["Subject"])
    case = case_of(org, invoice)
    assert case["steps"][0]["reminded_at"] and not case["steps"][0]["escalated_at"]

    scheduler_round(org, 1.6)
    assert len(mails(outbox, invoice)) == 1, "a reminder goes out once"
    scheduler_round(org, 2.5)
    sent = mails(outbox, invoice)
    escalated = [m for m in sent if "Eskalert" in str(m["Subject"])]
    assert [m["To"] for m in escalated] == ["lise@e2e.example"], [m["To"] for m in sent]
    assert "kari" in escalated[0].get_content()
    case = case_of(org, invoice)
    assert case["steps"][0]["escalated_at"]

    # A hold pauses reminders and escalation until it ends.
    kari = auth(org, "kari", "attestant")
    paused = upload(org, 6402, "1600.00")
    case_of(org, paused)
    until = (datetime.now(UTC) + timedelta(hours=10)).isoformat()
    assert post(org, paused, "hold", kari, until=until, reason="venter på varer").status_code == 200
    scheduler_round(org, 2.5)
    assert mails(outbox, paused) == []
    scheduler_round(org, 11.5)
    assert [m["To"] for m in mails(outbox, paused)] == ["kari@e2e.example"]

    # The next level may hand the step on.
    lise = auth(org, "lise", "budget-holder")
    handed = post(org, invoice, "forward", lise, to="mona", note="kari er borte")
    assert handed.status_code == 200, handed.text
    assert active(handed.json()) == {"attestation:*": "mona"}


def test_dispute_reaches_the_supplier(org: TestEnv):
    kari = auth(org, "kari", "attestant")
    invoice = upload(org, 6501, "1234.00")
    case_of(org, invoice)
    no_reason = post(org, invoice, "reject", kari, reason=" ")
    assert no_reason.status_code == 422
    comment = post(
        org, invoice, "comments", kari, text="Vi har ikke mottatt varene.", visibility="supplier"
    )
    assert comment.status_code == 201, comment.text
    disputed = post(org, invoice, "reject", kari, reason="Varene er ikke levert")
    assert disputed.status_code == 200, disputed.text
    assert disputed.json()["status"] == "disputed"
    event = wait_published(org, "invoice-disputed", invoice)[0]
    assert (event["disputed_by"], event["reason"]) == ("kari", "Varene er ikke levert")
    commented = wait_published(org, "invoice-commented", invoice)[0]
    assert commented["visibility"] == "supplier" and commented["author"] == "kari"

    outbox = org.data_dir / "mail-outbox" / "validation"
    notice = wait_for(
        lambda: [m for m in mails(outbox, invoice) if "bestridt" in str(m["Subject"])],
        timeout=60,
        what="the dispute notice",
    )[0]
    assert notice["To"] == SUPPLIER.email
    assert "Varene er ikke levert" in notice.get_content()
    again = post(org, invoice, "approve", kari)
    assert again.status_code == 409 and again.json()["code"] == "closed"


def test_recode_reaches_posting(org: TestEnv):
    kari = auth(org, "kari", "attestant")
    invoice = upload(org, 6601, "2000.00")
    lines = case_of(org, invoice)["coding"]
    changed_total = post(
        org,
        invoice,
        "recode",
        kari,
        lines=[line | {"net_amount": "1.00", "vat_amount": "0.25"} for line in lines],
    )
    assert changed_total.status_code == 422 and changed_total.json()["code"] == "total-changed"
    recoded = post(
        org, invoice, "recode", kari, lines=[line | {"account": "6810"} for line in lines]
    )
    assert recoded.status_code == 200, recoded.text
    assert recoded.json()["recoded_by"] == ["kari"]
    event = wait_published(org, "invoice-recoded", invoice)[0]
    assert event["recoded_by"] == "kari" and event["lines"][0]["account"] == "6810"

    headers = auth(org, "anne", "accountant")

    def posting_knows() -> dict[str, Any] | None:
        response = httpx.get(
            f"{PORTAL}/api/v1/invoices/{invoice}/coding", headers=headers, timeout=10
        )
        body: dict[str, Any] = response.json()
        return body if response.status_code == 200 and body.get("recoded_by") == "kari" else None

    coding = wait_for(posting_knows, timeout=60, what="posting to learn the recode")
    assert coding["lines"][0]["account"] == "6810"

    # An approver who recoded may attest, never approve budget on the same invoice.
    assert post(org, invoice, "approve", kari).status_code == 200
    ola = auth(org, "ola", "attestant", "budget-holder")
    to_kari = post(org, invoice, "forward", ola, to="kari", note="ta budsjettet")
    assert to_kari.status_code == 403 and to_kari.json()["code"] == "recoded"
    assert "kari changed the coding" in to_kari.json()["detail"]


def test_a_foreign_currency_invoice_over_the_threshold_needs_the_further_level(org: TestEnv):
    """EUR 10 000 at the invoice's own rate of 11.50 (its VAT stated in NOK) is NOK 115 000:
    above ola's limit and above the 100 000 threshold for the further level."""
    kari, lise, finn = (
        auth(org, "kari", "attestant"),
        auth(org, "lise", "budget-holder"),
        auth(org, "finn", "finance-admin"),
    )
    data = demo_invoice(
        6801,
        SUPPLIER,
        lines=(("Rammeavtale", Decimal("8000.00")),),
        currency="EUR",
        nok_rate=Decimal("11.5"),
    )
    invoice = upload_as(org, data, tenant=TENANT)
    case = case_of(org, invoice)
    assert case["invoice"]["currency"] == "EUR" and case["invoice"]["nok_rate"] == "11.500000"
    assert [(s["id"], s["assignee"], s["amount"]) for s in case["steps"]] == [
        ("attestation:*", "kari", "115000.00"),
        ("budget:*", "lise", "115000.00"),
        ("second-level", "finn", "115000.00"),
    ]
    assert [s["route"] for s in case["steps"]][2] == "second-level"
    assert post(org, invoice, "approve", kari).status_code == 200
    budget = post(org, invoice, "approve", lise)
    assert budget.status_code == 200 and budget.json()["status"] == "open", budget.text
    assert active(case_of(org, invoice, until=lambda c: active(c) != {})) == {
        "second-level": "finn"
    }
    again = post(org, invoice, "approve", lise)
    assert again.status_code == 403, again.text
    done = post(org, invoice, "approve", finn)
    assert done.status_code == 200 and done.json()["status"] == "approved", done.text
    contract = wait_published(org, "invoice-approved", invoice)[0]
    assert [(a["step"], a["approved_by"]) for a in contract["approvals"]] == [
        ("attestation:*", "kari"),
        ("budget:*", "lise"),
        ("second-level", "finn"),
    ]


def test_the_purchase_order_owner_attests_what_they_ordered(system: TestEnv):
    tenant = "approval-e2e-order"
    finn = auth(system, "finn", "finance-admin", tenant=tenant)
    organisation = {
        "users": [
            {"id": "anne", "roles": ["accountant"]},
            {"id": "kari", "roles": ["attestant"]},
            {"id": "mona", "roles": ["attestant"]},
            {"id": "ola", "roles": ["budget-holder"]},
        ],
        "authority": [{"role": "budget-holder", "max_amount": "100000", "user": "ola"}],
        "routing": {"ap_inbox": "kari"},
    }
    for section, value in organisation.items():
        response = httpx.put(
            f"{PORTAL}/api/v1/approval/organisation/{section}", headers=finn, json=value
        )
        assert response.status_code == 200, response.text
    order, receipt = (
        {
            "order_number": "PO-APPROVAL-1",
            "supplier_orgnr": SUPPLIER.orgnr,
            "supplier_name": SUPPLIER.name,
            "owner": "mona",
            "lines": [
                {"line_id": "1", "description": "Skrivebord", "quantity": "2", "unit_price": "4000"}
            ],
        },
        {
            "receipt_number": "PO-APPROVAL-1-GR-1",
            "order_number": "PO-APPROVAL-1",
            "received_on": datetime.now(UTC).date().isoformat(),
            "received_by": "mona",
            "lines": [{"line_id": "1", "quantity": "2"}],
        },
    )
    buyer = auth(system, "anne", "accountant", tenant=tenant)
    for path, body in (("purchase-orders", order), ("goods-receipts", receipt)):
        response = httpx.post(f"{PORTAL}/api/v1/{path}", headers=buyer, json=body, timeout=30)
        assert response.status_code == 201, response.text
    data = demo_invoice(
        6901,
        SUPPLIER,
        lines=(DemoLine("Skrivebord", Decimal("2"), Decimal("4000.00"), order_line="1"),),
        order="PO-APPROVAL-1",
        buyer_reference=None,
    )
    invoice = upload_as(system, data, tenant=tenant)
    reader = auth(system, "audun", "auditor", tenant=tenant)
    case = wait_for(
        lambda: (
            (
                r := httpx.get(f"{PORTAL}/api/v1/invoices/{invoice}/approval", headers=reader)
            ).status_code
            == 200
            and r.json()
        ),
        timeout=90,
        what="the order's approval case",
    )
    assert [(s["id"], s["assignee"], s["route"]) for s in case["steps"]] == [
        ("attestation:*", "mona", "order-owner"),
        ("budget:*", "ola", "authority"),
    ]


def test_an_invoice_nobody_may_approve_waits_for_the_ap_desk(system: TestEnv):
    tenant = "approval-e2e-unrouted"
    finn = auth(system, "finn", "finance-admin", tenant=tenant)
    users = [{"id": "anne", "roles": ["accountant"]}, {"id": "kari", "roles": ["attestant"]}]
    response = httpx.put(
        f"{PORTAL}/api/v1/approval/organisation/users", headers=finn, json=users, timeout=30
    )
    assert response.status_code == 200, response.text
    invoice = upload_as(system, demo_invoice(6701, SUPPLIER), tenant=tenant)
    reader = auth(system, "audun", "auditor", tenant=tenant)

    def parked() -> dict[str, Any] | None:
        response = httpx.get(f"{PORTAL}/api/v1/invoices/{invoice}/approval", headers=reader)
        return response.json() if response.status_code == 200 else None

    waiting = wait_for(parked, timeout=90, what="the unroutable invoice")
    assert waiting["status"] == "unrouted" and waiting["code"] == "no-approver"
    assert "budget" in waiting["reason"] and waiting["reason_nb"]
    row = wait_for(
        lambda: (
            (r := httpx.get(f"{PORTAL}/api/v1/invoices/{invoice}", headers=reader).json()).get(
                "status"
            )
            == "awaiting-approval"
            and r
        ),
        timeout=60,
        what="the invoice shown as waiting",
    )
    assert row["assignee"] == "ap-inbox"

    users.append({"id": "ola", "roles": ["budget-holder"]})
    for section, value in (
        ("users", users),
        ("authority", [{"role": "budget-holder", "max_amount": "1000000", "user": "ola"}]),
    ):
        response = httpx.put(
            f"{PORTAL}/api/v1/approval/organisation/{section}", headers=finn, json=value
        )
        assert response.status_code == 200, response.text
    kari = auth(system, "kari", "attestant", tenant=tenant)
    assert post(system, invoice, "approval/route", kari).status_code == 403
    routed = post(system, invoice, "approval/route", finn)
    assert routed.status_code == 200, routed.text
    assert active(routed.json()) == {"attestation:*": "kari"}
    assert post(system, invoice, "approval/route", finn).status_code == 404
    assert post(system, invoice, "approve", kari).status_code == 200
    ola = auth(system, "ola", "budget-holder", tenant=tenant)
    assert post(system, invoice, "approve", ola).json()["status"] == "approved"
