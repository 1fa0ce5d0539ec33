"""Voucher export (issue #5): balanced vouchers, SAF-T 1.30, connectors that never post twice."""

from __future__ import annotations

import csv
import hmac
import io
import os
import random
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from uuid import UUID, uuid5

import pytest
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st
from lxml import etree

from services.posting.connectors import (
    IDEMPOTENCY_HEADER,
    SIGNATURE_HEADER,
    CsvFileConnector,
    Delivered,
    Failed,
    JsonWebhookConnector,
    PermanentRefusal,
    SaftFileConnector,
    backoff,
    deliver_with_retries,
    sign,
)
from services.posting.domain import VoucherSeries
from services.posting.saft import Company, SaftError, validate_saft, write_saft
from services.posting.voucher import (
    INPUT_VAT_ACCOUNTS,
    Voucher,
    VoucherError,
    VoucherNumber,
    build_voucher,
    invoice_posted,
)
from shared.schemas.events import CodingLine, InvoiceSummary

D = Decimal
CENT = D("0.01")
TENANT = "demo"
INVOICE_ID = UUID("8a0c7a52-5d1e-4c55-9c8e-4b3e7f7f0001")
COMPANY = Company(
    orgnr="999999999",
    name="Demo Regnskap AS",
    street="Storgata 1",
    postal_code="0155",
    city="Oslo",
    contact_first_name="Anne",
    contact_last_name="Attestant",
    telephone="22000000",
)


def summary(kind: str = "invoice", number: str = "770031") -> InvoiceSummary:
    return InvoiceSummary(
        number=number,
        kind=kind,
        issue_date=date(2026, 11, 20),
        due_date=date(2026, 12, 4),
        currency="NOK",
        payable_amount=D("1250.00"),
        tax_amount=D("250.00"),
        seller_name="Kontorrekvisita Nord AS",
        seller_legal_id="974760673",
        seller_vat_id="NO974760673MVA",
        payment_id="000000018",
        payment_account="15030100007",
    )


def line(account: str, code: str, net: str, vat: str = "0", **dims: str) -> CodingLine:
    return CodingLine(account=account, vat_code=code, net_amount=D(net), vat_amount=D(vat), **dims)


def voucher(
    coding: list[CodingLine], kind: str = "invoice", number: int = 1, day: date | None = None
) -> Voucher:
    return build_voucher(
        coding,
        summary(kind, number=f"F{number}"),
        tenant_id=TENANT,
        invoice_id=uuid5(INVOICE_ID, str(number)),
        number=VoucherNumber(series="2026", number=number),
        voucher_date=day or date(2026, 11, 21),
    )


def rows(v: Voucher) -> list[tuple[str, str, Decimal, Decimal, str | None]]:
    return [(ln.kind, ln.account, ln.debit, ln.credit, ln.vat_code) for ln in v.lines]


MIXED = [
    line("6800", "1", "800.00", "200.00", department="10"),
    line("6800", "1", "200.00", "50.00", department="10"),
    line("4000", "11", "200.00", "30.00", project="P-7"),
    line("7140", "13", "100.00", "12.00"),
    line("6553", "0", "19.99"),
]


# --- building --------------------------------------------------------------------------------


def test_expense_per_account_and_dimension_vat_per_code_supplier_credit_on_2400():
    v = voucher(MIXED)
    assert rows(v) == [
        ("expense", "4000", D("200.00"), D("0"), "11"),
        ("expense", "6553", D("19.99"), D("0"), "0"),
        ("expense", "6800", D("1000.00"), D("0"), "1"),
        ("expense", "7140", D("100.00"), D("0"), "13"),
        ("vat", "2710", D("250.00"), D("0"), "1"),
        ("vat", "2711", D("30.00"), D("0"), "11"),
        ("vat", "2712", D("12.00"), D("0"), "13"),
        ("payable", "2400", D("0"), D("1611.99"), None),
    ]
    assert v.payable.supplier_id == "974760673"
    assert v.lines[2].department == "10" and v.lines[0].project == "P-7"
    assert v.total_debit == v.total_credit == D("1611.99")


