"""The payment service on a real PostgreSQL: scheduling from posted invoices, proposals with
netting, discounts and the checks, four-eyes release recorded before delivery, the pain.001 files
in the outbox, the bank's answers read back, and concurrent writes retried.

Needs only PostgreSQL (`FP_PG_*`, default localhost:55432 as `deploy/local/postgres.sh` starts it);
each test module gets a database of its own, dropped afterwards. The service's clock is fixed at
Monday 14 December 2026, 09:00 in Oslo, so the Christmas bank holidays are near.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from eventsourcing.persistence import IntegrityError, Tracking
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr

from fakturaportal.auth import issue_dev_token
from fakturaportal.messaging import InboundMessage
from fakturaportal.settings import CommonSettings, common_settings
from fakturaportal.telemetry import trace_id_of
from services.payment import cli
from services.payment.api import build_router
from services.payment.app import PaymentApp
from services.payment.bank import FileCheck
from services.payment.config import PaymentSettings
from services.payment.domain import PaymentBook, PaymentOrder, PaymentRun
from services.payment.ledger import PaymentLedger
from services.payment.translate import translate
from services.payment.worker import BankWorker
from shared.schemas.envelope import Envelope, event_type
from shared.schemas.events import (
    InvoicePosted,
    InvoiceSummary,
    PaymentFailed,
    PaymentProposed,
    PaymentSent,
    PaymentSettled,
    VoucherLine,
)
from shared.schemas.topics import Topic
from tests.infra import throwaway_database
from tests.unit.bankfile_samples import (
    block_status,
    camt054,
    camt_entry,
    camt_tx,
    pain002,
    tx_status,
)

pytestmark = pytest.mark.integration

SECRET = "payment-test-secret-" + "x" * 32
NOW = datetime(2026, 12, 14, 8, 0, tzinfo=UTC)  # Monday, 09:00 in Oslo
TODAY = NOW.date()
SUPPLIER = "974760673"
OTHER_SUPPLIER = "923609016"
ACCOUNT = "86011117947"


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CommonSettings]:
    base = CommonSettings()
    with throwaway_database(base, "fp_payment_test") as db:
        yield base.model_copy(
            update={
                "pg_db": db,
                "data_dir": tmp_path_factory.mktemp("payment"),
                "jwt_secret": SecretStr(SECRET),
                "jwt_jwks_url": None,
            }
        )


@pytest.fixture(scope="module")
def app(settings: CommonSettings) -> PaymentApp:
    return PaymentApp(settings, PaymentSettings(), clock=lambda: NOW)


@pytest.fixture
def client(app: PaymentApp, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("FP_JWT_SECRET", SECRET)
    monkeypatch.delenv("FP_JWT_JWKS_URL", raising=False)
    common_settings.cache_clear()
    http = FastAPI()
    http.include_router(build_router(app))
    yield TestClient(http)
    common_settings.cache_clear()


@pytest.fixture
def tenant() -> str:
    return f"t-{uuid.uuid4().hex[:10]}"


def auth(settings: CommonSettings, tenant: str, user: str, *roles: str, **claims: Any) -> dict:
    token = issue_dev_token(settings, tenant=tenant, user=user, roles=list(roles), **claims)
    return {"Authorization": f"Bearer {token}"}


_offsets = iter(range(1_000_000))


def posted(
    tenant: str,
    due: date | int = 5,
    *,
    invoice_id: uuid.UUID | None = None,
    ap_credit: str | None = None,
    **changes: object,
) -> InvoicePosted:
    values: dict[str, object] = {
        "number": f"INV-{uuid.uuid4().hex[:6]}",
        "kind": "invoice",
        "issue_date": TODAY - timedelta(days=9),
        "due_date": due if isinstance(due, date) else TODAY + timedelta(days=due),
        "currency": "NOK",
        "payable_amount": Decimal("1250.00"),
        "tax_amount": Decimal("250.00"),
        "seller_name": "Kontorrekvisita Nord AS",
        "seller_legal_id": SUPPLIER,
        "seller_vat_id": f"NO{SUPPLIER}MVA",
        "payment_id": "000000059",
        "payment_account": ACCOUNT,
    }
    summary = InvoiceSummary(**(values | changes))
    lines = (
        [VoucherLine(account="2400", credit=Decimal(ap_credit))] if ap_credit is not None else []
    )
    return InvoicePosted(
        invoice_id=invoice_id or uuid.uuid4(),
        tenant_id=tenant,
        voucher_number="2026-1",
        voucher_date=TODAY,
        lines=lines,
        invoice=summary,
    )


def traceparent_for(invoice_id: uuid.UUID) -> str:
    return f"00-{invoice_id.hex}-{'b7ad6b7169203331'}-01"


def consume(app: PaymentApp, payload: InvoicePosted) -> None:
    """What the consumer loop does with one record of `invoice-posted`."""
    envelope = Envelope(
        id=str(uuid.uuid4()),
        source="/services/posting",
        type=event_type(Topic.INVOICE_POSTED),
        subject=str(payload.invoice_id),
        time=datetime.now(UTC),
        tenantid=payload.tenant_id,
        correlationid=f"corr-{payload.invoice_id}",
        traceparent=traceparent_for(payload.invoice_id),
    )
    offset = next(_offsets)
    message = InboundMessage(
        envelope=envelope, payload=payload, topic=Topic.INVOICE_POSTED, partition=0, offset=offset
    )
    app.process_event(message, Tracking(message.tracking_name, offset))


def events_of(app: PaymentApp, aggregate_id: uuid.UUID) -> list:
    return list(app.repository.event_store.get(aggregate_id))


def book_of(app: PaymentApp, tenant: str) -> PaymentBook:
    book = app.get_or_none(PaymentBook.create_id(tenant))
    assert isinstance(book, PaymentBook)
    return book


def publications(app: PaymentApp, aggregate_id: uuid.UUID) -> dict[type, list]:
    found: dict[type, list] = {}
    for event in events_of(app, aggregate_id):
        for publication in translate(event):
            found.setdefault(type(publication.payload), []).append(publication)
    return found


def released_and_delivered(app: PaymentApp, client: TestClient, settings, tenant, run_id: str):
    per = auth(settings, tenant, "per", "payment-approver")
    approved = client.post(f"/api/v1/payment-runs/{run_id}/approve", headers=per)
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "released"
    BankWorker(app).deliver_released()
    run = app.run_for(tenant, uuid.UUID(run_id))
    assert run is not None and run.status == "sent"
    return run


# --- scheduling ---------------------------------------------------------------------------------


def test_posted_documents_are_scheduled_once_credit_notes_too_and_the_rest_held(
    app, client, settings, tenant
):
    payable = posted(tenant)
    credit_note = posted(tenant, kind="credit-note", payable_amount=Decimal("200.00"))
    euro = posted(tenant, currency="EUR")
    for payload in (payable, credit_note, euro):
        consume(app, payload)
    consume(app, payable)  # republished at a new offset: nothing changes
    assert len(events_of(app, payable.invoice_id)) == 1
    book = book_of(app, tenant)
    assert set(book.open) == {str(payable.invoice_id), str(credit_note.invoice_id)}
    assert book.open[str(credit_note.invoice_id)]["amount"] == "-200.00"
    item = book.open[str(payable.invoice_id)]
    assert item["traceparent"] == traceparent_for(payable.invoice_id)
    assert item["correlation_id"] == f"corr-{payable.invoice_id}"
    assert "currency EUR" in book.held[str(euro.invoice_id)]["reason"]
    assert "currency EUR" in app.repository.get(euro.invoice_id).held_reason

    reader = auth(settings, tenant, "anne", "accountant")
    listed = client.get("/api/v1/payment/items?status=open", headers=reader).json()["items"]
    assert {i["invoice_id"]: i["kind"] for i in listed} == {
        str(payable.invoice_id): "invoice",
        str(credit_note.invoice_id): "credit-note",
    }
    one = client.get(f"/api/v1/payment/items/{payable.invoice_id}", headers=reader).json()
    assert (
        one["status"] == "open" and one["execution_date"] == (TODAY + timedelta(days=4)).isoformat()
    )
    held = client.get(f"/api/v1/payment/items/{euro.invoice_id}", headers=reader).json()
    assert held["status"] == "held" and "EUR" in held["reason"]


def test_a_due_date_on_a_bank_holiday_pays_the_banking_day_before(app, client, settings, tenant):
    christmas_eve = posted(tenant, date(2026, 12, 24))  # banks closed
    boxing_day = posted(tenant, date(2026, 12, 26), payment_id="000000067")  # holiday, Saturday
    new_year = posted(tenant, date(2027, 1, 1), payment_id="000000075")  # holiday
    for payload in (christmas_eve, boxing_day, new_year):
        consume(app, payload)
    anne = auth(settings, tenant, "anne", "accountant")
    run = client.post("/api/v1/payment-runs", headers=anne, json={"horizon": "2027-01-05"}).json()
    dates = {p["invoice_id"]: p["execution_date"] for p in run["items"]}
    assert dates == {
        str(christmas_eve.invoice_id): "2026-12-23",
        str(boxing_day.invoice_id): "2026-12-23",
        str(new_year.invoice_id): "2026-12-30",  # 31 December: banks closed too
    }


def test_a_tenants_payment_days_and_settings_are_events_with_reasons_for_bad_values(
    app, client, settings, tenant
):
    admin = auth(settings, tenant, "finn", "finance-admin")
    current = client.get("/api/v1/payment/settings", headers=admin).json()
    assert current["default_account"] == "default" and current["cost_of_capital"] == "8"
    bad = current | {"default_account": "nope", "weekdays": [7]}
    refused = client.put("/api/v1/payment/settings", headers=admin, json=bad)
    assert refused.status_code == 422 and "weekdays" in refused.json()["detail"]
    bad_account = current | {
        "debtor_accounts": [current["debtor_accounts"][0] | {"account": "15030100008"}]
    }
    refused = client.put("/api/v1/payment/settings", headers=admin, json=bad_account)
    assert refused.status_code == 422 and "MOD11" in refused.json()["detail"]
    accountant = auth(settings, tenant, "anne", "accountant")
    assert (
        client.put("/api/v1/payment/settings", headers=accountant, json=current).status_code == 403
    )

    thursdays = current | {"weekdays": [3]}
    assert client.put("/api/v1/payment/settings", headers=admin, json=thursdays).status_code == 200
    history = client.get("/api/v1/payment/settings/history", headers=admin).json()["changes"]
    assert [c["changed_by"] for c in history] == ["finn"]
    assert history[0]["settings"]["weekdays"] == [3]

    due_monday = posted(tenant, date(2026, 12, 21))
    consume(app, due_monday)
    run = client.post("/api/v1/payment-runs", headers=accountant, json={}).json()
    assert run["items"][0]["execution_date"] == "2026-12-17"  # the Thursday before


# --- netting, discounts, checks -----------------------------------------------------------------


def test_credit_notes_net_against_the_same_suppliers_invoices_and_the_rest_is_carried(
    app, client, settings, tenant
):
    invoice = posted(tenant, 3, payable_amount=Decimal("1000.00"))
    credit = posted(
        tenant, 3, kind="credit-note", payable_amount=Decimal("300.00"), payment_id=None
    )
    other = posted(
        tenant,
        3,
        kind="credit-note",
        seller_legal_id=OTHER_SUPPLIER,
        payable_amount=Decimal("50.00"),
    )
    for payload in (invoice, credit, other):
        consume(app, payload)
    anne = auth(settings, tenant, "anne", "accountant")
    run = client.post("/api/v1/payment-runs", headers=anne, json={}).json()
    (payment,) = run["items"]
    assert payment["amount"] == "700.00" and payment["open_amount"] == "1000.00"
    assert payment["credits"] == [{"credit_note_id": str(credit.invoice_id), "amount": "300.00"}]
    assert [c["credit_note_id"] for c in run["carried_forward"]] == [str(other.invoice_id)]
    book = book_of(app, tenant)
    assert str(credit.invoice_id) not in book.open and str(other.invoice_id) in book.open

    cancelled = client.post(f"/api/v1/payment-runs/{run['run_id']}/cancel", headers=anne)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    book = book_of(app, tenant)
    assert {str(invoice.invoice_id), str(credit.invoice_id)} <= set(book.open)
    assert book.open[str(credit.invoice_id)]["paid_amount"] == "0.00"
    again = client.post(f"/api/v1/payment-runs/{run['run_id']}/cancel", headers=anne)
    assert again.status_code == 409


def test_an_early_payment_discount_that_pays_off_is_taken_and_the_gain_shown(
    app, client, settings, tenant
):
    terms = posted(
        tenant,
        30,
        issue_date=TODAY - timedelta(days=2),
        payable_amount=Decimal("10000.00"),
        payment_terms="2 % rabatt ved betaling innen 10 dager, netto 30 dager",
    )
    consume(app, terms)
    anne = auth(settings, tenant, "anne", "accountant")
    run = client.post(
        "/api/v1/payment-runs",
        headers=anne,
        json={"horizon": (TODAY + timedelta(days=10)).isoformat()},
    ).json()
    (payment,) = run["items"]
    assert payment["decision"]["pay_early"] is True
    assert payment["execution_date"] == "2026-12-22"  # issue + 10 days
    assert payment["discount"] == "200.00" and payment["amount"] == "9800.00"
    assert Decimal(run["gains"]["NOK"]) == Decimal(payment["decision"]["gain"]) > 0
    assert "betal tidlig" in payment["decision"]["explanation_nb"]


def test_a_supplier_accepts_an_early_payment_offer_for_its_own_invoice_only(
    app, client, settings, tenant
):
    invoice = posted(tenant, 40, payable_amount=Decimal("50000.00"))
    consume(app, invoice)
    url = f"/api/v1/invoices/{invoice.invoice_id}/early-payment"
    offer = {"percent_per_30_days": "1.5"}
    stranger = auth(settings, tenant, "lev", "supplier", supplier_orgnr=OTHER_SUPPLIER)
    assert client.post(url, headers=stranger, json=offer).status_code == 404
    no_orgnr = auth(settings, tenant, "lev", "supplier")
    assert client.post(url, headers=no_orgnr, json=offer).status_code == 404
    both = client.post(url, headers=no_orgnr, json=offer | {"annual_rate": "10"})
    assert both.status_code == 422
    supplier = auth(settings, tenant, "lev", "supplier", supplier_orgnr=SUPPLIER)
    item_url = f"/api/v1/payment/items/{invoice.invoice_id}"
    assert client.get(item_url, headers=supplier).json()["offer"] is None
    accepted = client.post(url, headers=supplier, json=offer)
    assert accepted.status_code == 200, accepted.text
    mine = client.get(item_url, headers=supplier).json()  # their own open item, with the offer
    assert (mine["status"], mine["offer"]["percent"]) == ("open", "1.5")
    assert mine["execution_date"] == accepted.json()["regular_execution_date"]
    assert client.get(item_url, headers=stranger).status_code == 404
    assert client.get("/api/v1/payment/items", headers=supplier).status_code == 403
    anne = auth(settings, tenant, "anne", "accountant")
    run = client.post("/api/v1/payment-runs", headers=anne, json={}).json()
    assert client.get(item_url, headers=supplier).status_code == 404  # in a run: not open
    (payment,) = run["items"]
    assert payment["decision"]["pay_early"] is True and Decimal(payment["discount"]) > 0
    assert payment["execution_date"] == TODAY.isoformat()


def findings_of(run: dict) -> dict[str, set[str]]:
    return {h["invoice_id"]: {f["code"] for f in h["findings"]} for h in run["held"]}


def test_each_check_stops_its_payment_with_a_finding_and_the_rest_is_paid(
    app, client, settings, tenant
):
    good = posted(tenant, 2, payment_id="000000083")
    bad_kid = posted(tenant, 2, payment_id="000000084")
    bad_account = posted(tenant, 2, payment_account="86011117948", payment_id="000000091")
    bad_iban = posted(tenant, 2, payment_account="DE89370400440532013001", payment_id=None)
    bad_bic = posted(
        tenant, 2, payment_account="DE89370400440532013000", payment_bic="NOTABIC", payment_id=None
    )
    prepaid = posted(tenant, 2, payment_id="000000109", ap_credit="1500.00")
    twin = posted(tenant, 3, payment_id="000000083")  # same KID to the same account as `good`
    for payload in (good, bad_kid, bad_account, bad_iban, bad_bic, prepaid, twin):
        consume(app, payload)
    anne = auth(settings, tenant, "anne", "accountant")
    run = client.post("/api/v1/payment-runs", headers=anne, json={}).json()
    assert [p["invoice_id"] for p in run["items"]] == [str(good.invoice_id)]
    assert {f["code"] for f in run["items"][0]["findings"]} == {"FP-PAY-08"}  # first payment
    assert findings_of(run) == {
        str(bad_kid.invoice_id): {"FP-PAY-01", "FP-PAY-08"},
        str(bad_account.invoice_id): {"FP-PAY-02", "FP-PAY-08"},
        str(bad_iban.invoice_id): {"FP-PAY-03", "FP-PAY-08"},
        str(bad_bic.invoice_id): {"FP-PAY-04", "FP-PAY-08"},
        str(prepaid.invoice_id): {"FP-PAY-06", "FP-PAY-08"},
        str(twin.invoice_id): {"FP-PAY-07", "FP-PAY-08"},
    }
    amount = next(h for h in run["held"] if h["invoice_id"] == str(prepaid.invoice_id))
    assert any(
        "1500.00" in f["message"] and "avviker" in f["message_nb"] for f in amount["findings"]
    )
    held_open = set(book_of(app, tenant).open)
    assert str(good.invoice_id) not in held_open and str(bad_kid.invoice_id) in held_open


def test_an_account_the_supplier_is_not_known_to_use_is_held_until_confirmed(
    app, client, settings, tenant
):
    first = posted(tenant, 1)
    consume(app, first)
    anne = auth(settings, tenant, "anne", "accountant")
    run = client.post("/api/v1/payment-runs", headers=anne, json={}).json()
    released_and_delivered(app, client, settings, tenant, run["run_id"])
    e2e = run["items"][0]["payment_id"]
    settled = app.import_bank_file(
        tenant,
        camt054("02", camt_entry("02", camt_tx("02", end_to_end_id=e2e, kid="000000059"))),
        "camt.xml",
        "anne",
    )
    assert settled["settled"] == 1
    assert app.accounts(tenant).accounts_of(SUPPLIER) == [ACCOUNT]

    diverted = posted(tenant, 2, payment_account="12060543214", payment_id="000000117")
    consume(app, diverted)
    held = client.post("/api/v1/payment-runs", headers=anne, json={})
    assert held.status_code == 422
    (stopped,) = held.json()["details"]["held"]
    assert {f["code"] for f in stopped["findings"]} == {"FP-PAY-05"}
    assert "mulig svindel" in stopped["findings"][0]["message_nb"]

    url = f"/api/v1/payment/suppliers/{SUPPLIER}/accounts"
    body = {"account": "1206.05.43214", "note": "Ringt leverandøren, bekreftet ny konto"}
    assert client.put(url, headers=anne, json=body).status_code == 403
    per = auth(settings, tenant, "per", "payment-approver")
    confirmed = client.put(url, headers=per, json=body).json()
    assert [a["source"] for a in confirmed["accounts"]] == ["settled", "confirmed"]
    assert confirmed["accounts"][1]["by"] == "per"
    paid = client.post("/api/v1/payment-runs", headers=anne, json={})
    assert paid.status_code == 201 and paid.json()["items"][0]["findings"] == []


# --- release, files, events ---------------------------------------------------------------------


def test_a_run_is_released_by_another_person_recorded_first_then_delivered(
    app, client, settings, tenant
):
    soon, overdue, later = (
        posted(tenant, 3),
        posted(tenant, -2, payment_id=None),
        posted(tenant, 40),
    )
    for payload in (soon, overdue, later):
        consume(app, payload)
    anne = auth(settings, tenant, "anne", "accountant", "payment-approver")
    per = auth(settings, tenant, "per", "payment-approver")
    response = client.post(
        "/api/v1/payment-runs",
        headers=anne,
        json={"due_until": (TODAY + timedelta(days=14)).isoformat()},
    )
    assert response.status_code == 201, response.text
    run = response.json()
    assert run["status"] == "proposed" and run["total"] == "2500.00"
    assert [i["invoice_id"] for i in run["items"]] == [
        str(overdue.invoice_id),
        str(soon.invoice_id),
    ]
    assert run["items"][0]["execution_date"] == TODAY.isoformat()
    assert run["not_due"] == [str(later.invoice_id)]
    again = client.post("/api/v1/payment-runs", headers=anne, json={})
    assert again.status_code == 422 and "nothing to pay" in again.json()["detail"]

    run_url = f"/api/v1/payment-runs/{run['run_id']}"
    other = auth(settings, "other-tenant", "eve", "payment-approver")
    assert client.get(run_url, headers=other).status_code == 404
    assert client.post(f"{run_url}/approve", headers=other).status_code == 404
    four_eyes = client.post(f"{run_url}/approve", headers=anne)
    assert four_eyes.status_code == 403 and "four eyes" in four_eyes.json()["detail"]
    no_role = client.post(f"{run_url}/approve", headers=auth(settings, tenant, "kari", "attestant"))
    assert no_role.status_code == 403

    approved = client.post(f"{run_url}/approve", headers=per)
    assert approved.status_code == 200, approved.text
    sent = approved.json()
    assert (sent["status"], sent["released_by"]) == ("released", "per")
    assert client.post(f"{run_url}/approve", headers=per).status_code == 409
    assert client.post(f"{run_url}/cancel", headers=anne).status_code == 409
    folder = settings.outbox_path / tenant
    assert not folder.exists()  # recorded, not yet delivered: nothing has left
    assert PaymentSent not in publications(app, uuid.UUID(run["run_id"]))

    worker = BankWorker(app)
    assert worker.deliver_released() >= 1
    assert worker.deliver_released() == 0  # delivered once, position recorded
    file = folder / sent["file_name"]
    content = file.read_bytes()
    assert sent["file_name"] == f"{sent['message_id']}.xml" == f"{uuid.UUID(run['run_id']).hex}.xml"
    assert [p.name for p in folder.iterdir()] == [file.name]
    assert sent["files"][0]["sha256"] == hashlib.sha256(content).hexdigest()
    assert (
        b"<Ref>000000059</Ref>" in content
        and f"<Ustrd>{overdue.invoice.number}<".encode() in content
    )
    FileCheck()(content)
    assert client.get(run_url, headers=per).json()["status"] == "sent"

    by_kind = publications(app, uuid.UUID(run["run_id"]))
    assert len(by_kind[PaymentProposed]) == 2 and len(by_kind[PaymentSent]) == 2
    for publication in by_kind[PaymentProposed] + by_kind[PaymentSent]:
        invoice_id = publication.payload.invoice_id
        assert trace_id_of(publication.traceparent) == invoice_id.hex  # the invoice's own trace
        assert publication.correlation_id == f"corr-{invoice_id}"
    payment = by_kind[PaymentSent][0].payload
    assert payment.message_id == uuid.UUID(run["run_id"]).hex and payment.released_by == "per"
    assert payment.payment_information_id and payment.pain_version == "pain.001.001.03"


def test_each_pain_version_gets_its_file_and_the_cli_exports_the_same_bytes(
    app, client, settings, tenant, tmp_path, monkeypatch, capsys
):
    admin = auth(settings, tenant, "finn", "finance-admin")
    setup = client.get("/api/v1/payment/settings", headers=admin).json()
    second = setup["debtor_accounts"][0] | {
        "id": "drift",
        "account": "12060543214",
        "pain_version": "09",
    }
    setup["debtor_accounts"].append(second)
    assert client.put("/api/v1/payment/settings", headers=admin, json=setup).status_code == 200
    consume(app, posted(tenant, 2))  # from the default account (03)
    setup["default_account"] = "drift"
    assert client.put("/api/v1/payment/settings", headers=admin, json=setup).status_code == 200
    consume(app, posted(tenant, 2, payment_id="000000067"))  # from drift (09)
    anne = auth(settings, tenant, "anne", "accountant")
    run = client.post("/api/v1/payment-runs", headers=anne, json={}).json()
    assert [a["debtor_account"] for a in run["accounts"]] == ["default", "drift"]
    released = released_and_delivered(app, client, settings, tenant, run["run_id"])
    versions = {f["version"]: f for f in released.files}
    assert set(versions) == {"03", "09"}
    for record in released.files:
        content = (settings.outbox_path / tenant / record["file_name"]).read_bytes()
        FileCheck()(content)
        assert f"pain.001.001.{record['version']}".encode() in content

    monkeypatch.setattr(cli, "PaymentApp", lambda: app, raising=False)
    import services.payment.app as app_module

    monkeypatch.setattr(app_module, "PaymentApp", lambda: app)
    out = tmp_path / "again.xml"
    assert (
        cli.main(
            ["export", run["run_id"], "--tenant", tenant, "--version", "09", "--out", str(out)]
        )
        == 0
    )
    assert (
        out.read_bytes()
        == (settings.outbox_path / tenant / versions["09"]["file_name"]).read_bytes()
    )
    assert cli.main(["export", run["run_id"], "--tenant", tenant]) == 2
    assert "pick one with --version" in capsys.readouterr().err


def test_the_bank_answers_settle_fail_and_flag_and_a_replay_changes_nothing(
    app, client, settings, tenant
):
    paid, refused = posted(tenant, 1), posted(tenant, 1, payment_id="000000067")
    for payload in (paid, refused):
        consume(app, payload)
    anne = auth(settings, tenant, "anne", "accountant")
    run = client.post("/api/v1/payment-runs", headers=anne, json={}).json()
    released = released_and_delivered(app, client, settings, tenant, run["run_id"])
    ids = {p["invoice_id"]: p for p in released.payments}
    refused_payment = ids[str(refused.invoice_id)]
    status_report = pain002(
        block_status(
            refused_payment["payment_information_id"],
            None,
            None,
            tx_status(refused_payment["payment_id"], "RJCT", "AC04", kid="000000067"),
        ),
        original=released.message_id,
    )
    importer = auth(settings, tenant, "anne", "accountant")
    answer = client.post("/api/v1/bank-files", headers=importer, content=status_report)
    assert answer.status_code == 200, answer.text
    assert answer.json() | {"file_name": None} == {
        "file_name": None,
        "settled": 0,
        "failed": 1,
        "unmatched": 0,
        "unchanged": 0,
    }
    back = book_of(app, tenant).open[str(refused.invoice_id)]
    assert "AC04" in back["last_failure"] and "avsluttet" in back["last_failure"]

    paid_payment = ids[str(paid.invoice_id)]
    debit = camt054(
        "08",
        camt_entry(
            "08",
            camt_tx("08", end_to_end_id=paid_payment["payment_id"], kid="000000059"),
            camt_tx("08", end_to_end_id=None, kid="000000950", amount="99.00"),
            amount="1349.00",
        ),
    )
    files = {"file": ("camt054.xml", debit, "application/xml")}
    answer = client.post("/api/v1/bank-files", headers=importer, files=files)
    assert answer.json()["settled"] == 1 and answer.json()["unmatched"] == 1
    replay = client.post("/api/v1/bank-files", headers=importer, files=files).json()
    assert (replay["settled"], replay["failed"], replay["unmatched"], replay["unchanged"]) == (
        0,
        0,
        0,
        2,
    )
    assert (
        client.post("/api/v1/bank-files", headers=importer, content=status_report).json()[
            "unchanged"
        ]
        == 1
    )

    unmatched = client.get("/api/v1/bank-files/unmatched", headers=importer).json()["records"]
    (record,) = unmatched
    assert record["record"]["kid"] == "000000950" and "no sent payment" in record["reason"]
    per = auth(settings, tenant, "per", "payment-approver")
    resolved = client.post(
        f"/api/v1/bank-files/unmatched/{record['key']}/resolve",
        headers=per,
        json={"note": "Gebyr fra banken, bokført manuelt"},
    )
    assert resolved.status_code == 200 and resolved.json()["resolved_by"] == "per"
    assert client.get("/api/v1/bank-files/unmatched", headers=importer).json()["records"] == []

    by_kind = publications(app, PaymentLedger.create_id(tenant))
    assert [p.payload.invoice_id for p in by_kind[PaymentFailed]] == [refused.invoice_id]
    assert by_kind[PaymentFailed][0].payload.reason_code == "AC04"
    assert [p.payload.invoice_id for p in by_kind[PaymentSettled]] == [paid.invoice_id]
    assert trace_id_of(by_kind[PaymentSettled][0].traceparent) == paid.invoice_id.hex

    bad = client.post("/api/v1/bank-files", headers=importer, content=b"<Document/>")
    assert bad.status_code == 422 and "not a pain.002" in bad.json()["detail"]
    big = client.post(
        "/api/v1/bank-files", headers=importer, content=b"<a>" + b"x" * (11 * 1024 * 1024) + b"</a>"
    )
    assert big.status_code == 413
    auditor = auth(settings, tenant, "audun", "auditor")
    assert (
        client.post("/api/v1/bank-files", headers=auditor, content=status_report).status_code == 403
    )

    # The refused invoice is planned again, under a new payment id.
    again = client.post("/api/v1/payment-runs", headers=anne, json={}).json()
    assert [p["invoice_id"] for p in again["items"]] == [str(refused.invoice_id)]
    assert again["items"][0]["payment_id"] != refused_payment["payment_id"]


def test_the_bank_inbox_reads_files_and_moves_them(app, client, settings, tenant):
    consume(app, posted(tenant, 1))
    run = client.post(
        "/api/v1/payment-runs", headers=auth(settings, tenant, "anne", "accountant")
    ).json()
    released = released_and_delivered(app, client, settings, tenant, run["run_id"])
    worker = BankWorker(app)
    folder = worker.inbox / tenant
    folder.mkdir(parents=True)
    (folder / "camt.xml").write_bytes(
        camt054(
            "02",
            camt_entry(
                "02",
                camt_tx("02", end_to_end_id=released.payments[0]["payment_id"], kid="000000059"),
            ),
        )
    )
    (folder / "junk.xml").write_bytes(b"<nothing/>")
    outcomes = {o.path.name: o for o in worker.read_inbox(now=9e12)}
    assert outcomes["camt.xml"].status == "done" and outcomes["camt.xml"].counts["settled"] == 1
    assert outcomes["junk.xml"].status == "failed"
    assert [p.name.endswith("camt.xml") for p in (folder / "done").iterdir()] == [True]
    assert (folder / "failed" / "junk.xml.reason.txt").read_text().startswith("junk.xml")


# --- concurrency, history -----------------------------------------------------------------------


def test_a_run_retries_when_the_consumer_moved_the_book_on(app, tenant, monkeypatch):
    early, late = posted(tenant, 1), posted(tenant, 2, payment_id="000000067")
    consume(app, early)
    read = app.book
    interleaved: list[bool] = []

    def stale_book(tenant_id: str) -> PaymentBook:
        book = read(tenant_id)
        if not interleaved:
            interleaved.append(True)
            consume(app, late)  # the consumer writes between our read and our save
        return book

    monkeypatch.setattr(app, "book", stale_book)
    run = app.propose(tenant, "anne", None)
    assert interleaved and {p["invoice_id"] for p in run.payments} == {
        str(early.invoice_id),
        str(late.invoice_id),
    }
    assert book_of(app, tenant).open == {}


def test_the_consumer_fails_cleanly_when_a_run_moved_the_book_on_and_succeeds_again(
    app, tenant, monkeypatch
):
    consume(app, posted(tenant, 1))
    late = posted(tenant, 2, payment_id="000000067")
    read = app.book

    def stale_book(tenant_id: str) -> PaymentBook:
        book = read(tenant_id)
        monkeypatch.setattr(app, "book", read)
        app.propose(tenant, "anne", None)  # the API writes between our read and record
        return book

    monkeypatch.setattr(app, "book", stale_book)
    with pytest.raises(IntegrityError):
        consume(app, late)
    assert app.get_or_none(late.invoice_id) is None  # nothing of it was recorded
    consume(app, late)  # the consumer loop retries the same message
    assert list(book_of(app, tenant).open) == [str(late.invoice_id)]


def test_runs_belong_to_their_tenant(app, client, settings, tenant):
    consume(app, posted(tenant, 1))
    run = app.propose(tenant, "anne", None)
    assert isinstance(app.get_or_none(run.id), PaymentRun)
    assert app.run_for("someone-else", run.id) is None
    order = app.repository.get(uuid.UUID(run.payments[0]["invoice_id"]))
    assert isinstance(order, PaymentOrder) and order.held_reason is None
    for_other = client.get(
        f"/api/v1/payment-runs/{run.id}",
        headers=auth(settings, "someone-else", "anne", "accountant"),
    )
    assert for_other.status_code == 404
    unknown = client.get(
        f"/api/v1/payment-runs/{uuid.uuid4()}", headers=auth(settings, tenant, "anne", "accountant")
    )
    assert unknown.status_code == 404


def test_a_busy_book_is_loaded_from_a_snapshot(app, tenant):
    invoices = [posted(tenant, 1) for _ in range(55)]
    for payload in invoices:
        consume(app, payload)
    book_id = PaymentBook.create_id(tenant)
    assert app.snapshots is not None and list(app.snapshots.get(book_id, desc=True, limit=1))
    assert set(book_of(app, tenant).open) == {str(p.invoice_id) for p in invoices}


def test_the_recent_runs_are_listed_and_a_released_runs_file_is_downloaded(
    app, client, settings, tenant
):
    anne = auth(settings, tenant, "anne", "accountant")
    per = auth(settings, tenant, "per", "payment-approver")
    consume(app, posted(tenant, 2))
    first = client.post("/api/v1/payment-runs", headers=anne, json={}).json()
    client.post(f"/api/v1/payment-runs/{first['run_id']}/cancel", headers=anne)
    second = client.post("/api/v1/payment-runs", headers=anne, json={}).json()
    listed = client.get("/api/v1/payment-runs", headers=anne).json()["runs"]
    assert [(r["run_id"], r["status"]) for r in listed] == [
        (second["run_id"], "proposed"),
        (first["run_id"], "cancelled"),
    ]
    assert listed[0] | {"proposed_at": None} == listed[0] | {
        "proposed_by": "anne",
        "count": 1,
        "total": "1250.00",
        "files": [],
        "proposed_at": None,
    }
    assert len(client.get("/api/v1/payment-runs?limit=1", headers=anne).json()["runs"]) == 1
    other = auth(settings, "other-tenant", "eve", "accountant")
    assert client.get("/api/v1/payment-runs", headers=other).json()["runs"] == []
    supplier = auth(settings, tenant, "siri", "supplier", supplier_orgnr=SUPPLIER)
    assert client.get("/api/v1/payment-runs", headers=supplier).status_code == 403

    run_url = f"/api/v1/payment-runs/{second['run_id']}"
    assert client.get(f"{run_url}/files/{second['run_id']}.xml", headers=anne).status_code == 404
    released = client.post(f"{run_url}/approve", headers=per).json()
    name = released["file_name"]
    file = client.get(f"{run_url}/files/{name}", headers=anne)
    assert file.status_code == 200, file.text
    assert file.headers["content-type"] == "application/xml"
    assert file.headers["content-disposition"] == f'attachment; filename="{name}"'
    assert hashlib.sha256(file.content).hexdigest() == released["files"][0]["sha256"]
    FileCheck()(file.content)
    assert client.get(f"{run_url}/files/{name}", headers=other).status_code == 404
    assert client.get(f"{run_url}/files/other.xml", headers=anne).status_code == 404
    assert client.get(f"{run_url}/files/{name}", headers=supplier).status_code == 403
    assert client.get("/api/v1/payment-runs", headers=per).json()["runs"][0]["files"] == [name]


# --- every refusal in both languages -------------------------------------------------------------


def _proposed(app, client, settings, tenant) -> tuple[str, dict]:
    """A run proposed by anne (accountant), and anne's headers."""
    consume(app, posted(tenant))
    anne = auth(settings, tenant, "anne", "accountant", "payment-approver")
    run = client.post("/api/v1/payment-runs", headers=anne, json={})
    assert run.status_code == 201, run.text
    return f"/api/v1/payment-runs/{run.json()['run_id']}", anne


