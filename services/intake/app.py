"""The intake application: registers originals once, captures them, or has them read by OCR."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, cast
from uuid import UUID

from eventsourcing.application import ProcessingEvent

from fakturaportal.archive import Archive
from fakturaportal.eventstore import ServiceApplication, meta_from, new_meta
from fakturaportal.messaging import InboundMessage
from services.intake.capture import PDF, CaptureRefused, CaptureResult, capture_scanned
from services.intake.correction import Corrected, apply_correction
from services.intake.domain import (
    MAX_OCR_WORDS_IN_EVENT,
    IntakeCase,
    SupplierProfile,
    invoice_id_for,
    supplier_profile_id,
)
from services.intake.words import PageText, Word
from shared.schemas.events import Channel, DocumentRef, InvoiceOcrRequested
from shared.schemas.invoice import CanonicalInvoice, CaptureSource, SupportingDocument
from shared.schemas.topics import Topic


@dataclass(frozen=True)
class Registration:
    invoice_id: str
    duplicate: bool
    status: str

    def as_dict(self) -> dict[str, object]:
        return {"invoice_id": self.invoice_id, "duplicate": self.duplicate, "status": self.status}


class IntakeApp(ServiceApplication):
    name = "intake"

    @property
    def archive(self) -> Archive:
        return Archive(self.settings.archive_path)

    def register_document(
        self,
        *,
        tenant_id: str,
        channel: Channel,
        data: bytes,
        filename: str | None,
        result: CaptureResult,
        registered_by: str,
        origin: dict[str, str] | None = None,
    ) -> Registration:
        """Archive the original and register it once; capture now or ask for OCR."""
        sha256 = self.archive.store(data)
        document = DocumentRef(
            sha256=sha256, media_type=result.media_type, size=len(data), filename=filename
        )
        invoice = result.invoice
        if invoice is not None and result.embedded:
            invoice = self._with_embedded(invoice, result)
        return self._register(tenant_id, channel, document, invoice, registered_by, origin or {})

    def register_captured(
        self,
        *,
        tenant_id: str,
        channel: Channel,
        document: DocumentRef,
        invoice: CanonicalInvoice,
        registered_by: str,
    ) -> Registration:
        return self._register(tenant_id, channel, document, invoice, registered_by, {})

    def _register(
        self,
        tenant_id: str,
        channel: Channel,
        document: DocumentRef,
        invoice: CanonicalInvoice | None,
        registered_by: str,
        origin: dict[str, str],
    ) -> Registration:
        invoice_id = invoice_id_for(tenant_id, document.sha256)
        existing = cast(IntakeCase | None, self.get_or_none(invoice_id))
        if existing is not None:
            return Registration(str(invoice_id), duplicate=True, status=status_of(existing))
        meta = new_meta(tenant_id, correlation_id=str(invoice_id))
        ref = document.model_dump(mode="json")
        case = IntakeCase(
            invoice_id=invoice_id,
            tenant_id=tenant_id,
            channel=channel.value,
            document=ref,
            registered_by=registered_by,
            meta=meta,
            origin=origin,
        )
        if invoice is None:
            case.request_ocr(document=ref, meta=meta)
        else:
            case.capture(
                invoice=invoice.model_dump(mode="json"),
                document=ref,
                registered_by=registered_by,
                meta=meta,
            )
        self.save(case)
        return Registration(str(invoice_id), duplicate=False, status=status_of(case))

    def _with_embedded(self, invoice: CanonicalInvoice, result: CaptureResult) -> CanonicalInvoice:
        """Archive the invoice's embedded attachments and point its BG-24 entries at them."""
        documents = list(invoice.supporting_documents)
        for embedded in result.embedded:
            sha = self.archive.store(embedded.data)
            if embedded.index < len(documents):
                documents[embedded.index] = documents[embedded.index].model_copy(
                    update={"sha256": sha, "size": len(embedded.data)}
                )
            else:
                documents.append(
                    SupportingDocument(
                        media_type=embedded.media_type,
                        filename=embedded.filename,
                        sha256=sha,
                        size=len(embedded.data),
                    )
                )
        return invoice.model_copy(update={"supporting_documents": documents})

    # --- learning from corrections -----------------------------------------------------------

    def refine(self, tenant_id: str, result: CaptureResult) -> CaptureResult:
        """Read a text PDF again with what people taught us about its supplier, if anything."""
        if result.invoice is None or not result.pages:
            return result
        invoice = self._with_hints(tenant_id, result.invoice, result.pages, CaptureSource.PDF_TEXT)
        return replace(result, invoice=invoice)

    def _with_hints(
        self,
        tenant_id: str,
        invoice: CanonicalInvoice,
        pages: list[PageText],
        source: CaptureSource,
    ) -> CanonicalInvoice:
        key = supplier_of(invoice)
        profile = (
            cast(SupplierProfile | None, self.get_or_none(supplier_profile_id(tenant_id, key)))
            if key
            else None
        )
        if profile is None or not profile.hints:
            return invoice
        from services.intake.extractor import SupplierHints, extract_invoice

        return extract_invoice(pages, source, SupplierHints.model_validate(profile.hints))

    def correct(
        self, tenant_id: str, invoice_id: UUID, field: str, value: str, user: str
    ) -> Corrected:
        """Record a person's correction and teach the extractor where that supplier puts it.

        The value is parsed by the term's type first (CorrectionInvalid, before anything is
        recorded); the recorded value is the parsed one, the extractor learns from the typed one
        (it looks for the value as printed)."""
        from services.intake.extractor import SupplierHints, learn_from_correction

        case = cast(IntakeCase | None, self.get_or_none(invoice_id))
        if case is None or case.tenant_id != tenant_id:
            raise LookupError(invoice_id)
        if case.invoice is None:
            raise CorrectionRefused(
                "the invoice is not captured yet", 409, "fakturaen er ikke lest ennå"
            )
        corrected = apply_correction(CanonicalInvoice.model_validate(case.invoice), field, value)
        if not corrected.changed:
            return corrected  # the same value, certain already: nothing to record or publish
        supplier = supplier_of(corrected.invoice)
        if not supplier:
            raise CorrectionRefused(
                "the supplier is unknown: correct its org.nr (BT-30) first",
                422,
                "leverandøren er ukjent: rett organisasjonsnummeret (BT-30) først",
            )
        meta = new_meta(tenant_id, correlation_id=str(invoice_id))
        case.correct(
            field=field,
            value=corrected.value,
            corrected_by=user,
            meta=meta,
            previous=corrected.previous,
            invoice=corrected.invoice.model_dump(mode="json"),
        )
        pages = self.pages_of(case)
        if not pages:
            self.save(case)  # structured XML: nothing to learn about positions
            return corrected
        profile = cast(
            SupplierProfile | None, self.get_or_none(supplier_profile_id(tenant_id, supplier))
        )
        profile = profile or SupplierProfile(tenant_id=tenant_id, supplier=supplier)
        known = SupplierHints.model_validate(profile.hints) if profile.hints else None
        hints = learn_from_correction(pages, field, value, known)
        profile.learn(
            hints=hints.model_dump(mode="json"),
            field=field,
            invoice_id=str(invoice_id),
            corrected_by=user,
            meta=meta,
        )
        self.save(case, profile)
        return corrected

    def case_of(self, tenant_id: str, invoice_id: UUID) -> IntakeCase | None:
        """The tenant's intake case of an invoice; another tenant's is never found."""
        case = cast(IntakeCase | None, self.get_or_none(invoice_id))
        return case if case is not None and case.tenant_id == tenant_id else None

    def pages_of(self, case: IntakeCase) -> list[PageText]:
        """The words a captured document was read from: the PDF's text layer, or the OCR words."""
        media = case.document.get("media_type")
        if media == PDF:
            from services.intake.sandbox import pdf_pages_isolated

            return list(pdf_pages_isolated(self.archive.read(case.document["sha256"])))
        for stored in self.repository.event_store.get(case.id):
            if type(stored).__name__ == "OcrCompleted":
                return pages_from_words(getattr(stored, "words", []))
        return []

    def on_ocr_requested(self, message: InboundMessage, processing: ProcessingEvent[UUID]) -> None:
        """The OCR worker: read the scan, run the extractor on its words, record both."""
        payload = cast(InvoiceOcrRequested, message.payload)
        case = cast(IntakeCase | None, self.get_or_none(payload.invoice_id))
        if case is None or case.settled:
            return  # redelivered after capture, or not ours
        meta = meta_from(message)
        ref = payload.document.model_dump(mode="json")
        try:
            invoice, pages = capture_scanned(
                self.archive.read(payload.document.sha256), payload.document.media_type
            )
        except CaptureRefused as exc:
            case.refuse(code=exc.code, reason=exc.reason, meta=meta)
        else:
            invoice = self._with_hints(
                payload.tenant_id, invoice, cast(list[PageText], pages), CaptureSource.OCR
            )
            case.ocr_completed(document=ref, words=words_of(cast(list[PageText], pages)), meta=meta)
            case.capture(
                invoice=invoice.model_dump(mode="json"),
                document=ref,
                registered_by=case.registered_by,
                meta=meta,
            )
        processing.collect_events(case)

    handlers = {Topic.INVOICE_OCR_REQUESTED: on_ocr_requested}


