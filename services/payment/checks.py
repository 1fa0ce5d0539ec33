"""Checks before a payment is released to the bank, each a finding with a stable code. Pure.

A finding blocks a payment the bank would refuse or that pays the wrong sum, holds one that may be
fraud (an account the supplier is not known to use) until someone has confirmed it, and warns
where the release may go on. The check digits are those of `shared.checkdigits`, the same the
intake and the payment file use, so no two parts of the system disagree about a number.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from shared.checkdigits import (
    digits_only,
    iban_to_bban,
    normalise_iban,
    valid_bic,
    valid_iban,
    valid_kid,
    valid_kontonr,
)

Severity = Literal["block", "hold", "warning"]
STOPS: frozenset[Severity] = frozenset({"block", "hold"})

KID_CHECK_DIGIT = "FP-PAY-01"
ACCOUNT_CHECK_DIGIT = "FP-PAY-02"
IBAN_INVALID = "FP-PAY-03"
BIC_INVALID = "FP-PAY-04"
ACCOUNT_NOT_KNOWN = "FP-PAY-05"
AMOUNT_DIFFERS = "FP-PAY-06"
DUPLICATE_PAYMENT = "FP-PAY-07"
NO_KNOWN_ACCOUNT = "FP-PAY-08"


@dataclass(frozen=True)
class Finding:
    code: str
    severity: Severity
    message: str
    message_nb: str


@dataclass(frozen=True)
class PaymentToRelease:
    """A proposed payment as it would go to the bank, with what it is checked against.

    `owed` is what the ledger says is to pay for the invoice now (open amount less discount and
    credits); `known_accounts` the supplier's accounts on record (BBAN or IBAN); `in_other_run`
    the id of another run that holds the invoice.
    """

    invoice_id: str
    supplier_id: str
    creditor_account: str
    amount: Decimal
    owed: Decimal
    kid: str | None = None
    invoice_number: str | None = None
    bic: str | None = None
    known_accounts: frozenset[str] = frozenset()
    paid: bool = False
    in_other_run: str | None = None


@dataclass(frozen=True)
class CheckResult:
    invoice_id: str
    findings: tuple[Finding, ...]

    @property
    def may_release(self) -> bool:
        """No finding blocks or holds the payment (warnings do not)."""
        return not any(f.severity in STOPS for f in self.findings)


def check_kid(kid: str | None) -> Finding | None:
    """FP-PAY-01: a KID must carry a MOD10 or MOD11 check digit, or the bank refuses it."""
    if kid is None or valid_kid(kid):
        return None
    return Finding(
        KID_CHECK_DIGIT,
        "block",
        f"KID {kid} fails its check digit (neither MOD10 nor MOD11)",
        f"KID {kid} har feil kontrollsiffer (verken MOD10 eller MOD11)",
    )


def check_account(account: str) -> Finding | None:
    """FP-PAY-02 for a Norwegian account number (MOD11), FP-PAY-03 for an IBAN."""
    compact = digits_only(account).upper()
    if compact[:2].isalpha():
        if valid_iban(compact) and (not compact.startswith("NO") or iban_to_bban(compact)):
            return None
        return Finding(
            IBAN_INVALID,
            "block",
            f"IBAN {account} is not valid",
            f"IBAN {account} er ikke gyldig",
        )
    if valid_kontonr(compact):
        return None
    return Finding(
        ACCOUNT_CHECK_DIGIT,
        "block",
        f"account number {account} is not 11 digits with a valid MOD11 check digit",
        f"kontonummer {account} har ikke 11 siffer med gyldig MOD11-kontrollsiffer",
    )


def check_bic(bic: str | None) -> Finding | None:
    """FP-PAY-04: a BIC given for the creditor's bank must be well-formed."""
    if bic is None or valid_bic(bic):
        return None
    return Finding(
        BIC_INVALID,
        "block",
        f"BIC {bic} is not valid",
        f"BIC {bic} er ikke gyldig",
    )


def same_account(left: str, right: str) -> bool:
    """The same account, written as BBAN or as IBAN, with or without separators."""
    return _account_key(left) == _account_key(right)


def _account_key(account: str) -> str:
    compact = digits_only(account).upper()
    if compact[:2].isalpha():
        iban = normalise_iban(compact)
        return (iban_to_bban(iban) or iban) if iban else compact
    return compact


