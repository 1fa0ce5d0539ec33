"""What went to the bank and what the bank said back, and which accounts a supplier uses. Pure.

`PaymentLedger` (one per tenant) holds every payment sent in a pain.001 file with its state
(sent, settled, failed), the idempotency keys of the bank records already processed (a replayed
file changes nothing), the records no payment matched (for a person, never dropped), and the runs
recorded as released but not yet handed to the bank channel.

`SupplierAccounts` (one per tenant) holds the accounts each supplier is known to use: learned from
payments the bank settled, or confirmed by a person (who, when, why). Paying to any other account
is held as possible fraud (FP-PAY-05).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid5

from eventsourcing.domain import Aggregate, event

from services.payment.bankfiles import describe_reason
from services.payment.checks import same_account
from services.payment.domain import NAMESPACE, Meta, PaymentRefusedError
from services.payment.reconcile import Outcome, SentPayment

Data = dict[str, Any]


def outcome_data(outcome: Outcome, sent: dict[str, Data]) -> Data:
    """An outcome as recorded: the record's facts, the payment's, and the invoice's trace."""
    record = outcome.record
    payment = sent.get(outcome.payment.payment_id) if outcome.payment else None
    reason = outcome.reason
    if outcome.kind == "failed":
        reason = describe_reason(record.reason_code, record.reason_text) or reason
    return {
        "kind": outcome.kind,
        "key": outcome.key,
        "reason": reason,
        "reason_code": outcome.reason_code,
        "record": {
            "kind": record.kind,
            "level": record.level,
            "status": record.status,
            "end_to_end_id": record.end_to_end_id,
            "kid": record.kid,
            "amount": None if record.amount is None else str(record.amount),
            "currency": record.currency,
            "booking_date": record.booking_date.isoformat() if record.booking_date else None,
            "bank_reference": record.bank_reference,
            "source_message_id": record.source_message_id,
            "original_message_id": record.original_message_id,
            "position": record.position,
        },
        "payment_id": payment["payment_id"] if payment else None,
        "invoice_id": payment["invoice_id"] if payment else None,
        "amount": payment["amount"] if payment else None,
        "correlation_id": payment.get("correlation_id") if payment else None,
        "traceparent": payment.get("traceparent") if payment else None,
    }


