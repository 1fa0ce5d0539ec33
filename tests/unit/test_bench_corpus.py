"""The benchmark corpus itself must be right: deterministic, varied, valid, and printed as told."""

import io
import re
from decimal import Decimal

import pytest
from pdfminer.high_level import extract_text

from bench.corpus import (
    FIELDS,
    LAYOUTS,
    generate,
    luhn_digit,
    media_type,
    scan,
    valid_account,
    valid_iban,
    valid_kid,
    valid_orgnr,
)

N = len(LAYOUTS) * 2


@pytest.fixture(scope="module")
def corpus():
    return generate(N, seed=7)


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def test_same_seed_gives_the_same_bytes_and_another_seed_does_not(corpus):
    again = generate(N, seed=7)
    assert [s.pdf for s in again] == [s.pdf for s in corpus]
    assert [s.truth for s in again] == [s.truth for s in corpus]
    other = generate(N, seed=8)
    assert [s.truth.invoice_number for s in other] != [s.truth.invoice_number for s in corpus]


def test_at_least_eight_distinct_layouts_and_varied_fonts_and_formats():
    samples = generate(len(LAYOUTS) * 4, seed=3)
    assert len({s.layout for s in samples}) >= 8
    assert len({s.font for s in samples}) >= 3
    assert {s.truth.currency for s in samples} >= {"NOK", "EUR"}
    assert any(s.truth.kind == "credit-note" for s in samples)
    assert any(s.pages >= 2 for s in samples)
    payables = [s.printed["payable"] for s in samples]
    assert any(re.search(r"\d \d{3},\d\d$", p) for p in payables)  # 1 234,50
    assert any(re.search(r"\d\.\d{3},\d\d$", p) for p in payables)  # 1.234,50
    assert any(re.search(r"^\d+\.\d\d$", p) for p in payables)  # 1234.50
    dates = {s.printed["issue_date"] for s in samples}
    assert any(re.fullmatch(r"\d\d\.\d\d\.\d{4}", d) for d in dates)
    assert any(re.fullmatch(r"\d{4}-\d\d-\d\d", d) for d in dates)
    assert any(re.search(r"[a-z]", d) for d in dates)


def test_check_digit_helpers_agree_with_known_numbers():
    assert valid_orgnr("974760673")  # Brønnøysundregistrene
    assert not valid_orgnr("974760674")
    assert valid_account("15030100007")
    assert not valid_account("15030100008")
    assert valid_kid("1234567" + str(luhn_digit("1234567")))
    assert valid_iban("DE89370400440532013000")
    assert valid_iban("NO9386011117947")


def test_truth_values_pass_their_check_digits(corpus):
    for s in corpus:
        t = s.truth
        assert valid_orgnr(t.supplier_orgnr), s.id
        if t.currency == "NOK":
            assert valid_account(t.account), s.id
        else:
            assert valid_iban(t.account), s.id
        if t.kid is not None:
            assert valid_kid(t.kid), s.id
        assert t.due_date > t.issue_date


def test_amounts_add_up(corpus):
    for s in corpus:
        t = s.truth
        assert t.lines
        for line in t.lines:
            gross = line.quantity * line.unit_price * (100 - line.discount) / 100
            assert abs(line.net - gross) <= Decimal("0.005")
        assert t.net == sum(line.net for line in t.lines)
        assert sum(basis for _, basis, _ in t.vat_by_rate) == t.net
        for rate, basis, vat in t.vat_by_rate:
            assert rate in (Decimal(25), Decimal(15), Decimal(12))
            assert abs(basis * rate / 100 - vat) <= Decimal("0.005")
        assert t.vat == sum(vat for _, _, vat in t.vat_by_rate)
        assert t.payable == t.net + t.vat > 0
        assert set(t.fields()) == set(FIELDS)


def test_pdf_text_shows_the_truth_as_printed(corpus):
    for s in corpus:
        text = squash(extract_text(io.BytesIO(s.pdf)))
        for key in ("number", "issue_date", "due_date", "payable", "vat", "orgnr", "account"):
            assert squash(s.printed[key]) in text, (s.id, s.layout, key, s.printed[key])
        assert s.truth.invoice_number in text
        if s.truth.kid:
            assert s.printed["kid"] == s.truth.kid and s.truth.kid in text, s.id
        else:
            assert not re.search(r"\bKID\b.{0,12}\d{6}", text), s.id
        assert text.count("\n") == 0  # squashed


def test_scan_gives_a_noisy_rotated_png_for_one_page(corpus):
    one_page = next(s for s in corpus if s.pages == 1)
    png = scan(one_page.pdf, dpi=100, angle=1.0, noise=0.04, seed=1)
    assert media_type(png) == "image/png"
    from PIL import Image

    image = Image.open(io.BytesIO(png))
    assert image.mode == "L"
    assert image.width > 595 * 100 / 72  # rotation widened the canvas
    assert 0 < sum(image.histogram()[:128]) < image.width * image.height // 4
