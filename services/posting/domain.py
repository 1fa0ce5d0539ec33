"""Coding suggestions and vouchers: pure rules plus the posting service's aggregates.

The suggestion lives in `coding` and the voucher in `voucher`; here are the aggregates that
remember codings, number vouchers and follow each invoice from coding to the ERP.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from shared.schemas.events import InvoiceSummary
from shared.schemas.invoice import CanonicalInvoice

POSTING_NAMESPACE = uuid5(NAMESPACE_URL, "https://fakturaportal.no/posting")
CENT = Decimal("0.01")


def supplier_key(invoice: CanonicalInvoice | InvoiceSummary) -> str:
    if isinstance(invoice, CanonicalInvoice):
        return invoice.seller.legal_id or invoice.seller.vat_id or invoice.seller.name or "unknown"
    return invoice.seller_legal_id or invoice.seller_vat_id or invoice.seller_name or "unknown"


def history_id(tenant_id: str, supplier: str) -> UUID:
    return uuid5(POSTING_NAMESPACE, f"history/{tenant_id}/{supplier}")


def voucher_series_id(tenant_id: str, year: int) -> UUID:
    return uuid5(POSTING_NAMESPACE, f"vouchers/{tenant_id}/{year}")


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
        purchase_order: dict[str, Any] | None = None

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
        purchase_order: dict[str, Any] | None = None,
    ) -> None:
        self.tenant_id = tenant_id
        self.summary = summary
        self.lines = lines
        self.context = context or {}
        self.voucher_number: str | None = None
        self.voucher: dict[str, Any] | None = None
        self.voucher_refused: str | None = None
        self.export = "none"
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
        voucher: dict[str, Any] | None = None

    @event(Posted)
    def post(
        self,
        voucher_number: str,
        voucher_date: str,
        lines: list[dict[str, Any]],
        summary: dict[str, Any],
        meta: dict[str, str],
        records: list[dict[str, Any]] | None = None,
        voucher: dict[str, Any] | None = None,
    ) -> None:
        """Numbered and balanced: the exporter delivers it to the ERP next."""
        self.voucher_number = voucher_number
        self.voucher = voucher
        self.summary = summary
        self.export = "pending"

    class Exported(Aggregate.Event):
        connector: str
        reference: str
        duplicate: bool
        attempts: int
        meta: dict[str, str]

    @event(Exported)
    def exported(
        self, connector: str, reference: str, duplicate: bool, attempts: int, meta: dict[str, str]
    ) -> None:
        self.export = "delivered"

    class ExportFailed(Aggregate.Event):
        reason: str
        connector: str | None
        attempts: int
        permanent: bool
        meta: dict[str, str]

    @event(ExportFailed)
    def export_failed(
        self,
        reason: str,
        connector: str | None,
        attempts: int,
        permanent: bool,
        meta: dict[str, str],
    ) -> None:
        self.export = "failed"

    @event("ExportRequested")
    def request_export(self, requested_by: str, meta: dict[str, str]) -> None:
        """A person asks for another try, e.g. after the ERP or the connector was fixed."""
        self.export = "pending"

    class VoucherRefused(Aggregate.Event):
        reason: str
        meta: dict[str, str]

    @event(VoucherRefused)
    def refuse_voucher(self, reason: str, meta: dict[str, str]) -> None:
        """The approved coding cannot become a voucher (e.g. import VAT without its accounts)."""
        self.voucher_refused = reason
