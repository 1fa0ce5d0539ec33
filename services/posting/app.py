"""The posting application: suggests the coding of validated invoices, learns from corrections,
posts approved ones."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, cast
from uuid import UUID

from eventsourcing.application import ProcessingEvent
from eventsourcing.persistence import IntegrityError

from fakturaportal.eventstore import ServiceApplication, meta_from, new_meta
from fakturaportal.messaging import InboundMessage
from fakturaportal.settings import CommonSettings
from services.posting.coding import Prediction, code_invoice
from services.posting.config import PostingSettings
from services.posting.domain import (
    PostingCase,
    SupplierHistory,
    VoucherSeries,
    history_id,
    supplier_key,
    voucher_series_id,
)
from services.posting.history import line_context, training_records
from services.posting.setup import CodingSetup, Setup, setup_id
from services.posting.voucher import VoucherError, VoucherNumber, build_voucher
from shared.nok import nok_rate
from shared.schemas.events import (
    CodingLine,
    InvoiceApproved,
    InvoiceRecoded,
    InvoiceSummary,
    InvoiceValidated,
)
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
        payment_bic=invoice.payment_bic,
        buyer_reference=invoice.buyer_reference,
        payment_terms=invoice.payment_terms,
        nok_rate=nok_rate(invoice),
    )


Predictor = Callable[[str, CanonicalInvoice], Sequence[Prediction | None]]
"""The learned model's view of each line of an invoice of a tenant; None where it cannot say."""


def no_model(tenant_id: str, invoice: CanonicalInvoice) -> list[Prediction | None]:
    return []


EXPORT_NB = {"none": "ikke laget", "pending": "på vei", "delivered": "levert"}
"""A voucher's export state as the refusal names it in bokmål."""


class ExportRefused(ValueError):
    """Another export try for a voucher that did not fail; `reason_nb` in bokmål."""

    def __init__(self, reason: str, reason_nb: str) -> None:
        super().__init__(reason)
        self.reason_nb = reason_nb