class CorrectionRefused(Exception):
    """A correction intake will not take, in English and bokmål."""

    def __init__(self, reason: str, status: int, reason_nb: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.reason_nb = reason_nb


def supplier_of(invoice: CanonicalInvoice) -> str | None:
    return invoice.seller.legal_id or invoice.seller.vat_id


def pages_from_words(words: list[dict[str, Any]]) -> list[PageText]:
    by_page: dict[int, list[Word]] = {}
    for w in words:
        left, top = float(w["left"]), float(w["top"])
        by_page.setdefault(int(w["page"]), []).append(
            Word(
                text=str(w["text"]),
                page=int(w["page"]),
                x0=left,
                y0=top,
                x1=left + float(w["width"]),
                y1=top + float(w["height"]),
                confidence=float(w["confidence"]),
            )
        )
    return [
        PageText(number=n, width=A4_POINTS[0], height=A4_POINTS[1], words=ws)
        for n, ws in sorted(by_page.items())
    ]


A4_POINTS = (595.0, 842.0)


def status_of(case: IntakeCase) -> str:
    if case.refused:
        return "refused"
    if case.invoice is not None:
        return "captured"
    return "awaiting-ocr" if case.awaiting_ocr else "received"


def words_of(pages: list[PageText]) -> list[dict[str, object]]:
    words = [
        {
            "text": w.text,
            "page": w.page,
            "left": round(w.x0),
            "top": round(w.y0),
            "width": round(w.x1 - w.x0),
            "height": round(w.y1 - w.y0),
            "confidence": round(w.confidence, 3),
        }
        for page in pages
        for w in page.words
    ]
    return words[:MAX_OCR_WORDS_IN_EVENT]
