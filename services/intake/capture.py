"""One capture for every channel: sniff the bytes, then EHF, embedded XML, text layer or OCR.

The type comes from the content, never the file name. PDF and image work runs in a sandboxed
child process (memory, time and page limits), so a hostile file is refused with a reason and
never takes the service down.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from services.intake.cii import capture_cii, is_cii
from services.intake.cii import embedded_documents as cii_embedded_documents
from services.intake.ehf import EmbeddedDocument, NotUblInvoice, capture, document_kind
from services.intake.ehf import embedded_documents as ehf_embedded_documents
from services.intake.words import PageText
from shared.schemas.invoice import CanonicalInvoice, CaptureSource
from shared.xmlsafe import UnsafeOrInvalidXml, parse_untrusted

if TYPE_CHECKING:
    from services.intake.extractor import SupplierHints

XML = "application/xml"
PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
SUPPORTED = (XML, PDF, PNG, JPEG)
OCR_TIMEOUT_S = 120


class CaptureRefused(ValueError):
    """A document we will not capture; `code` is stable for machines, the message is for people
    (English; `reason_nb` in bokmål)."""

    def __init__(self, code: str, reason: str, reason_nb: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason
        self.reason_nb = reason_nb


@dataclass(frozen=True)
class CaptureResult:
    media_type: str
    invoice: CanonicalInvoice | None
    """None when the document needs OCR first."""
    embedded: list[EmbeddedDocument] = field(default_factory=list)
    pages: list[PageText] = field(default_factory=list)
    """The words the invoice was read from (text PDFs), for a second pass with supplier hints."""

    @property
    def needs_ocr(self) -> bool:
        return self.invoice is None


def sniff(data: bytes) -> str:
    """The media type from magic bytes; refuses anything we do not capture."""
    head = data[:1024]
    if head.startswith(b"%PDF-") or b"%PDF-" in head[:1024]:
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"<"):
        return XML
    raise CaptureRefused(
        "FP-INTAKE-TYPE",
        "unsupported document type: send EHF XML, PDF, or a JPEG/PNG photo or scan",
        "filtypen støttes ikke: send EHF (XML), PDF eller et bilde (JPEG/PNG)",
    )


def capture_document(
    data: bytes, max_bytes: int, hints: SupplierHints | None = None
) -> CaptureResult:
    """Capture what can be captured now; images and scanned PDFs come back as needing OCR."""
    if len(data) > max_bytes:
        raise CaptureRefused(
            "FP-INTAKE-SIZE",
            f"document is {len(data)} bytes; the limit is {max_bytes}",
            f"dokumentet er på {len(data)} byte; grensen er {max_bytes}",
        )
    if not data:
        raise CaptureRefused("FP-INTAKE-EMPTY", "the document is empty", "dokumentet er tomt")
    media_type = sniff(data)
    if media_type == XML:
        invoice, embedded = _capture_xml(data, max_bytes, CaptureSource.EHF)
        return CaptureResult(media_type, invoice, embedded)
    if media_type == PDF:
        return _capture_pdf(data, max_bytes, hints)
    return CaptureResult(media_type, None)


def capture_scanned(
    data: bytes, media_type: str, hints: SupplierHints | None = None
) -> tuple[CanonicalInvoice, list[object]]:
    """OCR a scan or photo in the sandbox, then run the same extractor as for text PDFs."""
    from services.intake.ocr import OcrRefused, ocr_document
    from services.intake.sandbox import SandboxRefused, run_isolated

    try:
        pages = run_isolated(
            ocr_document, data, media_type, timeout_s=OCR_TIMEOUT_S, memory_mb=1536
        )
    except (OcrRefused, SandboxRefused) as exc:
        raise CaptureRefused(
            "FP-INTAKE-OCR",
            f"the scan could not be read: {exc}",
            f"det skannede dokumentet kunne ikke leses: {exc}",
        ) from exc
    if not any(page.words for page in pages):
        raise CaptureRefused(
            "FP-INTAKE-NOTEXT",
            "no text found: this does not look like an invoice",
            "fant ingen tekst: dette ser ikke ut som en faktura",
        )
    return _extract(pages, CaptureSource.OCR, hints), list(pages)


def _capture_xml(
    data: bytes, max_bytes: int, source: CaptureSource
) -> tuple[CanonicalInvoice, list[EmbeddedDocument]]:
    """UBL (EHF / Peppol BIS) or UN/CEFACT CII (Factur-X / ZUGFeRD 2): both are EN16931."""
    try:
        root = parse_untrusted(data, max_bytes)
    except UnsafeOrInvalidXml as exc:
        raise CaptureRefused("FP-INTAKE-XML", str(exc), f"XML-filen kan ikke leses: {exc}") from exc
    if is_cii(root):
        return capture_cii(root, source), cii_embedded_documents(root)
    try:
        document_kind(root)
    except NotUblInvoice as exc:
        raise CaptureRefused(
            "FP-INTAKE-XML",
            f"{exc}, nor a UN/CEFACT CrossIndustryInvoice (Factur-X/ZUGFeRD)",
            f"XML-filen er verken en EHF-faktura (UBL) eller en Factur-X/ZUGFeRD-faktura ({exc})",
        ) from exc
    return capture(root, source), ehf_embedded_documents(root)


def _capture_pdf(data: bytes, max_bytes: int, hints: SupplierHints | None) -> CaptureResult:
    from services.intake.pdftext import PdfRefused, has_text_layer
    from services.intake.sandbox import (
        SandboxRefused,
        embedded_xml_isolated,
        pdf_pages_isolated,
    )

    try:
        xml = embedded_xml_isolated(data)
        if xml is not None:
            try:
                invoice, embedded = _capture_xml(xml, max_bytes, CaptureSource.PDF_EMBEDDED)
                if invoice.provenance:  # an empty shell of XML must not beat a readable text
                    return CaptureResult(PDF, invoice, embedded)
            except CaptureRefused:
                pass  # not an invoice we read (e.g. ZUGFeRD 1.0); the text layer decides
        pages = pdf_pages_isolated(data)
    except (PdfRefused, SandboxRefused) as exc:
        raise CaptureRefused("FP-INTAKE-PDF", str(exc), f"PDF-filen kan ikke leses: {exc}") from exc
    if not has_text_layer(pages):
        return CaptureResult(PDF, None)
    return CaptureResult(PDF, _extract(pages, CaptureSource.PDF_TEXT, hints), pages=pages)


def _extract(
    pages: list[PageText], source: CaptureSource, hints: SupplierHints | None
) -> CanonicalInvoice:
    """The extractor runs on plain words, but a bug in it must still end in a clear refusal."""
    from services.intake.extractor import extract_invoice

    try:
        return extract_invoice(pages, source, hints)
    except Exception as exc:  # an extractor bug must not become a 500 or a lost document
        raise CaptureRefused(
            "FP-INTAKE-EXTRACT",
            f"the extractor failed on this document ({type(exc).__name__})",
            f"fakturaen kunne ikke tolkes ({type(exc).__name__})",
        ) from exc
