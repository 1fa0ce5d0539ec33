"""The validation application: checks every captured invoice once."""

from __future__ import annotations

import logging
from typing import cast
from uuid import UUID

from eventsourcing.application import ProcessingEvent

from fakturaportal.archive import Archive
from fakturaportal.eventstore import ServiceApplication, meta_from
from fakturaportal.mailer import Replier
from fakturaportal.messaging import InboundMessage
from fakturaportal.settings import CommonSettings
from services.validation.captured import check_captured
from services.validation.config import ValidationSettings
from services.validation.domain import ValidationCase, check_invoice, is_fatal
from services.validation.duplicates import (
    Entry,
    SupplierLedger,
    credited_invoice,
    duplicate_findings,
    ledger_id,
    supplier_key,
)
from services.validation.ehf import NotAnEhfDocument, validate_ehf
from services.validation.notice import rejection_notice
from services.validation.suppliers import (
    AccountRegistry,
    History,
    account_of,
    account_registry_id,
    fraud_findings,
    kid_pattern,
)
from shared.schemas.events import Finding, InvoiceCaptured, InvoiceRejected
from shared.schemas.invoice import CaptureSource
from shared.schemas.topics import Topic

log = logging.getLogger(__name__)


class ValidationApp(ServiceApplication):
    name = "validation"

    def __init__(
        self, settings: CommonSettings | None = None, validation: ValidationSettings | None = None
    ) -> None:
        super().__init__(settings)
        self.validation = validation or ValidationSettings()

    def on_captured(self, message: InboundMessage, processing: ProcessingEvent[UUID]) -> None:
        payload = message.payload
        assert isinstance(payload, InvoiceCaptured)
        if self.get_or_none(payload.invoice_id) is not None:
            return  # redelivered or republished: already checked
        findings = self.findings_for(payload)
        credits: str | None = None
        if not is_fatal(findings):
            more, credits = self._against_ledger(message, payload, processing)
            findings = findings + more
        case = ValidationCase(
            invoice_id=payload.invoice_id,
            tenant_id=payload.tenant_id,
            invoice=payload.invoice.model_dump(mode="json"),
            registered_by=payload.registered_by,
            findings=[f.model_dump(mode="json") for f in findings],
            meta=meta_from(message),
            credits=credits,
        )
        processing.collect_events(case)

    def _against_ledger(
        self, message: InboundMessage, payload: InvoiceCaptured, processing: ProcessingEvent[UUID]
    ) -> tuple[list[Finding], str | None]:
        """Duplicates of, and the invoice credited by, this supplier's earlier documents."""
        invoice = payload.invoice
        supplier = supplier_key(invoice)
        if supplier is None:
            return [], None
        found = cast(
            SupplierLedger | None, self.get_or_none(ledger_id(payload.tenant_id, supplier))
        )
        ledger = found or SupplierLedger(tenant_id=payload.tenant_id, supplier=supplier)
        entry = Entry.of(str(payload.invoice_id), invoice)
        earlier = ledger.earlier()
        meta = meta_from(message)
        findings = duplicate_findings(earlier, entry, self.validation.duplicate_window_days)
        findings += self._payment_details(payload, supplier, ledger, meta, findings, processing)
        credited = (
            credited_invoice(earlier, entry, invoice.preceding_invoice)
            if entry.credit_note
            else None
        )
        ledger.record(entry=entry.as_dict(), meta=meta)
        processing.collect_events(ledger)
        return findings, credited.invoice_id if credited else None

    def _payment_details(
        self,
        payload: InvoiceCaptured,
        supplier: str,
        ledger: SupplierLedger,
        meta: dict[str, str],
        flagged: list[Finding],
        processing: ProcessingEvent[UUID],
    ) -> list[Finding]:
        """Possible payment diversion: a new account or KID pattern, or another's account."""
        account = account_of(payload.invoice)
        pattern = kid_pattern(payload.invoice.payment_id)
        registry_id = account_registry_id(payload.tenant_id)
        found = cast(AccountRegistry | None, self.get_or_none(registry_id))
        registry = found or AccountRegistry(tenant_id=payload.tenant_id)
        history = History(frozenset(ledger.accounts), frozenset(ledger.kid_patterns))
        owner = registry.owners.get(account) if account else None
        findings = fraud_findings(history, account, pattern, owner, supplier)
        if not findings and not flagged and payload.invoice.kind.value != "credit-note":
            ledger.trust(account=account, kid_pattern=pattern, meta=meta)
            if account and account not in registry.owners:
                registry.learn(
                    account=account,
                    supplier=supplier,
                    invoice_id=str(payload.invoice_id),
                    meta=meta,
                )
                processing.collect_events(registry)
        return findings

    def findings_for(self, payload: InvoiceCaptured) -> list[Finding]:
        """EHF originals get the official rule set; PDF and OCR captures the checks that apply."""
        sources = {p.source for p in payload.invoice.provenance.values()}
        if sources and sources <= {CaptureSource.PDF_TEXT, CaptureSource.OCR, CaptureSource.MANUAL}:
            return check_captured(payload.invoice)
        if payload.document.media_type == "application/xml":
            try:
                original = self.archive.read(payload.document.sha256)
            except FileNotFoundError:
                log.warning(
                    "original %s not in the archive; checking captured fields only",
                    payload.document.sha256,
                )
            else:
                try:
                    return validate_ehf(original).findings
                except NotAnEhfDocument:
                    pass  # CII or other structured XML: the canonical checks decide
        return check_invoice(payload.invoice)

    @property
    def archive(self) -> Archive:
        return Archive(self.settings.archive_path)

    def on_rejected(self, message: InboundMessage, processing: ProcessingEvent[UUID]) -> None:
        """Tell the supplier why, once: the notice is recorded with the message's position."""
        payload = cast(InvoiceRejected, message.payload)
        case = cast(ValidationCase | None, self.get_or_none(payload.invoice_id))
        if case is None or getattr(case, "notified", None):
            return  # rejected by intake (its channel answers), or already told
        to = ((case.invoice or {}).get("seller") or {}).get("email")
        if not to:
            return
        notice = rejection_notice(
            invoice=case.invoice,
            invoice_id=str(payload.invoice_id),
            findings=payload.findings,
            to=to,
            sender=self.validation.notice_from,
            at=message.envelope.time,
        )
        self.mailer.send(notice)
        case.notify_supplier(to=to, message_id=str(notice["Message-ID"]), meta=meta_from(message))
        processing.collect_events(case)

    @property
    def mailer(self) -> Replier:
        return self.validation.mailer(self.settings.data_dir)

    handlers = {Topic.INVOICE_CAPTURED: on_captured, Topic.INVOICE_REJECTED: on_rejected}
