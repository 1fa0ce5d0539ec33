"""The payment application: schedules posted invoices, proposes runs, releases them to the bank,
and reads the bank's answers back.

Release records first and delivers from the record: the files (bytes and hash) are part of the
`Released` event, and the bank worker (`bank.py`'s `BankWorker`, its own process) hands exactly
those bytes to the bank channel and then records `Delivered` with its position in one
transaction. A crash before the record sends nothing; a crash after it delivers the recorded file
once the worker runs; `payment-sent` follows `Delivered`, so it never announces a file that did not
leave.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any, cast
from uuid import UUID, uuid4

from eventsourcing.application import ProcessingEvent
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError

from fakturaportal.eventstore import ServiceApplication, meta_from, new_meta
from fakturaportal.messaging import InboundMessage
from fakturaportal.settings import CommonSettings
from fakturaportal.telemetry import continue_trace, current_traceparent
from services.payment.bank import BankChannel, FileCheck, OutboxFolder
from services.payment.bankfiles import read_bank_file
from services.payment.config import PaymentSettings
from services.payment.domain import (
    BookItem,
    Held,
    PaymentBook,
    PaymentOrder,
    PaymentRefusedError,
    PaymentRun,
    book_item,
)
from services.payment.ledger import PaymentLedger, SupplierAccounts, outcome_data
from services.payment.planning import earliest_execution
from services.payment.proposal import History, plan_run, recheck, with_ids
from services.payment.reconcile import reconcile
from services.payment.release import files_for, moved_to
from services.payment.setup import PaymentSetup, Setup, default_setup, setup_id
from shared.schemas.events import InvoicePosted
from shared.schemas.topics import Topic

log = logging.getLogger(__name__)

RETRIES = 5
"""Attempts when a concurrent write (consumer or another request) moved an aggregate on."""

Data = dict[str, Any]


RUN_CHANGED_NB = "Betalingsforslaget ble endret i mellomtiden; prøv igjen."
BOOK_CHANGED_NB = "Betalingsboken ble endret i mellomtiden; prøv igjen."
ACCOUNTS_CHANGED_NB = "Leverandørens kontoer ble endret i mellomtiden; prøv igjen."
LEDGER_CHANGED_NB = "Bankavstemmingen ble endret i mellomtiden; prøv igjen."


class RunNotFoundError(LookupError):
    pass


class PaymentApp(ServiceApplication):
    name = "payment"
    snapshotting_intervals = {PaymentBook: 50, PaymentLedger: 50, SupplierAccounts: 50}

    def __init__(
        self,
        settings: CommonSettings | None = None,
        payment: PaymentSettings | None = None,
        channel: BankChannel | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        super().__init__(settings)
        self.payment = payment or PaymentSettings()
        self.channel = channel or OutboxFolder(self.settings.outbox_path)
        self.check_file = FileCheck()
        self.clock = clock or self.payment.now

    # --- scheduling -----------------------------------------------------------------------------

    def on_posted(self, message: InboundMessage, processing: ProcessingEvent[UUID]) -> None:
        payload = cast(InvoicePosted, message.payload)
        if self.get_or_none(PaymentOrder.create_id(payload.invoice_id)) is not None:
            return  # redelivered or republished: already scheduled or held
        meta = meta_from(message)
        setup = self.setup_for(payload.tenant_id)
        decision = book_item(
            payload,
            message.envelope.correlationid,
            traceparent=meta.get("traceparent") or message.envelope.traceparent,
            debtor_account=setup.default_account,
        )
        book = self.book(payload.tenant_id)
        if isinstance(decision, Held):
            log.info("invoice %s held: %s", payload.invoice_id, decision.reason)
            book.hold(str(payload.invoice_id), _summary(payload), decision.reason, meta)
        else:
            book.schedule(decision, meta)
        order = PaymentOrder(
            invoice_id=payload.invoice_id,
            tenant_id=payload.tenant_id,
            held_reason=decision.reason if isinstance(decision, Held) else None,
            meta=meta,
        )
        processing.collect_events(order, book)

    handlers = {Topic.INVOICE_POSTED: on_posted}

    # --- per-tenant aggregates ------------------------------------------------------------------

    def _one(self, kind: type[Aggregate], tenant_id: str) -> Any:
        found = self.get_or_none(kind.create_id(tenant_id))
        return found if found is not None else kind(tenant_id=tenant_id)  # type: ignore[call-arg]

    def book(self, tenant_id: str) -> PaymentBook:
        return cast(PaymentBook, self._one(PaymentBook, tenant_id))

    def ledger(self, tenant_id: str) -> PaymentLedger:
        return cast(PaymentLedger, self._one(PaymentLedger, tenant_id))

    def accounts(self, tenant_id: str) -> SupplierAccounts:
        return cast(SupplierAccounts, self._one(SupplierAccounts, tenant_id))

    def setup_for(self, tenant_id: str) -> Setup:
        found = cast(PaymentSetup | None, self.get_or_none(setup_id(tenant_id)))
        current = found.current() if found else None
        if current is not None:
            return current
        return default_setup(self.payment.debtor_for(tenant_id), self.payment.horizon_days)

    def change_setup(self, tenant_id: str, setup: Setup, user: str) -> Setup:
        meta = new_meta(tenant_id, correlation_id=str(setup_id(tenant_id)))
        for _ in range(RETRIES):
            found = cast(PaymentSetup | None, self.get_or_none(setup_id(tenant_id)))
            aggregate = found or PaymentSetup(tenant_id=tenant_id)
            aggregate.change(setup, user, meta)
            try:
                self.save(aggregate)
                return setup
            except IntegrityError:
                continue
        raise PaymentRefusedError(
            "the payment setup changed meanwhile; try again",
            "Betalingsoppsettet ble endret i mellomtiden; prøv igjen.",
            status=409,
        )

    def setup_history(self, tenant_id: str) -> list[Data]:
        return self.changes(setup_id(tenant_id), "Changed", "changed_by", "settings")

    def history(self, tenant_id: str) -> History:
        accounts = self.accounts(tenant_id)
        return History(
            known_accounts={s: accounts.accounts_of(s) for s in accounts.known},
            live_payments=self.ledger(tenant_id).live_payments(),
        )

    def run_for(self, tenant_id: str, run_id: UUID) -> PaymentRun | None:
        run = self.get_or_none(run_id)
        if isinstance(run, PaymentRun) and run.tenant_id == tenant_id:
            return run
        return None

    def _run(self, tenant_id: str, run_id: UUID) -> PaymentRun:
        run = self.run_for(tenant_id, run_id)
        if run is None:
            raise RunNotFoundError(run_id)
        return run

    def _retry(self, action: Callable[[], Any], conflict: str, conflict_nb: str) -> Any:
        for _ in range(RETRIES):
            try:
                return action()
            except IntegrityError:
                continue
        raise PaymentRefusedError(conflict, conflict_nb, status=409)

    # --- proposal, cancel, release --------------------------------------------------------------

    def propose(
        self, tenant_id: str, user: str, horizon: date | None, debtor_account: str | None = None
    ) -> PaymentRun:
        setup = self.setup_for(tenant_id)
        if debtor_account is not None and debtor_account not in {
            a.id for a in setup.debtor_accounts
        }:
            raise PaymentRefusedError(
                f"no debtor account {debtor_account!r}",
                f"Det finnes ingen belastningskonto {debtor_account!r}.",
                status=422,
            )
        now = self.clock()
        until = horizon or now.date() + timedelta(days=setup.horizon_days)

        def attempt() -> PaymentRun:
            run_id = uuid4()
            book = self.book(tenant_id)
            plan = plan_run(
                book.items(),
                setup=setup,
                now=now,
                horizon=until,
                history=self.history(tenant_id),
                debtor_override=debtor_account,
            )
            if not plan.payments:
                raise PaymentRefusedError(
                    f"nothing to pay: no payment may be made for what is due until {until}",
                    f"Ingenting å betale: ingen betaling kan gjøres for det som forfaller til og "
                    f"med {until:%d.%m.%Y}.",
                    status=422,
                    details=plan.view(),
                )
            meta = new_meta(tenant_id, correlation_id=str(run_id))
            view = plan.view() | {
                "settled_by_credit": with_ids(run_id, plan.settled_by_credit),
                "debtor_account": debtor_account,
            }
            run = PaymentRun(
                run_id=run_id,
                tenant_id=tenant_id,
                payments=with_ids(run_id, plan.payments),
                proposed_by=user,
                proposed_at=now.isoformat(),
                meta=meta,
                plan=view,
            )
            taken = [p["invoice_id"] for p in (*plan.payments, *plan.settled_by_credit)]
            book.take(run_id, taken, meta, plan.credits)
            self.save(run, book)
            return run

        return cast(
            PaymentRun,
            self._retry(
                attempt,
                "the payment book kept changing; try again",
                BOOK_CHANGED_NB,
            ),
        )

    def cancel(self, tenant_id: str, run_id: UUID, user: str) -> PaymentRun:
        def attempt() -> PaymentRun:
            run = self._run(tenant_id, run_id)
            meta = new_meta(tenant_id, correlation_id=str(run_id))
            run.cancel(user, self.clock(), meta)
            book = self.book(tenant_id)
            items = [p["item"] for p in (*run.payments, *run.settled_by_credit)]
            book.give_back(run_id, items, run.plan.get("credits", {}), None, meta)
            self.save(run, book)
            return run

        return cast(
            PaymentRun, self._retry(attempt, "the payment run changed; try again", RUN_CHANGED_NB)
        )

    def approve(self, tenant_id: str, run_id: UUID, user: str) -> PaymentRun:
        def attempt() -> PaymentRun:
            run = self._run(tenant_id, run_id)
            run.check_may_release(user)
            stops = [r for r in recheck(run.payments, self.history(tenant_id)) if not r.may_release]
            if stops:
                raise PaymentRefusedError(
                    "the checks stop payments of this run; cancel it and propose again",
                    "Kontrollene stopper betalinger i forslaget; kanseller det og lag et nytt.",
                    status=409,
                    details=[
                        {"invoice_id": r.invoice_id, "findings": [f.__dict__ for f in r.findings]}
                        for r in stops
                    ],
                )
            setup = self.setup_for(tenant_id)
            now = self.clock()
            payments = moved_to(run.payments, earliest_execution(now, setup.cutoff))
            files, placed = files_for(run.id, payments, setup, now)
            for made in files:
                self.check_file(made.content)
            meta = new_meta(tenant_id, correlation_id=str(run_id))
            run.release(
                user, now, self._in_invoice_traces(placed), [f.record() for f in files], meta
            )
            ledger = self.ledger(tenant_id)
            ledger.record_release(
                run.id, [_sent(p) | {"run_id": str(run.id)} for p in placed], meta
            )
            self.save(run, ledger)
            return run

        return cast(
            PaymentRun, self._retry(attempt, "the payment run changed; try again", RUN_CHANGED_NB)
        )

    def deliver(self, run: PaymentRun) -> list[str]:
        """Hand the recorded files to the bank channel, byte for byte as recorded."""
        where = []
        for record in run.files:
            content = str(record["content"]).encode("utf-8")
            if hashlib.sha256(content).hexdigest() != record["sha256"]:
                raise RuntimeError(f"recorded file {record['file_name']} does not match its hash")
            where.append(self.channel.deliver(run.tenant_id, record["file_name"], content))
        return where

    @staticmethod
    def _in_invoice_traces(payments: list[Data]) -> list[Data]:
        """Each payment's release joins its invoice's trace, linked to the approving request."""
        traced = []
        for payment in payments:
            with continue_trace("release payment", payment.get("traceparent")):
                traced.append(
                    payment | {"traceparent": current_traceparent() or payment.get("traceparent")}
                )
        return traced

    # --- early payment, known accounts ----------------------------------------------------------

    def item_of(self, tenant_id: str, invoice_id: str) -> BookItem | None:
        data = self.book(tenant_id).open.get(invoice_id)
        return None if data is None else BookItem.from_dict(data)

    def accept_offer(self, tenant_id: str, invoice_id: str, offer: Data, user: str) -> None:
        def attempt() -> None:
            book = self.book(tenant_id)
            book.accept_offer(invoice_id, offer, user, new_meta(tenant_id, invoice_id))
            self.save(book)

        self._retry(attempt, "the payment book kept changing; try again", BOOK_CHANGED_NB)

    def confirm_account(
        self, tenant_id: str, supplier_id: str, account: str, user: str, note: str
    ) -> bool:
        def attempt() -> bool:
            accounts = self.accounts(tenant_id)
            meta = new_meta(tenant_id, correlation_id=f"supplier:{supplier_id}")
            changed = accounts.confirm(supplier_id, account, user, note, self.clock().date(), meta)
            if changed:
                self.save(accounts)
            return changed

        return cast(
            bool,
            self._retry(attempt, "the supplier's accounts changed; try again", ACCOUNTS_CHANGED_NB),
        )

    # --- the bank's answers ---------------------------------------------------------------------

    def import_bank_file(
        self, tenant_id: str, content: bytes, file_name: str, imported_by: str
    ) -> dict[str, int]:
        """Read a pain.002 or camt.054 file and record every outcome in one transaction:
        settled payments (their accounts become known), failed ones (their items go back to the
        book), unmatched records (for a person). Raises `BankFileError` for a bad file."""
        bank_file = read_bank_file(content, file_name)

        def attempt() -> dict[str, int]:
            ledger = self.ledger(tenant_id)
            outcomes = reconcile(bank_file.records, ledger.sent_payments(), seen=ledger.seen)
            recorded = [outcome_data(o, ledger.sent) for o in outcomes]
            meta = new_meta(tenant_id, correlation_id=f"bank-file:{bank_file.message_id}")
            book, accounts = self.book(tenant_id), self.accounts(tenant_id)
            self._settle(ledger, accounts, recorded, meta)
            self._give_back_failed(ledger, book, recorded, meta)
            ledger.record_import(
                file_name, bank_file.message_type, bank_file.message_id, imported_by, recorded, meta
            )
            self.save(ledger, book, accounts)
            counts = {"settled": 0, "failed": 0, "unmatched": 0, "unchanged": 0}
            for outcome in outcomes:
                counts[outcome.kind] += 1
            return counts

        return cast(
            dict[str, int],
            self._retry(attempt, "the payment ledger kept changing", LEDGER_CHANGED_NB),
        )

    def _settle(
        self, ledger: PaymentLedger, accounts: SupplierAccounts, outcomes: list[Data], meta: Data
    ) -> None:
        for outcome in outcomes:
            if outcome["kind"] != "settled":
                continue
            sent = ledger.sent[outcome["payment_id"]]
            booked = outcome["record"]["booking_date"]
            on = date.fromisoformat(booked) if booked else self.clock().date()
            accounts.learn(
                sent["supplier_id"], sent["creditor_account"], sent["payment_id"], on, meta
            )

    @staticmethod
    def _give_back_failed(
        ledger: PaymentLedger, book: PaymentBook, outcomes: list[Data], meta: Data
    ) -> None:
        for outcome in outcomes:
            if outcome["kind"] != "failed":
                continue
            sent = ledger.sent[outcome["payment_id"]]
            book.give_back(
                UUID(sent["run_id"]),
                [sent["item"]],
                {c["credit_note_id"]: c["amount"] for c in sent.get("credits", [])},
                outcome["reason"],
                meta,
            )

    def resolve_unmatched(self, tenant_id: str, key: str, note: str, user: str) -> Data:
        def attempt() -> Data:
            ledger = self.ledger(tenant_id)
            ledger.resolve(key, note, user, new_meta(tenant_id, correlation_id=f"bank:{key}"))
            self.save(ledger)
            return ledger.unmatched[key]

        return cast(
            Data, self._retry(attempt, "the payment ledger kept changing", LEDGER_CHANGED_NB)
        )


def _sent(payment: Data) -> Data:
    """What the ledger keeps of a sent payment."""
    keys = (
        "payment_id",
        "invoice_id",
        "invoice_number",
        "supplier_id",
        "kid",
        "amount",
        "currency",
        "creditor_account",
        "message_id",
        "payment_information_id",
        "file_name",
        "credits",
        "correlation_id",
        "traceparent",
        "item",
    )
    return {k: payment.get(k) for k in keys}


def _summary(payload: InvoicePosted) -> Data:
    invoice = payload.invoice
    return {
        "invoice_id": str(payload.invoice_id),
        "invoice_number": invoice.number,
        "kind": invoice.kind,
        "creditor_name": invoice.seller_name,
        "amount": None if invoice.payable_amount is None else str(invoice.payable_amount),
        "currency": invoice.currency,
        "due_date": invoice.due_date.isoformat() if invoice.due_date else None,
    }
