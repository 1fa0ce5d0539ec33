"""Matching bank records to sent payments: by EndToEndId, by KID and amount, whole-file and block
rejections, ambiguity, unmatched records, and replays that change nothing; with round trips from a
pain.001 file we built to the bank's pain.002 and camt.054 answers."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from services.payment.bank import FileCheck
from services.payment.bankfiles import BankRecord, read_bank_file
from services.payment.pain001 import CreditTransfer, Debtor, build, payment_blocks
from services.payment.reconcile import SentPayment, reconcile
from tests.unit.bankfile_samples import (
    ORIGINAL,
    block_status,
    camt054,
    camt_entry,
    camt_tx,
    pain002,
    tx_status,
)

DEBTOR = Debtor(name="Demo Bedrift AS", orgnr="910747711", account="15030100007", bic="DNBANOKK")
E1, E2, E3 = (f"{n:032x}" for n in (1, 2, 3))


def transfers() -> list[CreditTransfer]:
    common = {
        "currency": "NOK",
        "creditor_name": "Kontorrekvisita Nord AS",
        "creditor_account": "86011117947",
    }
    return [
        CreditTransfer(
            E1, Decimal("1250.00"), execution_date=date(2026, 3, 2), kid="000000059", **common
        ),
        CreditTransfer(
            E2, Decimal("99.50"), execution_date=date(2026, 3, 2), invoice_number="INV-2", **common
        ),
        CreditTransfer(
            E3, Decimal("500.00"), execution_date=date(2026, 3, 9), kid="12345674", **common
        ),
    ]


def sent_payments(state: str = "sent") -> list[SentPayment]:
    """What the payment service knows after sending the file built from `transfers()`."""
    return [
        SentPayment(
            payment_id=t.end_to_end_id,
            invoice_id=f"inv-{t.end_to_end_id[-1]}",
            tenant_id="demo",
            kid=t.kid,
            amount=t.amount,
            currency=t.currency,
            creditor_account=t.creditor_account,
            state=state,  # type: ignore[arg-type]
            message_id=ORIGINAL,
            payment_information_id=block.payment_information_id,
        )
        for block in payment_blocks(ORIGINAL, DEBTOR, transfers())
        for t in block.transfers
    ]


def outcomes_of(content: bytes, payments=None, seen=frozenset()):
    return reconcile(read_bank_file(content, "in.xml").records, payments or sent_payments(), seen)


def summary(outcomes):
    return [(o.kind, o.payment.payment_id if o.payment else None) for o in outcomes]


def test_the_sent_file_is_valid_and_blocks_are_known():
    FileCheck()(build(ORIGINAL, datetime(2026, 3, 1, tzinfo=UTC), DEBTOR, transfers()))
    assert [p.payment_information_id for p in sent_payments()] == [
        ORIGINAL[:30] + "-1",
        ORIGINAL[:30] + "-1",
        ORIGINAL[:30] + "-2",
    ]


def test_pain002_rejection_round_trip_fails_the_payment_with_the_banks_reason():
    content = pain002(
        block_status(
            ORIGINAL[:30] + "-1",
            "PART",
            None,
            tx_status(E2, "RJCT", "AC04", kid=None, amount="99.50"),
        ),
        group="PART",
    )
    (outcome,) = outcomes_of(content)
    assert (outcome.kind, outcome.payment.payment_id) == ("failed", E2)
    assert outcome.reason_code == "AC04"
    assert outcome.reason == "AC04 Kontoen er avsluttet / Closed account number"
    # replayed: the same file again changes nothing, recognised by key or by state
    assert summary(outcomes_of(content, seen={outcome.key})) == [("unchanged", None)]
    failed = [
        p if p.payment_id != E2 else SentPayment(**{**p.__dict__, "state": "failed"})
        for p in sent_payments()
    ]
    assert summary(outcomes_of(content, failed)) == [("unchanged", E2)]


def test_whole_file_rejection_fails_every_payment_of_the_original_message():
    content = pain002(group="RJCT", code="FF01")
    outcomes = outcomes_of(content)
    assert summary(outcomes) == [("failed", E1), ("failed", E2), ("failed", E3)]
    assert {o.reason_code for o in outcomes} == {"FF01"}
    other = pain002(group="RJCT", code="FF01", original="OTHER-MESSAGE")
    (unmatched,) = outcomes_of(other)
    assert unmatched.kind == "unmatched" and "OTHER-MESSAGE" in unmatched.reason


def test_block_rejection_then_its_transactions_fail_each_payment_once():
    content = pain002(
        block_status(
            ORIGINAL[:30] + "-1",
            "RJCT",
            "AM04",
            tx_status(E1),
            tx_status(E2, kid=None, amount="99.50"),
        ),
        group="PART",
    )
    assert summary(outcomes_of(content)) == [
        ("failed", E1),
        ("failed", E2),
        ("unchanged", E1),
        ("unchanged", E2),
    ]


def test_camt054_settlement_round_trip_by_end_to_end_id_and_replay():
    content = camt054("02", camt_entry("02", camt_tx("02", end_to_end_id=E1, kid="000000059")))
    (settled,) = outcomes_of(content)
    assert (settled.kind, settled.payment.payment_id) == ("settled", E1)
    assert summary(outcomes_of(content, seen={settled.key})) == [("unchanged", None)]
    assert summary(outcomes_of(content, sent_payments("settled")))[0] == ("unchanged", E1)


def test_camt054_settlement_by_kid_and_amount():
    content = camt054(
        "08",
        camt_entry(
            "08",
            camt_tx("08", end_to_end_id=None, kid="12345674", amount="500.00"),
            amount="500.00",
        ),
    )
    assert summary(outcomes_of(content)) == [("settled", E3)]
    unknown_id = camt054(
        "08",
        camt_entry(
            "08",
            camt_tx("08", end_to_end_id="BANKS-OWN-ID", kid="12345674", amount="500.00"),
            amount="500.00",
        ),
    )
    assert summary(outcomes_of(unknown_id)) == [("settled", E3)]


def test_kid_with_another_amount_is_unmatched():
    content = camt054(
        "02",
        camt_entry(
            "02",
            camt_tx("02", end_to_end_id=None, kid="12345674", amount="499.00"),
            amount="499.00",
        ),
    )
    (outcome,) = outcomes_of(content)
    assert outcome.kind == "unmatched" and "KID 12345674 and amount 499.00" in outcome.reason


def test_ambiguous_kid_and_amount_is_unmatched_with_both_ids():
    twin = SentPayment("twin", "inv-t", "demo", "12345674", Decimal("500.00"), "NOK", "86011117947")
    content = camt054(
        "02",
        camt_entry(
            "02",
            camt_tx("02", end_to_end_id=None, kid="12345674", amount="500.00"),
            amount="500.00",
        ),
    )
    (outcome,) = outcomes_of(content, [*sent_payments(), twin])
    assert outcome.kind == "unmatched"
    assert (
        outcome.reason.startswith("ambiguous") and E3 in outcome.reason and "twin" in outcome.reason
    )
    # a payment that already failed (and was paid again under a new id) gives way
    failed_twin = SentPayment(**{**twin.__dict__, "state": "failed"})
    assert summary(outcomes_of(content, [*sent_payments(), failed_twin])) == [("settled", E3)]


def test_unmatched_records_are_kept_with_why():
    content = camt054(
        "02",
        camt_entry("02", camt_tx("02", end_to_end_id="UNKNOWN", kid=None), reference="A"),
        camt_entry("02", amount="75.00", reference="B"),
    )
    first, second = outcomes_of(content)
    assert (first.kind, second.kind) == ("unmatched", "unmatched")
    assert "EndToEndId 'UNKNOWN' is unknown" in first.reason
    assert second.reason == "no EndToEndId and no KID with amount to match by"
    assert first.record.bank_reference == "A"


def test_amount_differing_from_what_we_sent_is_unmatched():
    content = camt054(
        "02",
        camt_entry(
            "02", camt_tx("02", end_to_end_id=E1, kid=None, amount="1200.00"), amount="1200.00"
        ),
    )
    (outcome,) = outcomes_of(content)
    assert outcome.kind == "unmatched" and "1250.00 NOK" in outcome.reason


def test_a_return_after_settlement_fails_the_payment_and_settled_after_failed_is_flagged():
    returned = camt054(
        "02",
        camt_entry(
            "02", camt_tx("02", end_to_end_id=E1, kid=None, returned="AC04"), direction="CRDT"
        ),
    )
    assert summary(outcomes_of(returned, sent_payments("settled"))) == [("failed", E1)]
    settled = camt054("02", camt_entry("02", camt_tx("02", end_to_end_id=E1, kid=None)))
    (outcome,) = outcomes_of(settled, sent_payments("failed"))
    assert outcome.kind == "unmatched" and "had failed" in outcome.reason


def test_acceptance_and_pending_change_nothing():
    content = pain002(
        block_status(
            ORIGINAL[:30] + "-1",
            "PART",
            None,
            tx_status(E1, "ACCP"),
            tx_status(E2, "PDNG", kid=None, amount="99.50"),
        ),
        group="PART",
    )
    outcomes = outcomes_of(content)
    assert summary(outcomes) == [("unchanged", E1), ("unchanged", E2)]
    assert outcomes[0].reason == "accepted by the bank; not settled yet"


def test_one_tenant_at_a_time():
    other = SentPayment("x", "inv-x", "acme", None, Decimal("1"), "NOK", "86011117947")
    with pytest.raises(ValueError, match="one tenant"):
        reconcile([], [*sent_payments(), other])


def test_records_without_payments_are_all_unmatched():
    record = BankRecord(
        "debit", E1, None, Decimal("1"), "NOK", "settled", None, None, None, None, "m"
    )
    assert [o.kind for o in reconcile([record], [])] == ["unmatched"]