def test_credit_note_is_posted_reversed_whichever_sign_the_coding_has():
    positive = voucher(MIXED, kind="credit-note")
    negated = [
        c.model_copy(update={"net_amount": -c.net_amount, "vat_amount": -c.vat_amount})
        for c in MIXED
    ]
    signed = voucher(negated, kind="credit-note")
    invoice = voucher(MIXED)
    mirrored = [(k, a, c, d, code) for k, a, d, c, code in rows(invoice)]
    assert rows(positive) == rows(signed) == mirrored
    assert positive.payable.debit == D("1611.99")


def test_rounding_to_the_ore_settles_on_the_largest_line():
    v = voucher([line("6800", "1", "100.005", "25.0012"), line("6900", "1", "0.333", "0.0833")])
    assert v.payable.credit == D("125.42")  # 125.4225 rounded
    vat = [ln for ln in v.lines if ln.kind == "vat"]
    assert [(ln.account, ln.debit) for ln in vat] == [("2710", D("25.08"))]
    expense = {ln.account: ln for ln in v.lines if ln.kind == "expense"}
    assert expense["6800"].debit + expense["6900"].debit == D("100.34")
    assert expense["6800"].vat_amount + expense["6900"].vat_amount == D("25.08")


def test_vat_account_mapping_is_a_parameter():
    v = build_voucher(
        [line("6800", "1", "100", "25")],
        summary(),
        tenant_id=TENANT,
        invoice_id=INVOICE_ID,
        number=VoucherNumber(series="AP", number=7),
        voucher_date=date(2026, 11, 21),
        vat_accounts={"1": "2711"},
        payable_account="2410",
    )
    assert [(ln.account, ln.amount) for ln in v.lines] == [
        ("6800", D("100.00")),
        ("2711", D("25.00")),
        ("2410", D("-125.00")),
    ]


def test_vat_on_a_code_without_input_vat_account_is_refused_not_guessed():
    with pytest.raises(VoucherError, match="code '14'"):
        voucher([line("4300", "14", "100", "25")])


def test_nothing_to_post_and_no_coding_are_errors():
    with pytest.raises(VoucherError, match="nothing to post"):
        voucher([line("6800", "0", "100"), line("6800", "0", "-100")])
    with pytest.raises(VoucherError, match="no coding"):
        voucher([])


def test_an_unbalanced_voucher_cannot_exist():
    v = voucher(MIXED)
    broken = [*v.lines[:-1], v.lines[-1].model_copy(update={"credit": D("1611.98")})]
    with pytest.raises(ValueError, match="debit 1611.99 != credit 1611.98"):
        Voucher.model_validate({**v.model_dump(), "lines": [ln.model_dump() for ln in broken]})


def test_voucher_numbers_read_and_print_as_the_series_aggregate_does():
    series = VoucherSeries(tenant_id=TENANT, year=2026)
    series.issue(invoice_id="x", meta={})
    number = VoucherNumber.parse(series.current)
    assert number == VoucherNumber(series="2026", number=1)
    assert str(number.next()) == "2026-000002"
    with pytest.raises(VoucherError):
        VoucherNumber.parse("2026")


def test_invoice_posted_carries_the_voucher_number_and_lines():
    v = voucher(MIXED)
    event = invoice_posted(v, summary())
    assert event.voucher_number == "2026-000001" and event.voucher_date == v.voucher_date
    assert [(ln.account, ln.debit, ln.credit) for ln in event.lines] == [
        (ln.account, ln.debit, ln.credit) for ln in v.lines
    ]
    assert event.lines[-1].supplier_id == "974760673"


# --- property: every voucher balances -----------------------------------------------------------

RATES = {"0": D(0), "1": D(25), "11": D(15), "13": D(12), "12": D("11.11")}
ACCOUNTS = ["4000", "4300", "6300", "6540", "6800", "7140", "7770"]