class PaymentLedger(Aggregate):
    @staticmethod
    def create_id(tenant_id: str) -> UUID:
        return uuid5(NAMESPACE, f"payment-ledger/{tenant_id}")

    @event("Opened")
    def __init__(self, tenant_id: str) -> None:
        self.tenant_id = tenant_id
        self.sent: dict[str, Data] = {}
        self.seen: dict[str, str] = {}
        self.unmatched: dict[str, Data] = {}
        self.undelivered: dict[str, str] = {}

    def sent_payments(self) -> list[SentPayment]:
        return [
            SentPayment(
                payment_id=p["payment_id"],
                invoice_id=p["invoice_id"],
                tenant_id=self.tenant_id,
                kid=p.get("kid"),
                amount=Decimal(str(p["amount"])),
                currency=p["currency"],
                creditor_account=p["creditor_account"],
                state=p["state"],
                message_id=p.get("message_id"),
                payment_information_id=p.get("payment_information_id"),
            )
            for p in self.sent.values()
        ]

    def live_payments(self) -> list[Data]:
        """Payments sent or settled (not failed): what a new payment must not repeat."""
        return [p for p in self.sent.values() if p["state"] != "failed"]

    def record_release(self, run_id: UUID, payments: list[Data], meta: Meta) -> None:
        self._released(run_id=str(run_id), payments=payments, meta=meta)

    @event("RunReleased")
    def _released(self, run_id: str, payments: list[Data], meta: Meta) -> None:
        for payment in payments:
            self.sent[payment["payment_id"]] = payment | {"state": "sent"}
        self.undelivered[run_id] = run_id

    def record_delivery(self, run_id: UUID, meta: Meta) -> None:
        if str(run_id) in self.undelivered:
            self._delivered(run_id=str(run_id), meta=meta)

    @event("RunDelivered")
    def _delivered(self, run_id: str, meta: Meta) -> None:
        self.undelivered.pop(run_id, None)

    def record_import(
        self,
        file_name: str,
        message_type: str,
        message_id: str,
        imported_by: str,
        outcomes: list[Data],
        meta: Meta,
    ) -> None:
        self._imported(
            file_name=file_name,
            message_type=message_type,
            message_id=message_id,
            imported_by=imported_by,
            outcomes=outcomes,
            meta=meta,
        )

    @event("BankFileImported")
    def _imported(
        self,
        file_name: str,
        message_type: str,
        message_id: str,
        imported_by: str,
        outcomes: list[Data],
        meta: Meta,
    ) -> None:
        for outcome in outcomes:
            self.seen[outcome["key"]] = file_name
            if outcome["kind"] in ("settled", "failed") and outcome["payment_id"] in self.sent:
                payment = self.sent[outcome["payment_id"]]
                self.sent[outcome["payment_id"]] = payment | {"state": outcome["kind"]}
            elif outcome["kind"] == "unmatched":
                self.unmatched[outcome["key"]] = outcome | {
                    "file_name": file_name,
                    "message_type": message_type,
                    "resolved_by": None,
                    "note": None,
                }

    def resolve(self, key: str, note: str, resolved_by: str, meta: Meta) -> None:
        found = self.unmatched.get(key)
        if found is None:
            raise PaymentRefusedError(
                "no unmatched bank record with that key",
                "Fant ingen uavstemt bankpost med den nøkkelen.",
                status=404,
            )
        if found["resolved_by"] is not None:
            raise PaymentRefusedError(
                "the bank record is already resolved",
                "Bankposten er allerede avklart.",
                status=409,
            )
        self._resolved(key=key, note=note, resolved_by=resolved_by, meta=meta)

    @event("UnmatchedResolved")
    def _resolved(self, key: str, note: str, resolved_by: str, meta: Meta) -> None:
        self.unmatched[key] = self.unmatched[key] | {"resolved_by": resolved_by, "note": note}


@dataclass(frozen=True)
class KnownAccount:
    account: str
    source: str
    """`settled` (learned from a payment the bank settled) or `confirmed` (by a person)."""
    by: str
    on: str


class SupplierAccounts(Aggregate):
    @staticmethod
    def create_id(tenant_id: str) -> UUID:
        return uuid5(NAMESPACE, f"supplier-accounts/{tenant_id}")

    @event("Opened")
    def __init__(self, tenant_id: str) -> None:
        self.tenant_id = tenant_id
        self.known: dict[str, list[Data]] = {}

    def accounts_of(self, supplier_id: str) -> list[str]:
        return [a["account"] for a in self.known.get(supplier_id, [])]

    def knows(self, supplier_id: str, account: str) -> bool:
        return any(same_account(account, known) for known in self.accounts_of(supplier_id))

    def learn(self, supplier_id: str, account: str, payment_id: str, on: date, meta: Meta) -> bool:
        """A settled payment makes its account known; False if it was known already."""
        if not supplier_id or not account or self.knows(supplier_id, account):
            return False
        self._learned(supplier_id, account, payment_id, on.isoformat(), meta)
        return True

    @event("AccountLearned")
    def _learned(
        self, supplier_id: str, account: str, payment_id: str, on: str, meta: Meta
    ) -> None:
        self._add(
            supplier_id, {"account": account, "source": "settled", "by": payment_id, "on": on}
        )

    def confirm(
        self, supplier_id: str, account: str, confirmed_by: str, note: str, on: date, meta: Meta
    ) -> bool:
        """A person confirms the supplier uses the account (e.g. by phone), saying how."""
        if self.knows(supplier_id, account):
            return False
        self._confirmed(supplier_id, account, confirmed_by, note, on.isoformat(), meta)
        return True

    @event("AccountConfirmed")
    def _confirmed(
        self, supplier_id: str, account: str, confirmed_by: str, note: str, on: str, meta: Meta
    ) -> None:
        entry = {"account": account, "source": "confirmed", "by": confirmed_by, "on": on}
        self._add(supplier_id, entry | {"note": note})

    def _add(self, supplier_id: str, entry: Data) -> None:
        self.known[supplier_id] = [*self.known.get(supplier_id, []), entry]