def _four_eyes(app, client, settings, tenant):
    run_url, anne = _proposed(app, client, settings, tenant)
    return client.post(f"{run_url}/approve", headers=anne)


def _released_again(app, client, settings, tenant):
    run_url, _ = _proposed(app, client, settings, tenant)
    per = auth(settings, tenant, "per", "payment-approver")
    assert client.post(f"{run_url}/approve", headers=per).status_code == 200
    return client.post(f"{run_url}/approve", headers=per)


def _cancel_released(app, client, settings, tenant):
    run_url, anne = _proposed(app, client, settings, tenant)
    per = auth(settings, tenant, "per", "payment-approver")
    assert client.post(f"{run_url}/approve", headers=per).status_code == 200
    return client.post(f"{run_url}/cancel", headers=anne)


def _approve_cancelled(app, client, settings, tenant):
    run_url, anne = _proposed(app, client, settings, tenant)
    assert client.post(f"{run_url}/cancel", headers=anne).status_code == 200
    return client.post(f"{run_url}/approve", headers=auth(settings, tenant, "per", RELEASER))


RELEASER = "payment-approver"


def _as(settings, tenant, *roles: str, **claims: Any) -> dict:
    return auth(settings, tenant, "kim", *roles, **claims)


REFUSALS = {
    "four eyes": (403, _four_eyes),
    "released already": (409, _released_again),
    "cancel a released run": (409, _cancel_released),
    "approve a cancelled run": (409, _approve_cancelled),
    "unknown run": (
        404,
        lambda app, client, s, t: client.get(
            f"/api/v1/payment-runs/{uuid.uuid4()}", headers=_as(s, t, "auditor")
        ),
    ),
    "approve an unknown run": (
        404,
        lambda app, client, s, t: client.post(
            f"/api/v1/payment-runs/{uuid.uuid4()}/approve", headers=_as(s, t, RELEASER)
        ),
    ),
    "unknown file": (
        404,
        lambda app, client, s, t: client.get(
            f"/api/v1/payment-runs/{uuid.uuid4()}/files/x.xml", headers=_as(s, t, "auditor")
        ),
    ),
    "unknown debtor account": (
        422,
        lambda app, client, s, t: client.post(
            "/api/v1/payment-runs", headers=_as(s, t, "accountant"), json={"debtor_account": "x"}
        ),
    ),
    "nothing to pay": (
        422,
        lambda app, client, s, t: client.post(
            "/api/v1/payment-runs", headers=_as(s, t, "accountant"), json={}
        ),
    ),
    "a role the route does not take": (
        403,
        lambda app, client, s, t: client.post(
            "/api/v1/payment-runs", headers=_as(s, t, "attestant"), json={}
        ),
    ),
    "a book status that is none": (
        422,
        lambda app, client, s, t: client.get(
            "/api/v1/payment/items?status=paid", headers=_as(s, t, "auditor")
        ),
    ),
    "an item not in the book": (
        404,
        lambda app, client, s, t: client.get(
            f"/api/v1/payment/items/{uuid.uuid4()}", headers=_as(s, t, "auditor")
        ),
    ),
    "an early payment of another's invoice": (
        404,
        lambda app, client, s, t: client.post(
            f"/api/v1/invoices/{uuid.uuid4()}/early-payment",
            headers=_as(s, t, "supplier", supplier_orgnr=SUPPLIER),
            json={"percent_per_30_days": "1"},
        ),
    ),
    "an unknown bank record": (
        404,
        lambda app, client, s, t: client.post(
            "/api/v1/bank-files/unmatched/nope/resolve",
            headers=_as(s, t, RELEASER),
            json={"note": "ringte banken"},
        ),
    ),
    "an empty bank file": (
        422,
        lambda app, client, s, t: client.post(
            "/api/v1/bank-files", headers=_as(s, t, RELEASER), content=b""
        ),
    ),
    "a bank file that is no XML": (
        422,
        lambda app, client, s, t: client.post(
            "/api/v1/bank-files", headers=_as(s, t, RELEASER), content=b"not xml"
        ),
    ),
    "a bank file of another kind": (
        422,
        lambda app, client, s, t: client.post(
            "/api/v1/bank-files", headers=_as(s, t, RELEASER), content=b"<Document/>"
        ),
    ),
    "settings that contradict themselves": (
        422,
        lambda app, client, s, t: client.put(
            "/api/v1/payment/settings",
            headers=_as(s, t, "finance-admin"),
            json={"default_account": "nope", "weekdays": [7]},
        ),
    ),
    "a body its model refuses": (
        422,
        lambda app, client, s, t: client.put(
            f"/api/v1/payment/suppliers/{SUPPLIER}/accounts",
            headers=_as(s, t, RELEASER),
            json={"account": ACCOUNT, "note": ""},
        ),
    ),
}


@pytest.mark.parametrize("name", list(REFUSALS))
def test_every_refusal_says_why_in_english_and_bokmal(app, client, settings, tenant, name):
    status, make = REFUSALS[name]
    answer = make(app, client, settings, tenant)
    assert answer.status_code == status, answer.text
    body = answer.json()
    assert body["detail"], body  # English, as API clients read it
    nb = body["reason_nb"]
    assert isinstance(nb, str) and nb.strip() and nb != body["detail"], body


def test_the_four_eyes_refusal_reads_as_bokmal(app, client, settings, tenant):
    body = _four_eyes(app, client, settings, tenant).json()
    assert body["detail"] == "four eyes: the user who proposed a payment run may not approve it"
    assert body["reason_nb"] == "Den som foreslo betalingsforslaget kan ikke frigi det (fire øyne)."