@st.composite
def coding_lines(draw: st.DrawFn) -> CodingLine:
    code = draw(st.sampled_from(sorted(RATES)))
    places = draw(st.sampled_from([2, 2, 2, 4]))  # mostly øre, sometimes finer (scaled lines)
    net = D(draw(st.integers(-2_000_000, 50_000_000))).scaleb(-places)
    vat = (net * RATES[code] / 100).quantize(CENT, ROUND_HALF_UP)
    if code != "0":
        vat += D(draw(st.integers(-3, 3))).scaleb(-2)  # the supplier's own rounding
    return CodingLine(
        account=draw(st.sampled_from(ACCOUNTS)),
        vat_code=code,
        net_amount=net,
        vat_amount=vat,
        department=draw(st.sampled_from([None, "10", "20"])),
        project=draw(st.sampled_from([None, "P-1"])),
    )


codings = st.lists(coding_lines(), min_size=1, max_size=12)


def build_or_reject(coding: list[CodingLine], kind: str, number: int = 1) -> Voucher:
    try:
        return voucher(coding, kind=kind, number=number)
    except VoucherError as error:
        if "nothing to post" not in str(error):  # every line zero: the only refusal
            raise
        reject()


def signed_coding(coding: list[CodingLine], kind: str) -> list[CodingLine]:
    gross = sum(c.net_amount + c.vat_amount for c in coding)
    if kind == "credit-note" and gross > 0:
        return [
            c.model_copy(update={"net_amount": -c.net_amount, "vat_amount": -c.vat_amount})
            for c in coding
        ]
    return coding


@settings(max_examples=400, deadline=None, database=None)
@given(codings, st.sampled_from(["invoice", "credit-note"]))
def test_every_voucher_balances_to_the_ore_with_vat_on_the_right_accounts(coding, kind):
    v = build_or_reject(coding, kind)
    coding = signed_coding(coding, kind)
    assert v.total_debit == v.total_credit
    for ln in v.lines:
        assert ln.debit.as_tuple().exponent >= -2 and ln.credit.as_tuple().exponent >= -2
        assert not (ln.debit and ln.credit)
        assert ln.debit or ln.credit or ln.kind == "payable" or ln.vat_amount  # VAT, no base
    # supplier credit: the gross total, to the øre, on 2400 with the supplier as sub-ledger
    gross = sum(c.net_amount + c.vat_amount for c in coding)
    assert v.payable.account == "2400" and v.payable.supplier_id == "974760673"
    assert v.payable.amount == -gross.quantize(CENT, ROUND_HALF_UP)
    assert [ln for ln in v.lines if ln.supplier_id] == [v.payable]
    # input VAT: one line per code, on that code's 2710-series account, the rounded code total
    vat_lines = {ln.vat_code: ln for ln in v.lines if ln.kind == "vat"}
    for code in RATES:
        exact = sum((c.vat_amount for c in coding if c.vat_code == code), D(0))
        posted = vat_lines[code].amount if code in vat_lines else D(0)
        assert posted == exact.quantize(CENT, ROUND_HALF_UP)
        if code in vat_lines:
            assert vat_lines[code].account == INPUT_VAT_ACCOUNTS[code]
        lines_vat = sum(
            (ln.vat_amount or 0 for ln in v.lines if ln.kind == "expense" and ln.vat_code == code),
            D(0),
        )
        assert lines_vat == posted
    assert "0" not in vat_lines
    # expense: one line per account, code and dimensions, near its exact net
    keys = [
        (ln.account, ln.vat_code, ln.department, ln.project)
        for ln in v.lines
        if ln.kind == "expense"
    ]
    assert len(keys) == len(set(keys))
    for ln in v.lines:
        if ln.kind == "expense":
            exact = sum(
                c.net_amount
                for c in coding
                if (c.account, c.vat_code, c.department, c.project)
                == (ln.account, ln.vat_code, ln.department, ln.project)
            )
            assert abs(ln.amount - exact) <= D("0.005") * (len(coding) + 1)
            assert ln.vat_base == ln.amount


