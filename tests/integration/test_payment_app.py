"""The payment service on a real PostgreSQL: scheduling from posted invoices, the run API with four
eyes, the pain.001 file in the outbox, the public events, and concurrent writes retried.

Needs only PostgreSQL (`FP_PG_*`, default localhost:55432 as `deploy/local/postgres.sh` starts it);
each test module gets a database of its own, dropped afterwards.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from eventsourcing.persistence import IntegrityError, Tracking
from fastapi import FastAPI
from fastapi.testclient import TestClient
from pydantic import SecretStr

from fakturaportal.auth import issue_dev_token
from fakturaportal.messaging import InboundMessage
from fakturaportal.settings import CommonSettings, common_settings
from fakturaportal.telemetry import trace_id_of
from services.payment.api import build_router
from services.payment.app import PaymentApp
from services.payment.bank import FileCheck
from services.payment.config import PaymentSettings
from services.payment.domain import PaymentBook, PaymentOrder, PaymentRun
from services.payment.translate import translate
from shared.schemas.envelope import Envelope, event_type
from shared.schemas.events import InvoicePosted, InvoiceSummary, PaymentProposed, PaymentSent
from shared.schemas.topics import Topic
from tests.infra import throwaway_database

pytestmark = pytest.mark.integration

SECRET = "payment-test-secret-" + "x" * 32
TODAY = datetime.now(UTC).date()


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[CommonSettings]:
    base = CommonSettings()
    with throwaway_database(base, "fp_payment_test") as db:
        yield from _settings(base, db, tmp_path_factory)


def _settings(
    base: CommonSettings, db: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[CommonSettings]:
    data_dir = tmp_path_factory.mktemp("payment")
    yield base.model_copy(
        update={
            "pg_db": db,
            "data_dir": data_dir,
            "jwt_secret": SecretStr(SECRET),
            "jwt_jwks_url": None,
        }
    )


@pytest.fixture(scope="module")
def app(settings: CommonSettings) -> PaymentApp:
    return PaymentApp(settings, PaymentSettings())


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


def auth(settings: CommonSettings, tenant: str, user: str, *roles: str) -> dict[str, str]:
    token = issue_dev_token(settings, tenant=tenant, user=user, roles=list(roles))
    return {"Authorization": f"Bearer {token}"}


_offsets = iter(range(1_000_000))


def posted(
    tenant: str, due_in: int = 5, *, invoice_id: uuid.UUID | None = None, **changes: object
) -> InvoicePosted:
    values: dict[str, object] = {
        "number": f"INV-{uuid.uuid4().hex[:6]}",
        "kind": "invoice",
        "issue_date": TODAY - timedelta(days=9),
        "due_date": TODAY + timedelta(days=due_in),
        "currency": "NOK",
        "payable_amount": Decimal("1250.00"),
        "tax_amount": Decimal("250.00"),
        "seller_name": "Kontorrekvisita Nord AS",
        "seller_legal_id": "974760673",
        "seller_vat_id": "NO974760673MVA",
        "payment_id": "000000059",
        "payment_account": "86011117947",
    }
    return InvoicePosted(
        invoice_id=invoice_id or uuid.uuid4(),
        tenant_id=tenant,
        voucher_number="2026-1",
        voucher_date=TODAY,
        lines=[],
        invoice=InvoiceSummary(**(values | changes)),
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


def test_posted_invoices_are_scheduled_once_and_the_rest_held_with_a_reason(app, tenant):
    payable = posted(tenant)
    credit_note = posted(tenant, kind="credit-note")
    euro = posted(tenant, currency="EUR")
    for payload in (payable, credit_note, euro):
        consume(app, payload)
    consume(app, payable)  # republished at a new offset: nothing changes
    assert len(events_of(app, payable.invoice_id)) == 1
    assert list(book_of(app, tenant).open) == [str(payable.invoice_id)]
    assert len(events_of(app, PaymentBook.create_id(tenant))) == 2  # opened, one item scheduled
    item = book_of(app, tenant).open[str(payable.invoice_id)]
    assert item["traceparent"] == traceparent_for(payable.invoice_id)
    assert item["correlation_id"] == f"corr-{payable.invoice_id}"
    held = {
        p.invoice.kind + "/" + str(p.invoice.currency): app.repository.get(p.invoice_id).held_reason
        for p in (credit_note, euro)
    }
    assert "credit note" in held["credit-note/NOK"] and "currency EUR" in held["invoice/EUR"]


def test_a_run_is_proposed_approved_by_another_person_and_sent_to_the_outbox(
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

    again = client.post("/api/v1/payment-runs", headers=anne, json={})
    assert again.status_code == 422 and "nothing to pay" in again.json()["detail"]
    run_url = f"/api/v1/payment-runs/{run['run_id']}"
    other = auth(settings, "other-tenant", "eve", "payment-approver")
    assert client.get(run_url, headers=other).status_code == 404
    assert client.post(f"{run_url}/approve", headers=other).status_code == 404
    assert client.get(run_url, headers=per).json()["items"] == run["items"]

    four_eyes = client.post(f"{run_url}/approve", headers=anne)
    assert four_eyes.status_code == 403 and "four eyes" in four_eyes.json()["detail"]
    no_role = client.post(f"{run_url}/approve", headers=auth(settings, tenant, "kari", "attestant"))
    assert no_role.status_code == 403

    approved = client.post(f"{run_url}/approve", headers=per)
    assert approved.status_code == 200, approved.text
    sent = approved.json()
    assert (sent["status"], sent["released_by"]) == ("sent", "per")
    assert client.post(f"{run_url}/approve", headers=per).status_code == 409

    file = settings.outbox_path / tenant / sent["file_name"]
    content = file.read_bytes()
    assert sent["file_name"] == f"{sent['message_id']}.xml"
    assert [p.name for p in file.parent.iterdir()] == [file.name]
    released = events_of(app, uuid.UUID(run["run_id"]))[-1]
    assert released.file_sha256 == hashlib.sha256(content).hexdigest()
    assert (
        b"<Ref>000000059</Ref>" in content
        and f"<Ustrd>{overdue.invoice.number}<".encode() in content
    )
    FileCheck()(content)


def test_public_events_are_one_per_invoice_in_the_invoices_trace(app, client, settings, tenant):
    first, second = posted(tenant, 1), posted(tenant, 2)
    consume(app, first)
    consume(app, second)
    run = client.post("/api/v1/payment-runs", headers=auth(settings, tenant, "anne", "accountant"))
    run_id = run.json()["run_id"]
    per = auth(settings, tenant, "per", "payment-approver")
    assert client.post(f"/api/v1/payment-runs/{run_id}/approve", headers=per).status_code == 200

    publications = [p for e in events_of(app, uuid.UUID(run_id)) for p in translate(e)]
    by_kind: dict[type, list] = {}
    for publication in publications:
        by_kind.setdefault(type(publication.payload), []).append(publication)
    assert len(by_kind[PaymentProposed]) == 2 and len(by_kind[PaymentSent]) == 2
    for publication in publications:
        invoice_id = publication.payload.invoice_id
        assert trace_id_of(publication.traceparent) == invoice_id.hex  # the invoice's own trace
        assert publication.correlation_id == f"corr-{invoice_id}"
    payment = by_kind[PaymentSent][0].payload
    assert payment.message_id == uuid.UUID(run_id).hex and payment.released_by == "per"
    assert payment.file_name == f"{payment.message_id}.xml"


def test_a_run_retries_when_the_consumer_moved_the_book_on(app, tenant, monkeypatch):
    early, late = posted(tenant, 1), posted(tenant, 2)
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
    run = app.propose(tenant, "anne", None, None)
    assert interleaved and {p["invoice_id"] for p in run.payments} == {
        str(early.invoice_id),
        str(late.invoice_id),
    }
    assert book_of(app, tenant).open == {}


def test_the_consumer_fails_cleanly_when_a_run_moved_the_book_on_and_succeeds_again(
    app, tenant, monkeypatch
):
    consume(app, posted(tenant, 1))
    late = posted(tenant, 2)
    read = app.book

    def stale_book(tenant_id: str) -> PaymentBook:
        book = read(tenant_id)
        monkeypatch.setattr(app, "book", read)
        app.propose(tenant, "anne", None, None)  # the API writes between our read and record
        return book

    monkeypatch.setattr(app, "book", stale_book)
    with pytest.raises(IntegrityError):
        consume(app, late)
    assert app.get_or_none(late.invoice_id) is None  # nothing of it was recorded
    consume(app, late)  # the consumer loop retries the same message
    assert list(book_of(app, tenant).open) == [str(late.invoice_id)]


def test_runs_belong_to_their_tenant(app, client, settings, tenant):
    consume(app, posted(tenant, 1))
    run = app.propose(tenant, "anne", None, None)
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
    assert date.fromisoformat(run.payments[0]["execution_date"]) >= TODAY


def test_a_busy_book_is_loaded_from_a_snapshot(app, tenant):
    invoices = [posted(tenant, 1) for _ in range(55)]
    for payload in invoices:
        consume(app, payload)
    book_id = PaymentBook.create_id(tenant)
    assert app.snapshots is not None and list(app.snapshots.get(book_id, desc=True, limit=1))
    assert set(book_of(app, tenant).open) == {str(p.invoice_id) for p in invoices}
