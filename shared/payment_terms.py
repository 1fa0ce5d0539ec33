"""Cash-discount terms an invoice states in its payment terms (EN16931 BT-20, free text). Pure.

Shared because two services read them: approval ranks an approver's inbox by the discount about to
be lost, and payment decides whether taking the discount pays off.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Literal

HUNDRED = Decimal(100)
DAYS_A_YEAR = 365


@dataclass(frozen=True)
class DiscountTerms:
    """A cash discount of `percent` when paid within `days_from_issue` days of the issue date."""

    percent: Decimal
    days_from_issue: int
    net_days: int | None = None
    """The net term the same text states ("netto 30"), for information; None if it says none."""

    def last_day(self, issue_date: date) -> date:
        """The last day a payment still earns the discount."""
        return issue_date + timedelta(days=self.days_from_issue)


_NUMBER = r"(\d{1,3}(?:\.\d{1,2})?)"
_DAYS_WORD = r"(?:dager|dgr|dg|days?|d)\b"
_DISCOUNT_WORD = re.compile(r"rabatt|skonto|discount|kontantrabatt")
_PERCENT = re.compile(_NUMBER + r"\s*(?:%|prosent\b|percent\b|pct\b)")
_DAYS = re.compile(r"(\d{1,3})\s*" + _DAYS_WORD)
_NET = re.compile(
    r"\b(?:netto|net|n)\s*/?\s*(\d{1,3})\b(?!\s*%)|(\d{1,3})\s*" + _DAYS_WORD + r"\s*netto\b"
)
# "2/10 netto 30", "2/10 n/30", "1,5/14 net 30": the slash form needs its net part, or "1/10"
# could as well be the first of October.
_SLASH = re.compile(_NUMBER + r"\s*/\s*(\d{1,3})\s*,?\s*(?:netto|net|n)\s*/?\s*(\d{1,3})\b")
_ANY_SLASH = re.compile(r"\d\s*/\s*\d")
# XRechnung's structured form "#SKONTO#TAGE=14#PROZENT=2.00#", seen on German suppliers' invoices.
_SKONTO_CODE = re.compile(r"#skonto#tage=(\d{1,3})#prozent=" + _NUMBER + r"#")
# What the days are counted from or what the percent is for, when it is not a discount from the
# issue date: such text is not guessed at.
_UNCLEAR = re.compile(
    r"før forfall|before (?:the )?due|etter mottak|after receipt|from receipt|end of month|\beom\b"
    r"|månedens slutt|måneds? slutt|løpende måned|\bikke\b|\bingen\b|\buten\b|\bnot\b|\bno\b"
    r"|without"
)
_NOT_A_DISCOUNT = re.compile(
    r"rente|interest|gebyr|fee\b|penalt|forsinke|late\b|overdue|purring|mva|vat\b|moms"
)
_CLAUSE_BREAK = re.compile(r"[;\n]|\.(?!\d)|,(?!\d)")


def parse_terms(text: str | None) -> DiscountTerms | None:
    """The cash discount the payment terms state, or None if they state none or are unclear.

    Reads Norwegian and English ("2 % rabatt ved betaling innen 10 dager, netto 30 dager",
    "2/10 netto 30", "2% 10 days, net 30", "Skonto 3% innen 8 dager"). Exactly one discount must
    be stated, counted in days from the invoice date; several tiers, days counted from receipt or
    before the due date, or a negation give None: a wrong discount costs money, a missed one
    only the gain.
    """
    if not text:
        return None
    normal = re.sub(r"(?<=\d),(?=\d)", ".", " ".join(text.lower().split()))
    net_days = _net_days(normal)
    found = {
        DiscountTerms(Decimal(p), int(d), net_days)
        for d, p in _SKONTO_CODE.findall(normal.replace(" ", ""))
    }
    slashed = _SLASH.findall(normal)
    if len(_ANY_SLASH.findall(normal)) > len(slashed):  # "2/10 eller 3/5 netto 30": not guessed
        return None
    found |= {DiscountTerms(Decimal(p), int(d), int(n)) for p, d, n in slashed}
    if not found:
        for clause in _CLAUSE_BREAK.split(normal):
            terms = _clause_terms(clause.strip(), net_days)
            if terms is False:
                return None
            if terms is not None:
                found.add(terms)
    if len(found) != 1:
        return None
    [terms] = found
    if not (0 < terms.percent < HUNDRED and 0 < terms.days_from_issue <= DAYS_A_YEAR):
        return None
    if terms.net_days is not None and terms.net_days <= terms.days_from_issue:
        return None
    return terms


def _net_days(normal: str) -> int | None:
    days = {int(a or b) for a, b in _NET.findall(normal)}
    return days.pop() if len(days) == 1 else None


def _clause_terms(clause: str, net_days: int | None) -> DiscountTerms | Literal[False] | None:
    """One clause's discount; None if it states none, False if it states one unclearly."""
    percents = _PERCENT.findall(clause)
    if not percents or _NOT_A_DISCOUNT.search(clause):
        return None
    # "2% 10 days, net 30" names no discount, but a percent for days before a net term is one.
    if not _DISCOUNT_WORD.search(clause) and net_days is None:
        return None
    days = _DAYS.findall(_NET.sub(" ", clause))
    if len(percents) != 1 or len(days) != 1 or _UNCLEAR.search(clause):
        return False
    return DiscountTerms(Decimal(percents[0]), int(days[0]), net_days)
