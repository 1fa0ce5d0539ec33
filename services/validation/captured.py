"""Checks for invoices read from PDF text or OCR, where no EHF rules apply: what Norwegian law
requires an invoice to state, whether its sums add up, and the check digits of its identifiers.

Rule ids: `NO-BF-*` for bokføringsforskriften § 5-1-1 (mandatory contents of a sales document),
`FP-AR-*` for arithmetic and `FP-CD-*` for check digits; our own ids, as no official set exists.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal

from shared import checkdigits as cd
from shared.schemas.events import Finding, Severity
from shared.schemas.invoice import CanonicalInvoice

Rule = tuple[str, Severity, Callable[[CanonicalInvoice], bool], str, str, str]
TOLERANCE = Decimal("0.02")
"""Printed totals are rounded per line; two øre either way is what a person would accept."""


def _sums_add_up(invoice: CanonicalInvoice) -> bool:
    t = invoice.totals
    if t.tax_exclusive is None or t.tax is None or t.tax_inclusive is None:
        return True
    return abs(t.tax_exclusive + t.tax - t.tax_inclusive) <= TOLERANCE


def _lines_add_up(invoice: CanonicalInvoice) -> bool:
    nets = [line.net_amount for line in invoice.lines]
    if not nets or any(n is None for n in nets) or invoice.totals.line_extension is None:
        return True
    return abs(sum(n for n in nets if n is not None) - invoice.totals.line_extension) <= TOLERANCE


def _vat_stated_when_registered(invoice: CanonicalInvoice) -> bool:
    registered = bool(invoice.seller.vat_id and invoice.seller.vat_id.upper().endswith("MVA"))
    return not registered or invoice.totals.tax is not None


def _orgnr_ok(invoice: CanonicalInvoice) -> bool:
    orgnr = invoice.seller.legal_id
    return orgnr is None or not re.fullmatch(r"\d{9}", orgnr) or cd.valid_orgnr(orgnr)


def _mva_ok(invoice: CanonicalInvoice) -> bool:
    vat = (invoice.seller.vat_id or "").replace(" ", "").upper()
    if not vat.startswith("NO"):
        return True
    return bool(re.fullmatch(r"NO\d{9}MVA", vat)) and cd.valid_orgnr(vat[2:11])


def _kid_ok(invoice: CanonicalInvoice) -> bool:
    return invoice.payment_id is None or cd.valid_kid(invoice.payment_id)


def _account_ok(invoice: CanonicalInvoice) -> bool:
    account = (invoice.payment_account or "").replace(" ", "").replace(".", "")
    if not account:
        return True
    return cd.valid_iban(account) if account[:2].isalpha() else cd.valid_kontonr(account)


F, W = Severity.FATAL, Severity.WARNING
RULES: tuple[Rule, ...] = (
    (
        "NO-BF-01",
        F,
        lambda i: bool(i.number),
        "/number",
        "Fakturaen mangler fakturanummer (bokføringsforskriften § 5-1-1 nr. 1).",
        "The invoice has no invoice number (Norwegian bookkeeping regulation 5-1-1 no. 1).",
    ),
    (
        "NO-BF-02",
        F,
        lambda i: i.issue_date is not None,
        "/issue_date",
        "Fakturaen mangler fakturadato (§ 5-1-1 nr. 2).",
        "The invoice has no issue date (5-1-1 no. 2).",
    ),
    (
        "NO-BF-03",
        F,
        lambda i: bool(i.seller.name),
        "/seller/name",
        "Fakturaen mangler selgers navn (§ 5-1-1 nr. 3).",
        "The invoice does not name the seller (5-1-1 no. 3).",
    ),
    (
        "NO-BF-04",
        F,
        lambda i: bool(i.seller.legal_id or i.seller.vat_id),
        "/seller/legal_id",
        "Fakturaen mangler selgers organisasjonsnummer (§ 5-1-1 nr. 3).",
        "The invoice has no seller organisation number (5-1-1 no. 3).",
    ),
    (
        "NO-BF-05",
        F,
        _vat_stated_when_registered,
        "/totals/tax",
        "Selgeren er mva-registrert, men fakturaen oppgir ikke mva (§ 5-1-1 nr. 5).",
        "The seller is VAT registered but the invoice states no VAT amount (5-1-1 no. 5).",
    ),
    (
        "NO-BF-06",
        F,
        lambda i: i.totals.payable is not None or i.totals.tax_inclusive is not None,
        "/totals/payable",
        "Fakturaen mangler beløp å betale (§ 5-1-1 nr. 4).",
        "The invoice states no amount due (5-1-1 no. 4).",
    ),
    (
        "NO-BF-07",
        W,
        lambda i: i.due_date is not None or bool(i.payment_terms),
        "/due_date",
        "Fakturaen mangler forfallsdato (§ 5-1-1 nr. 6).",
        "The invoice has no due date (5-1-1 no. 6).",
    ),
    (
        "FP-AR-01",
        F,
        _sums_add_up,
        "/totals",
        "Sum eksklusive mva pluss mva er ikke lik sum inklusive mva.",
        "Total without VAT plus VAT does not equal the total with VAT.",
    ),
    (
        "FP-AR-02",
        W,
        _lines_add_up,
        "/lines",
        "Fakturalinjene summerer ikke til linjesummen.",
        "The invoice lines do not add up to the sum of line amounts.",
    ),
    (
        "FP-CD-01",
        F,
        _orgnr_ok,
        "/seller/legal_id",
        "Organisasjonsnummeret har feil kontrollsiffer (MOD11).",
        "The organisation number has a wrong check digit (MOD11).",
    ),
    (
        "FP-CD-02",
        F,
        _mva_ok,
        "/seller/vat_id",
        "Mva-nummeret må være NO + gyldig organisasjonsnummer + MVA.",
        "The VAT number must be NO + a valid organisation number + MVA.",
    ),
    (
        "FP-CD-03",
        F,
        _kid_ok,
        "/payment_id",
        "KID-nummeret har feil kontrollsiffer (verken MOD10 eller MOD11).",
        "The KID has a wrong check digit (neither MOD10 nor MOD11).",
    ),
    (
        "FP-CD-04",
        F,
        _account_ok,
        "/payment_account",
        "Kontonummeret har feil kontrollsiffer (MOD11 eller IBAN).",
        "The bank account has a wrong check digit (MOD11 or IBAN).",
    ),
)


def check_captured(invoice: CanonicalInvoice) -> list[Finding]:
    return [
        Finding(rule_id=rule_id, flag=flag, message_nb=nb, message_en=en, location=location)
        for rule_id, flag, holds, location, nb, en in RULES
        if not holds(invoice)
    ]
