"""A person's correction of one captured business term, applied to the canonical invoice.

Pure: the value as typed is parsed by the term's type with the parsers capture already uses
(dates, Norwegian amounts, check digits), so a correction can never put into the invoice what a
capture would have refused. The corrected term's provenance becomes `manual` with certainty 1.0.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from services.intake.candidates import find_dates, parse_money
from shared import checkdigits as cd
from shared.schemas.invoice import CanonicalInvoice, CaptureSource, Provenance


class CorrectionInvalid(ValueError):
    """The value cannot be the term's value; says why in English and bokmål."""

    def __init__(self, reason: str, reason_nb: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.reason_nb = reason_nb


Parse = Callable[[str], Any]


@dataclass(frozen=True)
class Term:
    """Where a business term lives in the canonical invoice and how its value is read."""

    path: tuple[str, ...]
    parse: Parse


def _text(value: str) -> str:
    text = " ".join(value.split())
    if not text:
        raise CorrectionInvalid("the value is empty", "verdien er tom")
    return text


_NUMERIC_DATE = re.compile(r"\d{4}-\d{2}-\d{2}|\d{1,2}\.\d{1,2}\.\d{4}")


def _date(value: str) -> date:
    text = value.strip()
    found = find_dates(text) if _NUMERIC_DATE.fullmatch(text) else []
    if len(found) != 1 or (found[0][1], found[0][2]) != (0, len(text)):
        raise CorrectionInvalid(
            f"{text!r} is not a date: write 2026-03-31 or 31.03.2026",
            f"«{text}» er ikke en dato: skriv 31.03.2026 eller 2026-03-31",
        )
    return found[0][0]


_AMOUNT = re.compile(r"-?\s?\d[\d .\u00a0']*(?:[.,]\d{1,2}|,-{1,2})?")


def _amount(value: str) -> Decimal:
    text = value.strip().replace("\u2212", "-")
    parsed = parse_money(text.lstrip("-").strip()) if _AMOUNT.fullmatch(text) else None
    if parsed is None or not parsed.is_finite():
        raise CorrectionInvalid(
            f"{text!r} is not an amount: write 12 500,00 or 12500.00",
            f"«{text}» er ikke et beløp: skriv 12 500,00 eller 12500.00",
        )
    return -parsed if text.startswith("-") else parsed


def _orgnr(value: str) -> str:
    found = cd.normalise_orgnr(value)
    if found is None:
        raise CorrectionInvalid(
            f"{value.strip()!r} is not a valid organisation number (nine digits, MOD11)",
            f"«{value.strip()}» er ikke et gyldig organisasjonsnummer (ni sifre, MOD11)",
        )
    return found


_FOREIGN_VAT = re.compile(r"[A-Z]{2}(?=[^0-9]*[0-9])[A-Z0-9+*.]{2,13}")


def _vat_id(value: str) -> str:
    """A Norwegian VAT id (`NO` + valid orgnr + `MVA`), or another country's, prefix first."""
    compact = cd.digits_only(value).upper()
    if compact.isdigit() or compact.startswith("NO"):
        return cd.vat_id_for(_orgnr(compact))
    if not _FOREIGN_VAT.fullmatch(compact):
        raise CorrectionInvalid(
            f"{value.strip()!r} is not a VAT id: NO + organisation number + MVA, "
            "or a country code and the number",
            f"«{value.strip()}» er ikke et MVA-nummer: NO + organisasjonsnummer + MVA, "
            "eller landkode og nummer",
        )
    return compact


def _kid(value: str) -> str:
    found = cd.normalise_kid(value)
    if found is None:
        raise CorrectionInvalid(
            f"{value.strip()!r} is not a valid KID (2 to 25 digits, MOD10 or MOD11)",
            f"«{value.strip()}» er ikke en gyldig KID (2 til 25 sifre, MOD10 eller MOD11)",
        )
    return found


def _account(value: str) -> str:
    found = cd.normalise_kontonr(value) or cd.normalise_iban(value)
    if found is None:
        raise CorrectionInvalid(
            f"{value.strip()!r} is not a valid bank account (11 digits, MOD11) or IBAN",
            f"«{value.strip()}» er ikke et gyldig kontonummer (11 sifre, MOD11) eller IBAN",
        )
    return found


def _bic(value: str) -> str:
    found = cd.normalise_bic(value)
    if found is None:
        raise CorrectionInvalid(
            f"{value.strip()!r} is not a BIC", f"«{value.strip()}» er ikke en BIC"
        )
    return found


def _currency(value: str) -> str:
    code = value.strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", code):
        raise CorrectionInvalid(
            f"{value.strip()!r} is not a currency code: three letters such as NOK",
            f"«{value.strip()}» er ikke en valutakode: tre bokstaver som NOK",
        )
    return code


TERMS: dict[str, Term] = {
    "BT-1": Term(("number",), _text),
    "BT-2": Term(("issue_date",), _date),
    "BT-5": Term(("currency",), _currency),
    "BT-9": Term(("due_date",), _date),
    "BT-10": Term(("buyer_reference",), _text),
    "BT-13": Term(("order_reference",), _text),
    "BT-27": Term(("seller", "name"), _text),
    "BT-30": Term(("seller", "legal_id"), _orgnr),
    "BT-31": Term(("seller", "vat_id"), _vat_id),
    "BT-44": Term(("buyer", "name"), _text),
    "BT-47": Term(("buyer", "legal_id"), _orgnr),
    "BT-83": Term(("payment_id",), _kid),
    "BT-84": Term(("payment_account",), _account),
    "BT-86": Term(("payment_bic",), _bic),
    "BT-106": Term(("totals", "line_extension"), _amount),
    "BT-109": Term(("totals", "tax_exclusive"), _amount),
    "BT-110": Term(("totals", "tax"), _amount),
    "BT-112": Term(("totals", "tax_inclusive"), _amount),
    "BT-115": Term(("totals", "payable"), _amount),
}
"""The business terms a person may correct: the header fields capture reads."""


def parse_value(term: str, value: str) -> Any:
    """The term's value from what a person typed; CorrectionInvalid if it cannot be."""
    found = TERMS.get(term)
    if found is None:
        raise CorrectionInvalid(
            f"{term} cannot be corrected; correctable: {', '.join(TERMS)}",
            f"{term} kan ikke rettes; disse kan: {', '.join(TERMS)}",
        )
    return found.parse(value)


def current_value(invoice: CanonicalInvoice, term: str) -> str | None:
    """The term's value as the invoice now reads, as text (dates ISO, amounts as stored)."""
    value: Any = invoice
    for name in TERMS[term].path:
        value = getattr(value, name)
    return None if value is None else _shown(value)


def _shown(value: Any) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


@dataclass(frozen=True)
class Corrected:
    """The invoice after a correction, and what the term read before and reads now."""

    invoice: CanonicalInvoice
    previous: str | None
    value: str
    changed: bool
    """False when the value stays and the term was certain already: nothing to record. The
    same value on an uncertain term is a person confirming it, and is recorded."""


def apply_correction(invoice: CanonicalInvoice, term: str, typed: str) -> Corrected:
    """Set one business term to the value a person typed; its provenance becomes manual, 1.0.

    A person who types the value the capture read, where it was unsure, confirms it: the term
    becomes certain all the same.
    """
    parsed = parse_value(term, typed)
    path = TERMS[term].path
    previous = current_value(invoice, term)
    if len(path) == 1:
        updated = invoice.model_copy(update={path[0]: parsed})
    else:
        part = getattr(invoice, path[0])
        updated = invoice.model_copy(update={path[0]: part.model_copy(update={path[1]: parsed})})
    kept = invoice.provenance.get(term)
    manual = Provenance(source=CaptureSource.MANUAL, confidence=1.0)
    if previous == _shown(parsed) and kept is not None and kept.confidence >= 1.0:
        return Corrected(invoice, previous, previous, changed=False)
    updated = updated.model_copy(update={"provenance": {**invoice.provenance, term: manual}})
    return Corrected(updated, previous, _shown(parsed), changed=True)
