"""Coding suggestions and vouchers: pure rules plus the posting service's aggregates.

Walking-skeleton coding: the supplier's most used account in approved history, else the tenant's
default account. Learned models and rules arrive with issue #5.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from shared.schemas.events import CodingLine, InvoiceSummary, VoucherLine
from shared.schemas.invoice import CanonicalInvoice

POSTING_NAMESPACE = uuid5(NAMESPACE_URL, "https://fakturaportal.no/posting")
CENT = Decimal("0.01")
ACCOUNTS_PAYABLE = "2400"
INPUT_VAT_ACCOUNT = {"1": "2710", "11": "2711", "13": "2712", "12": "2713"}

#: SAF-T standard tax codes for domestic purchases by rate (DESIGN §4).
VAT_CODE_BY_RATE = {
    Decimal("25"): "1",
    Decimal("15"): "11",
    Decimal("12"): "13",
    Decimal("11.11"): "12",
}


def vat_code_for(category: str | None, rate: Decimal | None) -> str:
    """SAF-T code for a line; exempt categories and unknown rates post without input VAT."""
    if category in {"E", "Z", "O", "AE", "K", "G"} or not rate:
        return "0"
    return VAT_CODE_BY_RATE.get(rate, "0")


def supplier_key(invoice: CanonicalInvoice | InvoiceSummary) -> str:
    if isinstance(invoice, CanonicalInvoice):
        return invoice.seller.legal_id or invoice.seller.vat_id or invoice.seller.name or "unknown"
    return invoice.seller_legal_id or invoice.seller_vat_id or invoice.seller_name or "unknown"


def history_id(tenant_id: str, supplier: str) -> UUID:
    return uuid5(POSTING_NAMESPACE, f"history/{tenant_id}/{supplier}")


def voucher_series_id(tenant_id: str, year: int) -> UUID:
    return uuid5(POSTING_NAMESPACE, f"vouchers/{tenant_id}/{year}")


@dataclass(frozen=True)
class Suggestion:
    lines: list[CodingLine]
    confidence: float
    method: str
    explanation: str


def suggest(
    invoice: CanonicalInvoice, account_counts: dict[str, int], default_account: str
) -> Suggestion:
    """One coding line per VAT code, on the supplier's most used account or the default."""
    if account_counts:
        account, uses = Counter(account_counts).most_common(1)[0]
        total = sum(account_counts.values())
        confidence = round(min(0.95, 0.5 + 0.45 * uses / total * min(1.0, total / 5)), 2)
        method = "history"
        explanation = (
            f"Leverandørens mest brukte konto: {account} ({uses} av {total} godkjente bilag)"
        )
    else:
        account, confidence, method = default_account, 0.2, "default"
        explanation = f"Ingen historikk for leverandøren; standardkonto {account}"
    return Suggestion(split_by_vat(invoice, account), confidence, method, explanation)


def split_by_vat(invoice: CanonicalInvoice, account: str) -> list[CodingLine]:
    """Net per VAT code from the lines; the document's VAT total is shared out so it adds up."""
    sign = Decimal(-1) if invoice.kind.value == "credit-note" else Decimal(1)
    net_by_code: dict[str, Decimal] = {}
    rate_by_code: dict[str, Decimal] = {}
    for line in invoice.lines:
        code = vat_code_for(line.vat_category, line.vat_rate)
        net_by_code[code] = net_by_code.get(code, Decimal(0)) + (line.net_amount or Decimal(0))
        rate_by_code[code] = line.vat_rate or Decimal(0)
    net_total = invoice.totals.tax_exclusive
    if not net_by_code or net_total is None:
        net_by_code = {"1" if invoice.totals.tax else "0": net_total or Decimal(0)}
        rate_by_code = {k: Decimal(25) if k == "1" else Decimal(0) for k in net_by_code}
    # Document-level allowances/charges: scale line nets to the document's net total.
    line_sum = sum(net_by_code.values(), Decimal(0))
    if net_total is not None and line_sum and line_sum != net_total:
        net_by_code = {
            k: (v * net_total / line_sum).quantize(CENT, ROUND_HALF_UP)
            for k, v in net_by_code.items()
        }
        _settle_rounding(net_by_code, net_total)
    vat_by_code = {
        k: (v * rate_by_code[k] / 100).quantize(CENT, ROUND_HALF_UP) for k, v in net_by_code.items()
    }
    if invoice.totals.tax is not None and vat_by_code:
        _settle_rounding(vat_by_code, invoice.totals.tax)
    return [
        CodingLine(
            account=account,
            vat_code=code,
            net_amount=sign * net_by_code[code],
            vat_amount=sign * vat_by_code[code],
        )
        for code in sorted(net_by_code)
    ]


