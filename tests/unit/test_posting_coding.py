"""The coding suggestion: rules over model over history over default, VAT checks, touchless."""

from datetime import date
from decimal import Decimal
from uuid import uuid4

import pytest

from fakturaportal.demo import DemoLine, demo_invoice
from services.intake.ehf import capture
from services.posting.app import summarise
from services.posting.coding import Prediction, code_invoice, vat_code_for
from services.posting.setup import CodingSetup, Setup, SetupRefused
from services.posting.voucher import Voucher, VoucherNumber, build_voucher
from shared.schemas.invoice import DocumentKind
from shared.xmlsafe import parse_untrusted

D = Decimal
SUPPLIER = "974760673"


PAPER = (("Papir", D("1000.00")),)


def invoice(lines=PAPER):
    return capture(parse_untrusted(demo_invoice(3, lines=lines)))


def post(lines, inv) -> Voucher:
    return build_voucher(
        lines,
        summarise(inv),
        tenant_id="t1",
        invoice_id=uuid4(),
        number=VoucherNumber(series="2026", number=1),
        voucher_date=date(2026, 11, 27),
    )


def setup(**sections):
    return Setup.model_validate(sections)


def test_new_supplier_gets_the_default_account_with_low_confidence():
    s = code_invoice(invoice(), Setup(), [], {})
    assert (s.method, s.touchless) == ("default", False)
    assert s.confidence < 0.5
    assert [(c.account, c.vat_code, c.net_amount, c.vat_amount) for c in s.lines] == [
        ("7790", "1", D("1000.00"), D("250.00"))
    ]
    assert "manuell kontering" in s.explanation


def test_known_supplier_gets_its_most_used_account():
    s = code_invoice(invoice(), Setup(), [], {"6800": 8, "6540": 1})
    assert s.method == "history"
    assert [c.account for c in s.lines] == ["6800"]
    assert "6800" in s.lines[0].explanation


def test_a_rule_wins_over_the_model_and_history():
    rules = [
        {"name": "Strøm", "when": {"text_contains": "strøm"}, "then": {"account": "6340"}},
    ]
    inv = invoice(lines=(("Strøm november", D("800")), ("Papir", D("200"))))
    model = [Prediction(account="6800", confidence=0.97, explanation="modell")] * 2
    s = code_invoice(inv, setup(rules=rules), model, {"6800": 10})
    assert [(c.invoice_line, c.account) for c in s.lines] == [("1", "6340"), ("2", "6800")]
    assert s.lines[0].explanation == "Regel «Strøm»"
    assert s.lines[0].confidence == 1.0
    assert s.lines[1].explanation == "modell"


def test_a_supplier_rule_may_set_only_a_dimension():
    rules = [
        {
            "name": "Kontor",
            "when": {"supplier_orgnr": SUPPLIER},
            "then": {"department": "ADM"},
        }
    ]
    dims = {"departments": [{"code": "ADM", "name": "Administrasjon"}]}
    s = code_invoice(invoice(), setup(rules=rules, dimensions=dims), [], {"6800": 9})
    assert (s.lines[0].account, s.lines[0].department, s.method) == ("6800", "ADM", "history")


def test_wrong_vat_code_for_the_account_is_a_finding_and_not_touchless():
    model = [Prediction(account="7350", confidence=0.99, explanation="representasjon")]
    s = code_invoice(invoice(), Setup(), model, {})
    assert [f.rule_id for f in s.findings] == ["FP-VAT-01"]
    assert "7350" in s.findings[0].message_nb and "forventet 0" in s.findings[0].message_nb
    assert not s.touchless and s.confidence <= 0.5


def test_sure_model_coding_is_touchless_above_the_tenant_threshold():
    model = [Prediction(account="6800", confidence=0.95, explanation="ord «papir»")]
    assert code_invoice(invoice(), Setup(), model, {}).touchless
    strict = setup(settings={"touchless_threshold": 0.99})
    assert not code_invoice(invoice(), strict, model, {}).touchless


def test_an_account_outside_the_chart_is_a_finding():
    model = [Prediction(account="9999", confidence=0.95, explanation="x")]
    s = code_invoice(invoice(), Setup(), model, {})
    assert [f.rule_id for f in s.findings] == ["FP-ACC-01"]


def test_multi_line_invoice_splits_across_accounts_and_the_voucher_balances():
    inv = capture(
        parse_untrusted(
            demo_invoice(
                4,
                lines=(
                    DemoLine("Toner", D("3"), D("333.33")),
                    DemoLine("Skrivebord", D("1"), D("4999.99")),
                ),
            )
        )
    )
    model = [
        Prediction(account="6800", confidence=0.9, explanation="a"),
        Prediction(account="6540", confidence=0.9, explanation="b"),
    ]
    s = code_invoice(inv, Setup(), model, {})
    assert [c.account for c in s.lines] == ["6800", "6540"]
    assert sum(c.vat_amount for c in s.lines) == inv.totals.tax
    voucher = post(s.lines, inv)
    assert voucher.total_debit == voucher.total_credit
    assert voucher.payable.credit == inv.totals.payable


def test_credit_note_reverses():
    credit = invoice().model_copy(update={"kind": DocumentKind.CREDIT_NOTE})
    voucher = post(code_invoice(credit, Setup(), [], {}).lines, credit)
    assert voucher.payable.debit == D("1250.00")


def test_rounding_is_settled_so_the_vat_total_matches_the_document():
    inv = invoice(lines=(("a", D("0.33")), ("b", D("0.33")), ("c", D("0.34"))))
    s = code_invoice(inv, Setup(), [], {})
    assert sum(c.vat_amount for c in s.lines) == inv.totals.tax


def test_vat_codes_follow_saft_standard_codes():
    assert vat_code_for("S", D("25")) == "1"
    assert vat_code_for("S", D("15.00")) == "11"
    assert vat_code_for("S", D("12")) == "13"
    assert vat_code_for("S", D("11.11")) == "12"
    assert vat_code_for("E", D("0")) == "0"
    assert vat_code_for(None, None) is None


def test_setup_changes_are_events_and_checked():
    book = CodingSetup(tenant_id="t1")
    book.change("settings", {"touchless_threshold": 0.8, "default_account": "6800"}, "fiona", {})
    assert book.current().settings.default_account == "6800"
    with pytest.raises(SetupRefused, match="account 1234 is not in the chart"):
        book.change(
            "rules",
            [{"name": "x", "when": {"text_contains": "abc"}, "then": {"account": "1234"}}],
            "fiona",
            {},
        )
    with pytest.raises(SetupRefused, match="default account 6800 is not in the chart"):
        book.change("chart", [{"number": "4000", "name": "Varer"}], "fiona", {})
    events = book.collect_events()
    assert [type(e).__name__ for e in events] == ["Opened", "Changed"]


def test_the_surer_of_model_and_history_decides():
    unsure = [Prediction(account="6540", confidence=0.4, explanation="modell")]
    s = code_invoice(invoice(), Setup(), unsure, {"6800": 9})
    assert (s.lines[0].account, s.method) == ("6800", "history")
    sure = [Prediction(account="6540", confidence=0.99, explanation="modell")]
    assert code_invoice(invoice(), Setup(), sure, {"6800": 9}).method == "model"
