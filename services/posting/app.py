"""The posting application: suggests the coding of validated invoices, posts approved ones."""

from __future__ import annotations

from typing import cast
from uuid import UUID

from eventsourcing.application import ProcessingEvent

from fakturaportal.eventstore import ServiceApplication, meta_from
from fakturaportal.messaging import InboundMessage
from fakturaportal.settings import CommonSettings
from services.posting.config import PostingSettings
from services.posting.domain import (
    PostingCase,
    SupplierHistory,
    VoucherSeries,
    build_voucher,
    history_id,
    suggest,
    supplier_key,
    voucher_series_id,
)
from shared.schemas.events import InvoiceApproved, InvoiceSummary, InvoiceValidated
from shared.schemas.invoice import CanonicalInvoice
from shared.schemas.topics import Topic


def summarise(invoice: CanonicalInvoice) -> InvoiceSummary:
    return InvoiceSummary(
        number=invoice.number,
        kind=invoice.kind.value,
        issue_date=invoice.issue_date,
        due_date=invoice.due_date,
        currency=invoice.currency,
        payable_amount=invoice.totals.payable,
        tax_amount=invoice.totals.tax,
        seller_name=invoice.seller.name,
        seller_legal_id=invoice.seller.legal_id,
        seller_vat_id=invoice.seller.vat_id,
        payment_id=invoice.payment_id,
        payment_account=invoice.payment_account,
        buyer_reference=invoice.buyer_reference,
    )


class PostingApp(ServiceApplication):
    name = "posting"

    def __init__(
        self, settings: CommonSettings | None = None, posting: PostingSettings | None = None
    ) -> None:
        super().__init__(settings)
        self.posting = posting or PostingSettings()

    def on_validated(self, message: InboundMessage, processing: ProcessingEvent[UUID]) -> None:
        payload = cast(InvoiceValidated, message.payload)
        if self.get_or_none(payload.invoice_id) is not None:
            return
        history = self.get_or_none(history_id(payload.tenant_id, supplier_key(payload.invoice)))
        counts = cast(SupplierHistory, history).account_counts if history else {}
        suggestion = suggest(payload.invoice, counts, self.posting.default_account)
        case = PostingCase(
            invoice_id=payload.invoice_id,
            tenant_id=payload.tenant_id,
            summary=summarise(payload.invoice).model_dump(mode="json"),
            registered_by=payload.registered_by,
            lines=[line.model_dump(mode="json") for line in suggestion.lines],
            confidence=suggestion.confidence,
            method=suggestion.method,
            explanation=suggestion.explanation,
            meta=meta_from(message),
        )
        processing.collect_events(case)

    def on_approved(self, message: InboundMessage, processing: ProcessingEvent[UUID]) -> None:
        payload = cast(InvoiceApproved, message.payload)
        case = cast(PostingCase | None, self.get_or_none(payload.invoice_id))
        if case is None or case.voucher_number is not None:
            return  # not ours to post, or already posted
        meta = meta_from(message)
        today = message.envelope.time.date()
        series = self._series(payload.tenant_id, today.year)
        series.issue(invoice_id=str(payload.invoice_id), meta=meta)
        supplier = supplier_key(payload.invoice)
        lines = build_voucher(payload.coding, supplier)
        case.post(
            voucher_number=series.current,
            voucher_date=today.isoformat(),
            lines=[line.model_dump(mode="json") for line in lines],
            summary=payload.invoice.model_dump(mode="json"),
            meta=meta,
        )
        history = self.get_or_none(history_id(payload.tenant_id, supplier))
        learned = (
            cast(SupplierHistory, history)
            if history
            else SupplierHistory(tenant_id=payload.tenant_id, supplier=supplier)
        )
        learned.learn(
            invoice_id=str(payload.invoice_id),
            accounts=sorted({c.account for c in payload.coding}),
            meta=meta,
        )
        processing.collect_events(series, case, learned)

    def _series(self, tenant_id: str, year: int) -> VoucherSeries:
        found = self.get_or_none(voucher_series_id(tenant_id, year))
        return (
            cast(VoucherSeries, found) if found else VoucherSeries(tenant_id=tenant_id, year=year)
        )

    handlers = {Topic.INVOICE_VALIDATED: on_validated, Topic.INVOICE_APPROVED: on_approved}
