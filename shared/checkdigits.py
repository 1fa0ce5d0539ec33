"""Norwegian and international check digits: orgnr, bank account, KID, IBAN, BIC.

Pure functions; each `valid_*` accepts the value as printed (spaces, dots, `NO …MVA`) and says
whether the check digit holds. `normalise_*` return the canonical form or None.
"""

from __future__ import annotations

import re

from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException
from stdnum import luhn
from stdnum.no import kontonr, orgnr

_SEPARATORS = re.compile(r"[\s.\-\u00a0]")
_KID = re.compile(r"\d{1,24}[\d-]")


def digits_only(value: str) -> str:
    """The value without spaces, dots and dashes (the usual printed separators)."""
    return _SEPARATORS.sub("", value)


def normalise_orgnr(value: str) -> str | None:
    """`974760673` from `974 760 673`, `NO 974 760 673 MVA` or `NO974760673MVA`; None if invalid."""
    compact = digits_only(value).upper()
    compact = compact.removeprefix("NO").removesuffix("MVA")
    return compact if valid_orgnr(compact) else None


def valid_orgnr(value: str) -> bool:
    """A 9-digit organisation number with a MOD11 check digit (weights 3,2,7,6,5,4,3,2)."""
    compact = digits_only(value)
    return len(compact) == 9 and compact.isdigit() and bool(orgnr.is_valid(compact))


def vat_id_for(orgnr_value: str) -> str:
    """The Norwegian VAT identifier of a VAT-registered organisation: `NO` + orgnr + `MVA`."""
    return f"NO{orgnr_value}MVA"


def valid_kontonr(value: str) -> bool:
    """An 11-digit Norwegian bank account (BBAN) with a MOD11 check digit.

    `stdnum.no.kontonr` also accepts 7-digit giro numbers; those are not accounts we pay to.
    """
    compact = digits_only(value)
    return len(compact) == 11 and compact.isdigit() and bool(kontonr.is_valid(compact))


def normalise_kontonr(value: str) -> str | None:
    compact = digits_only(value)
    return compact if valid_kontonr(compact) else None


def format_kontonr(value: str) -> str:
    """`1503.01.00007` for people."""
    compact = digits_only(value)
    return f"{compact[:4]}.{compact[4:6]}.{compact[6:]}"


def kid_mod11_check_digit(body: str) -> str:
    """MOD11 with weights 2..7 repeating from the right; remainder 1 gives '-', 0 gives '0'."""
    total = sum(int(d) * (2 + i % 6) for i, d in enumerate(reversed(body)))
    check = 11 - total % 11
    return {11: "0", 10: "-"}.get(check, str(check))


def kid_mod10_check_digit(body: str) -> str:
    return str(luhn.calc_check_digit(body))


def valid_kid_mod10(value: str) -> bool:
    compact = digits_only(value)
    return 2 <= len(compact) <= 25 and compact.isdigit() and bool(luhn.is_valid(compact))


def valid_kid_mod11(value: str) -> bool:
    compact = value.replace(" ", "")
    if not 2 <= len(compact) <= 25 or not _KID.fullmatch(compact):
        return False
    return kid_mod11_check_digit(compact[:-1]) == compact[-1]


def valid_kid(value: str) -> bool:
    """A KID: 2 to 25 digits whose last digit is a MOD10 (Luhn) or MOD11 check digit."""
    return valid_kid_mod10(value) or valid_kid_mod11(value)


def kid_scheme(value: str) -> str | None:
    """'MOD10', 'MOD11' or None: which check the KID passes (MOD10 first, as banks try it)."""
    if valid_kid_mod10(value):
        return "MOD10"
    if valid_kid_mod11(value):
        return "MOD11"
    return None


def normalise_kid(value: str) -> str | None:
    compact = value.replace(" ", "").replace("\u00a0", "")
    return compact if valid_kid(compact) else None


def normalise_iban(value: str) -> str | None:
    """The electronic form (`NO9386011117947`) of a valid IBAN, or None."""
    try:
        return str(IBAN(value.replace("\u00a0", " ")).compact)
    except (SchwiftyException, ValueError):
        return None


def valid_iban(value: str) -> bool:
    return normalise_iban(value) is not None


def iban_to_bban(value: str) -> str | None:
    """The Norwegian account number inside a Norwegian IBAN, or None for other countries."""
    iban = normalise_iban(value)
    if iban is None or not iban.startswith("NO"):
        return None
    return iban[4:] if valid_kontonr(iban[4:]) else None


def normalise_bic(value: str) -> str | None:
    compact = value.replace(" ", "").upper()
    if not re.fullmatch(r"[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?", compact):
        return None
    try:
        BIC(compact)
    except (SchwiftyException, ValueError):
        return None
    return compact


def valid_bic(value: str) -> bool:
    return normalise_bic(value) is not None


__all__ = [
    "digits_only",
    "format_kontonr",
    "iban_to_bban",
    "kid_mod10_check_digit",
    "kid_mod11_check_digit",
    "kid_scheme",
    "normalise_bic",
    "normalise_iban",
    "normalise_kid",
    "normalise_kontonr",
    "normalise_orgnr",
    "valid_bic",
    "valid_iban",
    "valid_kid",
    "valid_kid_mod10",
    "valid_kid_mod11",
    "valid_kontonr",
    "valid_orgnr",
    "vat_id_for",
]