@settings(max_examples=150, deadline=None, database=None)
@given(codings)
def test_a_credit_note_mirrors_the_invoice(coding):
    invoice = build_or_reject(coding, "invoice")
    if sum(c.net_amount + c.vat_amount for c in coding) <= 0:
        reject()  # positive credit-note coding is the case that gets reversed
    credit = voucher(coding, kind="credit-note")
    assert [(ln.account, ln.debit, ln.credit) for ln in credit.lines] == [
        (ln.account, ln.credit, ln.debit) for ln in invoice.lines
    ]


# --- SAF-T ------------------------------------------------------------------------------------


def shared_data() -> Path:
    """FP_SHARED_DATA, else shared/data beside the repository; skip plainly when absent."""
    configured = os.environ.get("FP_SHARED_DATA")
    base = (
        Path(configured)
        if configured
        else (Path(__file__).resolve().parents[2].parent / "shared" / "data")
    )
    if not (base / "saf-t").is_dir():
        pytest.skip(f"SAF-T XSD not present ({base / 'saf-t'}): set FP_SHARED_DATA")
    return base


def saft_xsd() -> Path:
    return shared_data() / "saf-t" / "Norwegian_SAF-T_Financial_Schema_v_1.30.xsd"


def find(xml: bytes, path: str) -> list[str]:
    root = etree.fromstring(xml)
    ns = {"n": "urn:StandardAuditFile-Taxation-Financial:NO"}
    return [e.text or "" for e in root.iterfind(path, ns)]


def sample_vouchers() -> list[Voucher]:
    return [
        voucher(MIXED, number=1),
        voucher([line("6300", "0", "15000")], number=2, day=date(2026, 12, 1)),
        voucher(MIXED[:3], kind="credit-note", number=3, day=date(2026, 12, 2)),
    ]


@pytest.mark.shared_data
def test_saft_file_is_valid_against_the_published_xsd():
    xml = write_saft(sample_vouchers(), COMPANY, created=date(2026, 12, 3))
    assert validate_saft(xml, saft_xsd()) == []
    assert find(xml, "n:Header/n:AuditFileVersion") == ["1.30"]
    assert find(xml, "n:GeneralLedgerEntries/n:NumberOfEntries") == ["3"]
    total = sum((v.total_debit for v in sample_vouchers()), D(0))
    assert find(xml, "n:GeneralLedgerEntries/n:TotalDebit") == [f"{total:.2f}"]
    assert find(xml, "n:GeneralLedgerEntries/n:TotalCredit") == [f"{total:.2f}"]
    assert find(xml, "n:MasterFiles/n:Suppliers/n:Supplier/n:SupplierID") == ["974760673"]
    codes = find(xml, "n:MasterFiles/n:TaxTable/n:TaxTableEntry/n:TaxCodeDetails/n:StandardTaxCode")
    assert codes == ["0", "1", "11", "13"]
    standard = (shared_data() / "saf-t" / "Standard_Tax_Codes.csv").read_text(encoding="utf-8")
    known = {row["Code"] for row in csv.DictReader(io.StringIO(standard), delimiter=";")}
    assert set(codes) <= known


@pytest.mark.shared_data
def test_saft_lines_carry_supplier_on_2400_and_tax_information_on_expense():
    xml = write_saft([voucher(MIXED)], COMPANY, created=date(2026, 12, 3))
    lines = "n:GeneralLedgerEntries/n:Journal/n:Transaction/n:Line"
    assert find(xml, f"{lines}/n:SupplierID") == ["974760673"]
    assert find(xml, f"{lines}/n:TaxInformation/n:TaxCode") == ["11", "0", "1", "13"]
    assert find(xml, f"{lines}/n:TaxInformation/n:TaxPercentage") == ["15", "0", "25", "12"]
    assert find(xml, f"{lines}/n:TaxInformation/n:DebitTaxAmount/n:Amount") == [
        "30.00",
        "0.00",
        "250.00",
        "12.00",
    ]
    assert find(xml, f"{lines}/n:Analysis/n:AnalysisID") == ["P-7", "10"]
    closing = "n:MasterFiles/n:GeneralLedgerAccounts/n:Account/n:ClosingCreditBalance"
    assert find(xml, closing) == ["1611.99"]
    assert validate_saft(xml, saft_xsd()) == []


