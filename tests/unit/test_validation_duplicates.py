from datetime import date
from decimal import Decimal

from services.validation.duplicates import Entry, credited_invoice, duplicate_findings


def entry(invoice_id, number, day, amount, credit=False):
    return Entry(invoice_id, number, day, Decimal(amount), credit)


EARLIER = [
    entry("a", "F-1", date(2026, 3, 1), "1000"),
    entry("b", "F-2", date(2026, 3, 10), "2500"),
    entry("c", "F-1", date(2025, 3, 1), "999"),
]


def test_same_number_same_year_is_an_exact_duplicate_naming_the_earlier_invoice():
    [finding] = duplicate_findings(EARLIER, entry("n", "F-1", date(2026, 9, 1), "5"), 7)
    assert finding.rule_id == "FP-DUP-01" and finding.location == "invoice:a"
    assert "F-1" in finding.message_nb and "(faktura-id a)" in finding.message_nb


def test_numbers_are_reused_across_years():
    assert duplicate_findings(EARLIER[:2], entry("n", "F-1", date(2027, 1, 2), "1000"), 7) == []


def test_same_amount_within_the_window_is_a_probable_duplicate_outside_it_not():
    [finding] = duplicate_findings(EARLIER, entry("n", "F-9", date(2026, 3, 15), "2500"), 7)
    assert finding.rule_id == "FP-DUP-02" and finding.location == "invoice:b"
    assert "samme beløp 2\u00a0500,00 som faktura F-2 fra 10.03.2026" in finding.message_nb
    assert "same amount 2500 as invoice F-2 of 2026-03-10" in finding.message_en
    assert duplicate_findings(EARLIER, entry("n", "F-9", date(2026, 3, 25), "2500"), 7) == []


def test_a_credit_note_is_no_duplicate_of_its_invoice_and_is_paired_with_it():
    credit = entry("k", "K-1", date(2026, 3, 12), "2500", credit=True)
    assert duplicate_findings(EARLIER, credit, 7) == []
    assert credited_invoice(EARLIER, credit, "F-2").invoice_id == "b"
    assert credited_invoice(EARLIER, credit, None).invoice_id == "b"  # by amount, when unique
    assert credited_invoice(EARLIER, entry("k", "K-2", None, "1", credit=True), None) is None


def test_entries_survive_the_round_trip_through_the_store():
    one = EARLIER[0]
    assert Entry.from_dict(one.as_dict()) == one