def _settle_rounding(amounts: dict[str, Decimal], target: Decimal) -> None:
    largest = max(amounts, key=lambda k: abs(amounts[k]))
    amounts[largest] += target - sum(amounts.values(), Decimal(0))


def build_voucher(coding: list[CodingLine], supplier_id: str) -> list[VoucherLine]:
    """Expense per account/dimension, input VAT per code, supplier credit on 2400: balanced."""
    lines: list[VoucherLine] = []
    for c in coding:
        lines.append(
            _signed(
                c.account,
                c.net_amount,
                vat_code=c.vat_code,
                department=c.department,
                project=c.project,
            )
        )
    vat: dict[str, Decimal] = {}
    for c in coding:
        if c.vat_amount:
            vat[c.vat_code] = vat.get(c.vat_code, Decimal(0)) + c.vat_amount
    for code, amount in sorted(vat.items()):
        lines.append(_signed(INPUT_VAT_ACCOUNT.get(code, "2710"), amount, vat_code=code))
    total = sum((c.net_amount + c.vat_amount for c in coding), Decimal(0))
    lines.append(_signed(ACCOUNTS_PAYABLE, -total, supplier_id=supplier_id))
    return lines


def _signed(account: str, amount: Decimal, **kwargs: Any) -> VoucherLine:
    amount = amount.quantize(CENT)
    if amount >= 0:
        return VoucherLine(account=account, debit=amount, **kwargs)
    return VoucherLine(account=account, credit=-amount, **kwargs)


def is_balanced(lines: list[VoucherLine]) -> bool:
    return sum((v.debit for v in lines), Decimal(0)) == sum((v.credit for v in lines), Decimal(0))


class SupplierHistory(Aggregate):
    """How a tenant has coded one supplier's approved invoices."""

    @staticmethod
    def create_id(tenant_id: str, supplier: str) -> UUID:
        return history_id(tenant_id, supplier)

    @event("Started")
    def __init__(self, tenant_id: str, supplier: str) -> None:
        self.account_counts: dict[str, int] = {}

    @event("CodingLearned")
    def learn(self, invoice_id: str, accounts: list[str], meta: dict[str, str]) -> None:
        for account in accounts:
            self.account_counts[account] = self.account_counts.get(account, 0) + 1


class VoucherSeries(Aggregate):
    """A tenant's voucher numbers for one year: gapless, each issued once."""

    @staticmethod
    def create_id(tenant_id: str, year: int) -> UUID:
        return voucher_series_id(tenant_id, year)

    @event("Opened")
    def __init__(self, tenant_id: str, year: int) -> None:
        self.year = year
        self.last = 0

    @event("NumberIssued")
    def issue(self, invoice_id: str, meta: dict[str, str]) -> None:
        self.last += 1

    @property
    def current(self) -> str:
        return f"{self.year}-{self.last:06d}"


class PostingCase(Aggregate):
    """The posting service's view of one invoice: suggested coding, then the voucher."""

    @staticmethod
    def create_id(invoice_id: UUID) -> UUID:
        return invoice_id

    @event("Coded")
    def __init__(
        self,
        invoice_id: UUID,
        tenant_id: str,
        summary: dict[str, Any],
        registered_by: str,
        lines: list[dict[str, Any]],
        confidence: float,
        method: str,
        explanation: str,
        meta: dict[str, str],
    ) -> None:
        self.tenant_id = tenant_id
        self.summary = summary
        self.voucher_number: str | None = None

    @event("Posted")
    def post(
        self,
        voucher_number: str,
        voucher_date: str,
        lines: list[dict[str, Any]],
        summary: dict[str, Any],
        meta: dict[str, str],
    ) -> None:
        self.voucher_number = voucher_number