@pytest.mark.shared_data
def test_validate_saft_reports_schema_errors_and_what_the_xsd_cannot_check():
    xsd = saft_xsd()
    xml = write_saft([voucher(MIXED)], COMPANY, created=date(2026, 12, 3))
    no_version = xml.replace(b"<AuditFileVersion>1.30</AuditFileVersion>", b"")
    assert any("AuditFileVersion" in e for e in validate_saft(no_version, xsd))
    # a dangling supplier passes the XSD (its keyrefs select nothing), not validate_saft
    root = etree.fromstring(xml)
    ns = {"n": "urn:StandardAuditFile-Taxation-Financial:NO"}
    root.find("n:GeneralLedgerEntries/n:Journal/n:Transaction/n:Line/n:SupplierID", ns).text = "123"
    dangling = etree.tostring(root)
    assert validate_saft(dangling, xsd) == ["supplier 123 is used but not in the master data"]
    unbalanced = xml.replace(b"<Amount>1611.99</Amount>", b"<Amount>1611.98</Amount>")
    assert any("debit 1611.99 != credit 1611.98" in e for e in validate_saft(unbalanced, xsd))
    assert validate_saft(b"<AuditFile", xsd)[0].startswith("not well-formed")


@pytest.mark.shared_data
@settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.filter_too_much],
)
@given(st.lists(codings, min_size=1, max_size=4), st.sampled_from(["invoice", "credit-note"]))
def test_saft_is_valid_for_any_vouchers(batch, kind):
    vouchers = [build_or_reject(coding, kind, number=i) for i, coding in enumerate(batch, 1)]
    assert validate_saft(write_saft(vouchers, COMPANY, created=date(2026, 12, 3)), saft_xsd()) == []


def test_saft_refuses_what_it_cannot_state_correctly():
    v = voucher(MIXED)
    with pytest.raises(SaftError, match="EUR"):
        write_saft([v.model_copy(update={"currency": "EUR"})], COMPANY, created=date(2026, 12, 3))
    with pytest.raises(SaftError, match="twice"):
        write_saft([v, v], COMPANY, created=date(2026, 12, 3))
    with pytest.raises(SaftError, match="several tenants"):
        write_saft(
            [v, voucher(MIXED, number=2).model_copy(update={"tenant_id": "other"})],
            COMPANY,
            created=date(2026, 12, 3),
        )


# --- file connectors --------------------------------------------------------------------------


def test_csv_connector_writes_one_file_per_voucher_once(tmp_path):
    connector = CsvFileConnector(tmp_path)
    v = voucher(MIXED)
    first = connector.deliver(v)
    second = connector.deliver(v)
    assert (first.duplicate, second.duplicate) == (False, True)
    assert first.reference == second.reference == "demo_2026-000001.csv"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo_2026-000001.csv"]
    table = list(
        csv.DictReader(io.StringIO((tmp_path / first.reference).read_text()), delimiter=";")
    )
    assert len(table) == len(v.lines)
    debit = sum(D(r["debit"].replace(",", ".")) for r in table)
    credit = sum(D(r["credit"].replace(",", ".")) for r in table)
    assert debit == credit == D("1611.99")
    assert table[-1]["account"] == "2400" and table[-1]["credit"] == "1611,99"
    assert table[-1]["supplier_id"] == "974760673"


