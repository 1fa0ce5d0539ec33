"""A desk correction applied to the canonical invoice (pure): each term read by its type, the
refusals with their reasons, provenance, and what the intake relay publishes for it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from uuid import uuid4

import pytest

from services.intake.correction import TERMS, CorrectionInvalid, apply_correction
from services.intake.domain import IntakeCase
from services.intake.translate import translate
from shared.schemas.events import Channel, InvoiceCorrected
from shared.schemas.invoice import CanonicalInvoice, CaptureSource, Party, Provenance, Totals

UNSURE = Provenance(source=CaptureSource.PDF_TEXT, confidence=0.4)


def captured() -> CanonicalInvoice:
    return CanonicalInvoice(
        number="BR-0451",
        issue_date=date(2026, 3, 1),
        due_date=date(2026, 3, 31),
        currency="NOK",
        seller=Party(name="Kontorrekvisita AS", legal_id="974760673"),
        buyer=Party(name="Demo AS"),
        payment_id="12345678903",
        payment_account="15030100007",
        totals=Totals(tax_exclusive=Decimal("1000.00"), payable=Decimal("1250.00")),
        provenance={"BT-1": UNSURE, "BT-115": UNSURE},
    )


@pytest.mark.parametrize(
    ("term", "typed", "read", "stored"),
    [
        ("BT-1", "  BR-000451 ", lambda i: i.number, "BR-000451"),
        ("BT-2", "28.02.2026", lambda i: i.issue_date, date(2026, 2, 28)),
        ("BT-2", "2026-02-28", lambda i: i.issue_date, date(2026, 2, 28)),
        ("BT-9", "1.4.2026", lambda i: i.due_date, date(2026, 4, 1)),
        ("BT-5", "eur", lambda i: i.currency, "EUR"),
        ("BT-10", "Kari Nordmann", lambda i: i.buyer_reference, "Kari Nordmann"),
        ("BT-13", "PO-77", lambda i: i.order_reference, "PO-77"),
        ("BT-27", "Kontor AS", lambda i: i.seller.name, "Kontor AS"),
        ("BT-30", "923 609 016", lambda i: i.seller.legal_id, "923609016"),
        ("BT-31", "NO 923 609 016 MVA", lambda i: i.seller.vat_id, "NO923609016MVA"),
        ("BT-31", "923609016", lambda i: i.seller.vat_id, "NO923609016MVA"),
        ("BT-31", "SE556677889901", lambda i: i.seller.vat_id, "SE556677889901"),
        ("BT-44", "Demo Holding AS", lambda i: i.buyer.name, "Demo Holding AS"),
        ("BT-47", "974760673", lambda i: i.buyer.legal_id, "974760673"),
        ("BT-83", "1234 5678 903", lambda i: i.payment_id, "12345678903"),
        ("BT-84", "1503.01.00007", lambda i: i.payment_account, "15030100007"),
        ("BT-84", "NO93 8601 1117 947", lambda i: i.payment_account, "NO9386011117947"),
        ("BT-86", "dnbanokk", lambda i: i.payment_bic, "DNBANOKK"),
        ("BT-106", "1 000,00", lambda i: i.totals.line_extension, Decimal("1000.00")),
        ("BT-109", "1.000,00", lambda i: i.totals.tax_exclusive, Decimal("1000.00")),
        ("BT-110", "250", lambda i: i.totals.tax, Decimal("250.00")),
        ("BT-112", "12 500,-", lambda i: i.totals.tax_inclusive, Decimal("12500.00")),
        ("BT-115", "12 500,00", lambda i: i.totals.payable, Decimal("12500.00")),
        ("BT-115", "-1 234,50", lambda i: i.totals.payable, Decimal("-1234.50")),
        ("BT-115", "12500.00", lambda i: i.totals.payable, Decimal("12500.00")),
    ],
)
def test_each_term_is_read_by_its_type(term, typed, read, stored) -> None:  # type: ignore[no-untyped-def]
    corrected = apply_correction(captured(), term, typed)
    assert read(corrected.invoice) == stored
    assert corrected.changed
    assert corrected.invoice.provenance[term] == Provenance(
        source=CaptureSource.MANUAL, confidence=1.0
    )


def test_every_correctable_term_has_a_case_above() -> None:
    covered = {"BT-1", "BT-2", "BT-5", "BT-9", "BT-10", "BT-13", "BT-27", "BT-30", "BT-31"}
    covered |= {"BT-44", "BT-47", "BT-83", "BT-84", "BT-86", "BT-106", "BT-109", "BT-110"}
    assert set(TERMS) == covered | {"BT-112", "BT-115"}


def test_previous_and_value_read_as_text_and_other_terms_keep_their_provenance() -> None:
    corrected = apply_correction(captured(), "BT-115", "1 300,00")
    assert (corrected.previous, corrected.value) == ("1250.00", "1300.00")
    assert corrected.invoice.provenance["BT-1"] == UNSURE
    dated = apply_correction(captured(), "BT-9", "15.04.2026")
    assert (dated.previous, dated.value) == ("2026-03-31", "2026-04-15")
    missing = apply_correction(captured(), "BT-13", "PO-1")
    assert missing.previous is None


@pytest.mark.parametrize(
    ("term", "typed", "why"),
    [
        ("BT-1", "   ", "empty"),
        ("BT-2", "31.02.2026", "not a date"),
        ("BT-2", "next friday", "not a date"),
        ("BT-2", "11/27/2026", "not a date"),
        ("BT-9", "2026-13-01", "not a date"),
        ("BT-115", "tolv tusen", "not an amount"),
        ("BT-115", "1e5", "not an amount"),
        ("BT-115", "NaN", "not an amount"),
        ("BT-109", "12,5,0", "not an amount"),
        ("BT-30", "974760674", "not a valid organisation number"),
        ("BT-47", "12345", "not a valid organisation number"),
        ("BT-31", "NO974760674MVA", "not a valid organisation number"),
        ("BT-31", "hello world", "not a VAT id"),
        ("BT-83", "12345678901", "not a valid KID"),
        ("BT-84", "15030100008", "not a valid bank account"),
        ("BT-84", "NO9386011117948", "not a valid bank account"),
        ("BT-86", "DNB", "not a BIC"),
        ("BT-5", "kroner", "not a currency code"),
        ("BT-3", "380", "cannot be corrected"),
    ],
)
def test_an_invalid_value_is_refused_with_a_reason_in_both_languages(
    term: str, typed: str, why: str
) -> None:
    with pytest.raises(CorrectionInvalid) as refused:
        apply_correction(captured(), term, typed)
    assert why in refused.value.reason
    assert refused.value.reason_nb and refused.value.reason_nb != refused.value.reason


def test_the_same_value_on_a_certain_term_changes_nothing() -> None:
    once = apply_correction(captured(), "BT-1", "BR-000451").invoice
    again = apply_correction(once, "BT-1", "BR-000451")
    assert not again.changed and again.invoice == once
    ehf = captured().model_copy(
        update={"provenance": {"BT-2": Provenance(source=CaptureSource.EHF, confidence=1.0)}}
    )
    assert not apply_correction(ehf, "BT-2", "01.03.2026").changed


def test_confirming_an_uncertain_value_makes_it_certain() -> None:
    confirmed = apply_correction(captured(), "BT-1", "BR-0451")
    assert confirmed.changed and confirmed.previous == confirmed.value == "BR-0451"
    assert confirmed.invoice.provenance["BT-1"].confidence == 1.0


def case_with_correction(previous: str | None, invoice: CanonicalInvoice | None) -> IntakeCase:
    case = IntakeCase(
        invoice_id=uuid4(),
        tenant_id="demo",
        channel=Channel.UPLOAD.value,
        document={"sha256": "a" * 64, "media_type": "application/pdf", "size": 1},
        registered_by="anne",
        meta={"tenant_id": "demo"},
    )
    case.capture(
        invoice=captured().model_dump(mode="json"),
        document=case.document,
        registered_by="anne",
        meta={"tenant_id": "demo"},
    )
    case.correct(
        field="BT-1",
        value="BR-000451",
        corrected_by="anne",
        meta={"tenant_id": "demo"},
        previous=previous,
        invoice=None if invoice is None else invoice.model_dump(mode="json"),
    )
    return case


def test_a_correction_is_published_as_invoice_corrected() -> None:
    fixed = apply_correction(captured(), "BT-1", "BR-000451")
    case = case_with_correction(fixed.previous, fixed.invoice)
    assert case.invoice is not None and case.invoice["number"] == "BR-000451"
    assert case.corrections == {"BT-1": "BR-000451"}  # type: ignore[attr-defined]
    *_, corrected = case.collect_events()
    (publication,) = translate(corrected)
    payload = publication.payload
    assert isinstance(payload, InvoiceCorrected)
    assert (payload.field, payload.value, payload.previous, payload.corrected_by) == (
        "BT-1",
        "BR-000451",
        "BR-0451",
        "anne",
    )
    assert payload.invoice == fixed.invoice and payload.invoice_id == case.id


def test_a_correction_stored_before_the_contract_publishes_nothing() -> None:
    """Older stored Corrected events have neither `previous` nor the invoice."""
    case = case_with_correction(None, None)
    *_, corrected = case.collect_events()
    assert translate(corrected) == []
    assert case.invoice is not None and case.invoice["number"] == "BR-0451"


def test_an_old_stored_correction_without_the_new_fields_still_replays() -> None:
    events = case_with_correction("BR-0451", captured()).collect_events()
    for name in ("previous", "invoice"):
        object.__delattr__(events[-1], name)  # as stored before the fields existed
    rebuilt = None
    for stored in events:
        rebuilt = stored.mutate(rebuilt)
    assert isinstance(rebuilt, IntakeCase)
    assert rebuilt.corrections == {"BT-1": "BR-000451"}  # type: ignore[attr-defined]
    assert translate(events[-1]) == []
