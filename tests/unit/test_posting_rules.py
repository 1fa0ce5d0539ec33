from decimal import Decimal

from fakturaportal.demo import demo_invoice
from services.intake.ehf import capture
from services.posting.domain import build_voucher, is_balanced, suggest, vat_code_for
from shared.schemas.invoice import DocumentKind
from shared.xmlsafe import parse_untrusted


def invoice(lines=(("Papir", Decimal("1000.00")),)):
    return capture(parse_untrusted(demo_invoice(3, lines=lines)))


def test_new_supplier_gets_the_tenant_default_with_low_confidence():
    s = suggest(invoice(), {}, "4000")
    assert s.method == "default" and s.confidence < 0.5
    assert [(c.account, c.vat_code, c.net_amount, c.vat_amount) for c in s.lines] == [
        ("4000", "1", Decimal("1000.00"), Decimal("250.00"))
    ]


def test_known_supplier_gets_its_most_used_account():
    s = suggest(invoice(), {"6800": 4, "6540": 1}, "4000")
    assert s.method == "history"
    assert {c.account for c in s.lines} == {"6800"}
    assert "6800" in s.explanation


def test_voucher_is_balanced_with_input_vat_and_supplier_credit():
    lines = build_voucher(suggest(invoice(), {}, "4000").lines, "974760673")
    assert is_balanced(lines)
    by_account = {v.account: v for v in lines}
    assert by_account["4000"].debit == Decimal("1000.00")
    assert by_account["2710"].debit == Decimal("250.00")
    assert by_account["2400"].credit == Decimal("1250.00")
    assert by_account["2400"].supplier_id == "974760673"


def test_credit_note_reverses_the_voucher():
    credit = invoice().model_copy(update={"kind": DocumentKind.CREDIT_NOTE})
    lines = build_voucher(suggest(credit, {}, "4000").lines, "974760673")
    assert is_balanced(lines)
    assert {v.account: v for v in lines}["2400"].debit == Decimal("1250.00")


def test_rounding_is_settled_so_the_vat_total_matches_the_document():
    inv = invoice(lines=(("a", Decimal("0.33")), ("b", Decimal("0.33")), ("c", Decimal("0.34"))))
    s = suggest(inv, {}, "4000")
    assert sum(c.vat_amount for c in s.lines) == inv.totals.tax
    assert is_balanced(build_voucher(s.lines, "x"))


def test_vat_codes_follow_saft_standard_codes():
    assert vat_code_for("S", Decimal("25")) == "1"
    assert vat_code_for("S", Decimal("15.00")) == "11"
    assert vat_code_for("S", Decimal("12")) == "13"
    assert vat_code_for("E", Decimal("0")) == "0"