def test_csv_connector_decimal_point_and_a_clash_is_refused(tmp_path):
    v = voucher(MIXED)
    CsvFileConnector(tmp_path, decimal_comma=False).deliver(v)
    assert "1611.99" in (tmp_path / "demo_2026-000001.csv").read_text()
    other = voucher([line("6800", "1", "1", "0.25")])  # same number, different voucher
    with pytest.raises(PermanentRefusal, match="other content"):
        CsvFileConnector(tmp_path, decimal_comma=False).deliver(other)


def test_saft_connector_writes_a_file_once(tmp_path):
    connector = SaftFileConnector(tmp_path, COMPANY, today=lambda: date(2026, 12, 3))
    v = voucher(MIXED)
    receipt = connector.deliver(v)
    assert not receipt.duplicate and connector.deliver(v).duplicate
    assert [p.name for p in tmp_path.iterdir()] == ["SAF-T_999999999_demo_2026-000001.xml"]
    batch = connector.deliver_batch(sample_vouchers(), "2026-12")
    assert batch.reference == "SAF-T_999999999_2026-12.xml"
    xml = (tmp_path / batch.reference).read_bytes()
    assert find(xml, "n:GeneralLedgerEntries/n:NumberOfEntries") == ["3"]


# --- webhook against a real local HTTP server -------------------------------------------------


@dataclass
class Erp:
    """A stub ERP: refuses by script, then books each Idempotency-Key once (409 on repeats)."""

    script: list[int] = field(default_factory=list)
    always: int | None = None
    stall_first: float = 0.0
    secret: str | None = None
    keys: list[str] = field(default_factory=list)
    postings: dict[str, bytes] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, key: str, body: bytes, signature: str | None) -> tuple[int, dict[str, str]]:
        with self.lock:
            self.keys.append(key)
            if self.secret and not hmac.compare_digest(signature or "", sign(body, self.secret)):
                return 401, {}
            status = self.always or (self.script.pop(0) if self.script else None)
            if status is None:
                status = 409 if key in self.postings else 201
                self.postings.setdefault(key, body)
            stall = self.stall_first if len(self.keys) == 1 else 0.0
        time.sleep(stall)
        return status, {IDEMPOTENCY_HEADER: key}


@contextmanager
def serving(erp: Erp) -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            status, headers = erp.answer(
                self.headers[IDEMPOTENCY_HEADER], body, self.headers.get(SIGNATURE_HEADER)
            )
            payload = f'{{"status": {status}}}'.encode()
            self.send_response(status)
            for name, value in {**headers, "Retry-After": "2"}.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/vouchers"
    finally:
        server.shutdown()
        server.server_close()


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


def retrying(
    connector: JsonWebhookConnector, v: Voucher, sleeps: list[float], attempts: int = 5
) -> Delivered | Failed:
    return deliver_with_retries(
        connector,
        v,
        attempts=attempts,
        base_delay=0.5,
        max_delay=30.0,
        sleep=sleeps.append,
        clock=Clock(),
        rng=random.Random(5),
    )


def test_webhook_two_503_then_accepted_is_delivered_once_with_one_key():
    erp = Erp(script=[503, 503], secret="s3cret")
    v, sleeps = voucher(MIXED), []
    with serving(erp) as url:
        result = retrying(JsonWebhookConnector(url, secret="s3cret", timeout=2.0), v, sleeps)
    assert isinstance(result, Delivered) and not result.receipt.duplicate
    assert erp.keys == ["demo:2026-000001"] * 3
    assert list(erp.postings) == ["demo:2026-000001"]
    assert Voucher.model_validate_json(erp.postings["demo:2026-000001"]) == v
    assert [a.error for a in result.attempts] == ['HTTP 503: {"status": 503}'] * 2 + [None]
    assert len(sleeps) == 2 and all(s >= 2 for s in sleeps)  # Retry-After: 2 honoured


