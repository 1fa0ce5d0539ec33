"""The payment domain without a database: scheduling decisions, the book with credit notes, runs
with four eyes, the proposal's check loop, the files per pain.001 version, the public events."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from services.payment.bank import FileCheck
from services.payment.bankfiles import read_bank_file
from services.payment.domain import (
    BookItem,
    Held,
    PaymentBook,
    PaymentRefusedError,
    PaymentRun,
    book_item,
    message_id,
)
from services.payment.ledger import PaymentLedger, SupplierAccounts, outcome_data
from services.payment.proposal import History, plan_run, with_ids
from services.payment.reconcile import SentPayment, reconcile
from services.payment.release import files_for
from services.payment.setup import DebtorAccount, Setup
from services.payment.translate import translate
from shared.schemas.events import (
    InvoicePosted,
    InvoiceSummary,
    PaymentFailed,
    PaymentSent,
    PaymentSettled,
    VoucherLine,
)
from tests.unit.bankfile_samples import pain002

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # Monday 09:00 in Oslo
TODAY = NOW.date()
META = {"tenant_id": "t", "correlation_id": "c"}
SETUP = Setup(
    debtor_accounts=[
        DebtorAccount(
            id="main",
            name="Demo Bedrift AS",
            orgnr="910747711",
            account="15030100007",
            bic="DNBANOKK",
        ),
        DebtorAccount(
            id="drift",
            name="Demo Bedrift AS",
            orgnr="910747711",
            account="12060543214",
            bic="DNBANOKK",
            pain_version="09",
        ),
    ],
    default_account="main",
)


def posted(**changes: object) -> InvoicePosted:
    lines = changes.pop("lines", [])
    values: dict[str, object] = {
        "number": "INV-1",
        "kind": "invoice",
        "issue_date": TODAY - timedelta(days=5),
        "due_date": TODAY + timedelta(days=9),
        "currency": "NOK",
        "payable_amount": Decimal("1250.00"),
        "tax_amount": Decimal("250.00"),
        "seller_name": "Kontorrekvisita Nord AS",
        "seller_legal_id": "974760673",
        "seller_vat_id": "NO974760673MVA",
        "payment_id": "000000059",
        "payment_account": "8601.11.17947",
    }
    return InvoicePosted(
        invoice_id=uuid4(),
        tenant_id="t",
        voucher_number="1",
        voucher_date=TODAY,
        lines=lines,  # type: ignore[arg-type]
        invoice=InvoiceSummary(**(values | changes)),
    )


def item(**changes: object) -> BookItem:
    decided = book_item(posted(**changes), "corr", None, "main")
    assert isinstance(decided, BookItem)
    return decided


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"currency": "EUR"}, "currency EUR"),
        ({"payable_amount": Decimal("0")}, "nothing to pay"),
        ({"payment_account": None}, "no payment account"),
        ({"seller_name": None}, "no seller name"),
        ({"payment_id": None, "number": None}, "neither KID nor invoice number"),
    ],
)
def test_what_cannot_be_paid_as_it_stands_is_held_with_a_reason(changes, reason):
    decided = book_item(posted(**changes), "c", None)
    assert isinstance(decided, Held) and reason in decided.reason


def test_an_item_keeps_what_the_supplier_gave_for_the_checks_to_judge():
    bad = item(payment_id="000000058", payment_account="86011117948")
    assert (bad.kid, bad.creditor_account) == ("000000058", "86011117948")
    assert bad.supplier_id == "974760673" and bad.debtor_account == "main"
    credit = item(kind="credit-note", payment_account=None, payment_id=None)
    assert credit.amount == Decimal("-1250.00") and credit.is_credit_note
    voucher = item(lines=[VoucherLine(account="2400", credit=Decimal("1500.00"))])
    assert voucher.posted_amount == Decimal("1500.00")
    undated = item(due_date=None)
    assert undated.due_date == TODAY - timedelta(days=5)


def test_items_recorded_before_the_new_fields_still_load():
    old = {
        "invoice_id": "i",
        "invoice_number": "1",
        "creditor_name": "Leverandør AS",
        "creditor_account": "86011117947",
        "kid": None,
        "amount": "10.00",
        "currency": "NOK",
        "due_date": "2026-03-01",
        "correlation_id": "c",
        "traceparent": None,
        "remark": None,
    }
    loaded = BookItem.from_dict(old)
    assert loaded.supplier_id == "Leverandør AS" and loaded.paid_amount == Decimal("0.00")
    assert BookItem.from_dict(loaded.to_dict()) == loaded


def test_credits_used_by_a_run_return_with_its_items():
    book = PaymentBook(tenant_id="t")
    invoice, credit = item(), item(kind="credit-note", payable_amount=Decimal("1250.00"))
    book.schedule(invoice, META)
    assert book.schedule(credit, META) and not book.schedule(credit, META)
    run_id = uuid4()
    book.take(run_id, [invoice.invoice_id], META, {credit.invoice_id: "1250.00"})
    assert book.open == {} and credit.invoice_id in book.used_credits
    with pytest.raises(PaymentRefusedError):
        book.take(uuid4(), [invoice.invoice_id], META)
    book.give_back(run_id, [invoice.to_dict()], {credit.invoice_id: "1250.00"}, "AC04", META)
    assert book.open[credit.invoice_id]["paid_amount"] == "0.00"
    assert book.open[invoice.invoice_id]["last_failure"] == "AC04"


def test_a_stopped_payment_gives_its_credit_to_the_suppliers_next_invoice():
    bad_kid = item(payment_id="000000058", due_date=TODAY + timedelta(days=1))
    good = item(payment_id="000000067", number="INV-2")
    credit = item(kind="credit-note", payable_amount=Decimal("250.00"), payment_id=None)
    plan = plan_run(
        [bad_kid, good, credit],
        setup=SETUP,
        now=NOW,
        horizon=TODAY + timedelta(days=14),
        history=History({"974760673": ["86011117947"]}),
    )
    (payment,) = plan.payments
    assert payment["invoice_id"] == good.invoice_id and payment["amount"] == "1000.00"
    assert plan.credits == {credit.invoice_id: "250.00"}
    assert [h["invoice_id"] for h in plan.held] == [bad_kid.invoice_id]
    assert plan.held[0]["findings"][0]["code"] == "FP-PAY-01"


def test_an_invoice_a_credit_would_settle_in_full_is_checked_too():
    bad_kid = item(payment_id="000000058", payable_amount=Decimal("100.00"))
    later = item(payment_id="000000067", number="INV-2", due_date=TODAY + timedelta(days=12))
    credit = item(kind="credit-note", payable_amount=Decimal("150.00"), payment_id=None)
    plan = plan_run(
        [bad_kid, later, credit],
        setup=SETUP,
        now=NOW,
        horizon=TODAY + timedelta(days=14),
        history=History({"974760673": ["86011117947"]}),
    )
    assert [h["invoice_id"] for h in plan.held] == [bad_kid.invoice_id]
    assert plan.settled_by_credit == ()
    assert [p["amount"] for p in plan.payments] == ["1100.00"]


def test_a_payment_already_sent_is_not_paid_again():
    sent = {"invoice_id": "other", "supplier_id": "974760673", "invoice_number": "INV-1"}
    plan = plan_run(
        [item()],
        setup=SETUP,
        now=NOW,
        horizon=TODAY + timedelta(days=14),
        history=History({"974760673": ["86011117947"]}, [sent]),
    )
    assert plan.payments == () and plan.held[0]["findings"][0]["code"] == "FP-PAY-07"


def run_with(items: list[BookItem], proposer: str = "anne") -> PaymentRun:
    run_id = uuid4()
    plan = plan_run(
        items, setup=SETUP, now=NOW, horizon=TODAY + timedelta(days=30), history=History({})
    )
    return PaymentRun(
        run_id=run_id,
        tenant_id="t",
        payments=with_ids(run_id, plan.payments),
        proposed_by=proposer,
        proposed_at=NOW.isoformat(),
        meta=META,
        plan=plan.view(),
    )


def test_four_eyes_release_once_and_cancel_only_a_proposal():
    run = run_with([item()])
    with pytest.raises(PaymentRefusedError, match="four eyes"):
        run.check_may_release("anne")
    files, placed = files_for(run.id, run.payments, SETUP, NOW)
    run.release("per", NOW, placed, [f.record() for f in files], META)
    assert run.status == "released"
    with pytest.raises(PaymentRefusedError) as again:
        run.release("per", NOW, placed, [f.record() for f in files], META)
    assert again.value.status == 409
    with pytest.raises(PaymentRefusedError):
        run.cancel("anne", NOW, META)
    assert run.delivered(NOW, ["x"], META) and not run.delivered(NOW, ["x"], META)
    assert run.status == "sent"


def test_one_file_per_pain_version_with_a_block_per_account_and_date():
    main = item()
    drift = item(number="INV-2", payment_id="000000067")
    drift = BookItem.from_dict(drift.to_dict() | {"debtor_account": "drift"})
    run = run_with([main, drift])
    files, placed = files_for(run.id, run.payments, SETUP, NOW)
    assert [(f.version, f.message_id) for f in files] == [
        ("03", message_id(run.id, 1)),
        ("09", message_id(run.id, 2)),
    ]
    assert message_id(run.id, 1)[:30] != message_id(run.id, 2)[:30]
    for made in files:
        FileCheck()(made.content)
    blocks = {p["invoice_id"]: p["payment_information_id"] for p in placed}
    assert blocks[main.invoice_id] == f"{run.id.hex[:30]}-1"
    assert blocks[drift.invoice_id].startswith(message_id(run.id, 2)[:30])


def test_public_events_follow_delivery_and_the_banks_answers():
    run = run_with([item()])
    files, placed = files_for(run.id, run.payments, SETUP, NOW)
    run.release("per", NOW, placed, [f.record() for f in files], META)
    run.delivered(NOW, ["outbox"], META)
    events = run.collect_events()
    kinds = [type(p.payload) for e in events for p in translate(e)]
    assert kinds.count(PaymentSent) == 1  # on Delivered, not on Released
    (sent,) = [
        p.payload for e in events for p in translate(e) if isinstance(p.payload, PaymentSent)
    ]
    assert sent.payment_information_id and sent.pain_version == "pain.001.001.03"

    ledger = PaymentLedger(tenant_id="t")
    ledger.record_release(
        run.id, [p | {"run_id": str(run.id), "state": "sent"} for p in placed], META
    )
    payment_id = placed[0]["payment_id"]
    report = read_bank_file(pain002(group="RJCT", code="AM04", original=run.message_id or ""))
    outcomes = reconcile(report.records, ledger.sent_payments())
    recorded = [outcome_data(o, ledger.sent) for o in outcomes]
    assert recorded[0]["reason"].startswith("AM04 Ikke dekning")
    ledger.record_import("f.xml", report.message_type, report.message_id, "anne", recorded, META)
    assert ledger.sent[payment_id]["state"] == "failed"
    (failed,) = [p.payload for e in ledger.collect_events() for p in translate(e)]
    assert isinstance(failed, PaymentFailed) and failed.reason_code == "AM04"


def test_a_refused_resent_copy_of_a_file_says_nothing_about_its_payments():
    payment = SentPayment("e2e", "i", "t", None, Decimal("1"), "NOK", "86011117947", message_id="M")
    report = read_bank_file(pain002(group="RJCT", code="DU01", original="M"))
    (outcome,) = reconcile(report.records, [payment])
    assert outcome.kind == "unchanged" and "duplicate MsgId" in outcome.reason


def test_settled_by_credit_alone_is_settled_at_release():
    run = run_with([item()])
    run.plan["settled_by_credit"] = [{"invoice_id": str(UUID(int=1)), "payment_id": "p"}]
    files, placed = files_for(run.id, run.payments, SETUP, NOW)
    run.release("per", NOW, placed, [f.record() for f in files], META)
    released = run.collect_events()[-1]
    (settled,) = [p.payload for p in translate(released)]
    assert isinstance(settled, PaymentSettled) and settled.amount == Decimal("0.00")


def test_known_accounts_are_learned_once_and_confirmed_with_who():
    accounts = SupplierAccounts(tenant_id="t")
    assert accounts.learn("974760673", "86011117947", "p1", TODAY, META)
    assert not accounts.learn("974760673", "NO9386011117947", "p2", TODAY, META)  # same, as IBAN
    assert accounts.confirm("974760673", "12060543214", "per", "ringt", date(2026, 3, 3), META)
    assert [a["source"] for a in accounts.known["974760673"]] == ["settled", "confirmed"]


def test_runs_recorded_before_the_new_fields_still_load():
    import json

    from eventsourcing.application import Application
    from eventsourcing.persistence import StoredEvent

    mapper = Application(env={"PERSISTENCE_MODULE": "eventsourcing.popo"}).mapper
    run = PaymentRun(
        run_id=uuid4(), tenant_id="t", payments=[], proposed_by="a", proposed_at="x", meta={}
    )
    stored = mapper.to_stored_event(run.collect_events()[0])
    state = json.loads(stored.state)
    del state["plan"]  # an event recorded before proposals kept their plan
    old = StoredEvent(
        stored.originator_id, stored.originator_version, stored.topic, json.dumps(state).encode()
    )
    loaded = mapper.to_domain_event(old).mutate(None)
    assert (loaded.plan, loaded.files, loaded.status) == ({}, [], "proposed")