class PostingApp(ServiceApplication):
    name = "posting"

    def __init__(
        self,
        settings: CommonSettings | None = None,
        posting: PostingSettings | None = None,
        predictor: Predictor = no_model,
    ) -> None:
        super().__init__(settings)
        self.posting = posting or PostingSettings()
        self.predictor = predictor

    def setup_for(self, tenant_id: str) -> Setup:
        found = cast(CodingSetup | None, self.get_or_none(setup_id(tenant_id)))
        return found.current() if found else Setup()

    def change_setup(self, tenant_id: str, section: str, value: Any, user: str) -> Setup:
        meta = new_meta(tenant_id, correlation_id=str(setup_id(tenant_id)))
        for _ in range(5):
            found = cast(CodingSetup | None, self.get_or_none(setup_id(tenant_id)))
            setup = found or CodingSetup(tenant_id=tenant_id)
            changed = setup.change(section, value, user, meta)
            try:
                self.save(setup)
                return changed
            except IntegrityError:
                continue
        raise RuntimeError("the coding setup changed meanwhile; try again")

    def setup_history(self, tenant_id: str) -> list[dict[str, Any]]:
        return self.changes(setup_id(tenant_id), "Changed", "changed_by", "section")

    def on_validated(self, message: InboundMessage, processing: ProcessingEvent[UUID]) -> None:
        payload = cast(InvoiceValidated, message.payload)
        if self.get_or_none(payload.invoice_id) is not None:
            return
        history = self.get_or_none(history_id(payload.tenant_id, supplier_key(payload.invoice)))
        counts = cast(SupplierHistory, history).account_counts if history else {}
        predictions = self.predictor(payload.tenant_id, payload.invoice)
        setup = self.setup_for(payload.tenant_id)
        suggestion = code_invoice(payload.invoice, setup, predictions, counts)
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
            touchless=suggestion.touchless,
            findings=[f.model_dump(mode="json") for f in suggestion.findings],
            context=line_context(payload.invoice),
            purchase_order=(
                payload.purchase_order.model_dump(mode="json") if payload.purchase_order else None
            ),
        )
        processing.collect_events(case)

    def on_recoded(self, message: InboundMessage, processing: ProcessingEvent[UUID]) -> None:
        """A person corrected the coding: remember it; it trains the next model."""
        payload = cast(InvoiceRecoded, message.payload)
        case = cast(PostingCase | None, self.get_or_none(payload.invoice_id))
        if case is None or case.tenant_id != payload.tenant_id or case.voucher_number:
            return  # not coded here, or posted already (a correction then is a new voucher)
        lines = [line.model_dump(mode="json") for line in payload.lines]
        if lines == case.lines and case.recoded_by == payload.recoded_by:
            return  # redelivered
        case.recode(lines=lines, recoded_by=payload.recoded_by, meta=meta_from(message))
        processing.collect_events(case)

    def on_approved(self, message: InboundMessage, processing: ProcessingEvent[UUID]) -> None:
        """Number and build the voucher; the exporter delivers it to the ERP."""
        payload = cast(InvoiceApproved, message.payload)
        case = cast(PostingCase | None, self.get_or_none(payload.invoice_id))
        if case is None or case.voucher_number is not None or case.voucher_refused:
            return  # not ours to post, or already posted or refused
        meta = meta_from(message)
        today = message.envelope.time.date()
        series = self._series(payload.tenant_id, today.year)
        number = VoucherNumber(series=str(today.year), number=series.last + 1)
        coding = _final(case, payload)
        try:
            voucher = build_voucher(
                coding,
                payload.invoice,
                tenant_id=payload.tenant_id,
                invoice_id=payload.invoice_id,
                number=number,
                voucher_date=today,
            )
        except VoucherError as exc:
            case.refuse_voucher(reason=str(exc), meta=meta)
            processing.collect_events(case)
            return
        series.issue(invoice_id=str(payload.invoice_id), meta=meta)
        assert series.current == voucher.voucher_number
        case.post(
            voucher_number=voucher.voucher_number,
            voucher_date=today.isoformat(),
            lines=[line.model_dump(mode="json") for line in voucher.event_lines()],
            summary=payload.invoice.model_dump(mode="json"),
            meta=meta,
            records=training_records(payload.tenant_id, today.isoformat(), case.context, coding),
            voucher=voucher.model_dump(mode="json"),
        )
        supplier = supplier_key(payload.invoice)
        history = self.get_or_none(history_id(payload.tenant_id, supplier))
        learned = (
            cast(SupplierHistory, history)
            if history
            else SupplierHistory(tenant_id=payload.tenant_id, supplier=supplier)
        )
        learned.learn(
            invoice_id=str(payload.invoice_id),
            accounts=sorted({c.account for c in coding}),
            meta=meta,
        )
        processing.collect_events(series, case, learned)

    def request_export(self, tenant_id: str, invoice_id: UUID, user: str) -> PostingCase:
        """Another try for a voucher the ERP did not take."""
        case = cast(PostingCase | None, self.get_or_none(invoice_id))
        if case is None or case.tenant_id != tenant_id or case.voucher is None:
            raise LookupError("no voucher for that invoice")
        if case.export != "failed":
            raise ExportRefused(
                f"the voucher is {case.export}, not failed",
                f"bilaget er {EXPORT_NB.get(case.export, case.export)}, ikke avvist av "
                "regnskapssystemet",
            )
        case.request_export(requested_by=user, meta=new_meta(tenant_id, str(invoice_id)))
        self.save(case)
        return case

    def _series(self, tenant_id: str, year: int) -> VoucherSeries:
        found = self.get_or_none(voucher_series_id(tenant_id, year))
        return (
            cast(VoucherSeries, found) if found else VoucherSeries(tenant_id=tenant_id, year=year)
        )

    handlers = {
        Topic.INVOICE_VALIDATED: on_validated,
        Topic.INVOICE_RECODED: on_recoded,
        Topic.INVOICE_APPROVED: on_approved,
    }


def _final(case: PostingCase, approved: InvoiceApproved) -> list[CodingLine]:
    """The coding people settled on: a correction that reached us (`invoice-recoded`) wins over
    the coding approval carried; line ids come from our own coding where approval lost them."""
    ours = [CodingLine.model_validate(line) for line in case.lines]
    if case.recoded_by and ours:
        return ours
    if all(line.invoice_line for line in approved.coding) or len(ours) != len(approved.coding):
        return list(approved.coding)
    return [
        line.model_copy(update={"invoice_line": mine.invoice_line})
        for line, mine in zip(approved.coding, ours, strict=True)
    ]