def test_webhook_422_fails_at_once_with_the_reason():
    erp = Erp(always=422)
    with serving(erp) as url:
        result = retrying(JsonWebhookConnector(url, timeout=2.0), voucher(MIXED), sleeps := [])
    assert isinstance(result, Failed) and result.permanent
    assert "refused" in result.reason and "HTTP 422" in result.reason
    assert len(result.attempts) == 1 and sleeps == [] and erp.postings == {}
    assert result.voucher.voucher_number == "2026-000001"  # kept, to park and resend


def test_webhook_that_keeps_failing_fails_after_n_attempts_listed():
    erp = Erp(always=503)
    with serving(erp) as url:
        result = retrying(
            JsonWebhookConnector(url, timeout=2.0), voucher(MIXED), sleeps := [], attempts=4
        )
    assert isinstance(result, Failed) and not result.permanent
    assert "gave up after 4 attempts" in result.reason
    assert [a.number for a in result.attempts] == [1, 2, 3, 4]
    assert all("HTTP 503" in (a.error or "") and a.transient for a in result.attempts)
    assert [a.at for a in result.attempts] == sorted({a.at for a in result.attempts})
    assert len(sleeps) == 3 and len(erp.keys) == 4 and erp.postings == {}


def test_webhook_409_for_a_known_key_counts_as_delivered():
    v = voucher(MIXED)
    erp = Erp(postings={v.idempotency_key: b"{}"})
    with serving(erp) as url:
        result = retrying(JsonWebhookConnector(url, timeout=2.0), v, [])
    assert isinstance(result, Delivered) and result.receipt.duplicate
    assert len(erp.postings) == 1 and len(result.attempts) == 1


def test_webhook_timeout_after_the_erp_booked_it_is_not_posted_twice():
    erp = Erp(stall_first=0.6)
    v = voucher(MIXED)
    with serving(erp) as url:
        result = retrying(JsonWebhookConnector(url, timeout=0.2), v, [])
    assert isinstance(result, Delivered) and result.receipt.duplicate
    assert "timeout" in (result.attempts[0].error or "")
    assert len(erp.postings) == 1 and erp.keys == [v.idempotency_key] * 2


def test_webhook_with_nobody_listening_is_transient():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    connector = JsonWebhookConnector(f"http://127.0.0.1:{port}/", timeout=1.0)
    result = retrying(connector, voucher(MIXED), sleeps := [], attempts=2)
    assert isinstance(result, Failed) and not result.permanent
    assert "connection failed" in (result.attempts[0].error or "") and len(sleeps) == 1


# --- retry policy -----------------------------------------------------------------------------


class Flaky:
    name = "flaky"

    def __init__(self, outcome: Callable[[int], None]) -> None:
        self.calls = 0
        self.outcome = outcome

    def deliver(self, v: Voucher):
        self.calls += 1
        self.outcome(self.calls)
        raise AssertionError("outcome must raise")


def test_backoff_is_exponential_capped_and_deterministic_with_a_seed():
    delays = [backoff(n, 1.0, 10.0, random.Random(3)) for n in range(1, 7)]
    assert delays == [backoff(n, 1.0, 10.0, random.Random(3)) for n in range(1, 7)]
    for n, delay in enumerate(delays, start=1):
        ceiling = min(10.0, 2.0 ** (n - 1))
        assert ceiling / 2 <= delay <= ceiling


def test_a_bug_in_a_connector_is_a_visible_failure_not_a_lost_voucher():
    def explode(call: int) -> None:
        raise KeyError("boom")

    connector = Flaky(explode)
    result = deliver_with_retries(connector, voucher(MIXED), attempts=3, sleep=lambda s: None)
    assert isinstance(result, Failed) and result.permanent and "KeyError" in result.reason
    assert connector.calls == 1


@pytest.mark.shared_data
def test_saft_connector_checks_the_file_against_the_xsd_before_writing(tmp_path):
    connector = SaftFileConnector(tmp_path, COMPANY, xsd_path=saft_xsd())
    receipt = connector.deliver(voucher(MIXED))
    assert validate_saft((tmp_path / receipt.reference).read_bytes(), saft_xsd()) == []