def check_known_account(account: str, known_accounts: Iterable[str]) -> Finding | None:
    """FP-PAY-05: an account the supplier is not known to use is how invoice fraud pays out, so
    the payment waits until someone confirms it; FP-PAY-08 warns where nothing is known yet."""
    known = list(known_accounts)
    if not known:
        return Finding(
            NO_KNOWN_ACCOUNT,
            "warning",
            f"no known account for the supplier to compare {account} with",
            f"leverandøren har ikke noe kjent kontonummer å sammenligne {account} med",
        )
    if any(same_account(account, k) for k in known):
        return None
    return Finding(
        ACCOUNT_NOT_KNOWN,
        "hold",
        f"account {account} is not the supplier's known account ({', '.join(known)}): "
        "possible fraud, confirm with the supplier by phone before paying",
        f"kontonummer {account} er ikke leverandørens kjente konto ({', '.join(known)}): "
        "mulig svindel, bekreft med leverandøren på telefon før betaling",
    )


def check_amount(amount: Decimal, owed: Decimal) -> Finding | None:
    """FP-PAY-06: the payment must be exactly what is owed, neither more nor less."""
    if amount == owed:
        return None
    return Finding(
        AMOUNT_DIFFERS,
        "block",
        f"amount {amount} differs from the {owed} owed",
        f"beløpet {_nb(amount)} avviker fra skyldig beløp {_nb(owed)}",
    )


def check_not_paid(payment: PaymentToRelease) -> Finding | None:
    """FP-PAY-07: an invoice already paid, or already in another run, must not be paid again."""
    if payment.paid:
        where, where_nb = "it is already paid", "den er allerede betalt"
    elif payment.in_other_run is not None:
        where = f"it is already in payment run {payment.in_other_run}"
        where_nb = f"den er allerede med i betalingsforslag {payment.in_other_run}"
    else:
        return None
    return _duplicate(payment.invoice_id, where, where_nb)


def _duplicate(invoice_id: str, why: str, why_nb: str) -> Finding:
    return Finding(
        DUPLICATE_PAYMENT,
        "block",
        f"invoice {invoice_id} would be paid twice: {why}",
        f"faktura {invoice_id} ville blitt betalt to ganger: {why_nb}",
    )


def check_payment(payment: PaymentToRelease) -> CheckResult:
    """Every check on one payment."""
    found = (
        check_kid(payment.kid),
        check_account(payment.creditor_account),
        check_bic(payment.bic),
        check_known_account(payment.creditor_account, payment.known_accounts),
        check_amount(payment.amount, payment.owed),
        check_not_paid(payment),
    )
    return CheckResult(payment.invoice_id, tuple(f for f in found if f is not None))


def check_run(payments: Iterable[PaymentToRelease]) -> list[CheckResult]:
    """Every check on each payment of a run, and FP-PAY-07 on payments within the run that pay
    the same invoice: the same invoice id, the same KID to the same account, or the same invoice
    number from the same supplier. Every payment after the first of such a set is blocked."""
    listed = list(payments)
    seen: dict[tuple[str, ...], str] = {}
    repeats: dict[int, Finding] = {}
    for index, payment in enumerate(listed):
        identities = _identities(payment)
        for key, what, what_nb in identities:
            if key in seen:
                repeats[index] = _duplicate(
                    payment.invoice_id,
                    f"{what} as invoice {seen[key]} in the same run",
                    f"{what_nb} som faktura {seen[key]} i samme forslag",
                )
                break
        for key, _, _ in identities:
            seen.setdefault(key, payment.invoice_id)
    results = []
    for index, payment in enumerate(listed):
        result = check_payment(payment)
        repeat = (repeats[index],) if index in repeats else ()
        results.append(CheckResult(result.invoice_id, result.findings + repeat))
    return results


def _identities(payment: PaymentToRelease) -> list[tuple[tuple[str, ...], str, str]]:
    keys: list[tuple[tuple[str, ...], str, str]] = [
        (("invoice", payment.invoice_id), "the same invoice", "samme faktura")
    ]
    if payment.kid:
        keys.append(
            (
                ("kid", _account_key(payment.creditor_account), payment.kid.strip()),
                "the same KID to the same account",
                "samme KID til samme konto",
            )
        )
    if payment.invoice_number:
        keys.append(
            (
                ("number", payment.supplier_id, payment.invoice_number.strip()),
                "the same invoice number from the same supplier",
                "samme fakturanummer fra samme leverandør",
            )
        )
    return keys


def _nb(amount: Decimal) -> str:
    return str(amount).replace(".", ",")
