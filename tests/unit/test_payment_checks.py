"""Checks before release: each finding fires on its fault and stays quiet otherwise."""

from dataclasses import replace
from decimal import Decimal

import pytest

from services.payment.checks import (
    ACCOUNT_CHECK_DIGIT,
    ACCOUNT_NOT_KNOWN,
    AMOUNT_DIFFERS,
    BIC_INVALID,
    DUPLICATE_PAYMENT,
    IBAN_INVALID,
    KID_CHECK_DIGIT,
    NO_KNOWN_ACCOUNT,
    PaymentToRelease,
    check_account,
    check_amount,
    check_bic,
    check_kid,
    check_known_account,
    check_payment,
    check_run,
    same_account,
)

ACCOUNT = "86011117947"
IBAN = "NO9386011117947"
OK = PaymentToRelease(
    invoice_id="inv-1",
    supplier_id="974760673",
    creditor_account=ACCOUNT,
    amount=Decimal("1000.00"),
    owed=Decimal("1000.00"),
    kid="1234567897",
    invoice_number="F-1",
    bic="DNBANOKK",
    known_accounts=frozenset({ACCOUNT}),
)


def codes(payment: PaymentToRelease) -> list[str]:
    return [f.code for f in check_payment(payment).findings]


def test_a_clean_payment_may_be_released():
    result = check_payment(OK)
    assert result.findings == ()
    assert result.may_release


@pytest.mark.parametrize("kid", [None, "1234567897", "1234567892", "12345674-"])
def test_kid_with_mod10_or_mod11_check_digit_passes(kid):
    assert check_kid(kid) is None


@pytest.mark.parametrize("kid", ["1234567890", "1", "12a4567897"])
def test_kid_with_a_wrong_check_digit_blocks(kid):
    finding = check_kid(kid)
    assert finding is not None
    assert (finding.code, finding.severity) == (KID_CHECK_DIGIT, "block")
    assert "MOD10" in finding.message and "kontrollsiffer" in finding.message_nb


@pytest.mark.parametrize(
    "account", [ACCOUNT, "8601.11.17947", IBAN, "NO93 8601 1117 947", "DE89370400440532013000"]
)
def test_valid_accounts_pass(account):
    assert check_account(account) is None


@pytest.mark.parametrize(
    ("account", "code"),
    [
        ("86011117948", ACCOUNT_CHECK_DIGIT),
        ("8601111794", ACCOUNT_CHECK_DIGIT),
        ("NO9386011117948", IBAN_INVALID),
        ("DE89370400440532013001", IBAN_INVALID),
    ],
)
def test_invalid_accounts_block(account, code):
    finding = check_account(account)
    assert finding is not None
    assert (finding.code, finding.severity) == (code, "block")


def test_bic():
    assert check_bic(None) is None
    assert check_bic("DNBANOKK") is None
    assert check_bic("DNBANOKKXXX") is None
    for bad in ("DNBANO", "1NBANOKK", "DNBANOKK1"):
        finding = check_bic(bad)
        assert finding is not None and finding.code == BIC_INVALID


def test_the_same_account_as_bban_or_iban():
    assert same_account(ACCOUNT, IBAN)
    assert same_account("8601 11 17947", ACCOUNT)
    assert not same_account(ACCOUNT, "15030100007")


def test_an_account_the_supplier_is_not_known_to_use_holds_the_payment():
    assert check_known_account(IBAN, {ACCOUNT}) is None
    finding = check_known_account("15030100007", {ACCOUNT})
    assert finding is not None
    assert (finding.code, finding.severity) == (ACCOUNT_NOT_KNOWN, "hold")
    assert "fraud" in finding.message and "svindel" in finding.message_nb
    result = check_payment(replace(OK, creditor_account="15030100007"))
    assert [f.code for f in result.findings] == [ACCOUNT_NOT_KNOWN]
    assert not result.may_release


def test_no_known_account_only_warns():
    result = check_payment(replace(OK, known_accounts=frozenset()))
    assert [(f.code, f.severity) for f in result.findings] == [(NO_KNOWN_ACCOUNT, "warning")]
    assert result.may_release


def test_an_amount_other_than_what_is_owed_blocks():
    assert check_amount(Decimal("10.00"), Decimal("10.0")) is None
    finding = check_amount(Decimal("1000.00"), Decimal("999.99"))
    assert finding is not None and (finding.code, finding.severity) == (AMOUNT_DIFFERS, "block")
    assert "999,99" in finding.message_nb
    assert codes(replace(OK, amount=Decimal("1100.00"))) == [AMOUNT_DIFFERS]


def test_paid_or_in_another_run_blocks_as_a_duplicate_payment():
    assert codes(replace(OK, paid=True)) == [DUPLICATE_PAYMENT]
    result = check_payment(replace(OK, in_other_run="run-3"))
    [finding] = result.findings
    assert finding.code == DUPLICATE_PAYMENT and "run-3" in finding.message
    assert not result.may_release


def test_every_fault_at_once():
    bad = replace(
        OK,
        kid="1234567890",
        creditor_account="86011117948",
        bic="XX",
        amount=Decimal("1.00"),
        paid=True,
    )
    assert codes(bad) == [
        KID_CHECK_DIGIT,
        ACCOUNT_CHECK_DIGIT,
        BIC_INVALID,
        ACCOUNT_NOT_KNOWN,
        AMOUNT_DIFFERS,
        DUPLICATE_PAYMENT,
    ]


def test_a_run_blocks_the_second_payment_of_the_same_invoice():
    again = replace(OK, invoice_number="F-2", kid="1234567892")
    first, second = check_run([OK, again])
    assert (first.may_release, second.may_release) == (True, False)
    [finding] = second.findings
    assert finding.code == DUPLICATE_PAYMENT
    assert "the same invoice as invoice inv-1 in the same run" in finding.message
    assert "samme faktura som faktura inv-1" in finding.message_nb


@pytest.mark.parametrize(
    ("change", "what"),
    [
        ({"invoice_id": "inv-2", "invoice_number": "F-2"}, "the same KID to the same account"),
        ({"invoice_id": "inv-2", "kid": None}, "the same invoice number from the same supplier"),
    ],
)
def test_a_run_blocks_paying_the_same_kid_or_invoice_number_twice(change, what):
    first, second = check_run([OK, replace(OK, **change)])
    assert first.may_release
    [finding] = second.findings
    assert finding.code == DUPLICATE_PAYMENT and what in finding.message


def test_a_run_allows_the_same_invoice_number_from_other_suppliers():
    other = replace(OK, invoice_id="inv-2", supplier_id="910747711", kid=None)
    assert [r.may_release for r in check_run([OK, other])] == [True, True]
