"""Flagged invoices on a real PostgreSQL: a person's release uses up the order and vouches for
the supplier's account, in one save; a correction checks a stopped invoice again, never as a
duplicate of itself, once per correction.

Needs only PostgreSQL; the module gets a database of its own, dropped afterwards. Messages are
handed to the application as the consumer does, with a tracking row each.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from eventsourcing.persistence import Tracking
from fastapi import FastAPI
from fastapi.testclient import TestClient

from fakturaportal.auth import issue_dev_token
from fakturaportal.demo import SUPPLIERS, demo_invoice
from fakturaportal.messaging import InboundMessage
from fakturaportal.settings import CommonSettings, common_settings
from services.intake.ehf import capture
from services.validation.api import build_router
from services.validation.app import ValidationApp
from services.validation.domain import FlagRefused, ValidationCase
from services.validation.orders import order_id
from services.validation.translate import translate
from shared.schemas.envelope import Envelope, event_type
from shared.schemas.events import (
    DocumentRef,
    EventPayload,
    InvoiceCaptured,
    InvoiceCorrected,
    InvoiceFlagged,
    InvoiceRejected,
    InvoiceValidated,
    OrderLine,
    PurchaseOrderRegistered,
)
from shared.schemas.invoice import CanonicalInvoice
from shared.schemas.topics import Topic
from shared.xmlsafe import parse_untrusted
from tests.infra import throwaway_database

pytestmark = pytest.mark.integration

SUPPLIER = SUPPLIERS[0]
OTHER_ACCOUNT = SUPPLIERS[1].account
_offsets = iter(range(1_000_000))


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ValidationApp]:
    base = CommonSettings()
    with throwaway_database(base, "fp_validation_test") as db:
        yield ValidationApp(
            base.model_copy(update={"pg_db": db, "data_dir": tmp_path_factory.mktemp("val")})
        )


@pytest.fixture
def tenant() -> str:
    return f"t-{uuid.uuid4().hex[:10]}"


def consume(app: ValidationApp, payload: EventPayload, topic: Topic, ce_id: str = "") -> None:
    envelope = Envelope(
        id=ce_id or str(uuid.uuid4()),
        source="/tests",
        type=event_type(topic),
        subject=str(payload.invoice_id),
        time=datetime.now(UTC),
        tenantid=payload.tenant_id,
        correlationid=str(payload.invoice_id),
    )
    offset = next(_offsets)
    message = InboundMessage(envelope=envelope, payload=payload, topic=topic, offset=offset)
    app.handle(message, Tracking(message.tracking_name, offset))


def invoice(
    number: int, lines: list[tuple[str, int]] | None = None, **options: Any
) -> CanonicalInvoice:
    if lines:  # another amount: not a probable duplicate of the others
        options["lines"] = [(text, Decimal(amount)) for text, amount in lines]
    return capture(parse_untrusted(demo_invoice(number, **options)))


def captured(app: ValidationApp, tenant: str, inv: CanonicalInvoice) -> uuid.UUID:
    payload = InvoiceCaptured(
        invoice_id=uuid.uuid4(),
        tenant_id=tenant,
        invoice=inv,
        document=DocumentRef(sha256=uuid.uuid4().hex * 2, media_type="application/xml", size=1),
        registered_by="anne",
    )
    consume(app, payload, Topic.INVOICE_CAPTURED)
    return payload.invoice_id


def corrected(
    app: ValidationApp, tenant: str, invoice_id: uuid.UUID, inv: CanonicalInvoice, ce_id: str = ""
) -> None:
    payload = InvoiceCorrected(
        invoice_id=invoice_id,
        tenant_id=tenant,
        field="BT-1",
        value=inv.number or "",
        corrected_by="ola",
        invoice=inv,
    )
    consume(app, payload, Topic.INVOICE_CORRECTED, ce_id)


def published(app: ValidationApp, invoice_id: uuid.UUID) -> list[Any]:
    return [p.payload for e in app.repository.event_store.get(invoice_id) for p in translate(e)]


def test_a_released_duplicate_uses_up_its_order_in_the_same_save(app: ValidationApp, tenant: str):
    number = f"PO-{uuid.uuid4().hex[:6]}"
    app.register_order(
        PurchaseOrderRegistered(
            order_id=order_id(tenant, number),
            order_number=number,
            tenant_id=tenant,
            supplier_legal_id=SUPPLIER.orgnr,
            owner="kari",
            receipt_required=False,
            lines=[OrderLine(line_id="1", quantity=Decimal(2), unit_price=Decimal(1000))],
            registered_by="kari",
        )
    )
    first = captured(app, tenant, invoice(700, order=number))
    second = captured(app, tenant, invoice(700, order=number))  # the same number again
    assert isinstance(published(app, first)[-1], InvoiceValidated)
    flag = published(app, second)[-1]
    assert isinstance(flag, InvoiceFlagged) and flag.findings[0].rule_id == "FP-DUP-01"
    order = app.order(tenant, number)
    assert order is not None and order.invoices == [str(first)], "a flagged invoice waits"

    with pytest.raises(FlagRefused) as refused:
        app.decide_flag(tenant, second, "anne", {"accountant"}, "released", "fine")
    assert refused.value.code == "registered"
    app.decide_flag(tenant, second, "ola", {"accountant"}, "released", "a second delivery")
    order = app.order(tenant, number)
    assert order is not None and order.invoices == [str(first), str(second)]
    assert order.invoiced == {"1": "2"}
    released = published(app, second)[-1]
    assert isinstance(released, InvoiceValidated) and released.released_by == "ola"
    assert released.purchase_order is not None and released.purchase_order.order_number == number

    app.decide_flag(tenant, second, "ola", {"accountant"}, "released", "again")  # a retry
    assert len(published(app, second)) == 2, "a repeated release changes nothing"
    assert app.order(tenant, number).invoices == [str(first), str(second)]  # type: ignore[union-attr]


def test_a_released_payment_diversion_flag_trusts_the_account(app: ValidationApp, tenant: str):
    captured(app, tenant, invoice(710))
    other = captured(app, tenant, invoice(711, account=OTHER_ACCOUNT, lines=[("Toner", 300)]))
    flag = published(app, other)[-1]
    assert isinstance(flag, InvoiceFlagged)
    assert [f.rule_id for f in flag.findings] == ["FP-FRAUD-01"]
    with pytest.raises(FlagRefused) as refused:
        app.decide_flag(tenant, other, "ola", {"accountant"}, "released", "looks fine")
    assert (refused.value.status, refused.value.code) == (403, "fraud")

    app.decide_flag(tenant, other, "finn", {"finance-admin"}, "released", "called Kontorrekvisita")
    ledger = app.supplier(tenant, SUPPLIER.orgnr)
    assert ledger is not None and OTHER_ACCOUNT in ledger.accounts
    assert app.registry(tenant).owners[OTHER_ACCOUNT] == SUPPLIER.orgnr
    later = captured(app, tenant, invoice(712, account=OTHER_ACCOUNT, lines=[("Penner", 40)]))
    assert isinstance(published(app, later)[-1], InvoiceValidated), "the account is known now"


def test_a_correction_turns_a_rejected_invoice_validated_without_finding_itself(
    app: ValidationApp, tenant: str
):
    captured(app, tenant, invoice(720))
    paper = [("Toner", 2000)]
    again = captured(app, tenant, invoice(720, lines=paper))  # same number, another amount
    assert isinstance(published(app, again)[-1], InvoiceFlagged)
    app.decide_flag(tenant, again, "ola", {"accountant"}, "rejected", "Sent twice?")
    rejected = published(app, again)[-1]
    assert isinstance(rejected, InvoiceRejected)
    assert (rejected.rejected_by, rejected.reason) == ("ola", "Sent twice?")

    fixed = invoice(721, lines=paper)  # the desk read the number wrong: it is 721
    corrected(app, tenant, again, fixed, ce_id="correction-1")
    validated = published(app, again)[-1]
    assert isinstance(validated, InvoiceValidated), validated
    assert validated.invoice.number == "DEMO-721" and validated.released_by is None
    ledger = app.supplier(tenant, SUPPLIER.orgnr)
    assert ledger is not None
    mine = [e for e in ledger.entries if e["invoice_id"] == str(again)]
    assert [e["number"] for e in mine] == ["DEMO-721"], "the corrected values, once"

    corrected(app, tenant, again, fixed, ce_id="correction-1")  # redelivered
    corrected(app, tenant, again, invoice(722, lines=paper), ce_id="correction-2")  # too late
    case = app.get_or_none(again)
    assert isinstance(case, ValidationCase) and case.invoice["number"] == "DEMO-721"
    assert len(published(app, again)) == 3


def test_a_rule_rejected_invoice_is_checked_again_after_a_correction(
    app: ValidationApp, tenant: str
):
    broken = invoice(730).model_copy(update={"number": None})
    invoice_id = captured(app, tenant, broken)
    rejected = published(app, invoice_id)[-1]
    assert isinstance(rejected, InvoiceRejected) and rejected.rejected_by is None
    assert "BR-02" in {f.rule_id for f in rejected.findings}
    corrected(app, tenant, invoice_id, invoice(730))
    assert isinstance(published(app, invoice_id)[-1], InvoiceValidated)
    ledger = app.supplier(tenant, SUPPLIER.orgnr)
    assert ledger is not None and [e["number"] for e in ledger.entries] == ["DEMO-730"]


SECRET = "validation-test-secret-" + "x" * 32


@pytest.fixture
def client(app: ValidationApp, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    monkeypatch.setenv("FP_JWT_SECRET", SECRET)
    monkeypatch.delenv("FP_JWT_JWKS_URL", raising=False)
    common_settings.cache_clear()
    http = FastAPI()
    http.include_router(build_router(app))
    yield TestClient(http)
    common_settings.cache_clear()


def auth(tenant: str, user: str, *roles: str) -> dict[str, str]:
    settings = common_settings()
    token = issue_dev_token(settings, tenant=tenant, user=user, roles=list(roles))
    return {"Authorization": f"Bearer {token}"}


def test_the_flag_api_answers_each_refusal_with_its_status_and_both_languages(
    app: ValidationApp, tenant: str, client: TestClient
):
    captured(app, tenant, invoice(740))
    flagged = captured(app, tenant, invoice(740, lines=[("Toner", 90)]))
    clean = captured(app, tenant, invoice(741, lines=[("Penner", 12)]))
    ola, anne = auth(tenant, "ola", "accountant"), auth(tenant, "anne", "accountant")
    url = f"/api/v1/invoices/{flagged}/flag"

    shown = client.get(url, headers=ola).json()
    assert (shown["status"], shown["rules"], shown["decision"]) == ("flagged", ["FP-DUP-01"], None)
    assert client.get(url, headers=auth("other", "ola", "accountant")).status_code == 404
    assert client.get(f"/api/v1/invoices/{uuid.uuid4()}/flag", headers=ola).status_code == 404
    assert client.post(f"{url}/release", json={"note": "x"}, headers=auth(tenant, "s", "supplier")).status_code == 403  # fmt: skip
    assert client.post(f"{url}/release", json={}, headers=ola).status_code == 422
    blank = client.post(f"{url}/release", json={"note": "  "}, headers=ola)
    assert (blank.status_code, blank.json()["code"]) == (422, "note")

    mine = client.post(f"{url}/release", json={"note": "ok"}, headers=anne)
    assert mine.status_code == 403 and "registered" in mine.json()["detail"]
    assert mine.json()["reason_nb"].startswith("arbeidsdeling")
    other_tenant = client.post(
        f"{url}/reject", json={"reason": "no"}, headers=auth("other", "ola", "accountant")
    )
    assert other_tenant.status_code == 404
    not_flagged = client.post(f"/api/v1/invoices/{clean}/flag/reject", json={"reason": "no"}, headers=ola)  # fmt: skip
    assert (not_flagged.status_code, not_flagged.json()["code"]) == (409, "not-flagged")

    done = client.post(f"{url}/reject", json={"reason": "Sent twice."}, headers=ola)
    assert done.status_code == 200
    assert done.json()["decision"] == {"kind": "rejected", "by": "ola", "note": "Sent twice."}
    assert client.post(f"{url}/reject", json={"reason": "again"}, headers=ola).json() == done.json()
    late = client.post(f"{url}/release", json={"note": "oh"}, headers=auth(tenant, "finn", "finance-admin"))  # fmt: skip
    assert (late.status_code, late.json()["code"]) == (409, "decided")
