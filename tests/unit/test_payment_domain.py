"""Payment rules: what gets scheduled, runs that never share an item, four eyes, one release."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

import pytest

from services.payment.domain import (
    SENT,
    Held,
    OpenItem,
    PaymentBook,
    PaymentRefusedError,
    PaymentRun,
    credit_transfers,
    payable,
    payment_id,
    propose_run,
)
from services.payment.translate import translate
from shared.schemas.events import InvoiceSummary, PaymentProposed, PaymentSent

TODAY = date(2026, 3, 2)
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TRACE = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"


def summary(**changes) -> InvoiceSummary:
    values = {
        "number": "INV-1",
        "kind": "invoice",
        "issue_date": TODAY - timedelta(days=10),
        "due_date": TODAY + timedelta(days=4),
        "currency": "NOK",
        "payable_amount": Decimal("1250.00"),
        "tax_amount": Decimal("250.00"),
        "seller_name": "Kontorrekvisita Nord AS",
        "seller_legal_id": "974760673",
        "seller_vat_id": "NO974760673MVA",
        "payment_id": "000000059",
        "payment_account": "8601 11 17947",
    }
    return InvoiceSummary(**(values | changes))


def item(days: int = 4, **changes) -> OpenItem:
    invoice = summary(**({"due_date": TODAY + timedelta(days=days)} | changes))
    decided = payable(uuid4(), invoice, TODAY, "corr-1", TRACE)
    assert isinstance(decided, OpenItem)
    return decided


def book_with(*items: OpenItem) -> PaymentBook:
    book = PaymentBook(tenant_id="demo")
    for i in items:
        book.schedule(i, {})
    return book


def run_of(book: PaymentBook, due_until: date = TODAY + timedelta(days=14), **kwargs) -> PaymentRun:
    values = {
        "run_id": uuid4(),
        "due_until": due_until,
        "execution_date": None,
        "today": TODAY,
        "proposed_by": "anne",
        "at": NOW,
        "meta": {"tenant_id": "demo"},
    }
    return propose_run(book, **(values | kwargs))


def test_a_payable_invoice_becomes_an_open_item_with_its_trace():
    invoice_id = uuid4()
    decided = payable(invoice_id, summary(), TODAY, "corr-1", TRACE)
    assert decided == OpenItem(
        invoice_id=str(invoice_id),
        invoice_number="INV-1",
        creditor_name="Kontorrekvisita Nord AS",
        creditor_account="86011117947",
        kid="000000059",
        amount=Decimal("1250.00"),
        currency="NOK",
        due_date=TODAY + timedelta(days=4),
        correlation_id="corr-1",
        traceparent=TRACE,
    )
    assert OpenItem.from_dict(decided.to_dict()) == decided


def test_no_due_date_means_due_on_the_issue_date_or_when_posted():
    assert item(due_date=None).due_date == TODAY - timedelta(days=10)
    undated = payable(uuid4(), summary(due_date=None, issue_date=None), TODAY, "c", None)
    assert isinstance(undated, OpenItem) and undated.due_date == TODAY


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"kind": "credit-note"}, "credit note"),
        ({"currency": "EUR"}, "currency EUR"),
        ({"payable_amount": Decimal("0")}, "not positive"),
        ({"payment_account": None}, "no payment account"),
        ({"payment_account": "86011117948"}, "MOD11"),
        ({"seller_name": None}, "seller name"),
        ({"payment_id": None, "number": None}, "neither KID nor invoice number"),
    ],
)
def test_what_cannot_be_paid_as_it_stands_is_held_with_a_reason(changes, reason):
    decided = payable(uuid4(), summary(**changes), TODAY, "c", None)
    assert isinstance(decided, Held) and reason in decided.reason


def test_a_kid_failing_its_check_digit_pays_with_the_invoice_number_and_says_so():
    decided = payable(uuid4(), summary(payment_id="000000058"), TODAY, "c", None)
    assert isinstance(decided, OpenItem)
    assert decided.kid is None
    assert decided.remark is not None and "check digit" in decided.remark
    held = payable(uuid4(), summary(payment_id="000000058", number=None), TODAY, "c", None)
    assert isinstance(held, Held) and "neither KID nor invoice number" in held.reason


def test_scheduling_the_same_invoice_twice_changes_nothing():
    one = item()
    book = book_with(one)
    assert book.schedule(one, {}) is False
    assert list(book.open) == [one.invoice_id]
    assert [type(e).__name__ for e in book.collect_events()] == ["Opened", "ItemScheduled"]


def test_a_run_takes_the_open_items_due_until_the_date_out_of_the_book():
    soon, later, overdue = item(3), item(30), item(-5)
    book = book_with(soon, later, overdue)
    run = run_of(book, run_id=UUID(int=7))
    assert [p["invoice_id"] for p in run.payments] == [overdue.invoice_id, soon.invoice_id]
    assert [p["execution_date"] for p in run.payments] == [
        TODAY.isoformat(),
        (TODAY + timedelta(days=3)).isoformat(),
    ]
    assert run.payments[0]["payment_id"] == payment_id(UUID(int=7), overdue.invoice_id)
    assert len(run.payments[0]["payment_id"]) <= 35
    assert run.total == Decimal("2500.00")
    assert list(book.open) == [later.invoice_id]


def test_an_execution_date_applies_to_every_payment_and_may_not_be_past():
    book = book_with(item(3), item(5))
    with pytest.raises(PaymentRefusedError, match="past") as refused:
        run_of(book, execution_date=TODAY - timedelta(days=1))
    assert refused.value.status == 422
    run = run_of(book, execution_date=TODAY + timedelta(days=1))
    assert {p["execution_date"] for p in run.payments} == {"2026-03-03"}


def test_no_item_is_ever_in_two_runs():
    one = item()
    book = book_with(one)
    run_of(book)
    with pytest.raises(PaymentRefusedError, match="nothing to pay") as refused:
        run_of(book)
    assert refused.value.status == 422
    with pytest.raises(PaymentRefusedError, match="not open") as taken:
        book.take(uuid4(), [one.invoice_id], {})
    assert taken.value.status == 409


def test_four_eyes_the_proposer_may_not_release():
    run = run_of(book_with(item()))
    with pytest.raises(PaymentRefusedError, match="four eyes") as refused:
        run.release("anne", NOW, run.payments, "f.xml", "0" * 64, {})
    assert refused.value.status == 403


def test_a_run_is_released_once():
    run = run_of(book_with(item()))
    run.release("per", NOW, run.payments, "f.xml", "0" * 64, {})
    assert (run.status, run.released_by, run.message_id) == (SENT, "per", run.id.hex)
    with pytest.raises(PaymentRefusedError, match="already") as refused:
        run.release("ola", NOW, run.payments, "f.xml", "0" * 64, {})
    assert refused.value.status == 409


def test_a_date_that_has_passed_moves_to_the_day_of_release():
    run = run_of(book_with(item(0), item(9)))
    later = TODAY + timedelta(days=2)
    assert [p["execution_date"] for p in run.payments_on(later)] == [
        later.isoformat(),
        "2026-03-11",
    ]
    transfers = credit_transfers(run.payments_on(later))
    assert [t.execution_date for t in transfers] == [later, date(2026, 3, 11)]
    assert transfers[0].kid == "000000059" and transfers[0].amount == Decimal("1250.00")


def test_a_run_becomes_one_public_event_per_invoice_in_the_invoices_trace():
    run = run_of(book_with(item(1), item(2)), meta={"tenant_id": "demo"})
    released = [p | {"traceparent": TRACE.replace("b7ad", "cafe")} for p in run.payments]
    run.release("per", NOW, released, "f.xml", "0" * 64, {"tenant_id": "demo"})
    proposed_event, released_event = run.collect_events()
    proposed = translate(proposed_event)
    assert [type(p.payload) for p in proposed] == [PaymentProposed, PaymentProposed]
    assert {str(p.payload.invoice_id) for p in proposed} == {p["invoice_id"] for p in run.payments}
    assert all(p.traceparent == TRACE and p.correlation_id == "corr-1" for p in proposed)
    sent = translate(released_event)
    assert [type(p.payload) for p in sent] == [PaymentSent, PaymentSent]
    first = sent[0].payload
    assert (first.payment_id, first.message_id, first.released_by, first.kid) == (
        run.payments[0]["payment_id"],
        run.id.hex,
        "per",
        "000000059",
    )
    assert (first.creditor_account, first.amount, first.run_id) == (
        "86011117947",
        Decimal("1250.00"),
        run.id,
    )
    assert all(p.traceparent.startswith("00-0af7651916cd43dd8448eb211c80319c-cafe") for p in sent)
