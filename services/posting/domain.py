"""Coding suggestions and vouchers: pure rules plus the posting service's aggregates.

The suggestion itself lives in `coding`; here are the aggregates that remember codings and
number vouchers, and the voucher built from an approved coding.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from shared.schemas.events import CodingLine, InvoiceSummary, VoucherLine
from shared.schemas.invoice import CanonicalInvoice

POSTING_NAMESPACE = uuid5(NAMESPACE_URL, "https://fakturaportal.no/posting")
CENT = Decimal("0.01")
ACCOUNTS_PAYABLE = "2400"
INPUT_VAT_ACCOUNT = {"1": "2710", "11": "2711", "13": "2712", "12": "2713"}


def supplier_key(invoice: CanonicalInvoice | InvoiceSummary) -> str:
    if isinstance(invoice, CanonicalInvoice):
        return invoice.seller.legal_id or invoice.seller.vat_id or invoice.seller.name or "unknown"
    return invoice.seller_legal_id or invoice.seller_vat_id or invoice.seller_name or "unknown"


def history_id(tenant_id: str, supplier: str) -> UUID:
    return uuid5(POSTING_NAMESPACE, f"history/{tenant_id}/{supplier}")


def voucher_series_id(tenant_id: str, year: int) -> UUID:
    return uuid5(POSTING_NAMESPACE, f"vouchers/{tenant_id}/{year}")


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

    class Coded(Aggregate.Created):
        invoice_id: UUID
        tenant_id: str
        summary: dict[str, Any]
        registered_by: str
        lines: list[dict[str, Any]]
        confidence: float
        method: str
        explanation: str
        meta: dict[str, str]
        touchless: bool = False
        findings: list[dict[str, Any]] | None = None
        context: dict[str, Any] | None = None

    @event(Coded)
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
        touchless: bool = False,
        findings: list[dict[str, Any]] | None = None,
        context: dict[str, Any] | None = None,
    ) -> None:
        self.tenant_id = tenant_id
        self.summary = summary
        self.lines = lines
        self.context = context or {}
        self.voucher_number: str | None = None
        self.recoded_by: str | None = None

    @event("Recoded")
    def recode(self, lines: list[dict[str, Any]], recoded_by: str, meta: dict[str, str]) -> None:
        """A person's correction: the training signal, and the coding the voucher will use."""
        self.lines = lines
        self.recoded_by = recoded_by

    class Posted(Aggregate.Event):
        voucher_number: str
        voucher_date: str
        lines: list[dict[str, Any]]
        summary: dict[str, Any]
        meta: dict[str, str]
        records: list[dict[str, Any]] | None = None

    @event(Posted)
    def post(
        self,
        voucher_number: str,
        voucher_date: str,
        lines: list[dict[str, Any]],
        summary: dict[str, Any],
        meta: dict[str, str],
        records: list[dict[str, Any]] | None = None,
    ) -> None:
        self.voucher_number = voucher_number
