"""Which sent payment each bank record is about, and what that means for it. Pure: no I/O.

A record is matched by its EndToEndId (our payment id) first; without one that we know, by KID
and amount, and only when exactly one payment fits (a payment that already failed gives way to one
that has not, since a failed payment is paid again under a new id with the same KID). A group or
payment-block record of a pain.002 (a whole-file rejection, say) stands for every payment of the
original message or block.

Outcomes, one per payment a record touches (or one `unmatched` for a record that touches none):
`settled`, `failed` (with the bank's reason; the payment goes back to planning), `unchanged` (it
says what we already know: a replayed file, a second report of the same, an acceptance before
settlement) and `unmatched` (with why: for a person to look at, never dropped).

Replays: each record has an idempotency key (`BankRecord.key`); a key in `seen` (the keys already
processed) or met before in the same call gives `unchanged` without looking further. States move
along within one call, so a file that rejects a whole block and then each of its transactions
fails each payment once.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Literal

from services.payment.bankfiles import BankRecord

PaymentState = Literal["sent", "settled", "failed"]
DUPLICATE_MESSAGE = frozenset({"DU01"})
"""Group-level reasons that refuse a file as a copy of one already received: the file we resend
after a crash between delivery and its record carries the same MsgId, and its refusal says
nothing about the payments of the first."""
OutcomeKind = Literal["settled", "failed", "unchanged", "unmatched"]


@dataclass(frozen=True)
class SentPayment:
    """A payment that went to the bank in a pain.001 file, as the payment service knows it."""

    payment_id: str
    """= the EndToEndId in the file."""
    invoice_id: str
    tenant_id: str
    kid: str | None
    amount: Decimal
    currency: str
    creditor_account: str
    state: PaymentState = "sent"
    message_id: str | None = None
    """The pain.001 `MsgId` it was sent in (for group-level statuses)."""
    payment_information_id: str | None = None
    """Its `PmtInfId` in that file (`pain001.payment_blocks`), for block-level statuses."""


@dataclass(frozen=True)
class Outcome:
    kind: OutcomeKind
    record: BankRecord
    payment: SentPayment | None
    """The payment as it was before this record (None when unmatched)."""
    reason: str
    """Why: the bank's reason for `failed`, what did not fit for `unmatched`, else a note."""

    @property
    def key(self) -> str:
        """The record's idempotency key."""
        return self.record.key

    @property
    def reason_code(self) -> str | None:
        return self.record.reason_code


def reconcile(
    records: Iterable[BankRecord],
    payments: Iterable[SentPayment],
    seen: Collection[str] = frozenset(),
) -> list[Outcome]:
    """The outcome of each record against one tenant's sent payments, in record order."""
    known = {p.payment_id: p for p in payments}
    if len({p.tenant_id for p in known.values()}) > 1:
        raise ValueError("reconcile one tenant's payments at a time")
    done = set(seen)
    outcomes: list[Outcome] = []
    for record in records:
        if record.key in done:
            outcomes.append(Outcome("unchanged", record, None, "already processed (replayed)"))
            continue
        done.add(record.key)
        targets, why = _match(record, list(known.values()))
        if not targets:
            outcomes.append(Outcome("unmatched", record, None, why))
            continue
        for payment in targets:
            outcome = _apply(record, payment)
            outcomes.append(outcome)
            if outcome.kind in ("settled", "failed"):
                known[payment.payment_id] = replace(payment, state=outcome.kind)
    return outcomes


def _match(record: BankRecord, payments: list[SentPayment]) -> tuple[list[SentPayment], str]:
    if record.level == "group":
        found = [p for p in payments if p.message_id and p.message_id == record.original_message_id]
        return found, f"no sent payment from message {record.original_message_id!r}"
    if record.level == "payment_information":
        block = record.original_payment_information_id
        found = [
            p
            for p in payments
            if p.payment_information_id
            and p.payment_information_id == block
            and (record.original_message_id in (None, p.message_id))
        ]
        return found, f"no sent payment in payment block {block!r}"
    if record.end_to_end_id:
        by_id = [p for p in payments if p.payment_id == record.end_to_end_id]
        if by_id:
            return _amount_fits(record, by_id[0])
    if not record.kid or record.amount is None:
        what = f"EndToEndId {record.end_to_end_id!r} is unknown" if record.end_to_end_id else ""
        return [], (what or "no EndToEndId") + " and no KID with amount to match by"
    candidates = [
        p
        for p in payments
        if p.kid == record.kid
        and p.amount == record.amount
        and (record.currency is None or p.currency == record.currency)
    ]
    if len(candidates) > 1:
        candidates = [p for p in candidates if p.state != "failed"] or candidates
    if len(candidates) == 1:
        return candidates, ""
    if not candidates:
        return [], f"no sent payment with KID {record.kid} and amount {record.amount}"
    ids = ", ".join(sorted(p.payment_id for p in candidates))
    return [], f"ambiguous: KID {record.kid} and amount {record.amount} fit payments {ids}"


def _amount_fits(record: BankRecord, payment: SentPayment) -> tuple[list[SentPayment], str]:
    if record.amount is None or (
        record.amount == payment.amount and record.currency in (None, payment.currency)
    ):
        return [payment], ""
    return [], (
        f"payment {payment.payment_id} was sent for {payment.amount} {payment.currency}, "
        f"the bank reports {record.amount} {record.currency}"
    )


def _apply(record: BankRecord, payment: SentPayment) -> Outcome:
    if record.status == "settled":
        if payment.state == "settled":
            return Outcome("unchanged", record, payment, "already settled")
        if payment.state == "failed":
            return Outcome(
                "unmatched", record, payment, "the bank reports settled a payment that had failed"
            )
        return Outcome("settled", record, payment, "settled by the bank")
    if record.status == "rejected":
        if record.level == "group" and record.reason_code in DUPLICATE_MESSAGE:
            return Outcome(
                "unchanged",
                record,
                payment,
                f"the bank refused a resent copy of message {record.original_message_id} "
                "(duplicate MsgId); the original file's payments stand",
            )
        if payment.state == "failed":
            return Outcome("unchanged", record, payment, "already failed")
        reason = record.reason_text or record.reason_code or "rejected by the bank (no reason)"
        return Outcome("failed", record, payment, reason)
    return Outcome("unchanged", record, payment, f"{record.status} by the bank; not settled yet")
